/**
 * Reads the `jitsi:` settings of the current stack, validates them against the schema and
 * either returns the typed configuration or throws one error that lists every problem.
 * It runs before any resource is declared, so a bad stack file changes nothing on the cluster.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { z } from "zod";
import { kubeconfigProblems } from "./clusters";
import { DNS01_CREDENTIAL_KEY, dns01CredentialProblems } from "./dns01";
import { placeholderProblems } from "./placeholders";
import { TemplateContext, templateTextProblem } from "./primitives";
import { stackVoskImage, whisperKeyProblem, whisperRuns } from "./gateways";
import { configSchema, normalizeShards, PROVIDED_SECRET_KEYS, SECRET_KEYS, SecretKey, StackConfig } from "./schema";

export const NAMESPACE = "jitsi";
/** The project's former name: `pulumi config set` without a namespace wrote there, and nothing read it. */
export const FORMER_NAMESPACES = ["jitsi-pulumi"];

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Loads and validates this stack's configuration. Throws ConfigError. */
export function loadConfig(): StackConfig {
    const all = pulumi.runtime.allConfig();
    const raw: Record<string, unknown> = {};
    const problems: string[] = [];
    const secretKeys: readonly string[] = SECRET_KEYS;
    // `pulumi config set <key>` writes to the project's namespace: if that is not ours (a renamed fork, or
    // a stack file from when the project had another name), the setting would change nothing.
    const strayNamespaces = new Set([...FORMER_NAMESPACES, pulumi.getProject()].filter((n) => n !== NAMESPACE));
    /** Pulumi.<stack>.yaml as written, read once when a secret needs it. */
    let stackFile: Record<string, unknown> | undefined;
    for (const [fullKey, value] of Object.entries(all)) {
        const [ns, key] = splitKey(fullKey);
        if (strayNamespaces.has(ns)) {
            problems.push(
                `${ns}:${key} is in the ${ns} namespace, which this program does not read: its settings live in ` +
                    `the ${NAMESPACE} namespace (${NAMESPACE}:${key}); move it with 'pulumi config rm ${ns}:${key}' and ` +
                    `'pulumi config set ${NAMESPACE}:${key} ...'`,
            );
            continue;
        }
        if (ns !== NAMESPACE) continue;
        if (secretKeys.includes(key)) {
            if (!isConfigSecret(fullKey)) {
                problems.push(
                    `${NAMESPACE}:${key} is stored in plain text; store it encrypted with ` +
                        `'pulumi config set --secret ${NAMESPACE}:${key} <value>'`,
                );
            } else {
                problems.push(...plainMapEntryProblems(key, value, (stackFile ??= stackFileConfig() ?? {})), ...secretValueProblems(key as SecretKey, value));
            }
            continue;
        }
        if (isTextSetting(key)) {
            // The CLI hands over an unquoted 1.10 as "1.1": only the stack file still shows it was a number.
            const written = (stackFile ??= stackFileConfig() ?? {})[fullKey];
            if (typeof written === "number" || typeof written === "boolean") problems.push(quoteItProblem([key], written));
            raw[key] = value;
        } else {
            raw[key] = parseValue(value);
        }
    }
    const result = parseConfig(raw);
    problems.push(...result.problems);
    if (result.config) {
        problems.push(...missingSecrets(result.config, new Set(Object.keys(all))));
        problems.push(...userPasswordProblems(result.config.auth.users, all[`${NAMESPACE}:internalUserPasswords`]));
        problems.push(...kubeconfigProblems(result.config.clusters, all[`${NAMESPACE}:clusterKubeconfigs`]));
        problems.push(...dns01CredentialProblems(result.config.tls.dns01, all[`${NAMESPACE}:${DNS01_CREDENTIAL_KEY}`]));
        if (result.config.auth.type === "jwt") problems.push(...jwtSecretProblems(all[`${NAMESPACE}:jwtAppSecret`]));
        const whisperKey = all[`${NAMESPACE}:jigasiWhisperPrivateKey`];
        const whisperKeyWrong = whisperRuns(result.config) && whisperKey !== undefined ? whisperKeyProblem(whisperKey) : undefined;
        if (whisperKeyWrong) problems.push(`${NAMESPACE}:jigasiWhisperPrivateKey = (secret): ${whisperKeyWrong}`);
        const placeholders = placeholderProblems(raw, keyPath);
        const unpinned = unpinnedVoskProblems(result.config);
        // A preview (and a pull-request check) may run on the committed example files; a deployment may not.
        if (pulumi.runtime.isDryRun()) {
            if (placeholders.length > 0) pulumi.log.warn(`pulumi up will refuse these placeholder settings:\n${placeholders.map((p) => `  - ${p}`).join("\n")}`);
            for (const problem of unpinned) pulumi.log.warn(`pulumi up will refuse this: ${problem}`);
        } else {
            problems.push(...placeholders, ...unpinned);
        }
    }
    if (problems.length > 0 || !result.config) throw new ConfigError(problems);
    return result.config;
}

