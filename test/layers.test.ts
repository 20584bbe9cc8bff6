/**
 * One-way data flow: index.ts → stack/ → components/ → lib/, with config/ read from above and lib/
 * importing nothing of the program. A relative import that runs up a floor fails here.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";

/** Which folders each layer may import from (besides itself and npm packages). */
const MAY_IMPORT: Record<string, string[]> = {
    "index.ts": ["stack", "config"],
    stack: ["components", "config", "lib"],
    components: ["config", "lib"],
    config: ["lib"],
    lib: [],
    // The policy pack is loaded on its own by `pulumi preview --policy-pack`: only dependency-free facts.
    policy: ["lib/fileCapabilities", "lib/prometheusServer"],
};

function sources(layer: string): string[] {
    const full = path.join(ROOT, layer);
    if (layer.endsWith(".ts")) return [full];
    return fs.readdirSync(full).filter((f) => f.endsWith(".ts")).map((f) => path.join(full, f));
}

function relativeImports(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    return [...text.matchAll(/^import[^;]*?from "(\.[^"]+)";/gms), ...text.matchAll(/require\("(\.[^"]+)"\)/g)].map((m) =>
        path.relative(ROOT, path.resolve(path.dirname(file), m[1])),
    );
}

describe("layers", () => {
    for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
        it(`${layer} imports only from ${allowed.length > 0 ? allowed.join(", ") : "itself"}`, () => {
            const own = layer.replace(/\.ts$/, "");
            const wrong: string[] = [];
            for (const file of sources(layer)) {
                for (const target of relativeImports(file)) {
                    const ok = target.startsWith(`${own}/`) || target === own || allowed.some((a) => target === a || target.startsWith(`${a}/`));
                    if (!ok) wrong.push(`${path.relative(ROOT, file)} imports ${target}`);
                }
            }
            assert.deepStrictEqual(wrong, []);
        });
    }
});
