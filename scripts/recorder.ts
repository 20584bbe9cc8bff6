/**
 * The recording engine: runs the real program (index.ts) under Pulumi's mock engine and records
 * every resource it declares with the inputs that would be sent to the cluster, which of them are
 * secrets, what each waits for and which component it belongs to. Config comes from the real stack
 * files, read the way the Pulumi CLI hands them to the program. Used by the tests and by render.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export const ROOT = path.resolve(__dirname, "..");
/** The project name in Pulumi.yaml, as the CLI would pass it. */
export const PROJECT: string = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).name;

export interface Recorded {
    type: string;
    name: string;
    /** Inputs with Pulumi secrets unwrapped to their values. */
    inputs: any;
    /** Paths (`stringData`, `spec.x[0]`) of inputs that arrived as Pulumi secrets. */
    secretPaths: string[];
    /** `type::name` of every resource this one waits for (its dependsOn and input dependencies). */
    dependsOn: string[];
    /** `type::name` of the component it was declared in, if any. */
    parent?: string;
    /** Resource options that decide whether a delete reaches the cluster. */
    retainOnDelete: boolean;
    protect: boolean;
    /** `type::name` of the provider instance it is sent to (its own or its parents'); unset: the default provider. */
    provider?: string;
    /** The URN the engine would give it (parent types, type, name): two resources with one URN fail `pulumi up`. */
    urn: string;
}

/** How the engine marks a secret value on the wire (sdk/nodejs/runtime/rpc.ts: specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(value: any, path: string, secretPaths: string[]): any {
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secretPaths));
    if (value === null || typeof value !== "object") return value;
    if (value[SIG_KEY] === SECRET_SIG) {
        secretPaths.push(path);
        return unwrapSecrets(value.value, path, []);
    }
    return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, secretPaths)]),
    );
}

export interface StackConfig {
    values: Record<string, string>;
    secretKeys: string[];
}

/** An object the program reads with `get` (owned by something else, a Helm release say). */
export interface Read {
    type: string;
    name: string;
    /** What it asks for: `namespace/name` for a Kubernetes object. */
    id: string;
    provider?: string;
}

export interface Run {
    resources: Recorded[];
    reads: Read[];
    outputs: Record<string, any>;
    error?: Error;
    /** What the program told the user with `pulumi.log.warn` (shown by `pulumi preview` and `pulumi up`). */
    warnings: string[];
    /** Stack outputs that are Pulumi secrets: `pulumi stack output` shows them as [secret]. */
    secretOutputs: string[];
}

/** Every `config:` entry of Pulumi.<stack>.yaml, as the CLI passes it: structured values as JSON. */
export function readStackFile(stack: string): StackConfig {
    return parseStackFile(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
}

/**
 * A stack file's text as the CLI hands it to the program. Nothing here can decrypt: a secret
 * (`{secure: ...}`, at the top or inside a structured value, as `pulumi config set --secret [--path]`
 * writes it) becomes the placeholder `decrypted-<key>[.<path>]`, and its key is marked secret, as the
 * CLI marks it.
 */
export function parseStackFile(text: string): StackConfig {
    const file = parse(text) ?? {};
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries<any>(file.config ?? {})) {
        let secret = false;
        const placeholders = (v: any, at: string): any => {
            if (Array.isArray(v)) return v.map((item, i) => placeholders(item, `${at}[${i}]`));
            if (v === null || typeof v !== "object") return v;
            if (Object.keys(v).length === 1 && "secure" in v) {
                secret = true;
                return `decrypted-${at}`;
            }
            return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, placeholders(item, `${at}.${k}`)]));
        };
        const plain = placeholders(value, key);
        if (secret) secretKeys.push(key);
        values[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
    }
    return { values, secretKeys };
}

/** A copy of a stack's config with some keys replaced (objects given as values are JSON-encoded). */
export function withConfig(base: StackConfig, changes: Record<string, unknown>, secretKeys: string[] = []): StackConfig {
    const values = { ...base.values };
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete values[key];
        else values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { values, secretKeys: [...base.secretKeys, ...secretKeys] };
}

/** A PEM block under mocks: `generated-<resource name>` between its lines. */
export function generatedPem(label: string, name: string): string {
    return `-----BEGIN ${label}-----\n${generatedSecret(name)}\n-----END ${label}-----\n`;
}

/** Generated passwords under mocks: recognisable, so tests can look for leaks. */
export function generatedSecret(name: string): string {
    return `generated-${name}`;
}

/**
 * Runs the program under the mock engine. As `pulumi preview` by default (the program only refuses
 * placeholder settings when it deploys for real); `{ preview: false }` runs it as `pulumi up` applies.
 */
