/**
 * scripts/launch.js, which `npm run render` and `npm run bench` start through: its transpile cache is
 * keyed by content, so an edited file is never run stale; what it defers of the SDK still works when
 * used; and a script runs as the main module with its arguments.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";

function launch(file: string, ...args: string[]): string {
    return execFileSync("node", [path.join(ROOT, "scripts/launch.js"), file, ...args], { cwd: ROOT, encoding: "utf8" });
}

describe("the offline tools' launcher", function () {
    this.timeout(60_000);
    const dir = path.join(ROOT, "node_modules", ".cache", "jitsi-pulumi", "launch-test");
    const script = path.join(dir, "probe.ts");

    before(() => fs.mkdirSync(dir, { recursive: true }));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs a TypeScript file as the main module, with its arguments", () => {
        fs.writeFileSync(script, 'const main: boolean = require.main === module;\nconsole.log(JSON.stringify({ main, args: process.argv.slice(2) }));\n');
        assert.deepStrictEqual(JSON.parse(launch(script, "production", "--x")), { main: true, args: ["production", "--x"] });
    });

    it("runs an edited file as edited: the cache is keyed by the file's text", () => {
        for (const value of ["first", "second", "first"]) {
            fs.writeFileSync(script, `const value: string = ${JSON.stringify(value)};\nconsole.log(value);\n`);
            assert.strictEqual(launch(script).trim(), value);
        }
    });

    it("loads what it defers of the Pulumi SDK when the program uses it", () => {
        fs.writeFileSync(
            script,
            [
                'import * as pulumi from "@pulumi/pulumi";',
                "console.log(typeof pulumi.automation.LocalWorkspace, typeof pulumi.runtime.computeCodePaths);",
                "",
            ].join("\n"),
        );
        assert.strictEqual(launch(script).trim(), "function function");
    });
});
