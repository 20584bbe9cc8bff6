/**
 * A part switched off keeps its namespace and claims (retainOnDelete); switched on again, `pulumi up`
 * must create them over what is still there. pulumi-kubernetes 4.34 refuses that ("The resource already
 * exists in the cluster": provider/pkg/await/await.go Creation, client.Create unless ServerSideApply and
 * UpsertExistingObjects; default off since pulumi-kubernetes#4278), so the kept objects, and only those,
 * go through a provider of their own that upserts, on the same cluster as every other object.
 */
import * as assert from "assert";
import { KEPT_OBJECTS_OUTPUT, KEPT_OBJECTS_PROVIDER } from "../lib/keptObjects";
import { readStackFile, Recorded, Run, runProgram, runProgramOk, withConfig } from "./harness";
import { ACCESS_VARIANTS, allGatewaysVariant } from "./variants";

const KEPT = `pulumi:providers:kubernetes::${KEPT_OBJECTS_PROVIDER}`;

const keptProvider = (run: Run): Recorded => {
    const providers = run.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
    assert.strictEqual(providers.length, 1, providers.map((p) => p.name).join(", "));
    return providers[0];
};

/** What the provider's engine receives as a setting: booleans travel as strings or booleans alike. */
const flag = (value: unknown) => value === true || value === "true";

function assertKeptThroughUpsert(run: Run, expected: string[]): void {
    const retained = run.resources.filter((r) => r.retainOnDelete);
    assert.deepStrictEqual(retained.map((r) => `${r.type}::${r.inputs.metadata.name}`).sort(), expected.sort());
    for (const r of retained) assert.strictEqual(r.provider, KEPT, `${r.type} ${r.name} is kept but would stop the next up with "already exists"`);
    // Nothing else upserts: a cluster's own objects (its metrics APIService above all) stay refused by the default provider.
    const throughKept = run.resources.filter((r) => r.provider === KEPT);
    assert.deepStrictEqual(throughKept, retained);
    for (const r of run.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.retainOnDelete)) {
        assert.strictEqual(r.provider, undefined, `${r.type} ${r.name}`);
    }
}

describe("kept namespaces and claims are adopted when their part comes back", function () {
    this.timeout(120_000);

    it("production: the monitoring and logging namespaces go through the upserting provider, nothing else", async () => {
        const run = await runProgramOk(readStackFile("production"));
        assertKeptThroughUpsert(run, ["kubernetes:core/v1:Namespace::logging", "kubernetes:core/v1:Namespace::monitoring"]);
        const provider = keptProvider(run).inputs;
        assert.ok(flag(provider.upsertExistingObjects), JSON.stringify(provider));
        // Upsert happens only with server-side apply (await.go: `c.ServerSideApply && c.UpsertExistingObjects`).
        assert.ok(flag(provider.enableServerSideApply));
        // The earlier incarnation's fields are under another field manager name: forced, not a conflict.
        assert.ok(flag(provider.enablePatchForce));
    });

    for (const [name, variant] of Object.entries({ "Etherpad": ACCESS_VARIANTS["all extras"], "internal accounts": allGatewaysVariant })) {
        it(`kept claims go through it as well (${name})`, async () => {
            const run = await runProgramOk(variant());
            const claims = run.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
            assert.ok(claims.length > 0);
            assertKeptThroughUpsert(run, [
                ...run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.retainOnDelete).map((r) => `${r.type}::${r.inputs.metadata.name}`),
                ...claims.map((c) => `${c.type}::${c.inputs.metadata.name}`),
            ]);
        });
    }

    it("talks to the cluster the stack's kubernetes: settings name, as the default provider does", async () => {
        const config = withConfig(readStackFile("production"), {
            "kubernetes:context": "school-prod",
            "kubernetes:kubeconfig": "/etc/kube/school.yaml",
            "kubernetes:enableServerSideApply": "false",
            "kubernetes:deleteUnreachable": "true",
        }, ["kubernetes:kubeconfig"]);
        const run = await runProgramOk(config);
        const provider = keptProvider(run);
        assert.strictEqual(provider.inputs.context, "school-prod");
        assert.strictEqual(provider.inputs.kubeconfig, "/etc/kube/school.yaml");
        assert.ok(provider.secretPaths.includes("kubeconfig"), `kubeconfig is not secret: ${provider.secretPaths}`);
        assert.ok(flag(provider.inputs.deleteUnreachable));
        // Server-side apply stays on for these objects whatever the default provider does: upsert needs it.
        assert.ok(flag(provider.inputs.enableServerSideApply));
    });

    it("a stack deployed by an earlier version first records retainOnDelete on the default provider, then moves", async () => {
        // Moving to another provider is a replacement, and its delete obeys the retainOnDelete in the state
        // (pulumi step.go DeleteStep, pulumi/pulumi#13428): from a state without it, the delete would remove the
        // namespace the create had just adopted, with every claim in it.
        const earlier = { url: "https://meet.example.org", shards: {} };
        const recording = await runProgramOk(readStackFile("production"), "test", { previousOutputs: earlier });
        assert.strictEqual(recording.resources.filter((r) => r.type === "pulumi:providers:kubernetes").length, 0);
        const retained = recording.resources.filter((r) => r.retainOnDelete);
        assert.deepStrictEqual(retained.map((r) => r.inputs.metadata.name).sort(), ["logging", "monitoring"]);
        for (const r of retained) assert.strictEqual(r.provider, undefined, `${r.name} moves provider before its state says retainOnDelete`);
        assert.ok(recording.warnings.some((w) => /records retainOnDelete .* the next update moves them to the kept-objects provider/.test(w)), recording.warnings.join("\n"));
        assert.strictEqual(recording.outputs[KEPT_OBJECTS_OUTPUT], true);
        // The next update: the state says retainOnDelete, so the move's delete is skipped.
        const moved = await runProgramOk(readStackFile("production"), "test", { previousOutputs: recording.outputs });
        assertKeptThroughUpsert(moved, ["kubernetes:core/v1:Namespace::logging", "kubernetes:core/v1:Namespace::monitoring"]);
        assert.ok(!moved.warnings.some((w) => /records retainOnDelete/.test(w)));
        // A new stack, or one destroyed (its outputs gone, its kept namespaces still in the cluster), adopts at once.
        const fresh = await runProgramOk(readStackFile("production"), "test", { previousOutputs: {} });
        assertKeptThroughUpsert(fresh, ["kubernetes:core/v1:Namespace::logging", "kubernetes:core/v1:Namespace::monitoring"]);
    });

    it("does not open upsert to the default provider: metrics-server with upsertExistingObjects is still refused", async () => {
        const run = await runProgram(withConfig(readStackFile("production"), { "kubernetes:upsertExistingObjects": "true" }));
        assert.match(String(run.error), /jitsi:ops\.metricsServer\.enabled is true while the Kubernetes provider's upsertExistingObjects is on/);
    });
});