/**
 * alphacep publishes its Vosk images as latest only: the stack may preview with one, but deploys only an
 * image pinned by digest, so that every node runs the same model. (`transcription.vosk.image` itself
 * cannot be latest: the schema refuses it.)
 */
function unpinnedVoskProblems(config: StackConfig): string[] {
    const image = stackVoskImage(config.transcription);
    if (image === undefined || !image.endsWith(":latest")) return [];
    const repository = image.replace(/:latest$/, "");
    return [
        `${NAMESPACE}:transcription.vosk.image = (missing): alphacep publishes ${repository} as latest only, so nodes could run different models; ` +
            `pin it by digest ('docker buildx imagetools inspect ${image}' shows it) with 'pulumi config set --path ${NAMESPACE}:transcription.vosk.image ${repository}@sha256:<digest>'`,
    ];
}

/**
 * The contexts each secret is pasted into by the images' templates (test/templateContexts.ts names file
 * and line); an operator-chosen value must be carried intact into each. Generated ones are letters and
 * digits (RandomPassword, special: false), which every context carries. jigasiSipPassword reaches Jigasi
 * base64-encoded (b64enc) and internalUserPasswords the accounts sidecar quoted: any text. The alert
 * receivers' credentials reach Alertmanager's own configuration, not an image template.
 */
export const SECRET_CONTEXTS: Partial<Record<SecretKey, readonly TemplateContext[]>> = {
    jicofoAuthPassword: ["hoconString", "shellWord"],
    jvbAuthPassword: ["hoconString", "shellWord"],
    jibriXmppPassword: ["hoconString", "shellWord"],
    jibriRecorderPassword: ["hoconString", "shellWord"],
    jigasiXmppPassword: ["propertiesValue", "shellWord"],
    jigasiTranscriberPassword: ["propertiesValue", "shellWord"],
    turnSharedSecret: ["luaString", "coturnLine"],
    jwtAppSecret: ["luaString"],
    jigasiSipPassword: [],
    jigasiWhisperPrivateKey: ["propertiesValue"],
};

/** Secrets longer than free text: an RSA key as one line of base64 (2048 bits: about 1,600 characters). */
const SECRET_MAX_LENGTH: Partial<Record<SecretKey, number>> = { jigasiWhisperPrivateKey: 8192 };

/** Problems of an operator-chosen secret; only its name and length are ever shown, never the value. */
export function secretValueProblems(key: SecretKey, value: string): string[] {
    const contexts = SECRET_CONTEXTS[key];
    if (contexts === undefined) return [];
    const problem = templateTextProblem(value, contexts, SECRET_MAX_LENGTH[key]);
    if (problem === undefined) return [];
    const generated = PROVIDED_SECRET_KEYS.includes(key) ? "" : ", or remove it and the stack generates one";
    return [`${NAMESPACE}:${key} = (secret, ${value.length} characters): ${problem}; set another with 'pulumi config set --secret ${NAMESPACE}:${key} <value>'${generated}`];
}

