/**
 * The shard's health check as the room router sees it, on a real nginx (Debian's, with the
 * auth_request module the web image's nginx-extras has too) run as the web container runs it, with
 * the rendered nginx-custom file, a real prosody answering BOSH, and a stand-in jicofo whose
 * /about/health answers what jicofo answers (200, 500 without a bridge, 503 while it cannot check).
 * Web answers 200 or, for any failure behind it, 404 (the router's drain: lib/haproxy.ts), within the
 * router's check timeout, and never to a request that came through the router.
 * Needs nginx and prosody (.ci/run installs both) and root for setpriv.
 */
import * as assert from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { readStackFile, runProgramOk } from "./harness";
import { startBoshProsody, writeBoshProsodyConfig } from "./boshProsody";
import { commandPath, freePort, get, standIn, waitFor } from "./loopback";
import { named, Obj } from "./objects";
import { cannotRunAsPod } from "./podProcess";
import { startWebNginx } from "./webNginx";
import { HEALTH_CHECK } from "../lib/haproxy";
import { NGINX_HEALTH_WORST_MS } from "../lib/shardHealth";



describe("a shard's health check on a real nginx and prosody", function () {
    this.timeout(60_000);
    const missing = ["nginx", "prosody"].filter((c) => !commandPath(c));
    const notAsPod = cannotRunAsPod();
    let dir: string;
    let nginx: ChildProcess | undefined;
    let prosody: ChildProcess | undefined;
    let jicofo: http.Server;
    let jicofoHealth = 200;
    let jicofoHang = false;
    let port: number;
    let prosodyPort: number;

    async function startProsody(): Promise<void> {
        prosody = await startBoshProsody(path.join(dir, "prosody.cfg.lua"), prosodyPort);
    }

    async function stopProsody(): Promise<void> {
        if (prosody?.pid) process.kill(-prosody.pid, "SIGTERM");
        await waitFor("prosody to stop", async () => get(prosodyPort, "/http-bind").then(() => false, () => true));
    }

    before(async function () {
        if (missing.length > 0 || notAsPod) {
            console.log(`      ${missing.length > 0 ? `${missing.join(", ")} not installed` : notAsPod}: skipping the live shard health tests`);
            this.skip();
        }
        const run = await runProgramOk(readStackFile("production"));
        const conf: string = named(run, "ConfigMap", "shard-0-web-config").data["shard-health.conf"];
        const web: Obj = named(run, "Deployment", "shard-0-web").spec.template.spec.containers[0];

        dir = fs.mkdtempSync(path.join(os.tmpdir(), "shard-health-"));
        fs.chmodSync(dir, 0o755);
        [port, prosodyPort] = [await freePort(), await freePort()];
        const standInJicofo = await standIn((req, res) => {
            if (jicofoHang) return;
            res.statusCode = req.url === "/about/health" ? jicofoHealth : 404;
            res.end(jicofoHealth === 200 ? "OK" : "No operational bridges available");
        });
        jicofo = standInJicofo.server;
        const jicofoPort = standInJicofo.port;

        // The rendered file, with the cluster's Service names replaced by the loopback stand-ins.
        const custom = path.join(dir, "nginx-custom");
        fs.mkdirSync(custom);
        const local = conf.replace(/shard-0-jicofo:8888/g, `127.0.0.1:${jicofoPort}`).replace(/shard-0-prosody:5280/g, `127.0.0.1:${prosodyPort}`);
        assert.notStrictEqual(local, conf, "the rendered file names neither jicofo's nor prosody's Service");
        fs.writeFileSync(path.join(custom, "shard-health.conf"), local);

        // Prosody with BOSH on loopback, as the shard's prosody serves it on 5280.
        writeBoshProsodyConfig(dir, prosodyPort, ['modules_enabled = { "bosh" }', 'VirtualHost "meet.jitsi"']);
        await startProsody();

        // nginx as the web container's user, including nginx-custom/*.conf in its server block as meet.conf does.
        // With meet.conf's last location (docker-jitsi-meet stable-11146-2 web/rootfs/defaults/meet.conf, the
        // ENABLE_SUBDOMAINS block's catch-all): /<tenant>/<anything> is rewritten to /<anything>.
        nginx = await startWebNginx(dir, web, port, custom, [`location ~ ^/([^/?&:'"]+)/(.*)$ { rewrite ^/([^/?&:'"]+)/(.*)$ /$2; }`]);
    });

    after(async () => {
        nginx?.kill();
        if (prosody?.pid) process.kill(-prosody.pid, "SIGTERM");
        jicofo?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("answers 200 while prosody answers BOSH and jicofo is healthy", async () => {
        jicofoHealth = 200;
        assert.deepStrictEqual(await get(port, "/about/health"), { status: 200, body: "OK" });
    });

    it("answers 404 without jicofo's reason when jicofo fails: 500 without a bridge, 503 while it cannot check", async () => {
        for (const status of [500, 503]) {
            jicofoHealth = status;
            assert.deepStrictEqual(await get(port, "/about/health"), { status: 404, body: "no new rooms\n" });
        }
        jicofoHealth = 200;
    });

    it("answers 404 while jicofo does not answer", async () => {
        const address = jicofo.address() as net.AddressInfo;
        await new Promise((r) => jicofo.close(r));
        try {
            assert.strictEqual((await get(port, "/about/health")).status, 404);
        } finally {
            await new Promise<void>((r) => jicofo.listen(address.port, "127.0.0.1", r));
        }
    });

    it("answers 404 within the router's check timeout while jicofo hangs", async () => {
        jicofoHang = true;
        try {
            const started = Date.now();
            assert.strictEqual((await get(port, "/about/health")).status, 404);
            const took = Date.now() - started;
            assert.ok(took < HEALTH_CHECK.timeoutMs, `took ${took} ms`);
            assert.ok(NGINX_HEALTH_WORST_MS < HEALTH_CHECK.timeoutMs);
            console.log(`      a hanging jicofo: 404 after ${took} ms (router's check timeout ${HEALTH_CHECK.timeoutMs} ms)`);
        } finally {
            jicofoHang = false;
        }
    });

    it("answers 404 while prosody does not answer, whatever jicofo says", async () => {
        jicofoHealth = 200;
        await stopProsody();
        try {
            assert.strictEqual((await get(port, "/about/health")).status, 404);
        } finally {
            await startProsody();
        }
        assert.strictEqual((await get(port, "/about/health")).status, 200);
    });

    it("answers 404 to a request that came through the router, however the path is spelt", async () => {
        jicofoHealth = 200;
        // Under a tenant too: the router does not refuse /<tenant>/about/health, and web rewrites it to /about/health.
        for (const spelling of ["/about/health", "/about/%68ealth", "//about/health", "/about/./health", "/school/about/health"]) {
            assert.strictEqual((await get(port, spelling, { "x-forwarded-for": "203.0.113.9" })).status, 404, spelling);
        }
        assert.strictEqual((await get(port, "/about/%68ealth")).status, 200, "nginx decodes the path before it matches the location");
        assert.deepStrictEqual(await get(port, "/school/about/health"), { status: 200, body: "OK" }, "the tenant spelling reaches the check");
    });

    it("serves the internal prosody check to nobody outside nginx", async () => {
        assert.strictEqual((await get(port, "/_shard_health_prosody")).status, 404);
    });
});
