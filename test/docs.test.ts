/**
 * The docs and the schema stay in step: every `jitsi:` key that README.md and docs/ name is a setting
 * the schema knows, every row of the configuration table names settings that exist, every top-level
 * setting has a row, and the error example in docs/configuration.md is what the program prints.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { schemaAt } from "../config/load";
import { configSchema, SECRET_KEYS } from "../config/schema";
import { readStackFile, ROOT, runProgram, withConfig } from "./harness";

const DOCS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** `jvb.relay.enabled`, `hosts[0]`, `ops.<part>.enabled` → path segments; `<...>` is a placeholder for any key. */
function segments(key: string): string[] {
    return key.replace(/\[\d*\]/g, "").split(".").filter(Boolean);
}

/** Whether the documented key names a setting; `<part>` stands for any key that makes the rest exist. */
function known(parts: string[], prefix: string[] = []): boolean {
    if (parts.length === 0) return schemaAt(prefix) !== undefined;
    const [head, ...rest] = parts;
    if (prefix.length === 0 && (SECRET_KEYS as readonly string[]).includes(head)) return true;
    if (/^<.+>$/.test(head)) {
        const def = (schemaAt(prefix) as any)?._zod?.def;
        const options = def?.type === "object" ? Object.keys(def.shape) : def?.type === "default" || def?.type === "prefault" ? Object.keys(def.innerType?._zod?.def?.shape ?? {}) : [];
        return options.some((o) => known(rest, [...prefix, o])) || (schemaAt([...prefix, "anything"]) !== undefined && known(rest, [...prefix, "anything"]));
    }
    return schemaAt([...prefix, head]) !== undefined && known(rest, [...prefix, head]);
}

/** `ops.logging.{enabled,retentionDays}` → two keys; `turn.relayPorts.min`, `.max` → relative to the first. */
function tableKeys(cell: string): string[] {
    const names = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const first = names[0] ?? "";
    const parent = first.includes(".") ? first.slice(0, first.replace(/\{.*\}$/, "").lastIndexOf(".")) : "";
    return names.flatMap((n) => {
        const absolute = n.startsWith(".") ? `${parent}${n}` : !n.includes(".") && parent && n !== first && !topLevel().includes(n) ? `${parent}.${n}` : n;
        const brace = /^(.*)\{([^}]+)\}(.*)$/.exec(absolute);
        return brace ? brace[2].split(",").map((b) => `${brace[1]}${b}${brace[3]}`) : [absolute];
    });
}

function topLevel(): string[] {
    return [...Object.keys((configSchema as any)._zod.def.shape ?? (configSchema as any)._zod.def.in?._zod.def.shape ?? {}), ...SECRET_KEYS];
}

function configurationRows(): string[][] {
    const text = read("docs/configuration.md");
    const table = text.slice(text.indexOf("| Key | Default | Meaning |")).split("\n\n")[0];
    return table
        .split("\n")
        .slice(2)
        .filter((l) => l.startsWith("| `"))
        .map((l) => tableKeys(l.split(" | ")[0].slice(2)));
}