/**
 * Pulumi takes a map as secret when any one entry is (`{alice: {secure: ...}, bob: plain}`), and the
 * program then sees only "secret": the stack file says which entries are stored in plain text. The file
 * read may not be the one this update uses (`pulumi --config-file`, a stackConfigDir, config from the
 * environment, a stale copy): an entry is reported only when its plain text in the file is exactly the
 * value the program was given (`decrypted`, the map as JSON), so a file that is not this stack's never
 * fails a deploy.
 */
export function plainMapEntryProblems(key: string, decrypted: string, stackConfig: Record<string, unknown> | undefined): string[] {
    const value = stackConfig?.[`${NAMESPACE}:${key}`];
    if (value === null || typeof value !== "object" || Array.isArray(value) || "secure" in value) return [];
    let given: unknown;
    try {
        given = JSON.parse(decrypted);
    } catch {
        return [];
    }
    if (given === null || typeof given !== "object" || Array.isArray(given)) return [];
    const givenEntries = given as Record<string, unknown>;
    const isSecure = (v: unknown) => v !== null && typeof v === "object" && "secure" in v;
    return Object.entries(value)
        .filter(([entry, v]) => !isSecure(v) && Object.hasOwn(givenEntries, entry) && JSON.stringify(givenEntries[entry]) === JSON.stringify(v))
        .map(([entry]) => `${NAMESPACE}:${key}.${entry} is stored in plain text beside encrypted entries, and a map is secret only if every entry is; store it encrypted with 'pulumi config set --secret --path "${NAMESPACE}:${key}.${entry}" <value>'`);
}

/**
 * The stack file's `config:` as written, when there is one this process can read: Pulumi.<stack>.yaml in
 * the project's stackConfigDir (Pulumi.yaml), else beside the program. Anything unreadable counts as no
 * file: this only adds a warning-grade check and must never stop a deploy.
 */
