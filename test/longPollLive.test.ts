/**
 * A BOSH long poll through the whole path as the cluster runs it: the ingress timeouts as rendered, the
 * room router on a real HAProxy (its rendered configuration), web's nginx as the web container runs it
 * (with the rendered nginx-custom files and meet.conf's /http-bind location), and a stand-in prosody
 * that holds the poll as prosody does when it has nothing to say. Needs haproxy and nginx (.ci/run
 * installs both) and root for setpriv. Takes about 65 seconds: the poll is held past 60 s, where
 * nginx's default proxy_read_timeout and the router's former `timeout server` cut it.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { BOSH_HOLD, haproxyConfig, PEERS_SECTION } from "../lib/haproxy";
import { readStackFile, runProgramOk } from "./harness";
import { freePort, get, standIn, waitFor, haproxyPath, missingCommands } from "./loopback";
import { named, Obj } from "./objects";
import { asContainer, cannotRunAsPod } from "./podProcess";
import { startWebNginx } from "./webNginx";

/** Prosody answers an idle poll after the client's wait (Strophe asks for 60 s), on its one-second timer: a little later. */
const HELD_MS = (BOSH_HOLD.clientWaitS + 2) * 1000;

function post(port: number, urlPath: string, body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: urlPath, method: "POST", agent: false, headers: { "content-type": "text/xml; charset=utf-8" } }, (res) => {
            let got = "";
            res.on("data", (c) => (got += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: got }));
        });
        req.on("error", reject);
        req.end(body);
    });
}

/**
 * What the timeouts rest on, read at the pinned versions:
 * - Strophe (jitsi-meet's XMPP library), strophe.js: `connect(..., wait)` defaults wait to 60 s and
 *   `TIMEOUT: 1.1`: a request not answered after 1.1 x wait is given up and sent again.
 * - prosody mod_bosh.lua (0.12 and 13): `bosh_max_wait` defaults to 120 s; the prosody image's
 *   templates (docker-jitsi-meet stable-11146-2 prosody/rootfs/defaults) set no bosh_max_wait, so a
 *   poll is held for the client's 60 s, answered on mod_bosh's one-second timer.
 * - web's nginx (stable-11146-2 web/rootfs/defaults/meet.conf lines 79-84, nginx.conf): no
 *   proxy_read_timeout anywhere, so nginx's default of 60 s applied to /http-bind and /xmpp-websocket.
 * - lib-jitsi-meet modules/xmpp/strophe.ping.js: PING_DEFAULT_INTERVAL 10000: an XMPP WebSocket
 *   carries a ping every 10 s, so nginx's read timeout on /xmpp-websocket never meets an idle socket.
 * - ingress-nginx helm-chart-4.15.1 internal/ingress/controller/config/config.go lines 859-860:
 *   proxy-read-timeout and proxy-send-timeout default to 60 s; the Ingress sets both.
 */
const UPSTREAM = { xmppPingIntervalS: 10, stropheWaitS: 60, stropheTimeoutFactor: 1.1, prosodyBoshMaxWaitS: 120, nginxDefaultReadS: 60, ingressDefaultReadS: 60 } as const;

describe("timeouts on a BOSH poll's way, as rendered", () => {
    let run: Awaited<ReturnType<typeof runProgramOk>>;
    before(async () => {
        run = await runProgramOk(readStackFile("production"));
    });

    it("sets every timeout on the way above the longest poll a client waits for", () => {
        const ingress = named(run, "Ingress", "jitsi").metadata.annotations;
        const cfg: string = named(run, "ConfigMap", "router-config").data["haproxy.cfg"];
        const seconds = (name: string) => Number(new RegExp(`timeout ${name} (\\d+)s`).exec(cfg)?.[1]);
        const web: string = named(run, "ConfigMap", "shard-0-web-config").data["shard-health.conf"];
        const nginxRead = Number(/^proxy_read_timeout (\d+)s;$/m.exec(web)?.[1]);
        assert.ok(BOSH_HOLD.clientGiveUpS >= UPSTREAM.stropheWaitS * UPSTREAM.stropheTimeoutFactor);
        assert.ok(BOSH_HOLD.clientWaitS <= UPSTREAM.prosodyBoshMaxWaitS, "prosody holds a poll for the client's whole wait");
        assert.ok(nginxRead > BOSH_HOLD.clientGiveUpS, `web's nginx reads for ${nginxRead} s`);
        assert.ok(seconds("server") > nginxRead, `router: timeout server ${seconds("server")} s`);
        assert.ok(seconds("client") >= seconds("server"));
        assert.ok(Number(ingress["nginx.ingress.kubernetes.io/proxy-read-timeout"]) > seconds("server"));
        assert.ok(Number(ingress["nginx.ingress.kubernetes.io/proxy-send-timeout"]) > seconds("server"));
        // XMPP over WebSocket: the router's tunnel outlasts the ingress controller's idle timeout.
        assert.match(cfg, /^\s+timeout tunnel 2h$/m);
        assert.ok(2 * 3600 >= Number(ingress["nginx.ingress.kubernetes.io/proxy-read-timeout"]));
    });

    it("lets no hop fall back to a 60 s default", () => {
        const web: string = named(run, "ConfigMap", "shard-0-web-config").data["shard-health.conf"];
        assert.ok(Number(/^proxy_read_timeout (\d+)s;$/m.exec(web)?.[1]) > UPSTREAM.nginxDefaultReadS);
        const ingress = named(run, "Ingress", "jitsi").metadata.annotations;
        assert.ok(Number(ingress["nginx.ingress.kubernetes.io/proxy-read-timeout"]) > UPSTREAM.ingressDefaultReadS);
        // The WebSocket through web's nginx inherits the same read timeout: several pings fit in it.
        assert.ok(BOSH_HOLD.webReadTimeoutS >= 3 * UPSTREAM.xmppPingIntervalS);
    });
});

