/**
 * npm run render -- <stack>
 *
 * The offline view of `pulumi up`: runs the real program for Pulumi.<stack>.yaml under the recording
 * engine (no cluster, no Pulumi account) and writes every Kubernetes object it declares as YAML under
 * out/<stack>/<component>/<Kind>.<name>.yaml, one file per object so that `diff -r` names the object
 * that changed, with Pulumi secrets redacted. Helm charts are rendered by Helm at deploy time, so each
 * is listed as chart, version and values in <component>/Chart.<name>.yaml.
 *
 * Like `pulumi preview`, it compares with what came before: the stack outputs of the last good render
 * (out/<stack>/outputs.json) are what the program's StackReference to its own stack reads, so the
 * preview's warnings (a live shard's meetings end, ...) come from the same code with the same words.
 * It renders into a temporary directory and swaps it in only when the program succeeded; a failed
 * render leaves out/<stack>/ holding RENDER-FAILED.txt and the last outputs, no objects.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { readStackFile, Recorded, ROOT, runProgram, StackConfig } from "./recorder";

export const REDACTED = "<redacted: Pulumi secret>";
/** Every object is a plain copy (no anchors to find), and long lines stay whole, as kubectl prints them. */
const YAML_OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0 } as const;
const CERT_MANAGER_TYPE = "kubernetes-cert-manager:index:CertManager";
/** Charts Pulumi renders, Helm releases (hooks run by Helm), and cert-manager's component (a Helm release inside). */
const CHART_TYPES = ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release", CERT_MANAGER_TYPE];

export interface Rendered {
    /** Kubernetes objects per component, secrets redacted. */
    objects: Record<string, Record<string, any>[]>;
    charts: Record<string, { name: string; chart: string; version: string; repo?: string; namespace?: string; values: unknown }[]>;
}

/**
 * The top-level component a resource belongs to (a shard, the router, ops, ...), or "stack": the
 * outermost jitsi component among its ancestors, so a JVB pool's objects belong to their shard.
 */
export function componentOf(resource: Recorded, byKey: Map<string, Recorded>): string {
    let component = "stack";
    let parent = resource.parent;
    while (parent) {
        const r = byKey.get(parent);
        if (!r) break;
        if (r.type.startsWith("jitsi:")) component = r.name;
        parent = r.parent;
    }
    return component;
}

export function redact(resource: Recorded): Record<string, any> {
    const copy = JSON.parse(JSON.stringify(resource.inputs));
    for (const p of resource.secretPaths) {
        const keys = p.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "");
        let target = copy;
        for (const k of keys.slice(0, -1)) target = target?.[k];
        if (target && keys.length > 0) {
            const last = keys[keys.length - 1];
            const value = target[last];
            target[last] = value !== null && typeof value === "object"
                ? Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]))
                : REDACTED;
        }
    }
    return copy;
}

export function render(resources: Recorded[]): Rendered {
    const byKey = new Map(resources.map((r) => [`${r.type}::${r.name}`, r]));
    const out: Rendered = { objects: {}, charts: {} };
    for (const r of resources) {
        const component = componentOf(r, byKey);
        if (CHART_TYPES.includes(r.type)) {
            const inputs = redact(r);
            const helm = inputs.helmOptions ?? {};
            const { helmOptions, ...certManagerValues } = inputs;
            (out.charts[component] ??= []).push(
                r.type !== CERT_MANAGER_TYPE
                    ? { name: r.name, chart: inputs.chart, version: inputs.version, repo: inputs.repositoryOpts?.repo, namespace: inputs.namespace, values: inputs.values ?? {} }
                    : { name: r.name, chart: "cert-manager", version: helm.version, repo: helm.repositoryOpts?.repo, namespace: helm.namespace, values: certManagerValues },
            );
        } else if (r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string") {
            (out.objects[component] ??= []).push(redact(r));
        }
    }
    return out;
}

