/**
 * Everything the program declares, validated against the upstream schemas of the Kubernetes version
 * range it targets and of the CRDs it uses, with unknown fields refused.
 */
import * as assert from "assert";
import { STACK_VARIANTS } from "./variants";
import { Obj } from "./objects";
import { checkApiVersions, findUnknownFields, validateWithModels } from "./schemas";

describe("schema validation", function () {
    this.timeout(60_000);
    const variants = STACK_VARIANTS;

    for (const [name, load] of Object.entries(variants)) {
        it(`accepts every object of ${name}: served apiVersions, valid against the schemas, no unknown fields`, async () => {
            const objs = await load();
            assert.deepStrictEqual(checkApiVersions(objs), []);
            assert.deepStrictEqual(await validateWithModels(objs), []);
            assert.deepStrictEqual(findUnknownFields(objs), []);
        });
    }

    describe("refuses", () => {
        let base: Obj[];
        before(async () => {
            base = await variants.production();
        });
        const pick = (kind: string) => JSON.parse(JSON.stringify(base.find((o) => o.kind === kind)));

        it("unknown fields in core objects and in custom resources", () => {
            const deployment = pick("Deployment");
            deployment.spec.replicaz = 2;
            const issuer = pick("ClusterIssuer");
            issuer.spec.acme.emial = "x@example.org";
            const monitor = pick("PodMonitor");
            monitor.spec.podMetricsEndpoints[0].paht = "/metrics";
            const es = pick("Elasticsearch");
            es.spec.nodeSets[0].cuont = 3;
            const problems = findUnknownFields([deployment, issuer, monitor, es]).map((p) => p.problem);
            assert.deepStrictEqual(problems.sort(), [
                "unknown field spec.acme.emial",
                "unknown field spec.nodeSets[0].cuont",
                "unknown field spec.podMetricsEndpoints[0].paht",
                "unknown field spec.replicaz",
            ]);
        });

        it("wrong types and missing required fields", async () => {
            const hpa = pick("HorizontalPodAutoscaler");
            hpa.spec.maxReplicas = "six";
            const service = pick("Service");
            delete service.spec.ports[0].port;
            const problems = (await validateWithModels([hpa, service])).map((p) => p.problem).join("\n");
            assert.match(problems, /spec\/maxReplicas must be integer/);
            assert.match(problems, /spec\/ports\/0 must have required property port/);
        });

        it("deprecated, removed or unserved apiVersions", () => {
            const hpa = { ...pick("HorizontalPodAutoscaler"), apiVersion: "autoscaling/v2beta2" };
            const pdb = { ...pick("PodDisruptionBudget"), apiVersion: "policy/v1beta1" };
            const future = { ...pick("Deployment"), apiVersion: "apps/v2" };
            assert.deepStrictEqual(checkApiVersions([hpa, pdb, future]).map((p) => p.problem), [
                "apiVersion autoscaling/v2beta2 is deprecated or removed",
                "apiVersion policy/v1beta1 is deprecated or removed",
                "apiVersion apps/v2 is not served by Kubernetes 1.29 to 1.34 or a known CRD",
            ]);
        });
    });
});