function stackFileConfig(): Record<string, unknown> | undefined {
    try {
        const project = readYaml(path.join(process.cwd(), "Pulumi.yaml"));
        const dir = typeof project?.stackConfigDir === "string" ? path.resolve(process.cwd(), project.stackConfigDir) : process.cwd();
        const config = readYaml(path.join(dir, `Pulumi.${pulumi.getStack()}.yaml`))?.config;
        return config !== null && typeof config === "object" && !Array.isArray(config) ? (config as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

function readYaml(file: string): Record<string, unknown> | undefined {
    if (!fs.existsSync(file)) return undefined;
    const doc: unknown = parse(fs.readFileSync(file, "utf8"));
    return doc !== null && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
}

/** Secret settings that cannot be generated, because they belong to something outside the stack. */
function missingSecrets(config: StackConfig, present: Set<string>): string[] {
    const receivers = config.monitoring.alerts.receivers;
    const needed: [boolean, SecretKey, string][] = [
        [config.turn.enabled && config.turn.external !== undefined, "turnSharedSecret", "is required with turn.external: your TURN server's shared secret (static-auth-secret)"],
        [config.monitoring.enabled && receivers.email?.username !== undefined, "alertEmailPassword", "is required with monitoring.alerts.receivers.email.username: the SMTP password"],
        [config.monitoring.enabled && receivers.webhook !== undefined, "alertWebhookUrl", "is required with monitoring.alerts.receivers.webhook: the URL alerts are posted to"],
        [config.monitoring.enabled && receivers.chat !== undefined, "alertChatWebhookUrl", "is required with monitoring.alerts.receivers.chat: the chat's incoming-webhook URL"],
        [config.auth.type === "jwt", "jwtAppSecret", 'is required while auth.type is "jwt": the key your token issuer signs with'],
        [config.jigasi.enabled, "jigasiSipPassword", "is required with jigasi.enabled: the password of the SIP account jigasi.sip.uri at your provider"],
        [whisperRuns(config), "jigasiWhisperPrivateKey", "is required with transcription.backend whisper: the RSA key the transcriber signs skynet's JWT with (base64 PKCS#8)"],
    ];
    return needed
        .filter(([wanted, key]) => wanted && !present.has(`${NAMESPACE}:${key}`))
        .map(([, key, why]) => `${NAMESPACE}:${key} = (missing): ${why}; set it with 'pulumi config set --secret ${NAMESPACE}:${key} <value>'`);
}

/**
 * internalUserPasswords is a map from user name to password: one entry for each of auth.users, and none
 * for a name that is not listed (a typo there would leave an account without its password). Only the
 * names are ever shown.
 */
export function userPasswordProblems(users: string[], raw: string | undefined): string[] {
    const key = `${NAMESPACE}:internalUserPasswords`;
    // ["..."]: the CLI's --path splits a bare name at its dots (mrs.smith would nest).
    const set = `pulumi config set --secret --path '${key}["<name>"]' <password>`;
    if (raw === undefined) {
        return users.length === 0 ? [] : [`${key} = (missing): needs a password for each of auth.users (${users.join(", ")}); set each with ${set}`];
    }
    let passwords: unknown;
    try {
        passwords = JSON.parse(raw);
    } catch {
        passwords = undefined;
    }
    if (passwords === null || typeof passwords !== "object" || Array.isArray(passwords)) {
        return [`${key} = (secret): must be a map of user name to password; set each with ${set}`];
    }
    const entries = passwords as Record<string, unknown>;
    const problems: string[] = [];
    for (const name of users) {
        const pw = entries[name];
        if (typeof pw !== "string" || pw.length === 0) problems.push(`${key}.${name} = (missing): auth.users lists ${name}; set a password with ${set}`);
    }
    for (const name of Object.keys(entries).filter((n) => !users.includes(n))) {
        problems.push(`${key}.${name} = (secret): ${name} is not in auth.users (${users.join(", ") || "empty"}); add the name there or remove the password`);
    }
    return problems;
}

/**
 * An HS256 key shorter than 16 characters is guessable, and prosody's template writes app_secret only when
 * jitsi/tpl's toBool reads the value as true: "0", "f" or "false" would switch token signatures off.
 */
export function jwtSecretProblems(secret: string | undefined): string[] {
    if (secret === undefined || secret.length >= 16) return [];
    return [`${NAMESPACE}:jwtAppSecret = (secret, ${secret.length} characters): must be at least 16 characters, the key your token issuer signs with`];
}

/** Validates settings given as plain values (as the stack file holds them). */
export function parseConfig(raw: Record<string, unknown>): { config?: StackConfig; problems: string[] } {
    const parsed = configSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
        // A value that breaks its own rule (a type or a format) is not explained again by a cross-setting
        // check (a custom issue, which zod runs after it) that read it as if it were valid.
        const broken = new Set(parsed.error.issues.filter((i) => i.code !== "custom").map((i) => JSON.stringify(i.path)));
        const issues = parsed.error.issues.filter((i) => i.code !== "custom" || !broken.has(JSON.stringify(i.path)));
        return { problems: issues.flatMap((issue) => describe(issue, [], raw)) };
    }
    return { config: { ...parsed.data, shards: normalizeShards(parsed.data.shards) }, problems: [] };
}

/**
 * A top-level text setting (imageTag, timezone) arrives as text: quoted, as written ("1.10"); unquoted, as
 * the CLI's YAML reader typed it ("1.1": pulumi sdk/go/common/resource/config/object.go unmarshalObject, then
 * MarshalString). Read as JSON, a quoted "1.10" too became the number 1.1, and the advice to quote it could
 * not help.
 */
function isTextSetting(key: string): boolean {
    return unwrap(schemaAt([key]))?._zod?.def?.type === "string";
}

/** Pulumi hands structured values (lists, maps, numbers, booleans) to the program as JSON text. */
function parseValue(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    const key = fullKey.slice(i + 1);
    // Older language hosts send "ns:config:key".
    return [fullKey.slice(0, i), key.startsWith("config:") ? key.slice("config:".length) : key];
}

function isConfigSecret(fullKey: string): boolean {
    // Exported by the SDK's runtime but missing from its type declarations.
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
    return runtimeConfig.isConfigSecret(fullKey);
}

type Issue = z.core.$ZodIssue;
type Path = PropertyKey[];

function describe(issue: Issue, prefix: Path, raw: unknown): string[] {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union") {
        // Report the branch whose type matched (a count that is too small, a list with a bad entry).
        const branch = issue.errors.find((b) => !b.some((i) => i.code === "invalid_type" && i.path.length === 0));
        if (branch) return branch.flatMap((i) => describe(i, path, raw));
        return [`${keyPath(path)} = ${show(valueAt(raw, path))}: must be a whole number of shards (at least 1) or a list of shards, each {${allowedKeys([...path, 0]).join(", ")}}`];
    }
    if (issue.code === "unrecognized_keys") {
        const allowed = allowedKeys(path);
        return issue.keys.map(
            (k) =>
                `${keyPath([...path, k])} = ${show(valueAt(raw, [...path, k]))}: unknown setting` +
                (allowed.length ? `; allowed here: ${allowed.join(", ")}` : ""),
        );
    }
    const input = "input" in issue && issue.input !== undefined ? issue.input : valueAt(raw, path);
    if (issue.code === "invalid_type" && issue.expected === "string" && (typeof input === "number" || typeof input === "boolean")) {
        return [quoteItProblem(path, input)];
    }
    return [`${keyPath(path)} = ${show(input)}: ${issue.message}`];
}

/** YAML reads 1.10 as the number 1.1 and yes as true before the program sees them: what was meant is lost. */
function quoteItProblem(path: Path, input: number | boolean): string {
    const example = typeof input === "number" ? "a number (so 1.10 arrives as 1.1)" : "a boolean (so yes arrives as true)";
    const name = path.length === 1 ? `${NAMESPACE}:${String(path[0])}` : String(path[path.length - 1]);
    return `${keyPath(path)} = ${show(input)}: must be text, but YAML read the unquoted value as ${example}; quote it in the stack file: ${name}: "<the value as you meant it>"`;
}

/** `jitsi:jvb.minReplicas`, `jitsi:shards[1].name`: the form users type after `pulumi config set --path`. */
export function keyPath(path: Path): string {
    if (path.length === 0) return `${NAMESPACE}:<stack config>`;
    const [head, ...rest] = path;
    return `${NAMESPACE}:${String(head)}` + rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

function show(value: unknown): string {
    if (value === undefined) return "(missing)";
    return JSON.stringify(value);
}

function valueAt(raw: unknown, path: Path): unknown {
    let v: unknown = raw;
    for (const p of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[p];
    }
    return v;
}

/** The settings the schema accepts at `path`, to suggest the right spelling of a typo. */
function allowedKeys(path: Path): string[] {
    const schema = schemaAt(path);
    const def = schema && unwrap(schema)._zod.def;
    if (def?.type !== "object") return [];
    const keys = Object.keys(def.shape);
    return path.length === 0 ? [...keys, ...SECRET_KEYS] : keys;
}

/**
 * The schema of the setting at `path` (`["jvb", "relay", "enabled"]`), or undefined when there is no
 * such setting. A map's keys (annotations, node selectors) and a list's indexes are any.
 */
export function schemaAt(path: Path): unknown {
    let schema: unknown = configSchema;
    for (const p of path) {
        let def = unwrap(schema)._zod.def;
        // `shards` is a count or a list; only the list has settings inside.
        if (def.type === "union") def = unwrap(def.options.find((o: any) => unwrap(o)._zod.def.type === "array"))?._zod.def ?? def;
        schema = def.type === "object" ? def.shape[p as string] : def.type === "array" ? def.element : def.type === "record" ? def.valueType : undefined;
        if (!schema) return undefined;
    }
    return schema;
}

function unwrap(schema: any): any {
    let s = schema;
    while (s?._zod?.def && ["default", "prefault", "optional", "pipe"].includes(s._zod.def.type)) {
        s = s._zod.def.type === "pipe" ? s._zod.def.in : s._zod.def.innerType;
    }
    return s;
}
