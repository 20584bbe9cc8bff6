/**
 * Invariants over the Kubernetes objects a stack declares, as plain functions: the tests run them
 * over both stack files, and the policy pack in this folder runs the same functions during
 * `pulumi preview --policy-pack policy`. No dependencies, so both can load them.
 */

export type K8sObject = Record<string, any>;

export interface Violation {
    invariant: string;
    /** `Kind namespace/name` */
    object: string;
    message: string;
}

export interface Context {
    nodePortRange: { min: number; max: number };
    /** Secrets and ConfigMaps users create themselves (documented in the README), by `namespace/name`. */
    userProvided: string[];
}

export const DEFAULT_CONTEXT: Context = { nodePortRange: { min: 30000, max: 32767 }, userProvided: [] };

export interface Invariant {
    name: string;
    description: string;
    check(objects: K8sObject[], context: Context): Violation[];
}

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet"];

export function id(o: K8sObject): string {
    const ns = o.metadata?.namespace;
    return `${o.kind} ${ns ? `${ns}/` : ""}${o.metadata?.name}`;
}

export interface PodTemplate {
    workload: K8sObject;
    namespace: string;
    labels: Record<string, string>;
    spec: K8sObject;
}

export function podTemplates(objects: K8sObject[]): PodTemplate[] {
    return objects
        .filter((o) => WORKLOAD_KINDS.includes(o.kind))
        .map((o) => {
            const template = o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
            return { workload: o, namespace: o.metadata?.namespace, labels: template?.metadata?.labels ?? {}, spec: template?.spec ?? {} };
        });
}

function containersOf(t: PodTemplate): K8sObject[] {
    return [...(t.spec.initContainers ?? []), ...(t.spec.containers ?? [])];
}

export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const violation = (invariant: string, o: K8sObject, message: string): Violation => ({ invariant, object: id(o), message });

export const resourcesAndPinnedImages: Invariant = {
    name: "resources-and-pinned-images",
    description: "Every container has CPU and memory requests and limits, and an image pinned to a tag other than latest.",
    check(objects) {
        const out: Violation[] = [];
        for (const t of podTemplates(objects)) {
            for (const c of containersOf(t)) {
                for (const kind of ["requests", "limits"]) {
                    for (const r of ["cpu", "memory"]) {
                        if (!c.resources?.[kind]?.[r]) out.push(violation(this.name, t.workload, `container ${c.name} has no ${r} ${kind}`));
                    }
                }
                const image: string = c.image ?? "";
                const tag = image.includes("@") ? "digest" : image.slice(image.lastIndexOf("/") + 1).split(":")[1];
                if (!tag || tag === "latest") out.push(violation(this.name, t.workload, `container ${c.name} image ${image} is not pinned to a tag`));
            }
        }
        return out;
    },
};

export const selectorsMatchPods: Invariant = {
    name: "service-selectors-match-pods",
    description: "Every Service selector matches the labels of a pod template in the same namespace.",
    check(objects) {
        const templates = podTemplates(objects);
        return objects
            .filter((o) => o.kind === "Service" && o.spec?.selector)
            .flatMap((svc) => {
                // Set on each StatefulSet pod by its controller: `<statefulset>-<ordinal>`.
                const { "statefulset.kubernetes.io/pod-name": podName, ...selector } = svc.spec.selector;
                const targets = templates.filter((t) => t.namespace === svc.metadata.namespace && matches(selector, t.labels));
                if (targets.length === 0) return [violation(this.name, svc, "selects no pod template")];
                if (podName !== undefined && !targets.some((t) => t.workload.kind === "StatefulSet" && new RegExp(`^${t.workload.metadata.name}-\\d+$`).test(podName))) {
                    return [violation(this.name, svc, `selects pod ${podName}, which no StatefulSet it matches creates`)];
                }
                return [];
            });
    },
};

export const ingressBackendsExist: Invariant = {
    name: "ingress-backends-exist",
    description: "Every Ingress backend names a Service of the same namespace and one of its ports.",
    check(objects) {
        const out: Violation[] = [];
        for (const ing of objects.filter((o) => o.kind === "Ingress")) {
            const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r: K8sObject) => (r.http?.paths ?? []).map((p: K8sObject) => p.backend))].filter(Boolean);
            for (const b of backends) {
                const svc = objects.find((o) => o.kind === "Service" && o.metadata.namespace === ing.metadata.namespace && o.metadata.name === b.service?.name);
                if (!svc) {
                    out.push(violation(this.name, ing, `backend Service ${b.service?.name} does not exist`));
                    continue;
                }
                const port = b.service.port ?? {};
                const found = (svc.spec.ports ?? []).some((p: K8sObject) => (port.name !== undefined ? p.name === port.name : p.port === port.number));
                if (!found) out.push(violation(this.name, ing, `Service ${svc.metadata.name} has no port ${port.name ?? port.number}`));
            }
        }
        return out;
    },
};

