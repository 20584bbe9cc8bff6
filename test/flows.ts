/**
 * NetworkPolicy semantics (networking.k8s.io/v1), evaluated over the objects a stack declares: which
 * flows the policies admit. Written from the API's documented rules, independently of the program:
 * - a pod is isolated for a direction when a policy of its namespace selects it with that policyType;
 *   an unisolated pod admits everything;
 * - an isolated pod admits a flow if any selecting policy has a rule whose peers and ports match;
 *   a rule without `from`/`to` matches every peer, one without `ports` every port;
 * - podSelector alone means pods of the policy's namespace; namespaceSelector alone, every pod of the
 *   matching namespaces; both, the matching pods of the matching namespaces; ipBlock, addresses
 *   (here: only endpoints outside the cluster, which is what ipBlock is specified for);
 * - a port is a number (with optional endPort) or a container port name of the destination pod.
 */
import { BlockList } from "net";
import { Obj } from "./objects";

export interface Pod {
    namespace: string;
    labels: Record<string, string>;
    /** Named container ports of the pod, for policies that name ports. */
    ports?: Record<string, number>;
}

export type Endpoint = Pod | { ip: string };

function isPod(e: Endpoint): e is Pod {
    return "namespace" in e;
}

function selects(selector: Obj | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    const exprs: Obj[] = selector.matchExpressions ?? [];
    return (
        Object.entries<string>(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
        exprs.every((e) => {
            const has = e.key in labels;
            switch (e.operator) {
                case "In":
                    return has && e.values.includes(labels[e.key]);
                case "NotIn":
                    return !has || !e.values.includes(labels[e.key]);
                case "Exists":
                    return has;
                case "DoesNotExist":
                    return !has;
                default:
                    throw new Error(`unknown operator ${e.operator}`);
            }
        })
    );
}

function namespaceLabels(name: string): Record<string, string> {
    // Set by the API server on every namespace since Kubernetes 1.22.
    return { "kubernetes.io/metadata.name": name };
}

function peerMatches(peer: Obj, policyNamespace: string, other: Endpoint): boolean {
    if (peer.ipBlock) {
        if (isPod(other)) return false;
        const family = other.ip.includes(":") ? "ipv6" : "ipv4";
        const [net, prefix] = peer.ipBlock.cidr.split("/");
        if (net.includes(":") !== (family === "ipv6")) return false;
        const inside = new BlockList();
        inside.addSubnet(net, Number(prefix), family);
        if (!inside.check(other.ip, family)) return false;
        for (const except of peer.ipBlock.except ?? []) {
            const [eNet, ePrefix] = except.split("/");
            const out = new BlockList();
            out.addSubnet(eNet, Number(ePrefix), family);
            if (out.check(other.ip, family)) return false;
        }
        return true;
    }
    if (!isPod(other)) return false;
    const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels(other.namespace)) : other.namespace === policyNamespace;
    const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
    return nsOk && podOk;
}

function portMatches(rulePort: Obj, port: number, protocol: string, destination: Endpoint): boolean {
    if ((rulePort.protocol ?? "TCP") !== protocol) return false;
    if (rulePort.port === undefined) return true;
    if (typeof rulePort.port === "string") {
        return isPod(destination) && destination.ports?.[rulePort.port] === port;
    }
    return port >= rulePort.port && port <= (rulePort.endPort ?? rulePort.port);
}

function admitted(
    policies: Obj[],
    direction: "Ingress" | "Egress",
    subject: Pod,
    other: Endpoint,
    port: number,
    protocol: string,
    destination: Endpoint,
): boolean {
    const applying = policies.filter(
        (p) =>
            p.metadata.namespace === subject.namespace &&
            selects(p.spec.podSelector, subject.labels) &&
            (p.spec.policyTypes ?? (direction === "Ingress" ? ["Ingress"] : p.spec.egress ? ["Egress"] : [])).includes(direction),
    );
    if (applying.length === 0) return true;
    const rulesKey = direction === "Ingress" ? "ingress" : "egress";
    const peersKey = direction === "Ingress" ? "from" : "to";
    return applying.some((p) =>
        (p.spec[rulesKey] ?? []).some((rule: Obj) => {
            const peers: Obj[] = rule[peersKey] ?? [];
            const ports: Obj[] = rule.ports ?? [];
            const peerOk = peers.length === 0 || peers.some((peer) => peerMatches(peer, p.metadata.namespace, other));
            const portOk = ports.length === 0 || ports.some((rp) => portMatches(rp, port, protocol, destination));
            return peerOk && portOk;
        }),
    );
}

/** Whether the policies let `from` open a connection (or send a datagram) to `to` on `port`. */
export function allowed(objects: Obj[], from: Endpoint, to: Endpoint, port: number, protocol: "TCP" | "UDP" = "TCP"): boolean {
    const policies = objects.filter((o) => o.kind === "NetworkPolicy");
    const egressOk = !isPod(from) || admitted(policies, "Egress", from, to, port, protocol, to);
    const ingressOk = !isPod(to) || admitted(policies, "Ingress", to, from, port, protocol, to);
    return egressOk && ingressOk;
}

/** The pod a workload of the stack runs, as a flow endpoint. */
export function podOf(objects: Obj[], kind: string, name: string, extraLabels: Record<string, string> = {}): Pod {
    const w = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!w) throw new Error(`no ${kind} ${name}`);
    const spec = w.spec.template.spec;
    const ports: Record<string, number> = {};
    for (const c of spec.containers) for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
    return { namespace: w.metadata.namespace, labels: { ...w.spec.template.metadata.labels, ...extraLabels }, ports };
}
