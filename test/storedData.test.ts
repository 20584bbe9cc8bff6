/**
 * Stored data is not deleted by a config change unless the operator says so: the namespaces and
 * claims that hold it are kept (retainOnDelete, Helm's keep, the operators' retention settings), and
 * `pulumi preview` warns, naming the claims and their size, before an update deletes or recreates
 * them. The previous deployment is the stack's own last outputs, as test/shardLifecycle.test.ts reads them.
 */
import * as assert from "assert";
import { claimNames, keptData, storedDataWarnings, StoredData } from "../lib/storedData";
import { readStackFile, Run, runProgramOk, StackConfig, withConfig } from "./harness";
import { named, objects, Obj } from "./objects";
import { ACCESS_VARIANTS, allGatewaysVariant, GATEWAY_VARIANTS } from "./variants";

const STACKS = ["production", "development"] as const;

/** What the change below does to the preview: the warnings that name stored data. */
const dataWarnings = (run: Run) => run.warnings.filter((w) => /claim|volume|namespace .* kept|Elasticsearch node set/i.test(w) && !/restarts its prosody/.test(w));

function chartValues(run: Run, name: string): Obj {
    // A helm.v4.Chart or a helm.v3.Release: either way the values are the chart's.
    const chart = run.resources.find((r) => r.type.startsWith("kubernetes:helm.sh/") && r.name === name);
    if (!chart) throw new Error(`no chart ${name}`);
    return chart.inputs.values;
}

/** Every claim the run declares itself, or through a StatefulSet's volumeClaimTemplates, as `namespace/name` with its size. */
function declaredClaims(run: Run): Map<string, string> {
    const claims = new Map<string, string>();
    for (const pvc of objects(run, "PersistentVolumeClaim")) claims.set(`${pvc.metadata.namespace}/${pvc.metadata.name}`, pvc.spec.resources.requests.storage);
    for (const set of objects(run, "StatefulSet")) {
        for (const t of set.spec.volumeClaimTemplates ?? []) {
            claims.set(`${set.metadata.namespace}/${t.metadata.name}-${set.metadata.name}-<i>`, t.spec.resources.requests.storage);
        }
    }
    return claims;
}