describe("docs and schema in step", function () {
    this.timeout(30_000);

    it("names only settings the schema knows, wherever a doc writes `jitsi:<key>`", () => {
        const unknown: string[] = [];
        let count = 0;
        for (const file of DOCS) {
            // The error example shows a misspelt key on purpose; it is checked against the program below.
            const text = read(file).replace(/```\nInvalid stack configuration[\s\S]*?```/g, "");
            for (const m of text.matchAll(/\bjitsi:([A-Za-z<][\w.<>[\]-]*)/g)) {
                // Not type tokens such as jitsi:shard:Shard, nor `jitsi:auth: {...}` in a YAML example.
                if (text[m.index! + m[0].length] === ":") continue;
                // `jitsi:internalUserPasswords["<name>"]`: the name in brackets is any key of the map.
                const key = m[1].replace(/\[$/, "").replace(/[.-]+$/, "");
                count++;
                if (!known(segments(key))) unknown.push(`${file}: jitsi:${key}`);
            }
        }
        assert.ok(count > 20, `only ${count} keys found`);
        assert.deepStrictEqual(unknown, []);
    });

    it("catches a key the schema does not know", () => {
        assert.ok(!known(segments("jvb.maxReplicaz")));
        assert.ok(!known(segments("ops.<part>.replicaz")));
        assert.ok(known(segments("ops.<part>.enabled")));
        assert.ok(known(segments("internalUserPasswords.alice")));
        assert.ok(known(segments("turn.serviceAnnotations.x")));
    });

    it("lists in the configuration table only settings that exist, and every top-level setting", () => {
        const rows = configurationRows();
        assert.ok(rows.length > 60, `only ${rows.length} rows`);
        const keys = rows.flat();
        assert.deepStrictEqual(keys.filter((k) => !known(segments(k))), []);
        const covered = new Set(keys.map((k) => segments(k)[0]));
        assert.deepStrictEqual(topLevel().filter((k) => !covered.has(k)), []);
    });

    it("shows in its error example exactly what the program prints", async () => {
        const text = read("docs/configuration.md");
        const example = /```\n(Invalid stack configuration[\s\S]*?)\n```/.exec(text)![1];
        const run = await runProgram(withConfig(readStackFile("production"), { "jitsi:timezone": "Europe/Berln", "jitsi:jvb": { minReplicas: 2, maxReplicaz: 6 } }));
        assert.strictEqual(run.error?.message, example);
    });

    it("keeps the README short: the two commands first, then prerequisites and the five steps, reference in docs/", () => {
        const readme = read("README.md");
        assert.ok(readme.split("\n").length < 150, `README has ${readme.split("\n").length} lines`);
        const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
        assert.deepStrictEqual(headings.slice(0, 2), ["Prerequisites", "Deploy in five steps"]);
        for (const m of readme.matchAll(/\]\((docs\/[^)#]+)/g)) assert.ok(fs.existsSync(path.join(ROOT, m[1])), m[1]);
    });

    it("says what prosody's token plugin accepts when auth.jwt's lists are empty, and that a set issuer list replaces appId", () => {
        // jitsi-meet resources/prosody-plugins/token/util.lib.lua (Util.new): acceptedIssuers =
        // get_option_array('asap_accepted_issuers', {self.appId}), acceptedAudiences = ...('asap_accepted_audiences', {'*'});
        // verify_issuer checks iss against that list only. docker-jitsi-meet stable-11146-2
        // prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua:85-90 writes the options only when JWT_ACCEPTED_* are set.
        const configuration = read("docs/configuration.md");
        const row = configuration.split("\n").find((l) => l.startsWith("| `auth.jwt.{appId,acceptedIssuers,acceptedAudiences}`"))!;
        assert.match(row, /`iss` values prosody accepts \(empty: only the `appId` itself; once set, only those listed/);
        assert.match(row, /`aud` values it accepts \(empty: any\)/);
        for (const file of DOCS) assert.doesNotMatch(read(file), /acceptedIssuers[^|\n]*\(empty: any\)/, file);
    });

    it("marks superseded decisions with a link to the decision that replaced them, which exists", () => {
        const decisions = read("docs/decisions.md");
        const anchors = [...decisions.matchAll(/^## (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-"));
        const superseded = [...decisions.matchAll(/\*\*Superseded by \[[^\]]+\]\(#([^)]+)\)\*\*/g)].map((m) => m[1]);
        assert.ok(superseded.length >= 1);
        for (const anchor of superseded) assert.ok(anchors.includes(anchor), `no section #${anchor}`);
        // The first entry said shards are numbered by position only; the code numbers them by index, name, then position.
        const first = decisions.slice(decisions.indexOf("## Shards are numbered by position"));
        assert.match(first.slice(0, first.indexOf("\n## ", 3)), /Superseded by/);
    });
});
