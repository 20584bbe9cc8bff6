/** The tests run the program through the same recording engine as `npm run render`. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "../scripts/recorder";

export * from "../scripts/recorder";

/** The `config:` of Pulumi.<stack>.yaml as written, to compare what the program did with what the file says. */
export function stackFile(stack: string): Record<string, any> {
    return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
}
