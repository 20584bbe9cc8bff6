/**
 * npm run render: the offline view of what `pulumi up` would apply.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { secretValues } from "../policy/invariants";
import { REDACTED, render, summary } from "../scripts/render";
import { readStackFile, ROOT, runProgram } from "./harness";
import { objects } from "./objects";

describe("render", function () {
    this.timeout(60_000);

    for (const stack of ["development", "production"]) {
        it(`puts every object of ${stack} in its component's file, charts as chart + version + values, secrets redacted`, async () => {
            const run = await runProgram(readStackFile(stack), stack);
            const rendered = render(run.resources);
            const shards = ["shard-0", "shard-1"];
            assert.deepStrictEqual(Object.keys(rendered.objects).sort(), ["jitsi-auth", "jvb-node-reader", "monitoring", "ops", "router", ...shards, "stack", "turn"].sort());
            assert.strictEqual(Object.values(rendered.objects).flat().length, objects(run).length);
            assert.ok(rendered.objects["shard-0"].some((o) => o.kind === "StatefulSet" && o.metadata.name === "shard-0-jvb"), "the JVB pool belongs to its shard");

            const charts = Object.values(rendered.charts).flat();
            assert.deepStrictEqual(charts.map((c) => c.chart).sort(), ["cert-manager", "eck-operator", "ingress-nginx", "kube-prometheus-stack", "metrics-server", "prometheus-adapter"]);
            for (const c of charts) assert.match(c.version, /^v?\d+\.\d+\.\d+$/);

            const text = JSON.stringify(rendered);
            // Generated and configured credentials; short values such as the user name "admin" are not secrets.
            const secrets = secretValues(objects(run));
            // XMPP credentials (2), the TURN shared secret, Grafana's admin password.
            assert.strictEqual(secrets.length, 4);
            for (const s of secrets) assert.ok(!text.includes(s), "a secret value reached the rendered output");
            assert.strictEqual(rendered.objects["jitsi-auth"][0].stringData.JVB_AUTH_PASSWORD, REDACTED);
            assert.match(summary(stack, rendered), new RegExp(`total: ${objects(run).length} objects .*, 6 charts`));
        });
    }

    it("writes out/<stack>/ from the command line, as a newcomer without a cluster runs it", () => {
        // As `npm run render -- development` runs it: through the launcher.
        const run = spawnSync("node", ["scripts/launch.js", "scripts/render.ts", "development"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(run.status, 0, run.stderr);
        const out = run.stdout;
        // The committed file's example names: what `pulumi up` would refuse, said as a preview says it.
        assert.match(run.stderr, /^warning: pulumi up will refuse these placeholder settings:\n {2}- jitsi:hosts\[0\] = "meet-dev\.example\.org"/);
        assert.match(out, /Stack development: what `pulumi up` would apply/);
        // The outputs a user acts on, as `pulumi stack output` shows them; secrets stay hidden.
        assert.match(out, /Current stack outputs \(\d+\):/);
        assert.match(out, /^ {4}jvbUdpPorts +\{"shard-0":\[30300,30301\],"shard-1":\[30400,30401\]\}$/m);
        assert.match(out, /^ {4}turn +\{"host":"turn-dev\.example\.org","address":"203\.0\.113\.20",/m);
        assert.match(out, /^ {4}capacity +\{"participantsPerJvb":\d+/m);
        assert.match(out, /^ {4}url +https:\/\/meet-dev\.example\.org$/m);
        assert.match(out, /^ {4}grafanaAdminPassword +\[secret\]$/m);
        const dir = path.join(ROOT, "out", "development");
        const files = fs.readdirSync(dir).sort();
        assert.deepStrictEqual(files, [
            "jitsi-auth.yaml",
            "jvb-node-reader.yaml",
            "monitoring.charts.yaml",
            "monitoring.yaml",
            "ops.charts.yaml",
            "ops.yaml",
            "router.yaml",
            "shard-0.yaml",
            "shard-1.yaml",
            "stack.yaml",
            "summary.txt",
            "turn.yaml",
        ]);
        const docs = parseAllDocuments(fs.readFileSync(path.join(dir, "shard-0.yaml"), "utf8")).map((d) => d.toJS());
        assert.ok(docs.every((d) => d.apiVersion && d.kind && d.metadata?.name));
        assert.ok(fs.readFileSync(path.join(dir, "jitsi-auth.yaml"), "utf8").includes(REDACTED));
    });

    it("refuses an unknown stack, naming the missing file and the stacks there are", () => {
        assert.throws(
            () => execFileSync("node", ["scripts/launch.js", "scripts/render.ts", "prod"], { cwd: ROOT, stdio: "pipe" }),
            (e: any) =>
                e.status === 2 &&
                /Pulumi\.prod\.yaml does not exist; the stacks here are: development, production/.test(String(e.stderr)) &&
                /usage: npm run render -- <stack>/.test(String(e.stderr)),
        );
    });
});
