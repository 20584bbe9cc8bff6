/**
 * The objects the invariants read, and what they share: pod templates, label selectors, Ingress
 * backends, violation records. No dependencies, so both the tests and the policy pack can load it.
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

export function containersOf(t: PodTemplate): K8sObject[] {
    return [...(t.spec.initContainers ?? []), ...(t.spec.containers ?? [])];
}

export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export const violation = (invariant: string, o: K8sObject, message: string): Violation => ({ invariant, object: id(o), message });

export function ingressBackends(ing: K8sObject): K8sObject[] {
    return [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r: K8sObject) => (r.http?.paths ?? []).map((p: K8sObject) => p.backend))].filter(Boolean);
}
