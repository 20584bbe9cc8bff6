/**
 * Routers of two regions as one room authority, on a real HAProxy on loopback: two regions x two
 * routers, every one a TLS peer of every other (a CA and certificates made with openssl, as the stack's
 * own CA issues them: lib/regions.ts), over four shard stand-ins, two per region. Each stand-in is behind
 * a real nginx run as web's container runs it, with web's two servers (test/webNginx.ts): its own
 * region's routers reach the plain one, the other region's the HTTPS one, with the shard-web CA's
 * certificates and the program's client-certificate file (lib/shardWebTls.ts). Needs `haproxy`, `nginx`
 * and `openssl` (Debian packages haproxy, nginx and openssl).
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as https from "https";
import { detectionBoundMs, drainBoundMs, haproxyConfig, RouterBackend } from "../lib/haproxy";
import { peerName, REGIONAL_ROUTER_ENTRYPOINT, remotePeerLines, tlsPeersSection } from "../lib/regions";
import { remoteShardTls, WEB_TLS_KEYS_DIR } from "../lib/shardWebTls";
import { runProgramOk } from "./harness";
import { adminCommand, assertCheckClean, freePort, haproxyPath, haproxyVersion, get, standIn, startHaproxy, stopProcess, tailLogs, requireCommands, waitFor } from "./loopback";
import { named, Obj } from "./objects";
import { cannotRunAsPod } from "./podProcess";
import { twoRegionsVariant } from "./variants";
import { startWebNginx } from "./webNginx";

/** A shard stand-in behind web's nginx: `plain` and `tls` are nginx's two servers; `hops` what each request came over. */
interface Shard { name: string; region: string; index: number; plain: number; tls: number; server: http.Server; health: number; answers: boolean; regionsSeen: string[]; hops: string[] }
interface Router { name: string; region: string; http: number; stats: number; peer: number; socket: string; process?: ChildProcess }


