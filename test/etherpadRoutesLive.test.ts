/**
 * What web serves of Etherpad, on a real nginx (Debian's) run as the web container runs it: the rendered
 * etherpad.conf in nginx-custom, included before the image's own `location ^~ /etherpad/`, which proxies
 * the whole prefix to Etherpad's root (docker-jitsi-meet stable-11146-2 web/rootfs/defaults/meet.conf:
 * `include /run/web/config/nginx-custom/*.conf` at line 44, the Etherpad location at line 103). A stand-in
 * Etherpad records every path it receives. Routes from etherpad-lite v2.5.3 (src/node/hooks/express,
 * src/node/handler/RestAPI.ts, src/node/security/OAuth2Provider.ts). Needs nginx (.ci/debian-packages).
 */
import * as assert from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { runProgramOk } from "./harness";
import { commandPath, freePort, get, standIn } from "./loopback";
import { named, Obj } from "./objects";
import { ACCESS_VARIANTS } from "./variants";
import { startWebNginx } from "./webNginx";

describe("Etherpad behind web's nginx: the pads, and nothing else of Etherpad", function () {
    this.timeout(60_000);
    const installed = commandPath("nginx") !== undefined;
    let dir: string;
    let nginx: ChildProcess | undefined;
    let etherpad: http.Server;
    let port: number;
    const received: string[] = [];

    before(async function () {
        if (!installed) {
            console.log("      nginx not installed (apt-get install nginx): skipping the live Etherpad route tests");
            this.skip();
        }
        const run = await runProgramOk(ACCESS_VARIANTS["all extras"]());
        const conf: string = named(run, "ConfigMap", "shard-0-web-config").data["etherpad.conf"];
        const web: Obj = named(run, "Deployment", "shard-0-web").spec.template.spec.containers[0];
        const s = await standIn((req, res) => {
            received.push(req.url!);
            res.end(`etherpad ${req.url}`);
        });
        etherpad = s.server;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "etherpad-routes-"));
        fs.chmodSync(dir, 0o755);
        fs.mkdirSync(path.join(dir, "nginx-custom"));
        fs.writeFileSync(path.join(dir, "nginx-custom", "etherpad.conf"), conf);
        port = await freePort();
        // As meet.conf with ETHERPAD_URL_BASE set: the whole prefix to Etherpad's root.
        nginx = await startWebNginx(dir, web, port, path.join(dir, "nginx-custom"), [
            `location ^~ /etherpad/ { proxy_buffering off; proxy_http_version 1.1; proxy_pass http://127.0.0.1:${s.port}/; }`,
        ]);
    });

    after(() => {
        nginx?.kill();
        etherpad?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("serves a meeting's pad and everything its page loads", async () => {
        const pad = "0f6c1b1e4c9a4f2b8d3e5a7c9b1d2e3f";
        // The iframe's URL (jitsi-meet: etherpad_base + pad + its parameters), then what pad.html and its
        // scripts request relative to it (etherpad-lite v2.5.3 src/templates/pad.html, src/static/js).
        const used = [
            `/p/${pad}?showChat=false&showControls=true&userName=Ada`,
            "/static/css/pad.css",
            "/static/js/pad.js",
            "/locales.json",
            "/pluginfw/plugin-definitions.json",
            "/socket.io/?EIO=4&transport=polling",
            `/p/${pad}/timeslider`,
            `/p/${pad}/export/txt`,
            "/jserror",
            "/favicon.ico",
            // A pad may be called like a closed route: only the prefix after /etherpad/ counts.
            "/p/api",
            "/p/admin",
            "/p/Stats",
            "/Pad-like/but/not/closed",
        ];
        for (const p of used) {
            assert.deepStrictEqual(await get(port, `/etherpad${p}`), { status: 200, body: `etherpad ${p}` }, p);
        }
    });

    it("answers 404 for the API, the admin UI, the token issuer, the statistics and the start page, without asking Etherpad", async () => {
        received.length = 0;
        const closed = [
            "/api",
            "/api/1.3.0/listAllPads",
            "/api/2/pads",
            "/api/1.3.0/openapi.json",
            "/api-docs",
            "/api-docs.json",
            "/rest/1.3.0/openapi.json",
            "/admin",
            "/admin/pads",
            "/oidc/token",
            "/oidc/.well-known/openid-configuration",
            "/interaction/abc",
            "/views/login.html",
            "/stats",
            "/stats/prometheus",
            "/",
            // Etherpad's Express routes ignore case (express.ts creates express() without "case sensitive
            // routing", Express' default: /Admin is /admin) and nginx's prefix locations do not.
            "/API/1.3.0/listAllPads",
            "/Api",
            "/api-DOCS",
            "/REST/1.3.0/openapi.json",
            "/Admin",
            "/ADMIN/pads",
            "/OIDC/token",
            "/Interaction/abc",
            "/Views/login.html",
            "/Stats",
            "/STATS/prometheus",
            // nginx merges the slashes before it matches a location and proxies the merged path.
            "//api/1.3.0/listAllPads",
            "//",
        ];
        for (const p of closed) {
            assert.strictEqual((await get(port, `/etherpad${p}`)).status, 404, p);
        }
        assert.deepStrictEqual(received, []);
    });
});
