/**
 * npm run render -- <stack>
 *
 * The offline view of `pulumi up`: runs the real program for Pulumi.<stack>.yaml under the recording
 * engine (no cluster, no Pulumi account) and writes every Kubernetes object it declares as YAML under
 * out/<stack>/, one file per component, with Pulumi secrets redacted. Helm charts are rendered by Helm
 * at deploy time, so they are listed as chart, version and values in <component>.charts.yaml.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { readStackFile, Recorded, ROOT, runProgram } from "./recorder";

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
    const run = await runProgram(readStackFile(stack), stack);
    for (const warning of run.warnings) console.error(`warning: ${warning}`);
    if (run.error) {
        console.error(run.error.message);
        process.exit(1);
    }
    const rendered = render(run.resources);
    const dir = path.join(ROOT, "out", stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [component, objs] of Object.entries(rendered.objects)) {
        fs.writeFileSync(path.join(dir, `${component}.yaml`), objs.map((o) => stringify(o, YAML_OPTIONS)).join("---\n"));
    }
    for (const [component, charts] of Object.entries(rendered.charts)) {
        fs.writeFileSync(path.join(dir, `${component}.charts.yaml`), stringify(charts, YAML_OPTIONS));
    }
    const text = `${summary(stack, rendered)}\n${outputsText(run.outputs, run.secretOutputs)}`;
    fs.writeFileSync(path.join(dir, "summary.txt"), text);
    process.stdout.write(text + `\nwritten to ${path.relative(process.cwd(), dir)}/\n`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
