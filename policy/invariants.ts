/**
 * Invariants over the Kubernetes objects a stack declares, as plain functions: the tests run them
 * over both stack files, and the policy pack in this folder runs the same functions during
 * `pulumi preview --policy-pack policy`. No dependencies, so both can load them.
 */
import { requiredCapabilities } from "../lib/fileCapabilities";
import { namespacePeersNamePods } from "./networkPeers";
import { containersOf, Context, DEFAULT_CONTEXT, id, ingressBackends, Invariant, K8sObject, matches, podTemplates, violation, Violation } from "./objects";
import { PROMETHEUS_SERVER_POD_LABELS } from "../lib/prometheusServer";

export * from "./objects";
export { namespacePeersNamePods } from "./networkPeers";

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
            for (const b of ingressBackends(ing)) {
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

export const fileCapabilitiesKept: Invariant = {
    name: "file-capabilities-kept",
    description:
        "A container keeps exactly the capabilities its image's binaries carry as file capabilities (lib/fileCapabilities.ts): fewer and the binary cannot be executed, more is privilege nothing needs.",
    check(objects) {
        const out: Violation[] = [];
        for (const t of podTemplates(objects)) {
            for (const c of containersOf(t)) {
                const needed = requiredCapabilities(c.image ?? "");
                const kept: string[] = [...(c.securityContext?.capabilities?.add ?? [])].sort();
                const missing = needed.filter((cap) => !kept.includes(cap));
                const extra = kept.filter((cap) => !needed.includes(cap));
                if (missing.length > 0) out.push(violation(this.name, t.workload, `container ${c.name} drops ${missing.join(", ")}, which ${c.image} needs to execute its binary`));
                if (extra.length > 0) out.push(violation(this.name, t.workload, `container ${c.name} adds ${extra.join(", ")}, which no binary of ${c.image} needs`));
            }
        }
        return out;
    },
};

export const prosodyIsolated: Invariant = {
    name: "prosody-isolated",
    description:
        "A NetworkPolicy lets only the prosody's own shard's jicofo, JVBs and web connect, the stack's Jibris and Jigasis (gateways, transcribers) as XMPP clients (port 5222 only), the shard's own visitor nodes on s2s (5269 only), and the Prometheus server's pods (not the rest of their namespace) on the HTTP port only.",
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
                    const onlyPort = (n: number) => (rule.ports ?? []).length > 0 && rule.ports.every((port: K8sObject) => port.port === n);
                    if (from.length === 0) out.push(violation(this.name, p, "an ingress rule admits every source"));
                    for (const peer of from) {
                        if (peer.podSelector && !peer.namespaceSelector) {
                            const sel = peer.podSelector.matchLabels ?? {};
                            const ownShard = sel["app.kubernetes.io/instance"] === shard && ["jicofo", "jvb", "web"].includes(sel["app.kubernetes.io/component"]);
                            const jibriClients = ["jibri", "jigasi", "transcriber"].includes(sel["app.kubernetes.io/component"]) && sel["app.kubernetes.io/instance"] === undefined && onlyPort(5222);
                            // The shard's own visitor nodes federate with it, on s2s only.
                            const ownVisitorNodes = sel["app.kubernetes.io/component"] === "visitors" && sel["app.kubernetes.io/instance"] === shard && onlyPort(5269);
                            if (!ownShard && !jibriClients && !ownVisitorNodes) {
                                out.push(violation(this.name, p, `admits pods ${JSON.stringify(sel)}, not only shard ${shard}'s jicofo, jvb and web (and Jibris and Jigasis on 5222, its visitor nodes on 5269)`));
                            }
                        } else if (peer.namespaceSelector && !peer.podSelector) {
                            out.push(violation(this.name, p, `admits every pod of namespace ${JSON.stringify(peer.namespaceSelector)}, not only the Prometheus server`));
                        } else if (peer.namespaceSelector) {
                            const sel = peer.podSelector.matchLabels ?? {};
                            const prometheus = Object.entries(PROMETHEUS_SERVER_POD_LABELS).every(([k, v]) => sel[k] === v);
                            if (!prometheus) out.push(violation(this.name, p, `admits pods ${JSON.stringify(sel)} of another namespace, not only the Prometheus server`));
                            else if (!onlyPort(5280)) out.push(violation(this.name, p, "admits Prometheus on more than the HTTP port"));
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

/**
 * The Pod Security Standards, field by field (kubernetes.io/docs/concepts/security/pod-security-standards,
 * as of v1.29): what a pod template breaks at `baseline`, and additionally at `restricted`.
 */
const BASELINE_CAPABILITIES = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];
const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
];
const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

export function podSecurityProblems(spec: K8sObject, level: string): string[] {
    if (level === "privileged") return [];
    const problems: string[] = [];
    const pod = spec.securityContext ?? {};
    const all: K8sObject[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push("uses host namespaces");
    for (const v of spec.volumes ?? []) if (v.hostPath) problems.push(`volume ${v.name} is a hostPath`);
    for (const sysctl of pod.sysctls ?? []) if (!SAFE_SYSCTLS.includes(sysctl.name)) problems.push(`sets unsafe sysctl ${sysctl.name}`);
    if (pod.seccompProfile?.type === "Unconfined") problems.push("pod seccomp profile is Unconfined");
    for (const c of all) {
        const sc = c.securityContext ?? {};
        if (sc.privileged) problems.push(`container ${c.name} is privileged`);
        for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPABILITIES.includes(cap)) problems.push(`container ${c.name} adds ${cap}`);
        for (const p of c.ports ?? []) if (p.hostPort) problems.push(`container ${c.name} uses hostPort ${p.hostPort}`);
        if (sc.seccompProfile?.type === "Unconfined") problems.push(`container ${c.name} seccomp profile is Unconfined`);
        if (sc.procMount !== undefined && sc.procMount !== "Default") problems.push(`container ${c.name} procMount ${sc.procMount}`);
    }
    if (level !== "restricted") return problems;

    for (const v of spec.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== "name");
        if (type && !RESTRICTED_VOLUME_TYPES.includes(type)) problems.push(`volume ${v.name} is of type ${type}`);
    }
    for (const c of all) {
        const sc = c.securityContext ?? {};
        if (sc.allowPrivilegeEscalation !== false) problems.push(`container ${c.name} allows privilege escalation`);
        if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`container ${c.name} does not set runAsNonRoot`);
        if (sc.runAsUser === 0 || (sc.runAsUser === undefined && pod.runAsUser === 0)) problems.push(`container ${c.name} runs as uid 0`);
        const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`container ${c.name} sets no RuntimeDefault seccomp profile`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`container ${c.name} does not drop ALL capabilities`);
        for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") problems.push(`container ${c.name} adds ${cap}`);
    }
    return problems;
}