export const referencesExist: Invariant = {
    name: "references-exist",
    description: "Every secretKeyRef, configMapKeyRef, envFrom and volume names a Secret or ConfigMap (and key) the stack creates (a Certificate's Secret counts) or the user is documented to create.",
    check(objects, context) {
        const out: Violation[] = [];
        // cert-manager writes a Certificate's Secret, with these keys (cert-manager.io/v1 Certificate spec.secretName).
        const issued = (ns: string, name: string) =>
            objects.some((x) => x.kind === "Certificate" && x.metadata.namespace === ns && x.spec?.secretName === name);
        const keysOf = (kind: string, ns: string, name: string): string[] | undefined => {
            if (context.userProvided.includes(`${ns}/${name}`)) return undefined;
            if (kind === "Secret" && issued(ns, name)) return ["tls.crt", "tls.key", "ca.crt"];
            const o = objects.find((x) => x.kind === kind && x.metadata.namespace === ns && x.metadata.name === name);
            if (!o) return [];
            return [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {}), ...Object.keys(o.binaryData ?? {})];
        };
        const exists = (kind: string, ns: string, name: string) =>
            context.userProvided.includes(`${ns}/${name}`) ||
            (kind === "Secret" && issued(ns, name)) ||
            objects.some((x) => x.kind === kind && x.metadata.namespace === ns && x.metadata.name === name);
        for (const t of podTemplates(objects)) {
            for (const c of containersOf(t)) {
                for (const e of c.env ?? []) {
                    for (const [refKind, kind] of [["secretKeyRef", "Secret"], ["configMapKeyRef", "ConfigMap"]] as const) {
                        const ref = e.valueFrom?.[refKind];
                        if (!ref || ref.optional) continue;
                        const keys = keysOf(kind, t.namespace, ref.name);
                        if (keys !== undefined && !keys.includes(ref.key)) {
                            out.push(violation(this.name, t.workload, `env ${e.name} of ${c.name} refers to ${kind} ${ref.name} key ${ref.key}, which the stack does not create`));
                        }
                    }
                }
                for (const from of c.envFrom ?? []) {
                    const [kind, ref] = from.secretRef ? ["Secret", from.secretRef] : ["ConfigMap", from.configMapRef];
                    if (ref && !ref.optional && !exists(kind, t.namespace, ref.name)) out.push(violation(this.name, t.workload, `envFrom ${kind} ${ref.name} does not exist`));
                }
            }
            for (const v of t.spec.volumes ?? []) {
                const [kind, name, optional] = v.configMap ? ["ConfigMap", v.configMap.name, v.configMap.optional] : v.secret ? ["Secret", v.secret.secretName, v.secret.optional] : [];
                if (kind && !optional && !exists(kind, t.namespace, name)) out.push(violation(this.name, t.workload, `volume ${v.name} refers to ${kind} ${name}, which does not exist`));
            }
        }
        return out;
    },
};

export const nodePortsUniqueInRange: Invariant = {
    name: "node-ports-unique-in-range",
    description: "NodePorts are unique across the stack and inside the cluster's NodePort range.",
    check(objects, context) {
        const out: Violation[] = [];
        const seen = new Map<number, string>();
        for (const svc of objects.filter((o) => o.kind === "Service")) {
            for (const p of svc.spec?.ports ?? []) {
                if (p.nodePort === undefined) continue;
                const { min, max } = context.nodePortRange;
                if (p.nodePort < min || p.nodePort > max) out.push(violation(this.name, svc, `nodePort ${p.nodePort} is outside ${min}-${max}`));
                if (seen.has(p.nodePort)) out.push(violation(this.name, svc, `nodePort ${p.nodePort} is also used by ${seen.get(p.nodePort)}`));
                seen.set(p.nodePort, id(svc));
            }
        }
        return out;
    },
};

export const portsInRange: Invariant = {
    name: "ports-in-range",
    description: "Container and Service port numbers lie in 1-65535 (schema validation does not bound them).",
    check(objects) {
        const bad = (n: unknown) => typeof n === "number" && (!Number.isInteger(n) || n < 1 || n > 65535);
        const out: Violation[] = [];
        for (const t of podTemplates(objects)) {
            for (const c of containersOf(t)) {
                for (const p of c.ports ?? []) if (bad(p.containerPort)) out.push(violation(this.name, t.workload, `container ${c.name} port ${p.containerPort}`));
            }
        }
        for (const svc of objects.filter((o) => o.kind === "Service")) {
            for (const p of svc.spec?.ports ?? []) {
                for (const n of [p.port, p.targetPort, p.nodePort]) if (bad(n)) out.push(violation(this.name, svc, `port ${n}`));
            }
        }
        return out;
    },
};

/** Values of every Secret the stack declares, decoded; short values would match by chance. */
export function secretValues(objects: K8sObject[]): string[] {
    return objects
        .filter((o) => o.kind === "Secret")
        .flatMap((s) => [
            ...Object.values<string>(s.stringData ?? {}),
            ...Object.values<string>(s.data ?? {}).map((v) => Buffer.from(v, "base64").toString("utf8")),
        ])
        .filter((v) => typeof v === "string" && v.length >= 8);
}