describe("a BOSH long poll through the router and web's nginx", function () {
    this.timeout(120_000);
    const missing = missingCommands(["haproxy", "nginx"]);
    const notAsPod = cannotRunAsPod();
    let dir: string;
    const daemons: ChildProcess[] = [];
    const servers: http.Server[] = [];
    let run: Awaited<ReturnType<typeof runProgramOk>>;
    let routerPort: number;

    before(async function () {
        if (missing.length > 0 || notAsPod) {
            if (process.env.CI) throw new Error(`${missing.join(", ") || notAsPod}: .ci/run installs haproxy and nginx and runs as root`);
            console.log(`      ${missing.length > 0 ? `${missing.join(", ")} not installed` : notAsPod}: skipping the live long-poll test`);
            this.skip();
        }
        run = await runProgramOk(readStackFile("production"));
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "long-poll-"));
        fs.chmodSync(dir, 0o777);

        // prosody: GET /http-bind (web's health check) at once; a POST (a poll) after HELD_MS.
        const prosody = await standIn((req, res) => {
            if (req.method === "GET") return void res.end("BOSH");
            req.resume();
            setTimeout(() => res.end("<body xmlns='http://jabber.org/protocol/httpbind'/>"), HELD_MS);
        });
        const jicofo = await standIn((_req, res) => res.end("OK"));
        servers.push(prosody.server, jicofo.server);

        const conf: string = named(run, "ConfigMap", "shard-0-web-config").data["shard-health.conf"];
        const custom = path.join(dir, "nginx-custom");
        fs.mkdirSync(custom);
        const local = conf.replace(/shard-0-jicofo:8888/g, `127.0.0.1:${jicofo.port}`).replace(/shard-0-prosody:5280/g, `127.0.0.1:${prosody.port}`);
        fs.writeFileSync(path.join(custom, "shard-health.conf"), local);
        const web: Obj = named(run, "Deployment", "shard-0-web").spec.template.spec.containers[0];
        const webPort = await freePort();
        // meet.conf's BOSH location (docker-jitsi-meet stable-11146-2 web/rootfs/defaults/meet.conf, lines 35 and 79-84):
        // it sets no proxy_read_timeout of its own.
        daemons.push(await startWebNginx(dir, web, webPort, custom, [
            'set $prefix "";',
            `location = /http-bind { proxy_set_header X-Forwarded-For $remote_addr; proxy_set_header Host meet.jitsi; proxy_pass http://127.0.0.1:${prosody.port}/http-bind?prefix=$prefix&$args; }`,
        ]));

        // The router with the shard's web as its one backend, as the router container runs it.
        routerPort = await freePort();
        const stats = await freePort();
        const cfg = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(cfg, haproxyConfig([{ name: "shard-0", index: 0, address: "127.0.0.1", port: webPort }], { http: routerPort, stats, maxconn: 2000 }));
        const peers = path.join(dir, "peers.cfg");
        fs.writeFileSync(peers, `peers ${PEERS_SECTION}\n    bind 127.0.0.1:${await freePort()}\n    server router-0\n`);
        const router: Obj = named(run, "StatefulSet", "router").spec.template.spec.containers[0];
        const [cmd, ...args] = [...asContainer(router), haproxyPath()!, "-db", "-L", "router-0", "-f", cfg, "-f", peers];
        const log = path.join(dir, "haproxy.log");
        const out = fs.openSync(log, "a");
        daemons.push(spawn(cmd, args, { stdio: ["ignore", out, out] }));
        fs.closeSync(out);
        await waitFor("the router to take rooms on shard-0", async () => (await get(routerPort, "/http-bind?room=warm-up", {})).status !== 503, () => fs.readFileSync(log, "utf8"));
    });

    after(() => {
        for (const d of daemons) d.kill("SIGKILL");
        for (const s of servers) s.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it(`answers a poll that prosody holds for ${HELD_MS / 1000} s with prosody's answer`, async () => {
        const started = Date.now();
        const res = await post(routerPort, "/http-bind?room=quiet-room", "<body rid='1' sid='s' xmlns='http://jabber.org/protocol/httpbind'/>");
        const took = Date.now() - started;
        assert.strictEqual(res.status, 200, `${res.status} after ${took} ms: ${res.body.slice(0, 200)}`);
        assert.match(res.body, /httpbind/);
        assert.ok(took >= HELD_MS, `answered after ${took} ms`);
        console.log(`      a poll held ${HELD_MS / 1000} s: prosody's answer reached the client after ${took} ms`);
    });
});
