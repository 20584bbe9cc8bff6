/**
 * The router's readiness means "the room table is here". Under the mock engine: the router StatefulSet's
 * readiness probe is the command lib/haproxy.ts builds, reading the runtime socket haproxy.cfg declares,
 * and its liveness asks HAProxy's `show info` on the same socket (no peer can fail it, and a full router
 * still answers it). Live, on loopback with a real HAProxy and socat (the
 * image has both: docker-library/haproxy 3.2/Dockerfile), the command run as the kubelet runs an exec probe
 * (test/podProcess.ts execProbe: its argv, the container's uid, cut at timeoutSeconds): a router alone is
 * ready within HAProxy's resync timeout; a router restarted while its peer holds the rooms is not ready
 * until the table arrived, and then holds every room; a router whose peer is unreachable is ready once
 * HAProxy gives up (PEER_RESYNC_TIMEOUT, haproxy src/peers.c:59); a peer that never finishes its lesson
 * holds it unready only until ROUTER_READY_AFTER_S. Needs haproxy and socat (.ci/debian-packages).
 */
import * as assert from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { haproxyConfig, PEER_RESYNC, PEERS_SECTION, ROUTER_READY_AFTER_S, ROUTER_RUNTIME_SOCKET, routerLiveCommand, routerReadyCommand } from "../lib/haproxy";
import { readStackFile, runProgramOk } from "./harness";
import { adminCommand, freePort, get, standIn, startHaproxy, stopProcess, tailLogs, waitFor, haproxyPath, requireCommands } from "./loopback";
import { named, Obj } from "./objects";
import { asContainer, cannotRunAsPod, execProbe } from "./podProcess";
import { twoRegionsVariant } from "./variants";

describe("router readiness: the probe the program declares", function () {
    this.timeout(60_000);

    it("is the resync check on the runtime socket haproxy.cfg declares, in the pod's /tmp; liveness asks HAProxy on that socket, with or without clusters", async () => {
        for (const config of [readStackFile("production"), twoRegionsVariant()]) {
            const run = await runProgramOk(config);
            const routers = run.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "router");
            const cfgs = run.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === "router");
            assert.ok(routers.length >= 1 && routers.length === cfgs.length);
            for (const cfg of cfgs) assert.match(cfg.inputs.data["haproxy.cfg"], new RegExp(`^global\n(    .*\n)*    stats socket ${ROUTER_RUNTIME_SOCKET} mode 600 level user\n`));
            for (const sts of routers) {
                const c = sts.inputs.spec.template.spec.containers[0];
                assert.deepStrictEqual(c.readinessProbe, { exec: { command: routerReadyCommand() }, initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 4, failureThreshold: 3 });
                // HAProxy's own answer, which no peer can fail, on the socket a full router still serves (below).
                assert.deepStrictEqual(c.livenessProbe, { exec: { command: routerLiveCommand() }, periodSeconds: 10, timeoutSeconds: 5, initialDelaySeconds: 60, failureThreshold: 6 });
                const tmp = c.volumeMounts.find((m: Obj) => m.mountPath === path.dirname(ROUTER_RUNTIME_SOCKET));
                assert.ok(sts.inputs.spec.template.spec.volumes.find((v: Obj) => v.name === tmp?.name)?.emptyDir, "the socket's directory is a writable emptyDir");
                assert.ok(!tmp.readOnly);
            }
        }
    });
});

interface Router {
    name: string;
    http: number;
    stats: number;
    peer: number;
    /** The runtime socket, moved into the test's directory: the one path the test changes in the command. */
    runtime: string;
    process?: ChildProcess;
}

