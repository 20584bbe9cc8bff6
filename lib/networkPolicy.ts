/**
 * Building blocks of the NetworkPolicies. Every namespace whose pods the program declares admits
 * nothing by default; each component then admits exactly the flows it serves, on the ports its
 * Service and containers use (the same constants), from the peers that need them.
 */
import * as k8s from "@pulumi/kubernetes";
import { NON_PUBLIC_CIDRS } from "./addresses";
import { PROMETHEUS_SERVER_POD_LABELS } from "./prometheusServer";

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Port = k8s.types.input.networking.v1.NetworkPolicyPort;
export type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
export type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

export const DEFAULT_DENY_POLICY = "default-deny-ingress";

/** cert-manager's HTTP-01 solver pods (pkg/issuer/acme/http: label and listen port at v1.19). */
export const ACME_SOLVER_LABELS = { "acme.cert-manager.io/http01-solver": "true" } as const;
export const ACME_SOLVER_PORT = 8089;

export function defaultDenyIngress(): Spec {
    return { podSelector: {}, policyTypes: ["Ingress"] };
}

export function fromNamespace(namespace: string): Peer {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } };
}

export function fromPods(labels: Record<string, string>): Peer {
    return { podSelector: { matchLabels: labels } };
}

/** Any address: clients on the internet (NodePort and LoadBalancer traffic keeps their source address). */
export const ANYWHERE: Peer[] = [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }];

export function tcp(port: number, endPort?: number): Port {
    return { protocol: "TCP", port, ...(endPort !== undefined && endPort !== port ? { endPort } : {}) };
}

export function udp(port: number, endPort?: number): Port {
    return { protocol: "UDP", port, ...(endPort !== undefined && endPort !== port ? { endPort } : {}) };
}

/**
 * The MonitoringStack's Prometheus server pods, and no other pod of its namespace: namespace and pod
 * selector in one peer (both must match). Metrics ports share their listener with unauthenticated
 * control APIs (Jigasi's and Jibri's REST, the bridge's colibri REST, HAProxy's stats), which Grafana,
 * Alertmanager or an exporter beside Prometheus must not reach.
 */
export function fromPrometheus(monitoringNamespace: string): Peer {
    return { ...fromNamespace(monitoringNamespace), podSelector: { matchLabels: { ...PROMETHEUS_SERVER_POD_LABELS } } };
}

/** Prometheus reads metrics on these ports, when the MonitoringStack runs. */
export function scrapedBy(monitoringNamespace: string | undefined, ...ports: Port[]): IngressRule[] {
    return monitoringNamespace ? [{ from: [fromPrometheus(monitoringNamespace)], ports }] : [];
}

export function ingressPolicy(podSelector: Record<string, string>, ingress: IngressRule[]): Spec {
    return { podSelector: { matchLabels: podSelector }, policyTypes: ["Ingress"], ingress };
}

/**
 * Egress to public addresses only (every non-public range and the given cluster ranges excepted), and
 * DNS: for a component that talks to the internet and must not reach into the cluster.
 */
export function publicEgressOnly(extraDenied: string[] = []): EgressRule[] {
    const denied = [...NON_PUBLIC_CIDRS, ...extraDenied];
    const v4 = denied.filter((c) => !c.includes(":") && c !== "0.0.0.0/0");
    const v6 = denied.filter((c) => c.includes(":"));
    return [
        { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: v4 } }, { ipBlock: { cidr: "::/0", except: v6 } }] },
        // The cluster's DNS, wherever it runs (kube-dns Service, or a node-local cache on a link-local address).
        { ports: [udp(53), tcp(53)] },
    ];
}
