/**
 * The room router's configuration, run by a real HAProxy on loopback: the generated file passes
 * HAProxy's own check together with the peers section the entrypoint writes; two peered routers keep
 * every live room on its shard through a rolling restart that adds a shard (and agree on rooms created
 * mid-roll), through one that removes a shard (its rooms' entries are stored anew), and through one that
 * drains a shard, which then gets no new room; a shard whose signalling fails for a few seconds keeps
 * every room it held and gets no new one meanwhile; a shard whose web stops answering gets its rooms
 * back when it passes its checks again (a 404 keeps it DOWN); a page and the files it loads come from one shard; /about/health is not
 * served from outside; every spelling of a room reaches one shard, a Jigasi call's connection included.
 * Needs the `haproxy` binary (.ci/run installs Debian's).
 */
import * as assert from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { detectionBoundMs, drainBoundMs, HEALTH_CHECK, haproxyConfig, PEERS_SECTION, ROUTER_ENTRYPOINT, RouterBackend } from "../lib/haproxy";
import { readStackFile, runProgram, runProgramOk } from "./harness";
import { adminCommand, assertCheckClean, freePort, haproxyPath, haproxyVersion, get, standIn, startHaproxy, stopProcess, tailLogs, requireCommands, waitFor } from "./loopback";
import { envValue, named } from "./objects";
import { GATEWAY_VARIANTS } from "./variants";
import { asContainer, cannotRunAsPod } from "./podProcess";

interface StandInShard {
    name: string;
    server: http.Server;
    port: number;
    /** What its web answers on /about/health (lib/shardHealth.ts): 200, or 404 when its prosody or jicofo fails. */
    health: 200 | 404;
    /** False: its web does not answer at all (every connection is dropped). */
    answers: boolean;
    /** Paths of the client requests the router forwarded here (not its health checks). */
    seen: string[];
}

/** A stand-in for a shard's web Service: answers /about/health as configured, and anything else with the shard's name (its release). */
async function shardServer(name: string): Promise<StandInShard> {
    const shard = { name, health: 200, answers: true, seen: [] as string[] } as StandInShard;
    const { server, port } = await standIn((req, res) => {
        if (!shard.answers) {
            req.socket.destroy();
            return;
        }
        if (req.url === "/about/health") {
            res.statusCode = shard.health;
            res.end(shard.health === 200 ? "OK" : "no new rooms");
            return;
        }
        // What clients' requests brought (the frontend adds X-Forwarded-For: option forwardfor), not the router's own
        // checks of the pages backend (GET / every 5 s), which would land in a test's window at random.
        if (req.headers["x-forwarded-for"] !== undefined) shard.seen.push(req.url ?? "");
        res.end(name);
    });
    return Object.assign(shard, { server, port });
}

