/**
 * Growing from 2 to 3 shards by appending one to the stack file: `pulumi preview` of that edit must
 * show the new shard's resources and one router update, and nothing else, and the router update must
 * keep live rooms on their shards.
 */
import * as assert from "assert";
import { Recorded, readStackFile, Run, runProgramOk, withConfig } from "./harness";
import { named } from "./objects";

const key = (r: Recorded) => `${r.type}::${r.name}`;

describe("adding a shard", function () {
    this.timeout(30_000);
    const production = readStackFile("production");
    let twoShards: Run;
    let threeShards: Run;

    before(async () => {
        twoShards = await runProgramOk(production);
        threeShards = await runProgramOk(
            withConfig(production, { "jitsi:shards": [{ name: "shard-0" }, { name: "shard-1" }, { name: "shard-2" }] }),
        );
    });

    it("adds only the new shard's resources", () => {
        const existing = new Set(twoShards.resources.map(key));
        const added = threeShards.resources.filter((r) => !existing.has(key(r)));
        assert.ok(added.length > 0);
        for (const r of added) {
            const shard = r.inputs.metadata?.labels?.["app.kubernetes.io/instance"] ?? r.name;
            assert.match(shard, /^shard-2\b/, `unexpected new resource ${key(r)}`);
        }
        // As many as an existing shard has.
        const shard0 = twoShards.resources.filter((r) => /^shard-0\b/.test(r.inputs.metadata?.labels?.["app.kubernetes.io/instance"] ?? r.name));
        assert.strictEqual(added.length, shard0.length);
        assert.ok(twoShards.resources.every((r) => threeShards.resources.some((a) => key(a) === key(r))), "a resource disappeared");
    });

    it("changes no existing resource except the router's backend list and the restart it triggers", () => {
        const changed: string[] = [];
        for (const old of twoShards.resources) {
            const now = threeShards.resources.find((r) => key(r) === key(old))!;
            if (JSON.stringify(now.inputs) !== JSON.stringify(old.inputs)) changed.push(key(old));
        }
        assert.deepStrictEqual(changed.sort(), [
            "kubernetes:apps/v1:StatefulSet::router",
            "kubernetes:core/v1:ConfigMap::router",
        ]);

        const cfgBefore: string[] = named(twoShards, "ConfigMap", "router-config").data["haproxy.cfg"].split("\n");
        const cfgAfter: string[] = named(threeShards, "ConfigMap", "router-config").data["haproxy.cfg"].split("\n");
        // The list of shard ids a room's entry may name without being stored anew (lib/haproxy.ts) gains the new one.
        const store = (ids: string) => `    stick store-request var(txn.room) unless { var(txn.room),table_server_id(shards) -m int ${ids} }`;
        const addedLines = cfgAfter.filter((l) => !cfgBefore.includes(l));
        // One server line in the room backend, the same in the pages backend.
        assert.deepStrictEqual(addedLines.filter((l) => l !== store("1 2 3")).length, 2);
        for (const line of addedLines.filter((l) => l !== store("1 2 3"))) assert.match(line, /^\s+server shard-2 shard-2-web\.jitsi\.svc\.cluster\.local:80 id 3 /);
        assert.ok(addedLines.includes(store("1 2 3")));
        assert.deepStrictEqual(cfgBefore.filter((l) => !cfgAfter.includes(l)), [store("1 2")], "an existing line of the router config changed");

        const stsBefore = named(twoShards, "StatefulSet", "router");
        const stsAfter = named(threeShards, "StatefulSet", "router");
        const withoutChecksum = (sts: any) => JSON.stringify({ ...sts, spec: { ...sts.spec, template: { ...sts.spec.template, metadata: { labels: sts.spec.template.metadata.labels } } } });
        assert.strictEqual(withoutChecksum(stsAfter), withoutChecksum(stsBefore), "only the config checksum changes");
        assert.notStrictEqual(
            stsAfter.spec.template.metadata.annotations["jitsi-pulumi/config-sha256"],
            stsBefore.spec.template.metadata.annotations["jitsi-pulumi/config-sha256"],
            "the router restarts to read its new backend list",
        );
    });

    it("keeps live rooms where they are through the router's rolling restart", () => {
        const sts = named(threeShards, "StatefulSet", "router");
        // One pod at a time, while the other holds the room table and teaches it to the restarted one.
        assert.ok(sts.spec.replicas >= 2);
        assert.deepStrictEqual(sts.spec.updateStrategy, { type: "RollingUpdate" });
        assert.strictEqual(named(threeShards, "PodDisruptionBudget", "router").spec.maxUnavailable, 1);
        const cfg: string = named(threeShards, "ConfigMap", "router-config").data["haproxy.cfg"];
        // Entries name servers by id; existing shards keep theirs, and the hash ring is consistent.
        assert.match(cfg, /server shard-0 \S+ id 1 /);
        assert.match(cfg, /server shard-1 \S+ id 2 /);
        assert.match(cfg, /hash-type consistent/);
        assert.match(cfg, /stick-table type string len \d+ size \S+ expire \S+ peers router/);
        const script: string = named(threeShards, "ConfigMap", "router-config").data["entrypoint.sh"];
        assert.match(script, /echo "peers router"/);
    });

    it("opens the new shard's UDP ports without moving the existing ones", () => {
        assert.deepStrictEqual(threeShards.outputs.jvbUdpPorts["shard-0"], twoShards.outputs.jvbUdpPorts["shard-0"]);
        assert.deepStrictEqual(threeShards.outputs.jvbUdpPorts["shard-1"], twoShards.outputs.jvbUdpPorts["shard-1"]);
        assert.deepStrictEqual(threeShards.outputs.jvbUdpPorts["shard-2"], [30500, 30501, 30502, 30503, 30504, 30505]);
    });
});
