/**
 * The room router's configuration, run by a real HAProxy on loopback: the generated file passes
 * HAProxy's own check together with the peers section the entrypoint writes; two peered routers keep
 * every live room on its shard through a rolling restart that adds a shard, and through one that
 * drains a shard, which then gets no new room; a shard whose health check fails stops getting new
 * rooms within the bound; every spelling of a room reaches one shard, a Jigasi call's connection included.
 * Needs the `haproxy` binary (.ci/run installs Debian's).
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { detectionBoundMs, haproxyConfig, PEERS_SECTION, ROUTER_ENTRYPOINT, RouterBackend } from "../lib/haproxy";
import { readStackFile, runProgram, runProgramOk } from "./harness";
import { commandPath, freePort, get, standIn, waitFor } from "./loopback";
import { envValue, named } from "./objects";
import { GATEWAY_VARIANTS } from "./variants";
import { asContainer, cannotRunAsPod } from "./podProcess";

interface StandInShard {
    name: string;
    server: http.Server;
    port: number;
    /** What its /about/health answers: 200, or jicofo's 500 when it has no bridge or lost prosody. */
    health: number;
}

/** A stand-in for a shard's web Service: answers /about/health as configured, and anything else with the shard's name. */
async function shardServer(name: string): Promise<StandInShard> {
    const shard = { name, health: 200 } as StandInShard;
    const { server, port } = await standIn((req, res) => {
        if (req.url === "/about/health") {
            res.statusCode = shard.health;
            res.end(shard.health === 200 ? "OK" : "No operational bridges available");
            return;
        }
        res.end(name);
    });
    return Object.assign(shard, { server, port });
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
    /** The setpriv prefix that gives HAProxy the router container's uid and capabilities. */
    let asRouter: string[] = [];
    const shards: StandInShard[] = [];
    const running: ChildProcess[] = [];

    before(async function () {
        const found = commandPath("haproxy");
        if (!found) {
            // CI installs it (.ci/run) and must never skip; a fresh developer machine may not have it yet.
            if (process.env.CI) throw new Error("haproxy is not installed; .ci/run installs it with apt-get");
            console.warn("    haproxy not installed (apt-get install haproxy): skipping the live router tests");
            this.skip();
        }
        haproxy = found;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "router-test-"));
        // As the router pod runs it: HAProxy's uid, no capability, no escalation (where this runs as root, as CI does).
        if (!cannotRunAsPod()) {
            const run = await runProgram(readStackFile("production"));
            asRouter = asContainer(named(run, "StatefulSet", "router").spec.template.spec.containers[0]);
            fs.chmodSync(dir, 0o777);
        } else {
            console.warn(`    ${cannotRunAsPod()}: HAProxy runs as this user, not as the router pod's`);
        }
        for (const name of ["shard-0", "shard-1", "shard-2"]) shards.push(await shardServer(name));
    });

    after(() => {
        for (const p of running) p.kill("SIGKILL");
        for (const s of shards) s.server.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    function backends(count: number, drained: string[] = []): RouterBackend[] {
        return shards.slice(0, count).map((s, index) => ({ name: s.name, index, address: "127.0.0.1", port: s.port, drain: drained.includes(s.name) }));
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

    async function start(router: Router, peers: Router[], shardCount: number, drained: string[] = []): Promise<void> {
        const cfg = path.join(dir, `${router.name}-${shardCount}-${drained.join("-")}.cfg`);
        // This machine's descriptor limit is below what the production maxconn needs.
        fs.writeFileSync(cfg, haproxyConfig(backends(shardCount, drained), { ...router, maxconn: 2000 }));
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
        const [cmd, ...args] = [...asRouter, haproxy, "-db", "-L", router.name, "-f", cfg, "-f", extra];
        const proc = spawn(cmd, args, { stdio: ["ignore", log, log] });
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

    /** Two routers peered with each other, as the router StatefulSet's two replicas are. */
    async function startPair(names: [string, string], shardCount: number): Promise<[Router, Router]> {
        const pair: [Router, Router] = [await newRouter(names[0]), await newRouter(names[1])];
        for (const router of pair) await start(router, pair, shardCount);
        return pair;
    }

    it("keeps every live room on its shard while a rolling restart adds a shard", async () => {
        const peers = await startPair(["router-0", "router-1"], 2);
        const [a, b] = peers;

        const rooms = Array.from({ length: 40 }, (_, i) => `room${i}`);
        const placed = await placeRooms([b, a], rooms);
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

    /** A server's state in one backend, from the admin socket's CSV (`status` is the 18th field). */
    async function serverStatus(router: Router, backend: string, server: string): Promise<string> {
        const csv = await adminCommand(router.socket, "show stat");
        return csv.split("\n").find((l) => l.startsWith(`${backend},${server},`))?.split(",")[17] ?? "";
    }

    async function placeRooms(routers: Router[], rooms: string[]): Promise<Map<string, string>> {
        const placed = new Map<string, string>();
        for (const [i, room] of rooms.entries()) placed.set(room, await shardOf(routers[i % routers.length], room));
        return placed;
    }

    async function allUp(router: Router, count: number): Promise<void> {
        await waitFor(`${router.name}'s shards to pass their health checks`, async () => {
            const states = await Promise.all(shards.slice(0, count).map((s) => serverStatus(router, "shards", s.name)));
            return states.every((st) => st === "UP");
        }, routerLogs);
    }

    it("keeps a drained shard's live rooms and places no new room there, through the rolling update that drains it", async () => {
        const peers = await startPair(["drain-0", "drain-1"], 2);
        const [a, b] = peers;
        await allUp(a, 2);
        await allUp(b, 2);

        const rooms = Array.from({ length: 40 }, (_, i) => `lesson${i}`);
        const placed = await placeRooms(peers, rooms);
        const onDrained = rooms.filter((r) => placed.get(r) === "shard-1");
        assert.ok(onDrained.length > 0 && onDrained.length < rooms.length, "rooms are spread over both shards");
        await waitFor("both routers to share the table", async () => (await tableSize(a)) === 40 && (await tableSize(b)) === 40, routerLogs);

        // What `shards[1].drain: true` and `pulumi up` do: the routers roll one at a time with shard-1 at weight 0.
        await stop(a);
        await start(a, peers, 2, ["shard-1"]);
        await waitFor("drain-0 to relearn the table", async () => (await tableSize(a)) === 40, routerLogs);
        await stop(b);
        await start(b, peers, 2, ["shard-1"]);
        await waitFor("drain-1 to relearn the table", async () => (await tableSize(b)) === 40, routerLogs);

        let kept = 0;
        for (const room of rooms) {
            const [viaA, viaB] = [await shardOf(a, room), await shardOf(b, room)];
            if (viaA === placed.get(room) && viaB === placed.get(room)) kept++;
        }
        assert.strictEqual(kept, rooms.length, `${rooms.length - kept} live rooms moved`);

        const fresh = Array.from({ length: 40 }, (_, i) => `after-drain${i}`);
        const newPlaced = await placeRooms(peers, fresh);
        assert.deepStrictEqual(fresh.filter((r) => newPlaced.get(r) === "shard-1"), [], "a new room went to the drained shard");
        console.log(`      drained shard-1 kept ${onDrained.length} of ${onDrained.length} live rooms on both routers and got 0 of ${fresh.length} new ones`);
        // Requests without a room (the page, its files) are spread over the shards that take new rooms.
        const pages = await Promise.all(Array.from({ length: 20 }, (_, i) => get(i % 2 ? a.http : b.http, `/static/app.js?v=${i}`)));
        assert.deepStrictEqual(new Set(pages.map((p) => `${p.status} ${p.body}`)), new Set(["200 shard-0"]));
    });

    it("stops placing new rooms on a shard whose health check fails, within the bound, and sends its rooms elsewhere", async () => {
        const r = await newRouter("health-0");
        await start(r, [r], 2);
        await allUp(r, 2);
        const rooms = Array.from({ length: 20 }, (_, i) => `before-failure${i}`);
        const placed = await placeRooms([r], rooms);
        const stuck = rooms.filter((room) => placed.get(room) === "shard-0");
        assert.ok(stuck.length > 0, "no room landed on shard-0");

        // jicofo reports no operational bridge (or prosody stopped answering): web's /about/health fails.
        const started = Date.now();
        shards[0].health = 500;
        try {
            await waitFor("shard-0 to be marked down", async () => (await serverStatus(r, "shards", "shard-0")).startsWith("DOWN"), routerLogs, 20_000);
            const elapsed = Date.now() - started;
            console.log(`      shard-0 stopped getting new rooms ${elapsed} ms after its health check failed (bound ${detectionBoundMs()} ms, plus jicofo's own 10 s interval for a lost bridge)`);
            assert.ok(elapsed <= 15_000, `took ${elapsed} ms`);

            const fresh = await placeRooms([r], Array.from({ length: 40 }, (_, i) => `during-failure${i}`));
            assert.deepStrictEqual([...fresh.values()].filter((s) => s === "shard-0"), [], "a new room went to the failed shard");
            // Its rooms cannot go on there (no focus or no bridge): their next request is sent to a healthy shard.
            for (const room of stuck) assert.strictEqual(await shardOf(r, room), "shard-1", `${room} stayed on the failed shard`);

            // With no shard healthy, the page still comes from a shard whose web answers: people see Jitsi's own error.
            shards[1].health = 500;
            await waitFor("shard-1 to be marked down", async () => (await serverStatus(r, "shards", "shard-1")).startsWith("DOWN"), routerLogs, 20_000);
            const page = await get(r.http, "/");
            assert.strictEqual(page.status, 200);
            assert.match(page.body, /^shard-[01]$/);
        } finally {
            shards[0].health = 200;
            shards[1].health = 200;
        }
        await allUp(r, 2);
    });

    it("sends every spelling of a room that prosody takes for one conference to one shard", async () => {
        const [a, b] = await startPair(["spelling-0", "spelling-1"], 3);
        await allUp(a, 3);
        // Case of letters and escapes, and double percent-encoding, as clients and links produce them.
        const spellings = (i: number) => [
            [`math%20class${i}`, `Math%20Class${i}`, `MATH%20CLASS${i}`, `math%2520class${i}`, `Math%2520CLASS${i}`],
            [`%c3%a4rger${i}%c3%bc`, `%C3%A4RGER${i}%C3%BC`, `%25c3%25a4rger${i}%25C3%25BC`],
        ];
        const groups = Array.from({ length: 10 }, (_, i) => spellings(i)).flat();
        const where = new Set<string>();
        for (const group of groups) {
            const first = await shardOf(a, group[0]);
            where.add(first);
            for (const spelling of group.slice(1)) {
                assert.strictEqual(await shardOf(a, spelling), first, `${spelling} left ${group[0]}'s shard (router spelling-0)`);
            }
        }
        // One table entry per room, however it was spelt.
        assert.strictEqual(await tableSize(a), groups.length);
        await waitFor("spelling-1 to learn the table", async () => (await tableSize(b)) === groups.length, routerLogs);
        for (const group of groups) {
            const first = await shardOf(a, group[0]);
            for (const spelling of group) assert.strictEqual(await shardOf(b, spelling), first, `${spelling} (router spelling-1)`);
        }
        assert.ok(where.size > 1, "every room landed on one shard: the test proves nothing");
    });

    it("sends a Jigasi call's conference connection to the shard of its room's participants", async () => {
        // The URL as the gateway builds it (JvbConference.createAccountPropertiesForCallId): the rendered
        // BOSH_URL_PATTERN with {roomName} replaced, then its room parameter set again, form-encoded, by
        // Apache's URIBuilder. The room is the MUC JID's local part, which jitsi-meet made percent-encoded.
        const gateway = named(await runProgramOk(GATEWAY_VARIANTS["SIP only"]()), "StatefulSet", "jigasi").spec.template.spec.containers[0];
        const pattern = new URL(envValue(gateway, "BOSH_URL_PATTERN")!);
        assert.strictEqual(pattern.hostname, "router.jitsi.svc.cluster.local");
        const jigasiPath = (room: string) => {
            const url = new URL(pattern.href.replace("{roomName}", room));
            url.search = new URLSearchParams({ room }).toString();
            return `${url.pathname}${url.search}`;
        };
        const [a] = await startPair(["jigasi-0", "jigasi-1"], 3);
        await allUp(a, 3);
        const rooms = Array.from({ length: 12 }, (_, i) => [`class${i}`, `math%20class${i}`, `%c3%a4rger${i}`]).flat();
        const where = new Set<string>();
        for (const room of rooms) {
            const participants = await shardOf(a, room);
            const call = await get(a.http, jigasiPath(room));
            assert.strictEqual(call.status, 200);
            assert.strictEqual(call.body, participants, `${jigasiPath(room)} left ${room}'s shard`);
            where.add(participants);
        }
        assert.ok(where.size > 1, "every room landed on one shard: the test proves nothing");
    });
});
