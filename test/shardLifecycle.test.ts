/**
 * Changing the shard list without ending a meeting, under the mock engine, as `pulumi preview` would
 * show each edit of Pulumi.production.yaml: removing or inserting a shard leaves every other shard's
 * objects as they were; draining changes only the router; a shard may run a tag of its own; and the
 * preview names the live shards whose prosody and jicofo an update would restart.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Recorded, readStackFile, ROOT, Run, runProgramOk, stackFile, withConfig } from "./harness";
import { named, objects, Obj } from "./objects";

const production = () => readStackFile("production");
const productionShards: { name: string }[] = stackFile("production")["jitsi:shards"];
const key = (r: Recorded) => `${r.type}::${r.name}`;

/** A shard's own resources: its objects, its component and its JVB pool, keyed by type and name. */
function shardResources(run: Run, shard: string): Map<string, Recorded> {
    const own = run.resources.filter((r) => r.inputs?.metadata?.labels?.["app.kubernetes.io/instance"] === shard || r.name === shard || r.name === `${shard}-jvb`);
    return new Map(own.map((r) => [key(r), r]));
}

function sameShard(before: Run, after: Run, shard: string): void {
    const [a, b] = [shardResources(before, shard), shardResources(after, shard)];
    assert.ok(a.size > 20, `${shard} has only ${a.size} resources`);
    assert.deepStrictEqual([...b.keys()].sort(), [...a.keys()].sort(), `${shard}'s resources changed`);
    for (const [k, r] of a) assert.deepStrictEqual(b.get(k)!.inputs, r.inputs, `${k} changed`);
    assert.deepStrictEqual(after.outputs.jvbUdpPorts[shard], before.outputs.jvbUdpPorts[shard]);
    assert.deepStrictEqual(after.outputs.shards[shard], before.outputs.shards[shard]);
    const server = (run: Run) => (named(run, "ConfigMap", "router-config").data["haproxy.cfg"] as string).split("\n").filter((l) => l.includes(`server ${shard} `));
    assert.deepStrictEqual(server(after), server(before), `${shard}'s router lines changed`);
}

function withShards(shards: Obj[]) {
    return withConfig(production(), { "jitsi:shards": shards });
}

