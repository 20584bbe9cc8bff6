import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OWNER_LABELS } from "./labels";
import { ACME_SOLVER_LABELS, ACME_SOLVER_PORT, DEFAULT_DENY_POLICY, defaultDenyIngress, fromNamespace, ingressPolicy, tcp } from "./networkPolicy";
import { PodSecurity, podSecurityLabels } from "./podSecurity";

/**
 * A Service's fully qualified name, `<service>.<namespace>.svc.<clusterDomain>`: the only form that
 * resolves where the pod's search list does not apply (prosody's libunbound, nginx's own resolver).
 */
export function serviceHost(service: string, namespace: string, clusterDomain: string): string {
    return `${service}.${namespace}.svc.${clusterDomain}`;
}

/**
 * A namespace this stack creates and owns (deleting the stack deletes it, with what is in it), with
 * the Pod Security level its pods meet.
 */
export function ownedNamespace(name: string, podSecurity: PodSecurity, opts?: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(name, { metadata: { name, labels: { ...OWNER_LABELS, ...podSecurityLabels(podSecurity) } } }, opts);
}

/** Nothing reaches a pod of this namespace unless a policy of its component admits it. */
export function denyIngressByDefault(name: string, namespace: k8s.core.v1.Namespace, opts?: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        `${name}-${DEFAULT_DENY_POLICY}`,
        { metadata: { name: DEFAULT_DENY_POLICY, namespace: namespace.metadata.name, labels: { ...OWNER_LABELS } }, spec: defaultDenyIngress() },
        opts,
    );
}

/**
 * cert-manager answers HTTP-01 challenges from solver pods in the Certificate's namespace, which the
 * ingress controller must reach (every Let's Encrypt certificate of the namespace: web and TURN).
 */
export function admitAcmeSolvers(name: string, namespace: k8s.core.v1.Namespace, ingressNamespace: string, opts?: pulumi.CustomResourceOptions) {
    return new k8s.networking.v1.NetworkPolicy(
        `${name}-acme-http01-solvers`,
        {
            metadata: { name: "acme-http01-solvers", namespace: namespace.metadata.name, labels: { ...OWNER_LABELS } },
            spec: ingressPolicy({ ...ACME_SOLVER_LABELS }, [{ from: [fromNamespace(ingressNamespace)], ports: [tcp(ACME_SOLVER_PORT)] }]),
        },
        opts,
    );
}