const ENFORCE = "pod-security.kubernetes.io/enforce";

export const podSecurityLevels: Invariant = {
    name: "pod-security-levels",
    description: "Every pod template meets the Pod Security level its namespace enforces.",
    check(objects) {
        const out: Violation[] = [];
        for (const t of podTemplates(objects)) {
            const ns = objects.find((o) => o.kind === "Namespace" && o.metadata.name === t.namespace);
            const level = ns?.metadata.labels?.[ENFORCE];
            if (!level) continue;
            for (const problem of podSecurityProblems(t.spec, level)) out.push(violation(this.name, t.workload, `breaks ${level} in namespace ${t.namespace}: ${problem}`));
        }
        return out;
    },
};

export const ownedNamespacesIsolated: Invariant = {
    name: "owned-namespaces-isolated",
    description: "Every namespace the stack creates enforces a pinned Pod Security level; those holding the stack's own workloads deny ingress by default.",
    check(objects) {
        const out: Violation[] = [];
        const withWorkloads = new Set(podTemplates(objects).map((t) => t.namespace));
        for (const ns of objects.filter((o) => o.kind === "Namespace")) {
            const labels = ns.metadata.labels ?? {};
            for (const mode of ["enforce", "warn", "audit"]) {
                if (!labels[`pod-security.kubernetes.io/${mode}`]) out.push(violation(this.name, ns, `has no pod-security.kubernetes.io/${mode} level`));
                if (!labels[`pod-security.kubernetes.io/${mode}-version`]) out.push(violation(this.name, ns, `does not pin pod-security.kubernetes.io/${mode}-version`));
            }
            if (!withWorkloads.has(ns.metadata.name)) continue;
            const denies = objects.some(
                (p) =>
                    p.kind === "NetworkPolicy" &&
                    p.metadata.namespace === ns.metadata.name &&
                    Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length === 0 &&
                    (p.spec?.podSelector?.matchExpressions ?? []).length === 0 &&
                    (p.spec?.policyTypes ?? []).includes("Ingress") &&
                    (p.spec?.ingress ?? []).length === 0,
            );
            if (!denies) out.push(violation(this.name, ns, "holds workloads but no NetworkPolicy denies ingress by default"));
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
    fileCapabilitiesKept,
    prosodyIsolated,
    namespacePeersNamePods,
    podSecurityLevels,
    ownedNamespacesIsolated,
];

export function checkAll(objects: K8sObject[], context: Context = DEFAULT_CONTEXT): Violation[] {
    return INVARIANTS.flatMap((inv) => inv.check(objects, context));
}