describe("routers of two regions on a real HAProxy, peered over TLS", function () {
    this.timeout(180_000);
    let dir: string;
    let haproxy: string;
    const shards: Shard[] = [];
    const routers: Router[] = [];
    const running: ChildProcess[] = [];

    let web: Obj;
    let clientVerifyConf: string;

    before(async function () {
        requireCommands(this, ["haproxy", "nginx", "openssl"], "the live region tests");
        haproxy = haproxyPath()!;
        console.log(`      ${haproxyVersion(haproxy)}`);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "regions-test-"));
        // nginx runs as web's user: it must reach its files.
        fs.chmodSync(dir, 0o755);
        const program = await runProgramOk(twoRegionsVariant());
        web = named(program, "Deployment", "shard-0-web").spec.template.spec.containers[0];
        clientVerifyConf = named(program, "ConfigMap", "shard-0-web-config").data["regional-tls.conf"];
        // The stack's CA and the routers' certificate, as lib/regions.ts mounts them (peer.pem: cert + key).
        const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
        ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=jitsi router peers CA");
        ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "peer.key", "-out", "peer.csr", "-subj", "/CN=router-peer");
        ssl("x509", "-req", "-in", "peer.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "peer.crt", "-days", "1");
        fs.writeFileSync(path.join(dir, "peer.pem"), fs.readFileSync(path.join(dir, "peer.crt"), "utf8") + fs.readFileSync(path.join(dir, "peer.key"), "utf8"));
        // The shard-web CA (stack/clusters.ts): each web's server certificate with its shard's name, the routers' client certificate.
        ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "shard-web-ca.key", "-out", "shard-web-ca.crt", "-days", "1", "-subj", "/CN=jitsi shard web CA");
        issue(dir, "shard-web-ca", "shard-web-client", "extendedKeyUsage=clientAuth");
        fs.writeFileSync(path.join(dir, "shard-web-client.pem"), fs.readFileSync(path.join(dir, "shard-web-client.crt"), "utf8") + fs.readFileSync(path.join(dir, "shard-web-client.key"), "utf8"));
        for (const [name, region, index] of [["eu-0", "eu", 0], ["eu-1", "eu", 1], ["us-0", "us", 2], ["us-1", "us", 3]] as const) {
            const shard = { name, region, index, health: 200, answers: true, regionsSeen: [] as string[], hops: [] as string[] } as Shard;
            const { server, port } = await standIn((req, res) => {
                if (!shard.answers) {
                    req.socket.destroy();
                    return;
                }
                if (req.url === "/about/health") {
                    res.statusCode = shard.health;
                    res.end();
                    return;
                }
                shard.regionsSeen.push(String(req.headers["x-proxy-region"]));
                shard.hops.push(String(req.headers["x-hop-tls"] ?? "plain"));
                res.end(name);
            });
            issue(dir, "shard-web-ca", `web-${name}`, `subjectAltName=DNS:${name}-web-regional\nextendedKeyUsage=serverAuth`);
            const ports = await startTerminator(`web-${name}`, `web-${name}`, port);
            shards.push(Object.assign(shard, { server, ...ports }));
        }
        for (const [cluster, region] of [["eu", "eu"], ["us", "us"]]) {
            for (const pod of ["router-0", "router-1"]) {
                routers.push({ name: peerName(cluster, pod), region, http: await freePort(), stats: await freePort(), peer: await freePort(), socket: path.join(dir, `${cluster}-${pod}.sock`) });
            }
        }
        for (const r of routers) await start(r);
    });

    after(() => {
        for (const p of running) p.kill("SIGKILL");
        for (const s of shards) s.server.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** openssl: a key and a certificate `name` signed by CA `ca` (both in `cwd`), with the given v3 extensions. */
    function issue(cwd: string, ca: string, name: string, extensions: string): void {
        const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd, stdio: "pipe" });
        ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
        fs.writeFileSync(path.join(cwd, `${name}.ext`), `keyUsage=digitalSignature,keyEncipherment\n${extensions}\n`);
        ssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "1", "-extfile", `${name}.ext`);
    }

    /**
     * Web's nginx in front of a stand-in on `upstream`, with the certificate `cert` (a file pair in `dir`): the
     * keys as the pod mounts them (the client CA: the shard-web CA), the program's nginx-custom file pointed at
     * them. The locations stand in for meet.conf's BOSH location (meet.conf:79) and shard-health.conf; they tell
     * the stand-in whether the request came over TLS.
     */
    async function startTerminator(name: string, cert: string, upstream: number): Promise<{ plain: number; tls: number }> {
        const home = path.join(dir, name);
        const keys = path.join(home, "keys");
        const custom = path.join(home, "nginx-custom");
        fs.mkdirSync(keys, { recursive: true });
        fs.mkdirSync(custom);
        fs.copyFileSync(path.join(dir, `${cert}.crt`), path.join(keys, "cert.crt"));
        fs.copyFileSync(path.join(dir, `${cert}.key`), path.join(keys, "cert.key"));
        fs.copyFileSync(path.join(dir, "shard-web-ca.crt"), path.join(keys, "client-ca.crt"));
        fs.writeFileSync(path.join(custom, "regional-tls.conf"), clientVerifyConf.replaceAll(WEB_TLS_KEYS_DIR, keys));
        if (cannotRunAsPod() === undefined) {
            for (const f of fs.readdirSync(keys)) fs.chownSync(path.join(keys, f), web.securityContext.runAsUser, web.securityContext.runAsGroup);
        }
        const [plain, tls] = [await freePort(), await freePort()];
        const proxy = `proxy_set_header X-Hop-Tls "$https"; proxy_pass http://127.0.0.1:${upstream};`;
        running.push(await startWebNginx(home, web, plain, custom, [`location = /http-bind { ${proxy} }`, `location = /about/health { ${proxy} }`], [],
            { port: tls, certificate: path.join(keys, "cert.crt"), key: path.join(keys, "cert.key") }));
        return { plain, tls };
    }

    /** Its own region's routers reach a shard's web on the plain server, the other region's on the HTTPS one (lib/shardWebTls.ts). */
    const backend = (s: Shard, remote = false): RouterBackend => remote
        ? { name: s.name, index: s.index, address: "127.0.0.1", port: s.tls, tls: remoteShardTls(s.name, dir) }
        : { name: s.name, index: s.index, address: "127.0.0.1", port: s.plain };

    async function start(router: Router): Promise<void> {
        const cfg = path.join(dir, `${router.name}.cfg`);
        const local = shards.filter((s) => s.region === router.region).map((s) => backend(s));
        const remote = shards.filter((s) => s.region !== router.region).map((s) => backend(s, true));
        fs.writeFileSync(cfg, haproxyConfig(local, { http: router.http, stats: router.stats, maxconn: 2000 }, { name: router.region, remote }));
        const extra = path.join(dir, `${router.name}-peers.cfg`);
        const peers = routers.map((p) => ({ name: p.name, address: "127.0.0.1", port: p.peer }));
        fs.writeFileSync(extra, `global\n    stats socket ${router.socket} mode 600 level admin\n` + tlsPeersSection(router.name, peers, `127.0.0.1:${router.peer}`, dir));
        router.process = await startHaproxy(haproxy, { dir, name: router.name, files: [cfg, extra], statsPort: router.stats, started: running, logs });
    }

    async function stop(router: Router): Promise<void> {
        await stopProcess(router.process!);
    }

    function logs(): string {
        return tailLogs(dir, 15);
    }

    async function status(router: Router, server: string): Promise<string> {
        const csv = await adminCommand(router.socket, "show stat");
        return csv.split("\n").find((l) => l.startsWith(`shards,${server},`))?.split(",")[17] ?? "";
    }

    async function tableSize(router: Router): Promise<number> {
        return Number(/size:\d+, used:(\d+)/.exec(await adminCommand(router.socket, "show table shards"))?.[1] ?? -1);
    }

    async function shardOf(router: Router, room: string): Promise<string> {
        // The public host, as the ingress passes it: HAProxy 3.3 and later would make it the SNI (lib/shardWebTls.ts).
        const res = await get(router.http, `/http-bind?room=${room}`, { host: "meet.example.org" });
        assert.strictEqual(res.status, 200, `${room} through ${router.name}: ${res.status}`);
        return res.body;
    }

    const eu = () => routers.filter((r) => r.region === "eu");
    const us = () => routers.filter((r) => r.region === "us");
    const regionOf = (shard: string) => shards.find((s) => s.name === shard)!.region;

    async function everyShardUp(): Promise<void> {
        await waitFor("every router to see every shard up", async () => {
            const states = await Promise.all(routers.flatMap((r) => shards.map((s) => status(r, s.name))));
            return states.every((st) => st === "UP");
        }, logs);
    }

    /** Places `count` rooms through the given routers in turn; returns room -> shard. */
    async function place(through: Router[], prefix: string, count: number): Promise<Map<string, string>> {
        const placed = new Map<string, string>();
        for (let i = 0; i < count; i++) placed.set(`${prefix}${i}`, await shardOf(through[i % through.length], `${prefix}${i}`));
        return placed;
    }

    async function sharedBy(all: Router[], size: number): Promise<void> {
        await waitFor(`${all.map((r) => r.name).join(", ")} to hold ${size} rooms`, async () => (await Promise.all(all.map(tableSize))).every((n) => n === size), logs);
    }

    it("starts from the entrypoint's peers section: TLS on every peer, names with the cluster's, the other clusters' routers appended", () => {
        const cfgDir = fs.mkdtempSync(path.join(dir, "entrypoint-"));
        const local = shards.filter((s) => s.region === "eu").map((s) => backend(s));
        fs.writeFileSync(path.join(cfgDir, "haproxy.cfg"), haproxyConfig(local, undefined, { name: "eu", remote: shards.filter((s) => s.region === "us").map((s) => backend(s, true)) }));
        fs.writeFileSync(path.join(cfgDir, "remote-peers.cfg"), remotePeerLines([{ name: "us-router-0", address: "192.0.2.10", port: 10000 }, { name: "us-router-1", address: "192.0.2.11", port: 10000 }]));
        for (const f of ["peer.pem", "ca.crt"]) fs.copyFileSync(path.join(dir, f), path.join(cfgDir, f));
        // Stand-in for the real binary: the same entrypoint, but HAProxy only checks the files.
        const bin = path.join(cfgDir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "haproxy"), `#!/bin/sh\nexec ${haproxy} -c $(echo "$@" | sed -e 's#-db##')\n`, { mode: 0o755 });
        const check = spawnSync("sh", ["-c", REGIONAL_ROUTER_ENTRYPOINT], {
            encoding: "utf8",
            env: {
                PATH: `${bin}:${process.env.PATH}`, TMPDIR: cfgDir, ROUTER_CONFIG_DIR: cfgDir, PEER_TLS_DIR: cfgDir, HOSTNAME: "router-0", CLUSTER_NAME: "eu",
                ROUTER_NAME: "router", ROUTER_REPLICAS: "2", ROUTER_PEERS_SERVICE: "router-peers", POD_NAMESPACE: "jitsi", CLUSTER_DOMAIN: "cluster.invalid", PEER_WAIT_SECONDS: "1",
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        assertCheckClean(check);
        const tlsArgs = `ssl crt ${cfgDir}/peer.pem ca-file ${cfgDir}/ca.crt verify required`;
        // The unresolvable replica of its own cluster is left out rather than stopping the start.
        assert.strictEqual(fs.readFileSync(path.join(cfgDir, "peers.cfg"), "utf8"),
            `peers router\n    bind :10000 ${tlsArgs}\n    default-server ${tlsArgs}\n    server eu-router-0\n    server us-router-0 192.0.2.10:10000\n    server us-router-1 192.0.2.11:10000\n`);
    });

    it("places a room in the receiving router's region, and every router of the other region reaches it there", async () => {
        await everyShardUp();
        const viaEu = await place(eu(), "eu-room", 20);
        const viaUs = await place(us(), "us-room", 20);
        assert.deepStrictEqual(new Set(viaEu.values()), new Set(["eu-0", "eu-1"]), "rooms opened in eu land on eu's shards, spread");
        assert.deepStrictEqual(new Set(viaUs.values()), new Set(["us-0", "us-1"]), "rooms opened in us land on us's shards, spread");
        await sharedBy(routers, 40);
        for (const [room, shard] of [...viaEu, ...viaUs]) {
            for (const r of routers) assert.strictEqual(await shardOf(r, room), shard, `${room} through ${r.name}`);
        }
        // The receiving router names its own region to the shard, whichever shard that is; the other region's
        // router reaches it over TLS (web's HTTPS server), its own region's over the plain server.
        const euShard = shards.find((s) => s.name === "eu-0")!;
        euShard.regionsSeen.length = 0;
        euShard.hops.length = 0;
        await shardOf(us()[0], [...viaEu].find(([, s]) => s === "eu-0")![0]);
        await shardOf(us()[1], [...viaEu].find(([, s]) => s === "eu-0")![0]);
        await shardOf(eu()[1], [...viaEu].find(([, s]) => s === "eu-0")![0]);
        assert.deepStrictEqual(euShard.regionsSeen, ["us", "us", "eu"]);
        assert.deepStrictEqual(euShard.hops, ["on", "on", "plain"]);
        // A client's own header does not survive.
        const res = await get(eu()[0].http, `/http-bind?room=${[...viaEu].find(([, s]) => s === "eu-0")![0]}`, { "X-Proxy-Region": "mars" });
        assert.strictEqual(res.body, "eu-0");
        assert.strictEqual(euShard.regionsSeen.at(-1), "eu");
    });

    it("sends new rooms to the other region within the check time when a region's shards all stop taking rooms, and back after", async () => {
        await everyShardUp();
        const before = await place(eu(), "kept", 10);
        await sharedBy(routers, 50);
        for (const s of shards.filter((x) => x.region === "eu")) s.health = 404;
        const since = Date.now();
        await waitFor("eu's shards to be drained on eu's routers", async () => {
            const states = await Promise.all(eu().flatMap((r) => ["eu-0", "eu-1"].map((n) => status(r, n))));
            return states.every((st) => st === "NOLB");
        }, logs, drainBoundMs() + 2000);
        const took = Date.now() - since;
        const overflow = await place(eu(), "overflow", 20);
        assert.deepStrictEqual([...new Set(overflow.values())].map(regionOf), ["us"], "a new room opened in eu while eu takes none lands in us");
        // Live rooms stay where they are (drain is not down), and us's routers agree on the new ones.
        for (const [room, shard] of before) assert.strictEqual(await shardOf(eu()[1], room), shard);
        await sharedBy(routers, 70);
        for (const [room, shard] of overflow) assert.strictEqual(await shardOf(us()[1], room), shard);
        console.log(`      eu drained in ${took} ms (bound ${drainBoundMs()} ms); ${overflow.size} new rooms went to us`);
        for (const s of shards.filter((x) => x.region === "eu")) s.health = 200;
        await everyShardUp();
        const back = await place(eu(), "back", 10);
        assert.deepStrictEqual([...new Set(back.values())].map(regionOf).filter((r) => r !== "eu"), [], "eu takes its new rooms again");
    });

    it("keeps a room's entry on another region's shard while that shard is down, so the room returns to it", async () => {
        await everyShardUp();
        const placed = await place(us(), "returning", 12);
        const onUs0 = [...placed].filter(([, s]) => s === "us-0").map(([room]) => room);
        assert.ok(onUs0.length > 0, "no room on us-0");
        await waitFor("every router to hold the same rooms", async () => new Set(await Promise.all(routers.map(tableSize))).size === 1, logs);
        const us0 = shards.find((s) => s.name === "us-0")!;
        us0.answers = false;
        await waitFor("us-0 to be down on eu's routers", async () => (await Promise.all(eu().map((r) => status(r, "us-0")))).every((st) => st.startsWith("DOWN")), logs);
        // Meanwhile its rooms are served elsewhere through eu's routers, without their entries being overwritten.
        for (const room of onUs0) assert.notStrictEqual(await shardOf(eu()[0], room), "us-0");
        us0.answers = true;
        await everyShardUp();
        for (const room of onUs0) for (const r of routers) assert.strictEqual(await shardOf(r, room), "us-0", `${room} through ${r.name} after us-0 is back`);
    });

    it("keeps routing every room it learned in one region while the other region's routers are stopped, and a restarted router learns the table back", async () => {
        await everyShardUp();
        const all = new Map<string, string>();
        for (const r of routers) {
            for (const line of (await adminCommand(r.socket, "show table shards")).split("\n")) {
                const m = /key=(\S+) .*server_id=(\d+)/.exec(line);
                if (m) all.set(m[1], shards.find((s) => s.index + 1 === Number(m[2]))!.name);
            }
        }
        const size = all.size;
        assert.ok(size >= 80, `rooms learned: ${size}`);
        for (const r of eu()) await stop(r);
        for (const [room, shard] of all) for (const r of us()) assert.strictEqual(await shardOf(r, room), shard, `${room} through ${r.name} with eu's routers stopped`);
        // eu's routers come back one by one, each learning the whole table from the peers that stayed.
        for (const r of eu()) {
            await start(r);
            await sharedBy([r], size);
        }
        for (const [room, shard] of all) assert.strictEqual(await shardOf(eu()[0], room), shard, `${room} through the restarted ${eu()[0].name}`);
    });

    it("refuses a peer whose certificate the stack's CA did not sign, and teaches one it signed", async () => {
        /** A fifth router peered with us-router-0 only, with the given certificate; the rooms it has learned after a while. */
        async function learnedWith(certDir: string): Promise<number> {
            const peer: Router = { name: peerName("eu", "router-0"), region: "eu", http: await freePort(), stats: await freePort(), peer: await freePort(), socket: path.join(certDir, "peer.sock") };
            const cfg = path.join(certDir, "peer.cfg");
            fs.writeFileSync(cfg, haproxyConfig([], { http: peer.http, stats: peer.stats, maxconn: 100 }, { name: "eu", remote: [] }) +
                `global\n    stats socket ${peer.socket} mode 600 level admin\n` +
                tlsPeersSection(peer.name, [{ name: us()[0].name, address: "127.0.0.1", port: us()[0].peer }], `127.0.0.1:${peer.peer}`, certDir));
            const proc = spawn(haproxy, ["-db", "-L", peer.name, "-f", cfg], { stdio: "ignore" });
            running.push(proc);
            try {
                await waitFor(`the router with ${path.basename(certDir)}'s certificate to serve`, async () => (await get(peer.stats, "/healthz")).status === 200, logs);
                await new Promise((r) => setTimeout(r, 3000));
                return await tableSize(peer);
            } finally {
                proc.kill("SIGKILL");
            }
        }
        const trusted = fs.mkdtempSync(path.join(dir, "trusted-"));
        for (const f of ["peer.pem", "ca.crt"]) fs.copyFileSync(path.join(dir, f), path.join(trusted, f));
        const rogue = fs.mkdtempSync(path.join(dir, "rogue-"));
        const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: rogue, stdio: "pipe" });
        ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "peer.key", "-out", "peer.crt", "-days", "1", "-subj", "/CN=rogue");
        fs.writeFileSync(path.join(rogue, "peer.pem"), fs.readFileSync(path.join(rogue, "peer.crt"), "utf8") + fs.readFileSync(path.join(rogue, "peer.key"), "utf8"));
        fs.copyFileSync(path.join(dir, "ca.crt"), path.join(rogue, "ca.crt"));
        const size = await tableSize(us()[0]);
        assert.strictEqual(await learnedWith(trusted), size, "a peer with the stack's certificate learns the whole table");
        assert.strictEqual(await learnedWith(rogue), 0, "a peer with another CA's certificate learned the table");
    });

    /** A router of region us with only `remote` as its shards (backup servers), peered with no one; stopped by the caller. */
    async function lonelyRouter(name: string, remote: RouterBackend[]): Promise<Router> {
        const router: Router = { name: peerName("us", name), region: "us", http: await freePort(), stats: await freePort(), peer: await freePort(), socket: path.join(dir, `${name}.sock`) };
        const cfg = path.join(dir, `${name}.cfg`);
        fs.writeFileSync(cfg, haproxyConfig([], { http: router.http, stats: router.stats, maxconn: 100 }, { name: "us", remote }) +
            `global\n    stats socket ${router.socket} mode 600 level admin\n` + tlsPeersSection(router.name, [], `127.0.0.1:${router.peer}`, dir));
        router.process = await startHaproxy(haproxy, { dir, name: router.name, files: [cfg], statsPort: router.stats, started: running, logs });
        return router;
    }

    /** status, check_status and last_chk of a server of backend shards (HAProxy's show stat, by its header's names). */
    async function checkOf(router: Router, server: string): Promise<{ status: string; check: string; desc: string }> {
        const [header, ...lines] = (await adminCommand(router.socket, "show stat")).split("\n");
        const field = header.replace(/^# /, "").split(",");
        const line = lines.find((l) => l.startsWith(`shards,${server},`))?.split(",") ?? [];
        const at = (name: string) => line[field.indexOf(name)] ?? "";
        return { status: at("status"), check: at("check_status"), desc: at("last_chk") };
    }

    it("marks down another region's shard whose terminator shows a certificate of another CA, or another shard's", async () => {
        // Another CA's certificate with eu-0's name (in front of us-1's stand-in, for the control below).
        const rogue = fs.mkdtempSync(path.join(dir, "rogue-web-"));
        const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: rogue, stdio: "pipe" });
        ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "rogue-ca.key", "-out", "rogue-ca.crt", "-days", "1", "-subj", "/CN=jitsi shard web CA");
        issue(rogue, "rogue-ca", "web-eu-0", "subjectAltName=DNS:eu-0-web-regional\nextendedKeyUsage=serverAuth");
        for (const f of ["web-eu-0.crt", "web-eu-0.key"]) fs.copyFileSync(path.join(rogue, f), path.join(dir, `rogue-${f}`));
        const eu0 = shards.find((s) => s.name === "eu-0")!;
        const eu1 = shards.find((s) => s.name === "eu-1")!;
        const us1 = shards.find((s) => s.name === "us-1")!;
        const forged = await startTerminator("web-rogue", "rogue-web-eu-0", (us1.server.address() as { port: number }).port);
        const router = await lonelyRouter("router-9", [
            { ...backend(eu0, true), port: forged.tls },
            // eu-1's name expected, eu-0's genuine terminator reached (an address that moved to another shard).
            { ...backend(eu1, true), port: eu0.tls },
            backend(shards.find((s) => s.name === "us-0")!, true),
            // Control: the forged terminator is up for a server that does not verify (so verification is what tells them apart).
            { ...backend(us1, true), port: forged.tls, tls: remoteShardTls("us-1", dir).replace("verify required", "verify none") },
        ]);
        try {
            await waitFor("the genuine terminator to be up and the two others down", async () => {
                const [a, b, c, d] = await Promise.all(["eu-0", "eu-1", "us-0", "us-1"].map((n) => checkOf(router, n)));
                return a.status.startsWith("DOWN") && b.status.startsWith("DOWN") && c.status === "UP" && d.status === "UP";
            }, logs, detectionBoundMs() + 5000);
            // The TLS layer failed (L6), before any HTTP was sent: another CA's certificate fails verification, another
            // shard's fails the name the check sent as SNI (CO_ER_SSL_MISMATCH_SNI, HAProxy v3.2.0 src/connection.c:814).
            assert.deepStrictEqual(await checkOf(router, "eu-0"), { status: "DOWN", check: "L6RSP", desc: "SSL handshake failure" });
            assert.deepStrictEqual(await checkOf(router, "eu-1"), { status: "DOWN", check: "L6RSP", desc: "Server presented an SSL certificate different from the expected one" });
            eu0.regionsSeen.length = 0;
            // Rooms go to the two that are up; neither eu-0 nor the shard behind eu-1's name is ever asked.
            for (let i = 0; i < 6; i++) assert.match(await shardOf(router, `forged-room-${i}`), /^us-[01]$/);
            assert.deepStrictEqual(eu0.regionsSeen, []);
        } finally {
            await stopProcess(router.process!);
        }
    });

    it("refuses, on web's HTTPS server, a client without the routers' certificate, and serves the plain server as before", async () => {
        const eu0 = shards.find((s) => s.name === "eu-0")!;
        const read = (file: string) => fs.readFileSync(path.join(dir, file));
        const request = (client: { cert?: Buffer; key?: Buffer }) => new Promise<{ status: number; body: string }>((resolve, reject) => {
            https.get({ host: "127.0.0.1", port: eu0.tls, path: "/http-bind?room=direct", agent: false, ca: read("shard-web-ca.crt"), servername: "eu-0-web-regional", ...client }, (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            }).on("error", reject);
        });
        eu0.hops.length = 0;
        assert.strictEqual((await request({})).status, 400, "no client certificate");
        // Signed by the shard-web CA, but for server use only (a web's own certificate).
        assert.strictEqual((await request({ cert: read("web-eu-1.crt"), key: read("web-eu-1.key") })).status, 400, "a web's server certificate as a client's");
        // The routers' peer certificate: another CA.
        assert.strictEqual((await request({ cert: read("peer.crt"), key: read("peer.key") })).status, 400, "the router-peers CA's certificate");
        assert.deepStrictEqual(eu0.hops, [], "a refused request reached the shard");
        assert.deepStrictEqual(await request({ cert: read("shard-web-client.crt"), key: read("shard-web-client.key") }), { status: 200, body: "eu-0" });
        // The plain server (the own region's router, in the cluster) needs no certificate.
        assert.deepStrictEqual(await get(eu0.plain, "/http-bind?room=direct"), { status: 200, body: "eu-0" });
        assert.deepStrictEqual(eu0.hops, ["on", "plain"]);
    });
});
