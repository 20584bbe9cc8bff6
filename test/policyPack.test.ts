/**
 * The policy pack's wiring: policy/index.ts loaded with @pulumi/policy stood in for, its policies fed
 * the resources of a real stack run in the shape Pulumi hands them over (type and props).
 */
import * as assert from "assert";
import * as path from "path";
import { INVARIANTS } from "../policy/invariants";
import { readStackFile, ROOT, runProgram } from "./harness";

interface CapturedPolicy {
    name: string;
    enforcementLevel: string;
    validateStack(args: { resources: { type: string; props: any }[] }, report: (message: string) => void): void;
}

function loadPack(): { name: string; policies: CapturedPolicy[] } {
    const captured: { name: string; policies: CapturedPolicy[] }[] = [];
    const policyModule = require.resolve("@pulumi/policy", { paths: [path.join(ROOT, "policy")] });
    const real = require.cache[policyModule];
    require.cache[policyModule] = {
        id: policyModule,
        filename: policyModule,
        loaded: true,
        exports: { PolicyPack: class { constructor(name: string, args: { policies: CapturedPolicy[] }) { captured.push({ name, policies: args.policies }); } } },
    } as any;
    const packPath = require.resolve("../policy/index");
    delete require.cache[packPath];
    try {
        require(packPath);
    } finally {
        if (real) require.cache[policyModule] = real;
        else delete require.cache[policyModule];
        delete require.cache[packPath];
    }
    assert.strictEqual(captured.length, 1);
    return captured[0];
}

describe("policy pack", function () {
    this.timeout(30_000);

    it("packages every invariant as a mandatory stack policy", () => {
        const pack = loadPack();
        assert.strictEqual(pack.name, "jitsi-invariants");
        assert.deepStrictEqual(pack.policies.map((p) => p.name), INVARIANTS.map((i) => i.name));
        for (const p of pack.policies) assert.strictEqual(p.enforcementLevel, "mandatory");
    });

    it("passes the production stack and reports a violation with the object's name", async () => {
        const run = await runProgram(readStackFile("production"));
        const resources = run.resources.map((r) => ({ type: r.type, props: r.inputs }));
        const pack = loadPack();
        const report = (resources: { type: string; props: any }[]) => {
            const messages: string[] = [];
            for (const p of pack.policies) p.validateStack({ resources }, (m) => messages.push(`${p.name}: ${m}`));
            return messages;
        };
        assert.deepStrictEqual(report(resources), []);

        const broken = JSON.parse(JSON.stringify(resources));
        broken.find((r: any) => r.props.kind === "Deployment" && r.props.metadata.name === "shard-0-web").props.spec.template.spec.containers[0].image = "ghcr.io/jitsi/web:latest";
        assert.deepStrictEqual(report(broken), [
            "resources-and-pinned-images: Deployment jitsi/shard-0-web: container web image ghcr.io/jitsi/web:latest is not pinned to a tag",
        ]);
    });
});