export const noSecretLeaks: Invariant = {
    name: "no-secret-leaks",
    description: "No Secret value appears in a ConfigMap, a plain env value or an annotation.",
    check(objects) {
        const secrets = secretValues(objects);
        const out: Violation[] = [];
        const leaks = (text: string) => secrets.some((s) => text.includes(s));
        for (const o of objects) {
            if (o.kind === "ConfigMap" && leaks(JSON.stringify(o.data ?? {}))) out.push(violation(this.name, o, "holds a secret value"));
            if (leaks(JSON.stringify(o.metadata?.annotations ?? {}))) out.push(violation(this.name, o, "an annotation holds a secret value"));
        }
        for (const t of podTemplates(objects)) {
            for (const c of containersOf(t)) {
                for (const e of c.env ?? []) if (typeof e.value === "string" && leaks(e.value)) out.push(violation(this.name, t.workload, `env ${e.name} of ${c.name} holds a secret value`));
            }
            if (leaks(JSON.stringify(t.spec.containers?.map((c: K8sObject) => [c.command, c.args]) ?? []))) out.push(violation(this.name, t.workload, "a command line holds a secret value"));
        }
        return out;
    },
};

export const restrictedPods: Invariant = {
    name: "restricted-pods",
    description: "Containers run as non-root, without privilege escalation and with all capabilities dropped.",
    check(objects) {
        const out: Violation[] = [];
        for (const t of podTemplates(objects)) {
            for (const c of containersOf(t)) {
                const sc = c.securityContext ?? {};
                const nonRoot = sc.runAsNonRoot ?? t.spec.securityContext?.runAsNonRoot;
                const uid = sc.runAsUser ?? t.spec.securityContext?.runAsUser;
                if (nonRoot !== true || uid === 0) out.push(violation(this.name, t.workload, `container ${c.name} may run as root`));
                if (sc.allowPrivilegeEscalation !== false) out.push(violation(this.name, t.workload, `container ${c.name} allows privilege escalation`));
                if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(violation(this.name, t.workload, `container ${c.name} keeps its capabilities`));
            }
        }
        return out;
    },
};

export const prosodyIsolated: Invariant = {
    name: "prosody-isolated",
    description: "A NetworkPolicy lets only the prosody's own shard's jicofo, JVBs and web connect (and Prometheus, on the HTTP port only).",
    check(objects) {
        const out: Violation[] = [];
        const policies = objects.filter((o) => o.kind === "NetworkPolicy");
        for (const t of podTemplates(objects).filter((p) => p.labels["app.kubernetes.io/component"] === "prosody")) {
            const shard = t.labels["app.kubernetes.io/instance"];
            const applying = policies.filter(
                (p) => p.metadata.namespace === t.namespace && matches(p.spec?.podSelector?.matchLabels ?? {}, t.labels) && (p.spec?.policyTypes ?? []).includes("Ingress"),
            );
            if (applying.length === 0) {
                out.push(violation(this.name, t.workload, "no NetworkPolicy restricts who connects to prosody"));
                continue;
            }
            for (const p of applying) {
                for (const rule of p.spec.ingress ?? []) {
                    const from: K8sObject[] = rule.from ?? [];
                    if (from.length === 0) out.push(violation(this.name, p, "an ingress rule admits every source"));
                    for (const peer of from) {
                        if (peer.podSelector && !peer.namespaceSelector) {
                            const sel = peer.podSelector.matchLabels ?? {};
                            const ok = sel["app.kubernetes.io/instance"] === shard && ["jicofo", "jvb", "web"].includes(sel["app.kubernetes.io/component"]);
                            if (!ok) out.push(violation(this.name, p, `admits pods ${JSON.stringify(sel)}, not only shard ${shard}'s jicofo, jvb and web`));
                        } else if (peer.namespaceSelector && !peer.podSelector) {
                            const httpOnly = (rule.ports ?? []).length > 0 && rule.ports.every((port: K8sObject) => port.port === 5280);
                            if (!httpOnly) out.push(violation(this.name, p, "admits a whole namespace on more than the HTTP port"));
                        } else {
                            out.push(violation(this.name, p, `admits ${JSON.stringify(peer)}`));
                        }
                    }
                }
            }
        }
        return out;
    },
};

export const INVARIANTS: Invariant[] = [
    resourcesAndPinnedImages,
    selectorsMatchPods,
    ingressBackendsExist,
    referencesExist,
    nodePortsUniqueInRange,
    portsInRange,
    noSecretLeaks,
    restrictedPods,
    prosodyIsolated,
];

export function checkAll(objects: K8sObject[], context: Context = DEFAULT_CONTEXT): Violation[] {
    return INVARIANTS.flatMap((inv) => inv.check(objects, context));
}
