/**
 * The visitors' route on a real nginx (Debian's), as web's nginx serves it: the rendered
 * nginx-custom file included in a server block that has meet.conf's own BOSH and WebSocket locations,
 * at the root and under a tenant (ENABLE_SUBDOMAINS, on by default). A request carrying `vnode`
 * reaches that node of the room's shard, with `prefix=<tenant>` as meet.conf passes it to the main
 * prosody; the rest reach the main prosody; the internal locations are not reachable from outside.
 * Needs nginx (.ci/run installs it).
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
import { startWebNginx } from "./webNginx";
import { visitorsVariant, VISITORS } from "./variants";

/**
 * What meet.conf (docker-jitsi-meet stable-11146-2, web/rootfs/defaults/meet.conf) has around the
 * nginx-custom include, for BOSH and WebSocket, with XMPP_BOSH_URL_BASE the main prosody's stand-in:
 * `set $prefix "";` (line 35) before the include (line 44); the exact locations (79-98), which pass
 * `?prefix=$prefix&$args`; the tenants' locations (185-201), which set `$prefix` and rewrite to the
 * exact ones; and the tenants' catch-all for room pages (244-248).
 */
function meetConf(main: number): { preamble: string[]; locations: string[] } {
    return {
        preamble: ['set $prefix "";'],
        locations: [
            `location = /http-bind { proxy_pass http://127.0.0.1:${main}/http-bind?prefix=$prefix&$args; }`,
            `location = /xmpp-websocket { proxy_http_version 1.1; proxy_set_header Connection "upgrade"; proxy_set_header Upgrade $http_upgrade; proxy_pass http://127.0.0.1:${main}/xmpp-websocket?prefix=$prefix&$args; }`,
            `location ~ ^/([^/?&:'"]+)/http-bind { set $prefix "$1"; rewrite ^/(.*)$ /http-bind; }`,
            `location ~ ^/([^/?&:'"]+)/xmpp-websocket { set $prefix "$1"; rewrite ^/(.*)$ /xmpp-websocket; }`,
            `location ~ ^/([^/?&:'"]+)/(.*)$ { rewrite ^/([^/?&:'"]+)/(.*)$ /$2; }`,
        ],
    };
}

/** A stand-in for a prosody's HTTP port: answers with its name, the path and the Upgrade header it got. */
function prosodyStandIn(name: string): Promise<{ server: http.Server; port: number }> {
    return standIn((req, res) => res.end(`${name} ${req.url} ${req.headers.upgrade ?? "-"}`));
}

describe("visitors' route on a real nginx", function () {
    this.timeout(60_000);
    const installed = commandPath("nginx") !== undefined;
    let dir: string;
    let nginx: ChildProcess | undefined;
    let port: number;
    const standIns: http.Server[] = [];

    before(async function () {
        if (!installed) {
            console.log("      nginx not installed (apt-get install nginx): skipping the live visitors' route tests");
            this.skip();
        }
        const run = await runProgramOk(visitorsVariant());
        let conf: string = named(run, "ConfigMap", "shard-0-web-config").data["visitors.conf"];
        const web: Obj = named(run, "Deployment", "shard-0-web").spec.template.spec.containers[0];
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "visitors-"));
        fs.chmodSync(dir, 0o755);
        // The shard's nodes as loopback stand-ins, in place of their Service names.
        for (let i = 0; i < VISITORS.nodesPerShard; i++) {
            const node = await prosodyStandIn(`node-${i}`);
            standIns.push(node.server);
            conf = conf.replaceAll(`shard-0-visitors-${i}:5280`, `127.0.0.1:${node.port}`);
        }
        const main = await prosodyStandIn("main");
        standIns.push(main.server);
        fs.mkdirSync(path.join(dir, "nginx-custom"));
        fs.writeFileSync(path.join(dir, "nginx-custom", "visitors.conf"), conf);
        port = await freePort();
        const meet = meetConf(main.port);
        nginx = await startWebNginx(dir, web, port, path.join(dir, "nginx-custom"), meet.locations, meet.preamble);
    });

    after(() => {
        nginx?.kill();
        for (const s of standIns) s.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("sends a visitor's BOSH to the node its client names, with the room and every parameter", async () => {
        for (let i = 0; i < VISITORS.nodesPerShard; i++) {
            const r = await get(port, `/http-bind?room=assembly&vnode=v${i}`);
            assert.deepStrictEqual(r, { status: 200, body: `node-${i} /http-bind?prefix=&room=assembly&vnode=v${i} -` });
        }
    });

    it("sends a tenant's visitor (/<tenant>/http-bind) to the node, passing the tenant as meet.conf does", async () => {
        for (let i = 0; i < VISITORS.nodesPerShard; i++) {
            const r = await get(port, `/school-a/http-bind?room=assembly&vnode=v${i}`);
            assert.deepStrictEqual(r, { status: 200, body: `node-${i} /http-bind?prefix=school-a&room=assembly&vnode=v${i} -` });
        }
    });

    it("upgrades a visitor's WebSocket to its node, at the root and under a tenant", async () => {
        const upgrade = { Connection: "Upgrade", Upgrade: "websocket" };
        assert.strictEqual((await get(port, "/xmpp-websocket?room=assembly&vnode=v1", upgrade)).body, "node-1 /xmpp-websocket?prefix=&room=assembly&vnode=v1 websocket");
        assert.strictEqual(
            (await get(port, "/school-a/xmpp-websocket?room=assembly&vnode=v0", upgrade)).body,
            "node-0 /xmpp-websocket?prefix=school-a&room=assembly&vnode=v0 websocket",
        );
    });

    it("leaves participants, and a node the shard does not have, with the main prosody, tenant and all", async () => {
        const absent = `v${VISITORS.nodesPerShard}`;
        assert.strictEqual((await get(port, "/http-bind?room=assembly")).body, "main /http-bind?prefix=&room=assembly -");
        assert.strictEqual((await get(port, "/school-a/http-bind?room=assembly")).body, "main /http-bind?prefix=school-a&room=assembly -");
        assert.strictEqual((await get(port, `/http-bind?room=assembly&vnode=${absent}`)).body, `main /http-bind?prefix=&room=assembly&vnode=${absent} -`);
        assert.strictEqual((await get(port, `/school-a/http-bind?room=assembly&vnode=${absent}`)).body, `main /http-bind?prefix=school-a&room=assembly&vnode=${absent} -`);
    });

    it("leaves a tenant's pages to meet.conf", async () => {
        assert.deepStrictEqual(await get(port, "/school-a/assembly?vnode=v0"), { status: 200, body: "the page" });
    });

    it("does not serve its internal locations to anyone outside", async () => {
        for (const internal of ["/_visitors/v0/http-bind/", "/_visitors/v0/http-bind/school-a", "/_visitors/v1/xmpp-websocket/?vnode=v1"]) {
            assert.strictEqual((await get(port, internal)).status, 404, internal);
        }
    });
});