export async function runProgram(
    config: StackConfig,
    stack = "test",
    opts: { preview?: boolean; /** What the stack's last deployment output (a StackReference to itself reads it). */ previousOutputs?: Record<string, unknown> } = {},
): Promise<Run> {
    const resources: Recorded[] = [];
    const reads: Read[] = [];
    // The registration whose newResource the mock monitor is about to call (it calls it synchronously).
    let current: Registration | undefined;
    // Set while the mock monitor serves a ReadResource (a `get`, a StackReference), likewise synchronously.
    let reading = false;
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                // A `get` reads an object something else owns: it declares nothing, so it is kept apart (the
                // StackReference, also a read, is recorded below as before).
                // Told apart by the RPC, not by an id: a resource registered with `import` carries one too, and
                // must stay among the declared (and in the byte-for-byte snapshot of a stack without clusters).
                const isRead = reading;
                reading = false;
                if (isRead && args.type !== "pulumi:pulumi:StackReference") {
                    reads.push({ type: args.type, name: args.name, id: args.id ?? "", provider: args.provider ? urnKey(args.provider.split("::").slice(0, -1).join("::")) : undefined });
                    const read: Record<string, unknown> = {};
                    if (args.type === "kubernetes:core/v1:Service") read.status = { loadBalancer: { ingress: [{ ip: mockAddress(args.name) }] } };
                    return { id: args.id ?? "", state: read };
                }
                const secretPaths: string[] = [];
                const inputs = unwrapSecrets(args.inputs, "", secretPaths);
                const registration = current;
                current = undefined;
                resources.push({
                    type: args.type,
                    name: args.name,
                    inputs,
                    secretPaths,
                    dependsOn: registration?.dependsOn ?? [],
                    parent: registration?.parent,
                    retainOnDelete: registration?.retainOnDelete ?? false,
                    protect: registration?.protect ?? false,
                    provider: args.provider ? urnKey(args.provider.split("::").slice(0, -1).join("::")) : undefined,
                    urn: registration?.urn ?? `${args.type}::${args.name}`,
                });
                const state = { ...inputs };
                // What the cloud gives a LoadBalancer Service, so that the addresses one cluster exports reach the others' configuration.
                if (args.type === "kubernetes:core/v1:Service" && inputs.spec?.type === "LoadBalancer") {
                    state.status = { loadBalancer: { ingress: [{ ip: mockAddress(args.name) }] } };
                }
                // What the provider reports of a release it installed (helm_release.go: Status.Name, Status.Namespace).
                if (args.type === "kubernetes:helm.sh/v3:Release") state.status = { name: inputs.name, namespace: inputs.namespace, status: "deployed" };
                if (args.type === "random:index/randomPassword:RandomPassword") state.result = generatedSecret(args.name);
                // Keys and certificates of @pulumi/tls: recognisable text, so tests can follow them and look for leaks.
                if (args.type === "tls:index/privateKey:PrivateKey") state.privateKeyPem = generatedPem("PRIVATE KEY", args.name);
                if (args.type === "tls:index/selfSignedCert:SelfSignedCert" || args.type === "tls:index/locallySignedCert:LocallySignedCert") state.certPem = generatedPem("CERTIFICATE", args.name);
                if (args.type === "pulumi:pulumi:StackReference") Object.assign(state, { outputs: opts.previousOutputs ?? {}, secretOutputNames: [] });
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                return args.inputs;
            },
        },
        PROJECT,
        stack,
        opts.preview ?? true,
        // What a DIY backend (pulumi login --local, or a bucket) calls every organization.
        "organization",
    );
    recordRegistrations((r) => (current = r), () => (reading = true));
    const warnings: string[] = [];
    recordWarnings(warnings);
    // Imported only now: the program's module must load after the mocks are in place.
    const program: () => Promise<Record<string, unknown>> = require("../index");
    let outputs: Record<string, any> = {};
    const secretOutputs: string[] = [];
    let error: Error | undefined;
    try {
        const declared = await program();
        for (const [name, value] of Object.entries(declared)) {
            if (pulumi.Output.isInstance(value) && (await (value as any).isSecret)) secretOutputs.push(name);
        }
        outputs = await resolve(declared);
    } catch (e) {
        error = e as Error;
    }
    await settle();
    return { resources, reads, outputs, error, warnings, secretOutputs };
}

/** The mock engine would print warnings among the test results; keep them with the run instead. */
function recordWarnings(into: string[]): void {
    const log = require("@pulumi/pulumi/log") as { warn(message: string): Promise<void> };
    log.warn = async (message: string) => {
        into.push(message);
    };
}

async function resolve(value: unknown): Promise<any> {
    if (pulumi.Output.isInstance(value)) {
        return new Promise((res) => (value as pulumi.Output<unknown>).apply((v) => res(resolve(v))));
    }
    if (Array.isArray(value)) return Promise.all(value.map(resolve));
    if (value !== null && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolve(v)]));
        return Object.fromEntries(entries);
    }
    return value;
}

/** Waits until the mock engine has seen every registration the program started. */
async function settle(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
    if (settings.waitForRPCs) await settings.waitForRPCs();
    await new Promise((r) => setImmediate(r));
}

/**
 * The mock engine hands `newResource` neither dependencies, parent nor options, but the registration
 * request it receives carries them; read them there.
 */
interface Registration {
    dependsOn: string[];
    parent?: string;
    retainOnDelete: boolean;
    protect: boolean;
    urn: string;
}

function recordRegistrations(registering: (r: Registration) => void, reading: () => void): void {
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any };
    const monitor = settings.getMonitor();
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, callback: any) => {
        reading();
        return read(req, callback);
    };
    // The engine's URN names every ancestor's type (parent$child$grandchild); the mock's only the parent's,
    // which would give two clusters' routers' children one URN.
    monitor.newUrn = (parent: string, type: string, name: string) =>
        `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${parent ? `${parent.split("::")[2]}$` : ""}${type}::${name}`;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const parent: string = req.getParent();
        registering({
            dependsOn: (req.getDependenciesList() as string[]).map(urnKey),
            parent: parent ? urnKey(parent) : undefined,
            retainOnDelete: req.getRetainondelete() === true,
            protect: req.getProtect() === true,
            urn: `${parent ? parent.split("::")[2] + "$" : ""}${req.getType()}::${req.getName()}`,
        });
        return register(req, callback);
    };
}

/** A documentation address (192.0.2.0/24, RFC 5737) per name: stable from run to run. */
function mockAddress(name: string): string {
    let h = 0;
    for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 251;
    return `192.0.2.${h + 1}`;
}

/** urn:pulumi:<stack>::<project>::<parent types$>type::<name>  ->  type::name */
function urnKey(urn: string): string {
    const [, , qualifiedType, name] = urn.split("::");
    return `${qualifiedType.split("$").pop()}::${name}`;
}