/** One GET, with the response's cookies: what a browser sends and keeps. */
function browserGet(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; setCookie: string[] }> {
    return new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: urlPath, agent: false, headers }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers["set-cookie"] ?? [] }));
        }).on("error", reject);
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
        requireCommands(this, ["haproxy"], "the live router tests");
        haproxy = haproxyPath()!;
        console.log(`      ${haproxyVersion(haproxy)}`);
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

    /** The first `count` shards, each keeping its number; `removed` ones are left out of the stack file. */
    function backends(count: number, drained: string[] = [], removed: string[] = []): RouterBackend[] {
        return shards.slice(0, count)
            .map((s, index) => ({ name: s.name, index, address: "127.0.0.1", port: s.port, drain: drained.includes(s.name) }))
            .filter((b) => !removed.includes(b.name));
    }

    it("accepts the generated configuration with the peers section the entrypoint writes", () => {
        const cfgDir = fs.mkdtempSync(path.join(dir, "check-"));
        fs.writeFileSync(path.join(cfgDir, "haproxy.cfg"), haproxyConfig(backends(3)));
        // Stand-in for the real binary: the same entrypoint, but HAProxy only checks the files. HAProxy names its
        // local peer after the host (gethostname), which in the pod is the pod's name, $HOSTNAME: -L says so here,
        // where the host has another name (without it HAProxy drops the whole peers section with a warning).
        const bin = path.join(cfgDir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "haproxy"),
            `#!/bin/sh\nexec ${haproxy} -c -L "$HOSTNAME" $(echo "$@" | sed -e 's#-db##' -e 's#/usr/local/etc/haproxy#${cfgDir}#')\n`,
            { mode: 0o755 },
        );
        const check = spawnSync("sh", ["-c", ROUTER_ENTRYPOINT], {
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
        assertCheckClean(check);
        const peers = fs.readFileSync(path.join(cfgDir, "peers.cfg"), "utf8");
        // The unresolvable peer is left out rather than stopping the start.
        assert.strictEqual(peers, `peers ${PEERS_SECTION}\n    bind :10000\n    server router-0\n`);
    });

    async function start(router: Router, peers: Router[], shardCount: number, drained: string[] = [], removed: string[] = []): Promise<void> {
        const cfg = path.join(dir, `${router.name}-${shardCount}-${drained.join("-")}-${removed.join("-")}.cfg`);
        // This machine's descriptor limit is below what the production maxconn needs.
        fs.writeFileSync(cfg, haproxyConfig(backends(shardCount, drained, removed), { ...router, maxconn: 2000 }));
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
        router.process = await startHaproxy(haproxy, {
            dir, name: router.name, files: [cfg, extra], statsPort: router.stats, started: running, logs: routerLogs, prefix: asRouter,
        });
    }

    async function stop(router: Router): Promise<void> {
        await stopProcess(router.process!);
    }

    function routerLogs(): string {
        return tailLogs(dir, 20);
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
        // Meanwhile rooms are created through the updated router, some on the new shard, which router-1 does
        // not have yet: it overwrites those entries with its own choice, and both routers then agree.
        const midRoll = Array.from({ length: 30 }, (_, i) => `mid-roll${i}`);
        const viaNew = await Promise.all(midRoll.map((room) => shardOf(a, room)));
        assert.ok(viaNew.includes("shard-2"), "no room created mid-roll reached the new shard");
        await waitFor("router-1 to learn the mid-roll rooms", async () => (await tableSize(b)) === 70, routerLogs);
        for (const room of midRoll) await shardOf(b, room);
        await new Promise((r) => setTimeout(r, 500)); // the routers exchange what they stored
        // HAProxy 3.2.0 to 3.2.8 never send router-1's re-store to router-0 (config/core.ts ROUTER_IMAGE_WITHOUT_PEER_UPDATES).
        for (const [room, on] of await onShards([a, b], midRoll)) assert.strictEqual(on[0], on[1], `${room}: ${on.join(" and ")} mid-roll`);
        await stop(b);
        await start(b, peers, 3);
        await waitFor("router-1 to relearn the table", async () => (await tableSize(b)) === 70, routerLogs);

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

    /** The state Prometheus reads for a server of backend `shards` (the router's /metrics, HAProxy's exporter): the series at 1. */
    async function exportedState(router: Router, server: string): Promise<string[]> {
        const metrics = (await get(router.stats, "/metrics")).body;
        return [...metrics.matchAll(/^haproxy_server_status\{([^}]*)\} 1$/gm)]
            .filter((m) => m[1].includes('proxy="shards"') && m[1].includes(`server="${server}"`))
            .map((m) => /state="(\w+)"/.exec(m[1])![1]);
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
        // The dashboard's state panel (lib/dashboard.ts) sees a shard drained in the stack file as UP: its
        // weight is 0, but the exporter's DRAIN is HAProxy's admin drain (set from its CLI), which nothing sets.
        assert.deepStrictEqual(await exportedState(a, "shard-1"), ["UP"]);
        // A browser whose page came from the drained shard keeps loading that page's files from it (docs/configuration.md).
        assert.strictEqual((await get(a.http, "/libs/app.bundle.min.js?v=7000", { cookie: "jitsi_shard=shard-1" })).body, "shard-1");
    });

    /** Waits until `shard` is in `state` on every router; returns how long that took from `since`. */
    async function reached(routers: Router[], shard: StandInShard, state: string, since: number, ms = 20_000): Promise<number> {
        await waitFor(`${shard.name} to be ${state}`, async () => {
            const states = await Promise.all(routers.map((r) => serverStatus(r, "shards", shard.name)));
            return states.every((st) => st.startsWith(state));
        }, routerLogs, ms);
        return Date.now() - since;
    }

    async function onShards(routers: Router[], rooms: string[]): Promise<Map<string, string[]>> {
        const where = new Map<string, string[]>();
        for (const room of rooms) where.set(room, await Promise.all(routers.map((r) => shardOf(r, room))));
        return where;
    }

    /** Two peered routers with every shard up, `count` rooms placed through both, their table shared; and the rooms on shard-0. */
    async function pairWithRooms(names: [string, string], prefix: string, count = 45) {
        const peers = await startPair(names, 3);
        for (const r of peers) await allUp(r, 3);
        const rooms = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
        const placed = await placeRooms(peers, rooms);
        const held = rooms.filter((r) => placed.get(r) === "shard-0");
        assert.ok(held.length > 0 && held.length < rooms.length, "rooms are spread over the shards");
        await waitFor("both routers to share the table", async () => (await tableSize(peers[0])) === count && (await tableSize(peers[1])) === count, routerLogs);
        return { peers, rooms, placed, held };
    }

    it("keeps every room on a shard whose signalling fails for a few seconds, and places no new room there meanwhile", async () => {
        const { peers, rooms, placed, held } = await pairWithRooms(["flap-0", "flap-1"], "standup");

        // jicofo lost its last bridge, or prosody is slow: web answers 404 (lib/shardHealth.ts) for about four seconds.
        const failed = Date.now();
        shards[0].health = 404;
        let during: Map<string, string[]>;
        let fresh: Map<string, string[]>;
        let drainedAfter: number;
        try {
            drainedAfter = await reached(peers, shards[0], "NOLB", failed);
            for (const r of peers) assert.deepStrictEqual(await exportedState(r, "shard-0"), ["NOLB"], "the dashboard's state panel");
            fresh = await onShards(peers, Array.from({ length: 45 }, (_, i) => `during-flap${i}`));
            during = await onShards(peers, rooms);
            await new Promise((r) => setTimeout(r, Math.max(0, 4000 - (Date.now() - failed))));
        } finally {
            shards[0].health = 200;
        }
        const recovered = Date.now();
        const upAfter = await reached(peers, shards[0], "UP", recovered);
        const flapMs = recovered - failed;

        assert.deepStrictEqual([...fresh.entries()].filter(([, on]) => on.includes("shard-0")).map(([r]) => r), [], "a new room went to the failing shard");
        assert.ok(new Set([...fresh.values()].flat()).size === 2, "new rooms are spread over the other shards");
        for (const [room, on] of during) assert.deepStrictEqual(on, [placed.get(room), placed.get(room)], `${room} left its shard while shard-0 failed`);
        const after = await onShards(peers, [...rooms, ...fresh.keys()]);
        for (const room of rooms) assert.deepStrictEqual(after.get(room), [placed.get(room), placed.get(room)], `${room} left its shard after shard-0 recovered`);
        for (const [room, on] of fresh) assert.deepStrictEqual(after.get(room), on, `${room} moved after shard-0 recovered`);
        assert.ok(drainedAfter <= drainBoundMs() + 500, `drained after ${drainedAfter} ms`);
        console.log(`      shard-0 failed for ${flapMs} ms: no new room ${drainedAfter} ms after web first answered 404 (bound ${drainBoundMs()} ms), new rooms again ${upAfter} ms after its first 200; ${held.length} of ${held.length} rooms stayed on it, 0 of ${fresh.size} new ones went there`);

        // With no shard taking new rooms, live rooms go on, a new room is refused, and the page is still served.
        for (const s of shards.slice(0, 3)) s.health = 404;
        try {
            for (const s of shards.slice(0, 3)) await reached(peers, s, "NOLB", Date.now());
            assert.strictEqual(await shardOf(peers[0], held[0]), "shard-0");
            assert.strictEqual((await get(peers[0].http, "/http-bind?room=nowhere-to-go")).status, 503);
            assert.strictEqual((await get(peers[1].http, "/")).status, 200);
        } finally {
            for (const s of shards) s.health = 200;
        }
        for (const r of peers) await allUp(r, 3);
    });

    it("keeps a room's entry while its shard's web does not answer, so the room returns to it with the shard's first passed checks; only then is the shard down", async () => {
        const { peers, held } = await pairWithRooms(["down-0", "down-1"], "seminar");

        const failed = Date.now();
        shards[0].answers = false;
        let downAfter: number;
        let during: Map<string, string[]>;
        let fresh: Map<string, string[]>;
        try {
            downAfter = await reached(peers, shards[0], "DOWN", failed);
            // Nothing serves these rooms where they were: meanwhile both routers send each to one other shard (the hash).
            during = await onShards(peers, held);
            fresh = await onShards(peers, Array.from({ length: 20 }, (_, i) => `during-outage${i}`));
            // Web answers again, but its jicofo still fails (404): HAProxy keeps a stopped server stopped on a
            // 404 (disable-on-404 "is only evaluated for running servers": v3.2.0 src/tcpcheck.c, the
            // `next_state != SRV_ST_STOPPED` test), so the shard stays DOWN, not NOLB, and its rooms stay away.
            shards[0].health = 404;
            shards[0].answers = true;
            await new Promise((r) => setTimeout(r, 3 * (HEALTH_CHECK.interMs + 500)));
            for (const r of peers) assert.strictEqual(await serverStatus(r, "shards", shards[0].name), "DOWN", `${r.name}: a DOWN shard answering 404`);
            for (const [room, on] of await onShards(peers, held)) assert.deepStrictEqual(on, during.get(room), `${room} while shard-0 answers 404 after being down`);
        } finally {
            shards[0].health = 200;
            shards[0].answers = true;
        }
        const upAfter = await reached(peers, shards[0], "UP", Date.now());
        for (const [room, on] of during) {
            assert.ok(on[0] !== "shard-0" && on[0] === on[1], `${room} was sent to ${on.join(" and ")} while shard-0 was down`);
        }
        assert.deepStrictEqual([...fresh.values()].flat().filter((s) => s === "shard-0"), []);
        // The table still names shard-0 for its rooms: they return to it, on both routers.
        const after = await onShards(peers, held);
        for (const room of held) assert.deepStrictEqual(after.get(room), ["shard-0", "shard-0"], `${room} did not return to shard-0`);
        for (const [room, on] of fresh) assert.deepStrictEqual(await onShards(peers, [room]).then((m) => m.get(room)), on, `${room} moved when shard-0 came back`);
        assert.ok(downAfter <= detectionBoundMs() + 500, `down after ${downAfter} ms`);
        console.log(`      shard-0's web stopped answering: DOWN after ${downAfter} ms (bound ${detectionBoundMs()} ms), UP again ${upAfter} ms after its first 200 (a 404 kept it DOWN); ${held.length} of ${held.length} rooms returned to it`);
    });

    it("stores a new shard for the rooms of a removed shard, so a shard that drains later keeps them", async () => {
        // Rooms used every day keep their entries alive (a match refreshes the 24 h expiry), so a drained
        // shard is removed while the table still names it for rooms that will meet again.
        const { peers, held } = await pairWithRooms(["removed-0", "removed-1"], "daily");
        const [a, b] = peers;
        for (const r of peers) {
            await stop(r);
            await start(r, peers, 3, [], ["shard-0"]);
            await waitFor(`${r.name} to relearn the table`, async () => (await tableSize(r)) === 45, routerLogs);
            for (const s of shards.slice(1, 3)) await reached([r], s, "UP", Date.now());
        }
        // The next meeting of each of those rooms goes to a shard chosen by the hash, on both routers.
        const placedAgain = await onShards(peers, held);
        for (const [room, on] of placedAgain) assert.ok(on[0] !== "shard-0" && on[0] === on[1], `${room}: ${on.join(", ")}`);
        await new Promise((r) => setTimeout(r, 500)); // the routers exchange what they stored
        // Every shard left drains (jicofo restarts everywhere): rooms under way must stay where they meet.
        for (const s of shards.slice(1, 3)) s.health = 404;
        try {
            for (const s of shards.slice(1, 3)) await reached(peers, s, "NOLB", Date.now());
            for (const room of held) {
                for (const r of [a, b]) {
                    const res = await get(r.http, `/http-bind?room=${room}`);
                    assert.deepStrictEqual([res.status, res.body], [200, placedAgain.get(room)![0]], `${room} via ${r.name} left its meeting's shard`);
                }
            }
        } finally {
            for (const s of shards) s.health = 200;
        }
        for (const s of shards.slice(1, 3)) await reached(peers, s, "UP", Date.now());
    });

    it("serves a page and every file it loads from one shard, with shards on two releases", async () => {
        const r = await newRouter("pages-0");
        await start(r, [r], 2);
        await allUp(r, 2);
        // A room's page and what it loads (jitsi-meet's index.html loads these relative to <base href>).
        const files = ["/libs/app.bundle.min.js?v=7000", "/libs/lib-jitsi-meet.min.js?v=7000", "/css/all.css?v=7000", "/config.js", "/interface_config.js", "/lang/main-de.json"];
        const loads: string[] = [];
        for (let i = 0; i < 24; i++) {
            // Half arrive with a client address from the ingress controller, half without.
            const address: Record<string, string> = i % 2 ? { "x-forwarded-for": `198.51.100.${i}` } : {};
            const page = await browserGet(r.http, `/math-class${i}`, address);
            assert.strictEqual(page.status, 200);
            const cookie = page.setCookie.map((c) => c.split(";")[0]).join("; ");
            assert.match(cookie, /^jitsi_shard=shard-[01]$/);
            assert.match(page.setCookie[0], /HttpOnly/i);
            assert.match(page.setCookie[0], /Secure/i);
            for (const file of files) {
                const got = await browserGet(r.http, file, { ...address, cookie });
                assert.strictEqual(got.body, page.body, `${file} came from ${got.body}, the page from ${page.body}`);
            }
            loads.push(page.body);
            // A browser that drops the cookie is placed by its address alone.
            if (address["x-forwarded-for"]) {
                for (const file of files) assert.strictEqual((await get(r.http, file, address)).body, page.body, `${file} without the cookie`);
            }
        }
        assert.deepStrictEqual(new Set(loads), new Set(["shard-0", "shard-1"]), "every page came from one shard: the test proves nothing");

        // The cookie never moves a room: a room's requests still go to the room's shard.
        const room = "cookie-room";
        const home = await shardOf(r, room);
        const other = home === "shard-0" ? "shard-1" : "shard-0";
        assert.strictEqual((await get(r.http, `/http-bind?room=${room}`, { cookie: `jitsi_shard=${other}` })).body, home);
    });

    it("answers /about/health from outside with 404, while its own checks of the shards go on", async () => {
        const r = await newRouter("closed-0");
        await start(r, [r], 2);
        await allUp(r, 2);
        for (const s of shards) s.seen.length = 0;
        for (const spelling of ["/about/health", "/about/health/", "//about//health", "/about/%68ealth", "/%61bout/health?x=1"]) {
            assert.strictEqual((await get(r.http, spelling)).status, 404, spelling);
        }
        assert.deepStrictEqual(shards.flatMap((s) => s.seen), [], "a request for /about/health reached a shard");
        // A room called "about" is still a room, and so is a room whose name starts with "health" under a
        // tenant called "about" (web's nginx serves /<tenant>/<room> as the page: meet.conf's last location).
        for (const page of ["/about", "/about/healthy-living", "/about/health-team?lang=de"]) {
            assert.strictEqual((await get(r.http, page)).status, 200, page);
        }
        await new Promise((res) => setTimeout(res, 2 * HEALTH_CHECK.interMs));
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