/** Where each object goes under out/<stack>/: its component's folder, its kind and name in the file name. */
export function files(rendered: Rendered): Map<string, string> {
    const out = new Map<string, string>();
    const put = (file: string, text: string) => {
        // Two objects of one kind and name in one component (in two namespaces) would overwrite each other.
        if (out.has(file)) throw new Error(`render: two objects would be written to ${file}; name them apart`);
        out.set(file, text);
    };
    for (const [component, objs] of Object.entries(rendered.objects)) {
        for (const o of objs) put(path.join(component, `${o.kind}.${o.metadata?.name}.yaml`), stringify(o, YAML_OPTIONS));
    }
    for (const [component, charts] of Object.entries(rendered.charts)) {
        for (const chart of charts) put(path.join(component, `Chart.${chart.name}.yaml`), stringify(chart, YAML_OPTIONS));
    }
    return out;
}

export function summary(stack: string, rendered: Rendered): string {
    const lines = [`Stack ${stack}: what \`pulumi up\` would apply (rendered offline)`, ""];
    const components = [...new Set([...Object.keys(rendered.objects), ...Object.keys(rendered.charts)])].sort();
    const kinds = (objs: Record<string, any>[]) => {
        const counts: Record<string, number> = {};
        for (const o of objs) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
        return Object.entries(counts).sort().map(([k, n]) => `${k} ${n}`).join(", ");
    };
    for (const c of components) {
        const objs = rendered.objects[c] ?? [];
        lines.push(`${c}: ${objs.length} objects${objs.length ? ` (${kinds(objs)})` : ""}`);
        for (const ch of rendered.charts[c] ?? []) lines.push(`  chart ${ch.chart} ${ch.version} -> namespace ${ch.namespace} (objects rendered by Helm at deploy time)`);
    }
    const all = Object.values(rendered.objects).flat();
    lines.push("", `total: ${all.length} objects (${kinds(all)}), ${Object.values(rendered.charts).flat().length} charts`);
    return lines.join("\n") + "\n";
}

/**
 * The stack outputs as `pulumi stack output` prints them after `pulumi up`: what to open in the
 * firewall (jvbUdpPorts, turn), where to point DNS (turn.address), how large it is (capacity), the URL.
 */
export function outputsText(outputs: Record<string, unknown>, secretOutputs: string[]): string {
    const shown = Object.entries(outputs).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    const width = Math.max(6, ...shown.map(([k]) => k.length));
    const lines = [`Current stack outputs (${shown.length}):`, `    ${"OUTPUT".padEnd(width)}  VALUE`];
    for (const [name, value] of shown) {
        const text = secretOutputs.includes(name) ? "[secret]" : typeof value === "string" ? value : JSON.stringify(value);
        lines.push(`    ${name.padEnd(width)}  ${text}`);
    }
    return lines.join("\n") + "\n";
}

/** The stack outputs as the next render's previous outputs: what `pulumi stack output --json` shows, secrets hidden. */
export function outputsJson(outputs: Record<string, unknown>, secretOutputs: string[]): string {
    const shown = Object.entries(outputs).filter(([, v]) => v !== undefined).map(([k, v]) => [k, secretOutputs.includes(k) ? REDACTED : v]);
    return JSON.stringify(Object.fromEntries(shown), null, 2) + "\n";
}

export const OUTPUTS_FILE = "outputs.json";
export const FAILED_FILE = "RENDER-FAILED.txt";

