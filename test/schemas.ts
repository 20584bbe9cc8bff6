/**
 * Validates rendered objects against the upstream schemas shipped in maintained npm packages:
 * kubernetes-models (the Kubernetes OpenAPI), @kubernetes-models/cert-manager,
 * @kubernetes-models/prometheus-operator and @kubernetes-models/elastic-cloud (their CRDs).
 *
 * Their `validate()` checks types and required fields but accepts unknown fields, so unknown fields
 * are found separately: the same packages ship a TypeScript interface for every schema, and the
 * TypeScript checker walks each object through those interfaces, reporting every key that has no
 * property there (a typo such as `spec.replicaz`).
 */
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./harness";

type Obj = Record<string, any>;

/** The Kubernetes versions the stacks target: every apiVersion used must be served by all of them. */
export const TARGET_KUBERNETES = "1.29 to 1.34";

/** Served unchanged from 1.29 through 1.34 (kubernetes-models 5.1 follows 1.34). */
export const STABLE_API_VERSIONS = [
    "v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v2",
    "policy/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
];

/** Deprecated or removed versions that must never appear. */
export const RETIRED_API_VERSIONS = [
    "extensions/v1beta1",
    "apps/v1beta1",
    "apps/v1beta2",
    "batch/v1beta1",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "policy/v1beta1",
    "networking.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "cert-manager.io/v1alpha2",
    "cert-manager.io/v1beta1",
    "monitoring.coreos.com/v1alpha1",
    "elasticsearch.k8s.elastic.co/v1beta1",
    "kibana.k8s.elastic.co/v1beta1",
];

/** The package (and subpath) that models an apiVersion. */
export function modelModule(apiVersion: string): string | undefined {
    if (STABLE_API_VERSIONS.includes(apiVersion)) return `kubernetes-models/${apiVersion}`;
    if (apiVersion.startsWith("cert-manager.io/")) return `@kubernetes-models/cert-manager/${apiVersion}`;
    if (apiVersion.startsWith("monitoring.coreos.com/")) return `@kubernetes-models/prometheus-operator/${apiVersion}`;
    if (/\.k8s\.elastic\.co\//.test(apiVersion)) return `@kubernetes-models/elastic-cloud/${apiVersion}`;
    return undefined;
}

// The model packages are ES modules only; a real dynamic import (not the CommonJS rewrite) loads them.
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

export interface SchemaProblem {
    object: string;
    problem: string;
}

const label = (o: Obj) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

/**
 * Kinds whose only served version is one the list above retires for every other kind:
 * kube-prometheus-stack 88.5.3 ships AlertmanagerConfig with v1alpha1 as its one served and storage
 * version (charts/crds/crds/crd-alertmanagerconfigs.yaml); v1beta1 needs a conversion webhook it does not set up.
 */
export const ONLY_SERVED_VERSION: Record<string, string> = { AlertmanagerConfig: "monitoring.coreos.com/v1alpha1" };

/** apiVersion retired or not served by every targeted version, or not modelled at all. */
export function checkApiVersions(objects: Obj[]): SchemaProblem[] {
    return objects.flatMap((o) => {
        if (RETIRED_API_VERSIONS.includes(o.apiVersion) && ONLY_SERVED_VERSION[o.kind] !== o.apiVersion) return [{ object: label(o), problem: `apiVersion ${o.apiVersion} is deprecated or removed` }];
        if (!modelModule(o.apiVersion)) return [{ object: label(o), problem: `apiVersion ${o.apiVersion} is not served by Kubernetes ${TARGET_KUBERNETES} or a known CRD` }];
        return [];
    });
}

/** The schemas' own validation: types, required fields, enums, formats. */
export async function validateWithModels(objects: Obj[]): Promise<SchemaProblem[]> {
    const problems: SchemaProblem[] = [];
    for (const o of objects) {
        const module = modelModule(o.apiVersion);
        if (!module) continue;
        const Model = (await importEsm(module))[o.kind];
        if (!Model) {
            problems.push({ object: label(o), problem: `${module} has no kind ${o.kind}` });
            continue;
        }
        try {
            new Model(o).validate();
        } catch (e) {
            problems.push({ object: label(o), problem: (e as Error).message });
        }
    }
    return problems;
}

/**
 * Unknown fields, found by walking each object through the TypeScript interfaces the model packages
 * ship. One program is built for all objects, so the packages' declarations are read once.
 */
export function findUnknownFields(objects: Obj[]): SchemaProblem[] {
    const kinds = [...new Set(objects.map((o) => `${o.apiVersion}|${o.kind}`))];
    const entryPath = path.join(ROOT, "__schema_walk__.mts");
    const entry = kinds
        .map((k, i) => {
            const [apiVersion, kind] = k.split("|");
            return `export declare const t${i}: import("${modelModule(apiVersion)}").I${kind};`;
        })
        .join("\n");
    const options: ts.CompilerOptions = {
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => (f === entryPath ? entry : readFile(f));
    host.fileExists = (f) => f === entryPath || fileExists(f);
    host.getSourceFile = (f, lang, onError, create) =>
        f === entryPath ? ts.createSourceFile(f, entry, lang, true) : getSourceFile(f, lang, onError, create);
    const program = ts.createProgram([entryPath], options, host);
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(entryPath)!;

    const typeOf = new Map<string, ts.Type>();
    for (const statement of source.statements) {
        if (!ts.isVariableStatement(statement)) continue;
        const decl = statement.declarationList.declarations[0];
        const i = Number((decl.name as ts.Identifier).text.slice(1));
        const type = checker.getTypeAtLocation(decl.name);
        if (type.flags & ts.TypeFlags.Any) throw new Error(`no type for ${kinds[i]}: is its model package installed?`);
        typeOf.set(kinds[i], type);
    }

    const problems: SchemaProblem[] = [];
    for (const o of objects) {
        walk(o, typeOf.get(`${o.apiVersion}|${o.kind}`)!, "", (p) => problems.push({ object: label(o), problem: `unknown field ${p}` }));
    }
    return problems;

    function walk(value: unknown, type: ts.Type, at: string, report: (path: string) => void): void {
        if (value === null || typeof value !== "object") return;
        type = checker.getNonNullableType(type);
        if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
        if (Array.isArray(value)) {
            const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
            if (element) value.forEach((v, i) => walk(v, element, `${at}[${i}]`, report));
            return;
        }
        const candidates = type.isUnion() ? type.types.filter((t) => t.flags & ts.TypeFlags.Object) : [type];
        if (candidates.length === 0) return;
        // Where a field may take several object shapes, judge by the one that knows the most keys.
        const keys = Object.keys(value as Obj);
        const known = (t: ts.Type) => keys.filter((k) => checker.getPropertyOfType(t, k)).length;
        const chosen = candidates.reduce((a, b) => (known(b) > known(a) ? b : a));
        const mapValue = checker.getIndexTypeOfType(chosen, ts.IndexKind.String);
        // `{}`: a schema that keeps unknown fields (x-kubernetes-preserve-unknown-fields), such as a Beat's config.
        if (!mapValue && checker.getPropertiesOfType(chosen).length === 0) return;
        for (const key of keys) {
            const child = (value as Obj)[key];
            const property = checker.getPropertyOfType(chosen, key);
            if (property) walk(child, checker.getTypeOfSymbol(property), `${at}.${key}`, report);
            else if (mapValue) walk(child, mapValue, `${at}.${key}`, report);
            else report(`${at}.${key}`.slice(1));
        }
    }
}