describe("router readiness on a real HAProxy, the probe run as the kubelet runs it", function () {
    this.timeout(120_000);
    let dir: string;
    let container: Obj;
    let asRouter: string[] = [];
    let shard: { close: () => void; port: number };
    const running: ChildProcess[] = [];

    before(async function () {
        requireCommands(this, ["haproxy", "socat"], "the live router readiness tests");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "router-ready-"));
        const run = await runProgramOk(readStackFile("production"));
        container = named(run, "StatefulSet", "router").spec.template.spec.containers[0];
        assert.deepStrictEqual(container.readinessProbe.exec.command, routerReadyCommand());
        if (!cannotRunAsPod()) {
            asRouter = asContainer(container);
            fs.chmodSync(dir, 0o777);
        }
        // A shard's web: healthy, answers every room.
        const { server, port } = await standIn((req, res) => res.end(req.url === "/about/health" ? "OK" : "shard-0"));
        shard = { close: () => server.close(), port };
    });

    after(() => {
        for (const p of running) {
            p.kill("SIGCONT");
            p.kill("SIGKILL");
        }
        shard?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const logs = () => tailLogs(dir, 20);

    async function newRouter(name: string): Promise<Router> {
        return { name, http: await freePort(), stats: await freePort(), peer: await freePort(), runtime: path.join(dir, `${name}-runtime.sock`) };
    }

    /** Starts `router` as the pod runs HAProxy, with the generated haproxy.cfg and a peers section naming `peers` (host:port). */
    async function start(router: Router, peers: { name: string; port: number }[], maxconn = 2000): Promise<void> {
        const cfg = path.join(dir, `${router.name}.cfg`);
        const backends = [{ name: "shard-0", index: 0, address: "127.0.0.1", port: shard.port }];
        fs.writeFileSync(cfg, haproxyConfig(backends, { http: router.http, stats: router.stats, maxconn, runtime: router.runtime }));
        const peersCfg = path.join(dir, `${router.name}-peers.cfg`);
        fs.writeFileSync(peersCfg, [`peers ${PEERS_SECTION}`, `    bind 127.0.0.1:${router.peer}`, `    server ${router.name}`, ...peers.map((p) => `    server ${p.name} 127.0.0.1:${p.port}`), ""].join("\n"));
        router.process = await startHaproxy(haproxyPath()!, { dir, name: router.name, files: [cfg, peersCfg], statsPort: router.stats, started: running, logs, prefix: asRouter });
    }

    
    /** One run of the readiness probe: the rendered command with the test's socket, as the kubelet runs it. */
    async function ready(router: Router, readyAfterS = ROUTER_READY_AFTER_S): Promise<boolean> {
        return (await execProbe(routerReadyCommand(router.runtime, readyAfterS), { container, timeoutSeconds: container.readinessProbe.timeoutSeconds })).ok;
    }

    async function live(router: Router): Promise<boolean> {
        return (await execProbe(routerLiveCommand(router.runtime), { container, timeoutSeconds: container.livenessProbe.timeoutSeconds })).ok;
    }

    async function tableSize(router: Router): Promise<number> {
        return Number(/size:\d+, used:(\d+)/.exec(await adminCommand(router.runtime, "show table shards"))?.[1] ?? -1);
    }

    async function peersFlags(router: Router): Promise<number> {
        return Number(new RegExp(`id=${PEERS_SECTION} disabled=\\d+ flags=(0x[0-9a-f]+)`).exec(await adminCommand(router.runtime, `show peers ${PEERS_SECTION}`))?.[1] ?? NaN);
    }

    /** Milliseconds from `since` until the probe first succeeds, probing as often as it can; throws after `ms`. */
    async function msUntilReady(router: Router, since: number, ms: number, readyAfterS?: number): Promise<number> {
        await waitFor(`${router.name} to be ready`, () => ready(router, readyAfterS), logs, ms);
        return Date.now() - since;
    }

    it("a router alone (a fresh stack's first, or the only one left) is ready within HAProxy's resync timeout", async () => {
        const alone = await newRouter("alone");
        const since = Date.now();
        await start(alone, []);
        const took = await msUntilReady(alone, since, PEER_RESYNC.timeoutMs + 5000);
        assert.ok(took <= PEER_RESYNC.timeoutMs + 3000, `ready after ${took} ms`);
        assert.strictEqual((await peersFlags(alone)) & PEER_RESYNC.finishedMask, PEER_RESYNC.finishedMask);
        await stopProcess(alone.process!);
    });

    it("a router restarted while its peer holds the rooms is not ready until the table arrived, then holds every room", async () => {
        const [a, b] = [await newRouter("router-0"), await newRouter("router-1")];
        await start(a, [{ name: b.name, port: b.peer }]);
        await start(b, [{ name: a.name, port: a.peer }]);
        // Both ready first, as the StatefulSet's pods are before a rollout: started together, neither had a table to
        // teach (each answered the other RESYNCPARTIAL, src/peers.c:1378) and each gave up after the timeout.
        await msUntilReady(a, Date.now(), PEER_RESYNC.timeoutMs * 2 + 5000);
        await msUntilReady(b, Date.now(), PEER_RESYNC.timeoutMs * 2 + 5000);
        const rooms = Array.from({ length: 300 }, (_, i) => `room${i}`);
        for (const room of rooms) assert.strictEqual((await get(a.http, `/http-bind?room=${room}`)).status, 200);
        await waitFor("both routers to hold every room", async () => (await tableSize(a)) === rooms.length && (await tableSize(b)) === rooms.length, logs);

        // The pod restarts while its peer cannot answer yet (stopped, not gone: its port still accepts),
        // for less than HAProxy's resync timeout, so that the table comes from the peer and not never.
        await stopProcess(b.process!);
        a.process!.kill("SIGSTOP");
        const since = Date.now();
        try {
            await start(b, [{ name: a.name, port: a.peer }]);
            while (Date.now() - since < 2000) {
                assert.strictEqual(await ready(b), false, "ready before the table arrived");
                assert.strictEqual(await tableSize(b), 0);
            }
            // What the probe was before: HAProxy answers, so the pod would have taken rooms it did not know.
            assert.strictEqual((await get(b.stats, "/healthz")).status, 200);
        } finally {
            a.process!.kill("SIGCONT");
        }
        // At the first success every room is there (RESYNCFINISHED follows the updates on one session); a router
        // that gave up instead would hold none of them (its peer teaches only updates newer than the last session's).
        while (!(await ready(b))) assert.ok(Date.now() - since < PEER_RESYNC.timeoutMs + 5000, `router-1 not ready\n${logs()}`);
        assert.strictEqual(await tableSize(b), rooms.length, "ready without the whole table");
        assert.ok(Date.now() - since < PEER_RESYNC.timeoutMs, "ready only when HAProxy gave up, not when the table came");
        for (const r of [a, b]) await stopProcess(r.process!);
    });

    it("a router whose peers are all unreachable (another region down) is ready once HAProxy gives up, after its resync timeout", async () => {
        const lonely = await newRouter("lonely");
        const since = Date.now();
        await start(lonely, [{ name: "gone", port: await freePort() }]);
        assert.strictEqual(await ready(lonely), false, "ready before HAProxy gave up");
        const took = await msUntilReady(lonely, since, PEER_RESYNC.timeoutMs + 5000);
        assert.ok(took >= PEER_RESYNC.timeoutMs - 1000 && took <= PEER_RESYNC.timeoutMs + 3000, `ready after ${took} ms`);
        await stopProcess(lonely.process!);
    });

    it("a router at its global maxconn (full of participants) still answers its probes: the runtime socket is not subject to it", async () => {
        // haproxy v3.2.0 src/cli.c:567 marks a stats socket BC_O_UNLIMITED (2.6 likewise); only listeners without
        // it count against maxconn (src/listener.c:1022-1025, 1146-1148), so the HTTP ones, /healthz's stats frontend
        // among them, stop accepting. A probe that failed here would take every full router out of the Service at once.
        const full = await newRouter("full");
        const maxconn = 4;
        await start(full, [], maxconn);
        await msUntilReady(full, Date.now(), PEER_RESYNC.timeoutMs + 5000);
        const held: net.Socket[] = [];
        try {
            // Idle client connections, as held BOSH polls or WebSockets are: HAProxy keeps each until timeout http-request (10 s).
            for (let i = 0; i < maxconn + 2; i++) {
                held.push(await new Promise<net.Socket>((resolve, reject) => {
                    const s = net.connect(full.http, "127.0.0.1", () => resolve(s));
                    s.on("error", reject);
                }));
            }
            await waitFor("HAProxy to reach its maxconn", async () => /CurrConns: (\d+)/.exec(await adminCommand(full.runtime, "show info"))?.[1] === String(maxconn), logs, 5000);
            // The HTTP side is full: /healthz (liveness before it moved to the socket) gets no answer while the socket still does.
            const healthz = await Promise.race([get(full.stats, "/healthz").then(() => "answered"), new Promise((r) => setTimeout(() => r("no answer"), 1500))]);
            assert.strictEqual(healthz, "no answer", "HAProxy was not full: the test proves nothing");
            assert.strictEqual(await ready(full), true, "a full router fails its readiness probe");
            assert.strictEqual(await live(full), true, "a full router fails its liveness probe: the kubelet would restart it");
        } finally {
            for (const s of held) s.destroy();
            await stopProcess(full.process!);
        }
        // And a router that is gone fails it.
        assert.strictEqual(await live(full), false);
    });

    it("a peer that never finishes its lesson holds the router unready only until ROUTER_READY_AFTER_S of uptime", async () => {
        // A stand-in peer that speaks the peers protocol (haproxy src/peers.c:572 hello, "200" accepts it) and then
        // only heartbeats (control class 0, type 4: src/peers.c:74, 88), so the lesson HAProxy asked for never ends.
        const sockets: net.Socket[] = [];
        const mute = net.createServer((s) => {
            sockets.push(s);
            s.once("data", () => s.write("200\n"));
            const beat = setInterval(() => s.write(Buffer.from([0, 4])), 1000);
            s.on("close", () => clearInterval(beat));
            s.on("error", () => clearInterval(beat));
        });
        await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
        const readyAfterS = Math.ceil(PEER_RESYNC.timeoutMs / 1000) + 4;
        const stuck = await newRouter("stuck");
        const since = Date.now();
        try {
            await start(stuck, [{ name: "mute", port: (mute.address() as net.AddressInfo).port }]);
            await waitFor("the stand-in peer to be asked for the table", async () => sockets.length > 0, logs, 5000);
            // Past HAProxy's own timeout: with a lesson under way it does not give up.
            await new Promise((r) => setTimeout(r, PEER_RESYNC.timeoutMs + 1000 - (Date.now() - since)));
            assert.notStrictEqual((await peersFlags(stuck)) & PEER_RESYNC.finishedMask, PEER_RESYNC.finishedMask, "HAProxy finished its resync: the test proves nothing");
            assert.strictEqual(await ready(stuck, readyAfterS), false);
            const took = await msUntilReady(stuck, since, readyAfterS * 1000 + 5000, readyAfterS);
            assert.ok(took >= readyAfterS * 1000 - 1000, `ready after ${took} ms`);
        } finally {
            for (const s of sockets) s.destroy();
            mute.close();
            if (stuck.process) await stopProcess(stuck.process);
        }
    });
});
