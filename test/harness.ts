/** The tests run the program through the same recording engine as `npm run render`. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT, Run, runProgram } from "../scripts/recorder";

export * from "../scripts/recorder";

/** The `config:` of Pulumi.<stack>.yaml as written, to compare what the program did with what the file says. */
export function stackFile(stack: string): Record<string, any> {
    return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
}

/**
 * runProgram for a configuration the program must accept: fails with the program's own error, so that
 * an assertion that something is absent (no warning, no object) cannot pass because nothing ran.
 */
export async function runProgramOk(...args: Parameters<typeof runProgram>): Promise<Run> {
    const run = await runProgram(...args);
    assert.ifError(run.error);
    return run;
}
