/**
 * The room router's configuration, run by a real HAProxy on loopback: the generated file passes
 * HAProxy's own check together with the peers section the entrypoint writes, and two peered
 * routers keep every live room on its shard through a rolling restart that adds a shard.
 * Needs the `haproxy` binary (.ci/run installs Debian's).
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { haproxyConfig, PEERS_SECTION, ROUTER_ENTRYPOINT, RouterBackend } from "../lib/haproxy";

function haproxyBinary(): string | undefined {
    try {
        return execFileSync("sh", ["-c", "command -v haproxy"], { encoding: "utf8" }).trim();
    } catch {
        return undefined;
    }
}

/**
 * A free port below the kernel's ephemeral range (32768 and up on Linux), so that no outgoing
 * connection takes it while a router restarts on it.
 */
async function freePort(): Promise<number> {
    for (;;) {
        const port = 20000 + Math.floor(Math.random() * 12000);
        const free = await new Promise<boolean>((resolve) => {
            const srv = net.createServer();
            srv.once("error", () => resolve(false));
            srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
        });
        if (free) return port;
    }
}

/** A stand-in for a shard's web Service: answers every request with the shard's name. */
async function shardServer(name: string): Promise<{ server: http.Server; port: number }> {
    const server = http.createServer((_req, res) => res.end(name));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { server, port: (server.address() as net.AddressInfo).port };
}

function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: urlPath, agent: false }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

/**
 * Polls until `check` holds. Peers reconnect on a 5-second timer and resync after that, so the
 * bound is generous for a loaded machine; on timeout the routers' logs say what they were doing.
 */