describe("stored data is kept when a part is switched off", function () {
    this.timeout(120_000);

    for (const stack of STACKS) {
        describe(`with Pulumi.${stack}.yaml`, () => {
            let run: Run;
            before(async () => {
                run = await runProgramOk(readStackFile(stack));
            });

            it("keeps the monitoring and logging namespaces, which hold the volumes, when their part goes (retainOnDelete)", () => {
                const namespaces = run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
                const retained = namespaces.filter((n) => n.retainOnDelete).map((n) => n.inputs.metadata.name).sort();
                assert.deepStrictEqual(retained, ["logging", "monitoring"]);
                // protect is not used: it would make switching a part off fail instead of keeping its data.
                assert.ok(run.resources.every((r) => !r.protect));
            });

            it("keeps Prometheus', Grafana's and Elasticsearch's claims when their owners are deleted", () => {
                const kps = chartValues(run, "kube-prometheus-stack");
                assert.deepStrictEqual(kps.prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
                assert.strictEqual(kps.grafana.persistence.annotations["helm.sh/resource-policy"], "keep");
                assert.strictEqual(named(run, "Elasticsearch", "logs").spec.volumeClaimDeletePolicy, "DeleteOnScaledownOnly");
            });

            it("records every volume that holds data in the storedData output, with the names and sizes their owners give them", () => {
                const stored: StoredData = run.outputs.storedData;
                const kps = chartValues(run, "kube-prometheus-stack").prometheus.prometheusSpec;
                assert.strictEqual(stored.prometheus.size, kps.storageSpec.volumeClaimTemplate.spec.resources.requests.storage);
                assert.strictEqual(stored.prometheus.count, kps.replicas);
                assert.strictEqual(stored.prometheus.claims, "prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-<i>");
                assert.strictEqual(stored.grafana.size, chartValues(run, "kube-prometheus-stack").grafana.persistence.size);
                const nodeSets = named(run, "Elasticsearch", "logs").spec.nodeSets;
                assert.deepStrictEqual(
                    Object.keys(stored).filter((k) => k.startsWith("elasticsearch/")).sort(),
                    nodeSets.map((n: Obj) => `elasticsearch/${n.name}`).sort(),
                );
                for (const n of nodeSets) {
                    assert.strictEqual(stored[`elasticsearch/${n.name}`].size, n.volumeClaimTemplates[0].spec.resources.requests.storage);
                    assert.strictEqual(stored[`elasticsearch/${n.name}`].count, n.count);
                }
                assert.deepStrictEqual(run.outputs.keptData, {});
            });
        });
    }

    const variants: Record<string, () => StackConfig> = {
        "every extra (Etherpad, Jibri)": ACCESS_VARIANTS["all extras"],
        "internal accounts, phones, captions, Jibri, visitors": allGatewaysVariant,
        "transcripts kept (Vosk)": GATEWAY_VARIANTS["transcription with Vosk"],
    };
    for (const [name, variant] of Object.entries(variants)) {
        it(`names every claim the program declares in storedData, at its size (${name})`, async () => {
            const run = await runProgramOk(variant());
            const stored = Object.values<StoredData[string]>(run.outputs.storedData);
            const declared = declaredClaims(run);
            assert.ok(declared.size > 0);
            for (const [claim, size] of declared) {
                const entry = stored.find((v) => `${v.namespace}/${v.claims}` === claim);
                assert.ok(entry, `claim ${claim} is not in storedData: a change to it would go unannounced`);
                assert.strictEqual(entry.size, size, claim);
            }
            // Claims this program declares itself outlive their part (the StatefulSets' claims do by default).
            for (const pvc of run.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim")) {
                assert.ok(pvc.retainOnDelete, `${pvc.name} is deleted with its part`);
            }
        });
    }
});

describe("the preview warns before an update deletes or recreates stored data", function () {
    this.timeout(180_000);
    const production = () => readStackFile("production");
    /** A setting of Pulumi.production.yaml as written. */
    const setting = (key: string) => JSON.parse(production().values[key]);
    const monitoring = (changes: Record<string, unknown>) => ({ "jitsi:monitoring": { ...setting("jitsi:monitoring"), ...changes } });
    const logging = (changes: Record<string, unknown>) => ({ "jitsi:ops": { ...setting("jitsi:ops"), logging: { ...setting("jitsi:ops").logging, ...changes } } });
    let deployed: Record<string, unknown>;

    before(async () => {
        deployed = (await runProgramOk(production())).outputs;
    });
    const preview = async (changes: Record<string, unknown>, previousOutputs: Record<string, unknown> = deployed) =>
        dataWarnings(await runProgramOk(withConfig(production(), changes), "test", { previousOutputs }));

    it("says nothing on a first deployment or when no volume changes", async () => {
        assert.deepStrictEqual(await preview(monitoring({ prometheus: { ...setting("jitsi:monitoring").prometheus, storage: "200Gi" } }), {}), []);
        assert.deepStrictEqual(await preview({ "jitsi:web": { channelLastN: 5 } }), []);
    });

    it("names Prometheus' claims before a larger storage makes the operator recreate its StatefulSet without growing them", async () => {
        const prometheus = setting("jitsi:monitoring").prometheus;
        const grow = await preview(monitoring({ prometheus: { ...prometheus, storage: "200Gi" } }));
        assert.strictEqual(grow.length, 1, grow.join("\n"));
        assert.match(grow[0], /^monitoring\.prometheus\.storage changes from 100Gi to 200Gi: the Prometheus Operator cannot change a StatefulSet's volumeClaimTemplates/);
        assert.match(grow[0], /every Prometheus replica stops at once/);
        assert.match(grow[0], /prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-0, prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-1 stay at 100Gi/);
        assert.match(grow[0], /docs\/runbook\.md, "Grow Prometheus' volumes"/);
        const shrink = await preview(monitoring({ prometheus: { ...prometheus, storage: "50Gi" } }));
        assert.match(shrink[0], /Kubernetes cannot shrink a volume.*Set monitoring\.prometheus\.storage back to 100Gi\.$/);
    });

    it("names Prometheus' and Grafana's claims and their sizes when monitoring is switched off, and says they are kept", async () => {
        // Sorted: the engine hands the last outputs back with their keys in its own order.
        const off = (await preview({ "jitsi:monitoring": { enabled: false } })).sort().reverse();
        assert.strictEqual(off.length, 2, off.join("\n"));
        assert.match(off[0], /^This update removes Prometheus' metrics \(2 × 100Gi: prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-0, .*-1 in namespace monitoring\) \(monitoring\.enabled off/);
        assert.match(off[1], /Grafana's database .*\(1 × 10Gi: kube-prometheus-stack-grafana in namespace monitoring\)/);
        for (const w of off) assert.match(w, /the claims and the namespace monitoring are kept \(retainOnDelete\), so switching it on again finds the data; delete them by hand/);
    });

    it("names Elasticsearch's claims when logging is switched off, and each node set a change removes or shrinks", async () => {
        const off = await preview(logging({ enabled: false }));
        assert.deepStrictEqual(off.map((w) => w.match(/\(\d × \d+Gi: \S+/)![0]).sort(), ["(2 × 100Gi: elasticsearch-data-logs-es-data-0,", "(3 × 5Gi: elasticsearch-data-logs-es-master-0,"]);
        // masterNodes 3 -> 0 renames the node sets: ECK deletes the old sets' claims after moving the shards.
        const merged = await preview(logging({ masterNodes: 0 }));
        assert.strictEqual(merged.length, 2, merged.join("\n"));
        for (const w of merged) assert.match(w, /^This update removes Elasticsearch node set (master|data): ECK moves its shards to the other nodes, then deletes/);
        const fewer = await preview(logging({ dataNodes: 1 }));
        assert.deepStrictEqual(fewer, ["Elasticsearch node set data goes from 2 to 1 nodes: ECK moves their shards away, then deletes elasticsearch-data-logs-es-data-1 (100Gi each)."]);
        const larger = await preview(logging({ storage: "150Gi" }));
        assert.match(larger[0], /^ops\.logging\.storage changes from 100Gi to 150Gi: ECK grows .* in place if their StorageClass allows volume expansion/);
    });

    it("names the kept data when a part comes back on, and how the provider adopts it", async () => {
        const offOutputs = (await runProgramOk(withConfig(production(), { "jitsi:monitoring": { enabled: false } }), "test", { previousOutputs: deployed })).outputs;
        assert.deepStrictEqual(Object.keys(offOutputs.keptData).sort(), ["grafana", "prometheus"]);
        // Still kept one update later, while monitoring stays off.
        const stillOff = (await runProgramOk(withConfig(production(), { "jitsi:monitoring": { enabled: false } }), "test", { previousOutputs: offOutputs })).outputs;
        assert.deepStrictEqual(Object.keys(stillOff.keptData).sort(), ["grafana", "prometheus"]);
        const back = await runProgramOk(production(), "test", { previousOutputs: stillOff });
        const warnings = dataWarnings(back).sort().reverse();
        assert.strictEqual(warnings.length, 2, warnings.join("\n"));
        assert.match(warnings[0], /^monitoring\.enabled comes back on while Prometheus' metrics .* is still kept .*: the namespace monitoring is adopted again/);
        // Grafana's claim is the release's: Helm adopts it again under the same release name; the namespace is the stack's.
        assert.match(warnings[1], /Grafana's database .*: the namespace monitoring is adopted again/);
        for (const w of warnings) assert.match(w, /kept-objects provider applies over an existing object\), and the part finds its old data/);
        assert.deepStrictEqual(back.outputs.keptData, {});
    });

    it("warns for Etherpad's pads, Jibri's recordings and saved transcripts too", () => {
        const pads = { holds: "Etherpad's pads", namespace: "jitsi", claims: "etherpad-pads", count: 1, size: "5Gi", sizeKey: "etherpad.storage", switchKey: "etherpad.enabled", owner: "claim", partNamespace: false } as const;
        const recordings = { ...pads, holds: "Jibri's recordings", claims: "recordings-jibri-<i>", count: 4, size: "50Gi", sizeKey: "jibri.storage", switchKey: "jibri.enabled", owner: "statefulset" } as const;
        assert.match(storedDataWarnings({ pads }, { pads: { ...pads, size: "10Gi" } })[0], /etherpad-pads grow in place if their StorageClass allows volume expansion/);
        assert.match(storedDataWarnings({ pads }, { pads: { ...pads, size: "1Gi" } })[0], /Kubernetes refuses to shrink etherpad-pads, so `pulumi up` fails on them/);
        assert.match(storedDataWarnings({ pads }, {})[0], /^This update removes Etherpad's pads \(1 × 5Gi: etherpad-pads in namespace jitsi\) .*: the claim is kept \(retainOnDelete\)/);
        assert.match(storedDataWarnings({ recordings }, {})[0], /: the claims outlive their StatefulSet, so switching it on again finds the data/);
        assert.match(storedDataWarnings({ recordings }, { recordings: { ...recordings, size: "100Gi" } })[0], /replaces the StatefulSet .* recordings-jibri-0 … recordings-jibri-3 stay at 50Gi/);
        assert.deepStrictEqual(keptData({ recordings }, undefined, {}), { recordings });
        // A StatefulSet finds its claims again by name: nothing to adopt.
        assert.deepStrictEqual(storedDataWarnings(undefined, { recordings }, { recordings }), []);
        assert.strictEqual(claimNames({ claims: "a-<i>", count: 2 }), "a-0, a-1");
    });
});