/** The last good render's stack outputs of out/<stack>/, if there was one. */
export function lastRenderOutputs(dir: string): Record<string, unknown> | undefined {
    const file = path.join(dir, OUTPUTS_FILE);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

/**
 * A render killed in its swap (writeRender) leaves beside out/<stack>/ a staging directory (in out/, where
 * `diff -r out/ ...` would list it) and may have moved the last good tree aside, out/<stack>/ then missing: the
 * next render would have nothing to compare with and warn of nothing. Puts the last good tree back, removes the rest.
 */
export function recoverInterruptedRender(dir: string): void {
    const parent = path.dirname(dir);
    const prefix = `${path.basename(dir)}.rendering-`;
    if (!fs.existsSync(parent)) return;
    const leftovers = fs.readdirSync(parent).filter((e) => e.startsWith(prefix)).map((e) => path.join(parent, e));
    const movedAside = leftovers.find((e) => e.endsWith(".old"));
    if (movedAside !== undefined && !fs.existsSync(dir)) fs.renameSync(movedAside, dir);
    for (const e of leftovers) fs.rmSync(e, { recursive: true, force: true });
}

/**
 * Replaces out/<stack>/ with the rendered files in one step: written to a temporary directory beside it
 * first, so a render that fails half way never leaves a mix of old and new files.
 */
export function writeRender(dir: string, written: Map<string, string>): void {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const staging = fs.mkdtempSync(`${dir}.rendering-`);
    try {
        for (const [file, text] of written) {
            fs.mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
            fs.writeFileSync(path.join(staging, file), text);
        }
        const old = `${staging}.old`;
        if (fs.existsSync(dir)) fs.renameSync(dir, old);
        fs.renameSync(staging, dir);
        fs.rmSync(old, { recursive: true, force: true });
    } catch (e) {
        fs.rmSync(staging, { recursive: true, force: true });
        throw e;
    }
}

/**
 * A render that failed leaves no objects that look current: out/<stack>/ keeps only why it failed and
 * the last good render's outputs (the next render still compares with them).
 */
export function markFailed(dir: string, message: string): void {
    const previous = fs.existsSync(path.join(dir, OUTPUTS_FILE)) ? fs.readFileSync(path.join(dir, OUTPUTS_FILE), "utf8") : undefined;
    const written = new Map([[FAILED_FILE, `npm run render failed at ${new Date().toISOString()}; nothing here is current:\n${message}\n`]]);
    if (previous !== undefined) written.set(OUTPUTS_FILE, previous);
    writeRender(dir, written);
}

/** The stacks this folder has a file for. */
export function stacks(): string[] {
    return fs
        .readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

async function main() {
    const stack = process.argv[2];
    if (!stack) {
        console.error(`usage: npm run render -- <stack>   (one of: ${stacks().join(", ")})`);
        process.exit(2);
    }
    if (!fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))) {
        console.error(`Pulumi.${stack}.yaml does not exist; the stacks here are: ${stacks().join(", ")}\nusage: npm run render -- <stack>`);
        process.exit(2);
    }
    const dir = path.join(ROOT, "out", stack);
    const result = await renderStack(readStackFile(stack), stack, dir);
    for (const note of result.notes) console.error(`note: ${note}`);
    for (const warning of result.warnings) console.error(`warning: ${warning}`);
    if (result.error !== undefined) {
        console.error(`${result.error}\nrender failed: ${path.relative(process.cwd(), dir)}/ holds no objects now (${FAILED_FILE} says why)`);
        process.exit(1);
    }
    process.stdout.write(result.text + `\nwritten to ${path.relative(process.cwd(), dir)}/\n`);
}

export interface RenderResult {
    /** What `pulumi preview` would warn, compared with the last render's outputs. */
    warnings: string[];
    notes: string[];
    /** The summary and the stack outputs, as printed. */
    text?: string;
    error?: string;
}

/** Renders a stack's config into dir, comparing with the outputs of the render that is there. */
export async function renderStack(config: StackConfig, stack: string, dir: string): Promise<RenderResult> {
    recoverInterruptedRender(dir);
    const previousOutputs = lastRenderOutputs(dir);
    const notes = previousOutputs ? [] : [`no earlier render of ${stack} in ${path.relative(process.cwd(), dir)}/, so nothing to compare with (a first deployment's preview says no more)`];
    const run = await runProgram(config, stack, { previousOutputs });
    try {
        if (run.error) throw run.error;
        const rendered = render(run.resources);
        const text = `${summary(stack, rendered)}\n${outputsText(run.outputs, run.secretOutputs)}`;
        const written = files(rendered);
        written.set("summary.txt", text);
        written.set(OUTPUTS_FILE, outputsJson(run.outputs, run.secretOutputs));
        writeRender(dir, written);
        return { warnings: run.warnings, notes, text };
    } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        markFailed(dir, error);
        return { warnings: run.warnings, notes, error };
    }
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
