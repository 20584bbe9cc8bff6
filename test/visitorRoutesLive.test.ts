/**
 * The visitors' route on a real nginx (Debian's), as web's nginx serves it: the rendered
 * nginx-custom file included in a server block that, like meet.conf, has its own exact locations for
 * /http-bind and /xmpp-websocket. A request carrying `vnode` reaches that node of the room's shard,
 * the rest reach the main prosody, and the internal locations are not reachable from outside.
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
        // As meet.conf: the custom files first, then its own exact BOSH and WebSocket locations.
        nginx = await startWebNginx(dir, web, port, path.join(dir, "nginx-custom"), [
            `location = /http-bind { proxy_pass http://127.0.0.1:${main.port}; }`,
            `location = /xmpp-websocket { proxy_pass http://127.0.0.1:${main.port}; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; }`,
        ]);
    });

    after(() => {
        nginx?.kill();
        for (const s of standIns) s.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("sends a visitor's BOSH to the node its client names, with the room and every parameter", async () => {
        for (let i = 0; i < VISITORS.nodesPerShard; i++) {
            const r = await get(port, `/http-bind?room=assembly&vnode=v${i}`);
            assert.deepStrictEqual(r, { status: 200, body: `node-${i} /http-bind?room=assembly&vnode=v${i} -` });
        }
    });

    it("upgrades a visitor's WebSocket to its node", async () => {
        const { body } = await get(port, "/xmpp-websocket?room=assembly&vnode=v1", { Connection: "Upgrade", Upgrade: "websocket" });
        assert.strictEqual(body, "node-1 /xmpp-websocket?room=assembly&vnode=v1 websocket");
    });

    it("leaves participants, and a node the shard does not have, with the main prosody", async () => {
        assert.strictEqual((await get(port, "/http-bind?room=assembly")).body, "main /http-bind?room=assembly -");
        assert.strictEqual((await get(port, `/http-bind?room=assembly&vnode=v${VISITORS.nodesPerShard}`)).body, `main /http-bind?room=assembly&vnode=v${VISITORS.nodesPerShard} -`);
    });

    it("does not serve its internal locations to anyone outside", async () => {
        assert.strictEqual((await get(port, "/_visitors/v0/http-bind")).status, 404);
    });
});
