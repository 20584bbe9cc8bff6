/**
 * The pull-request workflow cannot run here; these checks keep it in step with the project:
 * the same install and test commands as the README and .ci/run, and a preview of every stack file
 * with the policy pack.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "./harness";

describe("pull-request workflow", () => {
    const workflow = parse(fs.readFileSync(path.join(ROOT, ".github/workflows/pull-request.yml"), "utf8"));
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const development = fs.readFileSync(path.join(ROOT, "docs/development.md"), "utf8");

    it("runs on pull requests with the README's test command, and lets the preview comment", () => {
        assert.ok("pull_request" in workflow.on);
        assert.strictEqual(workflow.permissions["pull-requests"], "write");
        const runs = workflow.jobs.test.steps.map((s: any) => s.run).filter(Boolean);
        const firstCommand = /```bash\n(.*?)\s+#/.exec(readme)![1];
        assert.strictEqual(firstCommand, "npm ci && npm test");
        assert.ok(runs.includes("npm ci") && runs.some((r: string) => /^(sudo \S+ )?npm test$/.test(r)));
    });

    it("tests on the Node versions the README and package.json require, and previews on the lowest", () => {
        const engines: string = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node;
        assert.strictEqual(engines, ">=22");
        assert.match(readme, /Node\.js 22 or newer/);
        const setupNode = (job: any) => job.steps.find((s: any) => String(s.uses).startsWith("actions/setup-node@")).with["node-version"];
        assert.deepStrictEqual(workflow.jobs.test.strategy.matrix.node, [22, 24]);
        assert.strictEqual(setupNode(workflow.jobs.test), "${{ matrix.node }}");
        assert.strictEqual(setupNode(workflow.jobs.preview), 22);
    });

    it("previews with the policy pack wherever the docs say how to review a first deploy", () => {
        const runbook = fs.readFileSync(path.join(ROOT, "docs/runbook.md"), "utf8");
        const firstPreview = (text: string) => /^pulumi preview\b[^#\n]*/m.exec(text)![0].trim();
        assert.strictEqual(firstPreview(readme), "pulumi preview --policy-pack policy");
        assert.strictEqual(firstPreview(runbook), firstPreview(readme));
        assert.strictEqual(workflow.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@")).with.policyPacks, "policy");
    });

    it("names in the README every package whose install script npm reports, as `npm ci` lists them", () => {
        // npm 11.19 `npm ci`: "3 packages have install scripts not yet covered by allowScripts", the lock's hasInstallScript.
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
        const withScripts = Object.entries<any>(lock.packages).filter(([, p]) => p.hasInstallScript).map(([k]) => k.replace(/^.*node_modules\//, "")).sort();
        const note = readme.split("\n\n").find((p) => p.startsWith("npm 11 warns"))!;
        const named = [...note.matchAll(/`(@?[\w.-]+(?:\/[\w.-]+)?)`/g)].map((m) => m[1]).filter((n) => n !== "allowScripts").sort();
        assert.deepStrictEqual(named, withScripts);
        assert.match(note, new RegExp(`^npm 11 warns that ${["zero", "one", "two", "three", "four"][withScripts.length]} install scripts`));
    });

    it("installs the same Debian packages as .ci/run, so no live test is skipped there", () => {
        const runs: string = workflow.jobs.test.steps.map((s: any) => s.run ?? "").join("\n");
        const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
        for (const text of [runs, ci]) assert.match(text, /grep -v '\^#' \.ci\/debian-packages/);
        const packages = fs.readFileSync(path.join(ROOT, ".ci/debian-packages"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
        for (const p of ["haproxy", "coturn", "prosody", "prometheus", "libcap2-bin"]) assert.ok(packages.includes(p), p);
    });

    it("previews every stack file with the official Pulumi action and the policy pack", () => {
        const stacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\.\w+\.yaml$/.test(f)).map((f) => f.split(".")[1]).sort();
        assert.deepStrictEqual([...workflow.jobs.preview.strategy.matrix.stack].sort(), stacks);
        const pulumi = workflow.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.match(pulumi.uses, /^pulumi\/actions@v\d+$/);
        assert.strictEqual(pulumi.with.command, "preview");
        assert.strictEqual(pulumi.with["comment-on-pr"], true);
        assert.strictEqual(pulumi.with.policyPacks, "policy");
        assert.ok(fs.existsSync(path.join(ROOT, "policy", "PulumiPolicy.yaml")));
        // Every secret the workflow reads is documented.
        const secrets = [...JSON.stringify(workflow).matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]).filter((s) => s !== "GITHUB_TOKEN");
        for (const s of new Set(secrets)) assert.ok(development.includes(`\`${s}\``), `docs/development.md does not document ${s}`);
    });
});