describe("changing the shard list", function () {
    this.timeout(60_000);
    let base: Run;

    before(async () => {
        base = await runProgramOk(production());
    });

    for (const removed of productionShards.map((s) => s.name)) {
        it(`removes ${removed} and changes nothing of the other shards`, async () => {
            const after = await runProgramOk(withShards(productionShards.filter((s) => s.name !== removed)));
            assert.strictEqual(shardResources(after, removed).size, 0);
            for (const kept of productionShards.map((s) => s.name).filter((n) => n !== removed)) sameShard(base, after, kept);
        });
    }

    it("inserts a shard at the front, with a number of its own, and changes nothing of the others", async () => {
        const after = await runProgramOk(withShards([{ name: "canary", index: 7 }, ...productionShards]));
        for (const s of productionShards) sameShard(base, after, s.name);
        assert.strictEqual(after.outputs.shards.canary.index, 7);
        assert.deepStrictEqual(after.outputs.jvbUdpPorts.canary, [31000, 31001, 31002, 31003, 31004, 31005]);
        assert.match(named(after, "ConfigMap", "router-config").data["haproxy.cfg"], /server canary \S+ id 8 /);
    });

    it("numbers shards as before: shard-N is N, others by position, so upgrading this program moves no port", async () => {
        assert.deepStrictEqual(
            Object.fromEntries(Object.entries(base.outputs.shards).map(([n, s]: [string, any]) => [n, s.index])),
            { "shard-0": 0, "shard-1": 1 },
        );
        const named_ = await runProgramOk(withShards([{ name: "north" }, { name: "south" }]));
        assert.deepStrictEqual(named_.outputs.jvbUdpPorts, { north: [30300, 30301, 30302, 30303, 30304, 30305], south: [30400, 30401, 30402, 30403, 30404, 30405] });
        const count = await runProgramOk(withConfig(production(), { "jitsi:shards": 2 }));
        assert.deepStrictEqual(count.outputs.jvbUdpPorts, base.outputs.jvbUdpPorts);
    });

    it("drains a shard by changing only the router: weight 0 for new rooms, no pod of the shard restarts", async () => {
        const drained = await runProgramOk(withShards([{ name: "shard-0" }, { name: "shard-1", drain: true }]));
        const changed = base.resources.filter((r) => {
            const now = drained.resources.find((d) => key(d) === key(r));
            return !now || JSON.stringify(now.inputs) !== JSON.stringify(r.inputs);
        });
        assert.deepStrictEqual(changed.map(key).sort(), ["kubernetes:apps/v1:StatefulSet::router", "kubernetes:core/v1:ConfigMap::router"]);
        const cfg: string = named(drained, "ConfigMap", "router-config").data["haproxy.cfg"];
        const rooms = cfg.slice(cfg.indexOf("\nbackend shards\n")).split("\n\n")[0];
        assert.match(rooms, /server shard-1 \S+ id 2 check weight 0 /);
        assert.match(rooms, /server shard-0 \S+ id 1 check resolvers/);
        assert.strictEqual(drained.outputs.shards["shard-1"].state, "draining");
        assert.strictEqual(drained.outputs.shards["shard-0"].state, "live");
    });

    it("runs a shard on a tag of its own: its web, prosody, jicofo and bridges, nothing else", async () => {
        const canary = await runProgramOk(withShards([{ name: "shard-0" }, { name: "shard-1", imageTag: "stable-11146-2" }]));
        const other = await runProgramOk(withShards([{ name: "shard-0" }, { name: "shard-1", imageTag: "stable-12000" }]));
        sameShard(canary, other, "shard-0");
        for (const [kind, name] of [["Deployment", "shard-1-web"], ["Deployment", "shard-1-prosody"], ["Deployment", "shard-1-jicofo"], ["StatefulSet", "shard-1-jvb"]]) {
            const images = named(other, kind, name).spec.template.spec.containers.map((c: Obj) => c.image);
            for (const image of images) assert.match(image, /^ghcr\.io\/jitsi\/\w+:stable-12000$/, `${name}: ${image}`);
        }
        assert.strictEqual(other.outputs.shards["shard-1"].imageTag, "stable-12000");
        // Nobody has read that tag's images: the preview says so, naming the shard.
        assert.deepStrictEqual(other.warnings.filter((w) => /stable-12000/.test(w)).length, 1);
        assert.match(other.warnings.find((w) => /stable-12000/.test(w))!, /^shard-1 runs stable-12000, whose images' environment variables this program has not verified/);
        assert.deepStrictEqual(canary.warnings.filter((w) => /not verified/.test(w)), []);
    });

    it("keeps Jibri on the stack's tag while a shard runs its own", async () => {
        const run = await runProgramOk(
            withConfig(production(), {
                "jitsi:shards": [{ name: "shard-0" }, { name: "shard-1", imageTag: "stable-12000" }],
                "jitsi:jibri": { enabled: true, replicas: { min: 1, max: 2 } },
            }),
        );
        assert.match(named(run, "StatefulSet", "jibri").spec.template.spec.containers[0].image, /:stable-11146-2$/);
    });
});

describe("the preview tells the truth about restarts", function () {
    this.timeout(60_000);
    let deployed: Record<string, unknown>;

    before(async () => {
        const last = await runProgramOk(production());
        deployed = last.outputs;
    });

    const restarts = (run: Run) => run.warnings.filter((w) => /restarts its prosody and jicofo|restarts its prosody|this update restarts/.test(w));

    it("says nothing when the update leaves prosody and jicofo as they are", async () => {
        const run = await runProgramOk(withShards([{ name: "shard-0" }, { name: "shard-1", drain: true }]), "test", { previousOutputs: deployed });
        assert.deepStrictEqual(restarts(run), []);
    });

    it("names each live shard whose prosody and jicofo a change restarts, before anything is applied", async () => {
        const run = await runProgramOk(withConfig(production(), { "jitsi:meetings": { lobby: false } }), "test", { previousOutputs: deployed });
        assert.deepStrictEqual(restarts(run).map((w) => w.split(" ")[0]).sort(), ["shard-0", "shard-1"]);
        assert.match(restarts(run)[0], /is live, and this update restarts its prosody and jicofo: every meeting on shard-\d ends\. To keep them, drain/);
    });

    it("names every live shard when monitoring is switched off (prosody's metrics settings go), as the README's switch list says", async () => {
        const run = await runProgramOk(withConfig(production(), { "jitsi:monitoring": { enabled: false } }), "test", { previousOutputs: deployed });
        assert.deepStrictEqual(restarts(run).map((w) => w.split(" ")[0]).sort(), ["shard-0", "shard-1"]);
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
        assert.match(readme, /Switching monitoring off or on [^.]*restarts every shard's prosody and \*\*ends every meeting\*\*/);
    });

    it("names only the shard that changes tag, and calls a drained one drained", async () => {
        const upgrade = await runProgramOk(withShards([{ name: "shard-0", imageTag: "stable-12000" }, { name: "shard-1" }]), "test", { previousOutputs: deployed });
        assert.deepStrictEqual(restarts(upgrade).map((w) => w.split(" ")[0]), ["shard-0"]);
        assert.match(restarts(upgrade)[0], /is live/);
        const drainedFirst = await runProgramOk(withShards([{ name: "shard-0", imageTag: "stable-12000", drain: true }, { name: "shard-1" }]), "test", { previousOutputs: deployed });
        assert.deepStrictEqual(restarts(drainedFirst), ["shard-0 is drained; this update restarts its prosody and jicofo, which ends the meetings still on it."]);
    });

    it("says nothing on a first deployment, for a new shard, or when switched off", async () => {
        const first = await runProgramOk(withConfig(production(), { "jitsi:meetings": { lobby: false } }), "test", { previousOutputs: {} });
        assert.deepStrictEqual(restarts(first), []);
        const grown = await runProgramOk(withShards([...productionShards, { name: "shard-2" }]), "test", { previousOutputs: deployed });
        assert.deepStrictEqual(restarts(grown), []);
        const off = await runProgramOk(withConfig(production(), { "jitsi:meetings": { lobby: false }, "jitsi:warnOnSignallingRestart": false }), "test", { previousOutputs: deployed });
        assert.deepStrictEqual(restarts(off), []);
        // The reference itself stays: the stored-data warnings read it too (test/storedData.test.ts).
        assert.strictEqual(off.resources.filter((r) => r.type === "pulumi:pulumi:StackReference").length, 1);
    });

    it("reads the stack's own last outputs: a StackReference to organization/jitsi/<stack>", async () => {
        const run = await runProgramOk(production(), "production");
        const ref = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!;
        assert.strictEqual(ref.inputs.name, "organization/jitsi/production");
    });

    it("says which restarts a web-only change does not cause", async () => {
        // web's settings restart web (a rolling update) but never prosody or jicofo.
        const run = await runProgramOk(withConfig(production(), { "jitsi:web": { channelLastN: 5 } }), "test", { previousOutputs: deployed });
        assert.deepStrictEqual(restarts(run), []);
        assert.notDeepStrictEqual(named(run, "Deployment", "shard-0-web"), objects(await runProgramOk(production())).find((o) => o.metadata?.name === "shard-0-web"));
    });
});

describe("settings that end meetings, as the docs list them", function () {
    this.timeout(120_000);
    const doc = fs.readFileSync(path.join(ROOT, "docs/configuration.md"), "utf8");
    /** The configuration table's row for a key (its first cell names it). */
    const row = (key: string) => doc.split("\n").find((l) => l.startsWith("| `") && l.split(" | ")[0].includes(`\`${key}`)) ?? "";
    const endsMeetings = (line: string) => /[Ee]nds every meeting/.test(line);
    let base: Run;

    before(async () => {
        base = await runProgramOk(production());
    });

    const signalling = (run: Run) => Object.fromEntries(Object.entries(run.outputs.shards).map(([n, s]: [string, any]) => [n, s.signalling]));
    const restarting: [string, Record<string, unknown>][] = [
        ["imageTag", { "jitsi:imageTag": "stable-12000" }],
        ["timezone", { "jitsi:timezone": "Europe/Paris" }],
        ["hosts", { "jitsi:hosts": ["video.school.example"] }],
        ["resources.{web,prosody,jicofo,jvb,router}", { "jitsi:resources": { ...stackFile("production")["jitsi:resources"], jvb: { requests: { cpu: "4", memory: "2Gi" }, limits: { cpu: "4", memory: "2Gi" } } } }],
        ["jvb.relay.enabled", { "jitsi:jvb": { ...stackFile("production")["jitsi:jvb"], relay: { enabled: false } } }],
        ["turn.host", { "jitsi:turn": { ...stackFile("production")["jitsi:turn"], host: "relay.example.org" } }],
        ["turn.tlsPort", { "jitsi:turn": { ...stackFile("production")["jitsi:turn"], tlsPort: 5349 } }],
        ["turn.enabled", { "jitsi:turn": { enabled: false } }],
        ["auth.type", { "jitsi:auth": { type: "jwt", jwt: { appId: "portal" } }, "jitsi:jwtAppSecret": "0123456789abcdef0123" }],
        ["meetings.lobby", { "jitsi:meetings": { lobby: false } }],
        ["jibri.enabled", { "jitsi:jibri": { enabled: true } }],
        ["monitoring.enabled", { "jitsi:monitoring": { enabled: false } }],
        ["visitors.enabled", { "jitsi:visitors": { enabled: true } }],
        ["jigasi.enabled", { "jitsi:jigasi": { enabled: true, sip: { uri: "4930123456@sip.provider.net" } }, "jitsi:jigasiSipPassword": "sip-password" }],
        ["transcription.enabled", { "jitsi:transcription": { enabled: true } }],
    ];
    for (const [key, change] of restarting) {
        it(`${key}: restarts prosody or jicofo, and the configuration table says it ends meetings`, async () => {
            const run = await runProgramOk(withConfig(production(), change, Object.keys(change).filter((k) => /(Secret|Password)$/.test(k))));
            for (const [shard, hash] of Object.entries(signalling(run))) assert.notStrictEqual(hash, signalling(base)[shard], `${shard} keeps its signalling pods`);
            assert.ok(endsMeetings(row(key)), `docs/configuration.md does not say that ${key} ends meetings: ${row(key) || "(no row)"}`);
        });
    }
    const harmless: [string, Record<string, unknown>][] = [
        ["web.channelLastN", { "jitsi:web": { channelLastN: 5 } }],
        ["jvb.minReplicas", { "jitsi:jvb": { ...stackFile("production")["jitsi:jvb"], maxReplicas: 8 } }],
        ["router.replicas", { "jitsi:router": { replicas: 3 } }],
        ["etherpad.{enabled", { "jitsi:etherpad": { enabled: true } }],
        ["whiteboard.{enabled", { "jitsi:whiteboard": { enabled: true } }],
        ["turn.relayPorts.min", { "jitsi:turn": { ...stackFile("production")["jitsi:turn"], relayPorts: { min: 50000, max: 50030 } } }],
    ];
    for (const [key, change] of harmless) {
        it(`${key}: leaves prosody and jicofo running, and the configuration table does not say otherwise`, async () => {
            const run = await runProgramOk(withConfig(production(), change));
            assert.deepStrictEqual(signalling(run), signalling(base));
            assert.ok(row(key) !== "" && !endsMeetings(row(key)), `${key}: ${row(key) || "(no row)"}`);
        });
    }
});
