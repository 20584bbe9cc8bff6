/**
 * npm run render: the offline view of what `pulumi up` would apply.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { secretValues } from "../policy/invariants";
import * as os from "os";
import { files, REDACTED, render, renderStack, summary } from "../scripts/render";
import { parseStackFile, readStackFile, ROOT, runProgram, runProgramOk, withConfig } from "./harness";
import { objects } from "./objects";
import { ACCESS_VARIANTS, allGatewaysVariant, visitorsVariant } from "./variants";

/** Every file under a rendered directory with its text, by relative path. */
function tree(dir: string): Map<string, string> {
    const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
    return new Map(files.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

const isRestart = (w: string) => /this update restarts its prosody and jicofo/.test(w);

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
        // As `npm run render -- development` runs it: through the launcher, the first time.
        fs.rmSync(path.join(ROOT, "out", "development"), { recursive: true, force: true });
        const run = spawnSync("node", ["scripts/launch.js", "scripts/render.ts", "development"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(run.status, 0, run.stderr);
        const out = run.stdout;
        // The committed file's example names: what `pulumi up` would refuse, said as a preview says it.
        assert.match(run.stderr, /^note: no earlier render of development in out\/development\/, so nothing to compare with .*\nwarning: pulumi up will refuse these placeholder settings:\n {2}- jitsi:hosts\[0\] = "meet-dev\.example\.org"/);
        assert.match(out, /Stack development: what `pulumi up` would apply/);
        // The outputs a user acts on, as `pulumi stack output` shows them; secrets stay hidden.
        assert.match(out, /Current stack outputs \(\d+\):/);
        assert.match(out, /^ {4}jvbUdpPorts +\{"shard-0":\[30300,30301\],"shard-1":\[30400,30401\]\}$/m);
        assert.match(out, /^ {4}turn +\{"host":"turn-dev\.example\.org","address":"203\.0\.113\.20",/m);
        assert.match(out, /^ {4}capacity +\{"participantsPerJvb":\d+/m);
        assert.match(out, /^ {4}url +https:\/\/meet-dev\.example\.org$/m);
        assert.match(out, /^ {4}grafanaAdminPassword +\[secret\]$/m);
        const dir = path.join(ROOT, "out", "development");
        // One file per object, its kind and name in the path, in its component's folder: `diff -r` names the object.
        const entries = fs.readdirSync(dir).sort();
        assert.deepStrictEqual(entries, ["jitsi-auth", "jvb-node-reader", "monitoring", "ops", "outputs.json", "router", "shard-0", "shard-1", "stack", "summary.txt", "turn"]);
        let objectFiles = 0;
        for (const component of entries.filter((e) => fs.statSync(path.join(dir, e)).isDirectory())) {
            for (const file of fs.readdirSync(path.join(dir, component))) {
                const docs = parseAllDocuments(fs.readFileSync(path.join(dir, component, file), "utf8")).map((d) => d.toJS());
                assert.strictEqual(docs.length, 1, file);
                const [o] = docs;
                if (file.startsWith("Chart.")) assert.strictEqual(file, `Chart.${o.name}.yaml`);
                else {
                    assert.strictEqual(file, `${o.kind}.${o.metadata.name}.yaml`);
                    objectFiles++;
                }
            }
        }
        assert.strictEqual(objectFiles, Number(/total: (\d+) objects/.exec(out)![1]));
        assert.ok(fs.existsSync(path.join(dir, "shard-0", "Deployment.shard-0-prosody.yaml")));
        assert.ok(fs.existsSync(path.join(dir, "ops", "Chart.ingress-nginx.yaml")));
        assert.ok(fs.readFileSync(path.join(dir, "jitsi-auth", "Secret.jitsi-auth.yaml"), "utf8").includes(REDACTED));
        // The outputs the next render compares with; secret outputs stay hidden.
        const outputs = JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8"));
        assert.deepStrictEqual(Object.keys(outputs.shards), ["shard-0", "shard-1"]);
        assert.strictEqual(outputs.grafanaAdminPassword, REDACTED);
        // A second render compares with the first: unchanged, so no note and no restart warning.
        const again = spawnSync("node", ["scripts/launch.js", "scripts/render.ts", "development"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(again.status, 0, again.stderr);
        assert.doesNotMatch(again.stderr, /note: no earlier render|restarts its prosody/);
        assert.ok(!fs.readdirSync(path.join(ROOT, "out")).some((e) => e.includes(".rendering-")), "a staging directory was left behind");
    });

    describe("compares with the last render, as `pulumi preview` compares with the last deployment", () => {
        let dir: string;
        beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-"))));
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
        const lobbyOff = () => withConfig(readStackFile("production"), { "jitsi:meetings": { lobby: false } });

        it("warns with the preview's own words, naming each shard whose signalling the change restarts", async () => {
            const first = await renderStack(readStackFile("production"), "production", dir);
            assert.match(first.notes.join(), /no earlier render of production/);
            assert.deepStrictEqual(first.warnings.filter(isRestart), []);
            const deployed = (await runProgramOk(readStackFile("production"), "production")).outputs;
            const before = tree(dir);

            const changed = await renderStack(lobbyOff(), "production", dir);
            assert.strictEqual(changed.error, undefined);
            assert.deepStrictEqual(changed.notes, []);
            const preview = await runProgramOk(lobbyOff(), "production", { previousOutputs: deployed });
            assert.deepStrictEqual(changed.warnings, preview.warnings, "the render warns exactly as the preview");
            assert.deepStrictEqual(changed.warnings.filter(isRestart).map((w) => w.split(" ")[0]), ["shard-0", "shard-1"]);
            assert.match(changed.warnings.filter(isRestart)[0], /^shard-0 is live, and this update restarts its prosody and jicofo: every meeting on shard-0 ends\./);

            // `diff -r` names each object that changed: the shards' prosody, whose ENABLE_LOBBY it is; nothing else.
            const after = tree(dir);
            const changedFiles = [...after.keys()].filter((f) => after.get(f) !== before.get(f) && !/^(summary\.txt|outputs\.json)$/.test(f)).sort();
            assert.deepStrictEqual(changedFiles, [path.join("shard-0", "Deployment.shard-0-prosody.yaml"), path.join("shard-1", "Deployment.shard-1-prosody.yaml")]);
            assert.deepStrictEqual([...after.keys()].sort(), [...before.keys()].sort());

            // It compares with the last render, as a preview after `pulumi up`: rendered again, nothing restarts.
            const again = await renderStack(lobbyOff(), "production", dir);
            assert.deepStrictEqual(again.warnings.filter(isRestart), []);
        });

        it("feeds every warning that compares with the last deployment: switching monitoring off names the meetings and the stored data", async () => {
            await renderStack(readStackFile("production"), "production", dir);
            const deployed = (await runProgramOk(readStackFile("production"), "production")).outputs;
            const off = () => withConfig(readStackFile("production"), { "jitsi:monitoring": { enabled: false } });
            const rendered = await renderStack(off(), "production", dir);
            const preview = await runProgramOk(off(), "production", { previousOutputs: deployed });
            assert.deepStrictEqual(rendered.warnings, preview.warnings);
            assert.deepStrictEqual(rendered.warnings.filter(isRestart).map((w) => w.split(" ")[0]), ["shard-0", "shard-1"]);
            assert.ok(rendered.warnings.some((w) => !isRestart(w) && /prometheus|grafana/i.test(w)), rendered.warnings.join("\n"));
        });

        it("after a render killed in its swap, puts the last good render back and leaves no staging directory beside it", async () => {
            await renderStack(readStackFile("production"), "production", dir);
            // Killed between its two renames: the last good tree moved aside, the new one half written, out/<stack>/ gone.
            fs.renameSync(dir, `${dir}.rendering-abc123.old`);
            fs.mkdirSync(`${dir}.rendering-abc123/shard-0`, { recursive: true });
            fs.writeFileSync(`${dir}.rendering-abc123/shard-0/Deployment.shard-0-prosody.yaml`, "half");
            const next = await renderStack(lobbyOff(), "production", dir);
            assert.deepStrictEqual(next.notes, [], "it had nothing to compare with");
            assert.deepStrictEqual(next.warnings.filter(isRestart).map((w) => w.split(" ")[0]), ["shard-0", "shard-1"]);
            const beside = fs.readdirSync(path.dirname(dir)).filter((e) => e.startsWith(`${path.basename(dir)}.rendering-`));
            assert.deepStrictEqual(beside, []);
        });

        it("leaves no objects that look current when it fails, and still compares with the last good render", async () => {
            await renderStack(readStackFile("production"), "production", dir);
            const failed = await renderStack(withConfig(readStackFile("production"), { "jitsi:shards": [{ name: "shard-0" }, { name: "shard-00" }] }), "production", dir);
            assert.match(failed.error!, /jitsi:shards/);
            assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["RENDER-FAILED.txt", "outputs.json"]);
            assert.match(fs.readFileSync(path.join(dir, "RENDER-FAILED.txt"), "utf8"), /nothing here is current:\n[^]*jitsi:shards/);
            const fixed = await renderStack(lobbyOff(), "production", dir);
            assert.deepStrictEqual(fixed.warnings.filter(isRestart).map((w) => w.split(" ")[0]), ["shard-0", "shard-1"]);
            assert.ok(!fs.existsSync(path.join(dir, "RENDER-FAILED.txt")));
            assert.ok(fs.existsSync(path.join(dir, "shard-0", "Deployment.shard-0-prosody.yaml")));
        });
    });

    it("renders a stack file with secrets as `pulumi config set --secret [--path]` writes them: placeholders, never shown", async () => {
        // docs/development.md, "Secrets in a stack file": what the CLI writes, and what the render makes of it.
        const text =
            fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8") +
            ["  jitsi:auth: { type: internal, users: [alice, mrs.smith] }", "  jitsi:internalUserPasswords:", "    alice:", "      secure: v1:AAAAEXAMPLE", "    mrs.smith:", "      secure: v1:BBBBEXAMPLE", "  jitsi:jvbAuthPassword:", "    secure: v1:CCCCEXAMPLE", ""].join("\n");
        const config = parseStackFile(text);
        assert.deepStrictEqual(config.secretKeys.sort(), ["jitsi:internalUserPasswords", "jitsi:jvbAuthPassword"]);
        assert.strictEqual(config.values["jitsi:jvbAuthPassword"], "decrypted-jitsi:jvbAuthPassword");
        assert.deepStrictEqual(JSON.parse(config.values["jitsi:internalUserPasswords"]), { alice: "decrypted-jitsi:internalUserPasswords.alice", "mrs.smith": "decrypted-jitsi:internalUserPasswords.mrs.smith" });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
        try {
            const result = await renderStack(config, "production", dir);
            assert.strictEqual(result.error, undefined);
            const written = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml")).map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
            assert.ok(!written.some((t) => t.includes("decrypted-") || t.includes("EXAMPLE")), "a secret's placeholder reached the rendered files");
            assert.match(fs.readFileSync(path.join(dir, "jitsi-auth", "Secret.jitsi-internal-users.yaml"), "utf8"), new RegExp(REDACTED.replace(/[<>:]/g, ".")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("gives every object of every stack variant a file of its own", async () => {
        for (const config of [readStackFile("production"), readStackFile("development"), ...Object.values(ACCESS_VARIANTS).map((v) => v()), visitorsVariant(), allGatewaysVariant()]) {
            const run = await runProgramOk(config);
            const rendered = render(run.resources);
            assert.strictEqual(files(rendered).size, objects(run).length + Object.values(rendered.charts).flat().length);
        }
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