async function waitFor(what: string, check: () => Promise<boolean>, logs: () => string = () => "", ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await check().catch(() => false)) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}\n${logs()}`);
}

function adminCommand(socket: string, command: string): Promise<string> {
    return new Promise((resolve, reject) => {
        let out = "";
        const conn = net.createConnection(socket, () => conn.end(`${command}\n`));
        conn.on("data", (d) => (out += d));
        conn.on("end", () => resolve(out));
        conn.on("error", reject);
    });
}

interface Router {
    name: string;
    http: number;
    stats: number;
    peer: number;
    socket: string;
    process?: ChildProcess;
}

describe("room router on a real HAProxy", function () {
    this.timeout(180_000);
    let dir: string;
    let haproxy: string;
    const shards: { name: string; server: http.Server; port: number }[] = [];
    const running: ChildProcess[] = [];

    before(async function () {
        const found = haproxyBinary();
        if (!found) {
            // CI installs it (.ci/run) and must never skip; a fresh developer machine may not have it yet.
            if (process.env.CI) throw new Error("haproxy is not installed; .ci/run installs it with apt-get");
            console.warn("    haproxy not installed (apt-get install haproxy): skipping the live router tests");
            this.skip();
        }
        haproxy = found;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "router-test-"));
        for (const name of ["shard-0", "shard-1", "shard-2"]) shards.push({ name, ...(await shardServer(name)) });
    });

    after(() => {
        for (const p of running) p.kill("SIGKILL");
        for (const s of shards) s.server.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    function backends(count: number): RouterBackend[] {
        return shards.slice(0, count).map((s, index) => ({ name: s.name, index, address: "127.0.0.1", port: s.port }));
    }

    it("accepts the generated configuration with the peers section the entrypoint writes", () => {
        const cfgDir = fs.mkdtempSync(path.join(dir, "check-"));
        fs.writeFileSync(path.join(cfgDir, "haproxy.cfg"), haproxyConfig(backends(3)));
        // Stand-in for the real binary: the same entrypoint, but HAProxy only checks the files.
        const bin = path.join(cfgDir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "haproxy"),
            `#!/bin/sh\nexec ${haproxy} -c $(echo "$@" | sed -e 's#-db##' -e 's#/usr/local/etc/haproxy#${cfgDir}#')\n`,
            { mode: 0o755 },
        );
        const out = execFileSync("sh", ["-c", ROUTER_ENTRYPOINT], {
            encoding: "utf8",
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                TMPDIR: cfgDir,
                HOSTNAME: "router-0",
                ROUTER_NAME: "router",
                ROUTER_REPLICAS: "2",
                ROUTER_PEERS_SERVICE: "router-peers",
                POD_NAMESPACE: "jitsi",
                CLUSTER_DOMAIN: "cluster.invalid",
                PEER_WAIT_SECONDS: "1",
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        assert.match(out, /Configuration file is valid/);
        const peers = fs.readFileSync(path.join(cfgDir, "peers.cfg"), "utf8");
        // The unresolvable peer is left out rather than stopping the start.
        assert.strictEqual(peers, `peers ${PEERS_SECTION}\n    bind :10000\n    server router-0\n`);
    });

    async function start(router: Router, peers: Router[], shardCount: number): Promise<void> {
        const cfg = path.join(dir, `${router.name}-${shardCount}.cfg`);
        // This machine's descriptor limit is below what the production maxconn needs.
        fs.writeFileSync(cfg, haproxyConfig(backends(shardCount), { ...router, maxconn: 2000 }));
        const extra = path.join(dir, `${router.name}-peers.cfg`);
        fs.writeFileSync(
            extra,
            [
                "global",
                `    stats socket ${router.socket} mode 600 level admin`,
                `peers ${PEERS_SECTION}`,
                `    bind 127.0.0.1:${router.peer}`,
                ...peers.map((p) => (p === router ? `    server ${p.name}` : `    server ${p.name} 127.0.0.1:${p.peer}`)),
                "",
            ].join("\n"),
        );
        const log = fs.openSync(path.join(dir, `${router.name}.log`), "a");
        const proc = spawn(haproxy, ["-db", "-L", router.name, "-f", cfg, "-f", extra], { stdio: ["ignore", log, log] });
        fs.closeSync(log);
        running.push(proc);
        router.process = proc;
        await waitFor(`${router.name} to serve`, async () => (await get(router.stats, "/healthz")).status === 200, routerLogs);
    }

    async function stop(router: Router): Promise<void> {
        const proc = router.process!;
        await new Promise<void>((r) => {
            proc.once("exit", () => r());
            // What the kubelet sends; it does not honour the image's STOPSIGNAL.
            proc.kill("SIGTERM");
        });
    }

    function routerLogs(): string {
        return fs.readdirSync(dir).filter((f) => f.endsWith(".log"))
            .map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, f), "utf8").split("\n").slice(-20).join("\n")}`)
            .join("\n");
    }

    async function tableSize(router: Router): Promise<number> {
        const out = await adminCommand(router.socket, "show table shards");
        return Number(/size:\d+, used:(\d+)/.exec(out)?.[1] ?? -1);
    }

    async function shardOf(router: Router, room: string): Promise<string> {
        const res = await get(router.http, `/http-bind?room=${room}`);
        assert.strictEqual(res.status, 200);
        return res.body;
    }

    async function newRouter(name: string): Promise<Router> {
        return { name, http: await freePort(), stats: await freePort(), peer: await freePort(), socket: path.join(dir, `${name}.sock`) };
    }

    it("keeps every live room on its shard while a rolling restart adds a shard", async () => {
        const a = await newRouter("router-0");
        const b = await newRouter("router-1");
        const peers = [a, b];
        await start(a, peers, 2);
        await start(b, peers, 2);

        const rooms = Array.from({ length: 40 }, (_, i) => `room${i}`);
        const placed = new Map<string, string>();
        for (const [i, room] of rooms.entries()) placed.set(room, await shardOf(i % 2 ? a : b, room));
        assert.deepStrictEqual(new Set(placed.values()), new Set(["shard-0", "shard-1"]), "rooms are spread over both shards");
        await waitFor("both routers to share the table", async () => (await tableSize(a)) === 40 && (await tableSize(b)) === 40, routerLogs);

        // Rolling restart with a third shard: one router at a time, each learning the table from its peer.
        await stop(a);
        await start(a, peers, 3);
        await waitFor("router-0 to relearn the table", async () => (await tableSize(a)) === 40, routerLogs);
        await stop(b);
        await start(b, peers, 3);
        await waitFor("router-1 to relearn the table", async () => (await tableSize(b)) === 40, routerLogs);

        for (const room of rooms) {
            assert.strictEqual(await shardOf(a, room), placed.get(room), `${room} moved (router-0)`);
            assert.strictEqual(await shardOf(b, room), placed.get(room), `${room} moved (router-1)`);
        }

        // Without the shared table the hash alone would have moved some of these rooms to shard-2.
        const fresh = await newRouter("fresh");
        await start(fresh, [fresh], 3);
        const moved = [];
        for (const room of rooms) if ((await shardOf(fresh, room)) !== placed.get(room)) moved.push(room);
        assert.ok(moved.length > 0, "the test proves nothing: the hash alone keeps every room");

        // New rooms reach the new shard, and both routers agree on where they go.
        const newRooms = Array.from({ length: 30 }, (_, i) => `new-room${i}`);
        const newPlaced = await Promise.all(newRooms.map((room) => shardOf(a, room)));
        assert.ok(newPlaced.includes("shard-2"), "no new room reached the new shard");
        for (const [i, room] of newRooms.entries()) assert.strictEqual(await shardOf(b, room), newPlaced[i]);
    });
});
