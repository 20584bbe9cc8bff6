/**
 * Which pods of other namespaces a NetworkPolicy admits: a whole namespace only where an ingress
 * controller's traffic lands, the Prometheus server by its own labels.
 */
import { PROMETHEUS_SERVER_POD_LABELS } from "../lib/prometheusServer";
import { ingressBackends, Invariant, matches, podTemplates, violation, Violation } from "./objects";

/** cert-manager's HTTP-01 solver pods (lib/networkPolicy.ts ACME_SOLVER_LABELS, not imported: that module loads @pulumi/kubernetes). */
const ACME_SOLVER_LABEL = "acme.cert-manager.io/http01-solver";

export const namespacePeersNamePods: Invariant = {
    name: "namespace-peers-name-pods",
    description:
        "A NetworkPolicy admits a whole namespace only to what an ingress controller serves (an Ingress backend's pods, cert-manager's HTTP-01 solvers); every other peer from another namespace also names its pods, and Prometheus's peer names the Prometheus server's: metrics ports share their listeners with control APIs.",
    check(objects) {
        const out: Violation[] = [];
        const templates = podTemplates(objects);
        // Pods an Ingress of the policy's namespace routes to: the selectors of its backend Services.
        const servedSelectors = (namespace: string): Record<string, string>[] =>
            objects
                .filter((o) => o.kind === "Ingress" && o.metadata?.namespace === namespace)
                .flatMap(ingressBackends)
                .map((b) => objects.find((o) => o.kind === "Service" && o.metadata?.namespace === namespace && o.metadata?.name === b?.service?.name)?.spec?.selector)
                .filter(Boolean);
        for (const p of objects.filter((o) => o.kind === "NetworkPolicy")) {
            const target: Record<string, string> = p.spec?.podSelector?.matchLabels ?? {};
            const served =
                target[ACME_SOLVER_LABEL] === "true" ||
                servedSelectors(p.metadata.namespace).some((backend) =>
                    templates.some((t) => t.namespace === p.metadata.namespace && matches(backend, t.labels) && matches(target, t.labels)),
                );
            for (const rule of p.spec?.ingress ?? []) {
                for (const peer of rule.from ?? []) {
                    if (!peer.namespaceSelector) continue;
                    const pods = peer.podSelector?.matchLabels ?? {};
                    const named = Object.keys(pods).length > 0 || (peer.podSelector?.matchExpressions ?? []).length > 0;
                    if (!named && !served) {
                        out.push(violation(this.name, p, `admits every pod of namespace ${JSON.stringify(peer.namespaceSelector)} to pods no Ingress serves`));
                    } else if (pods["app.kubernetes.io/name"] === PROMETHEUS_SERVER_POD_LABELS["app.kubernetes.io/name"] && !matches(PROMETHEUS_SERVER_POD_LABELS, pods)) {
                        out.push(violation(this.name, p, `admits pods ${JSON.stringify(pods)}, which does not name this stack's Prometheus object`));
                    }
                }
            }
        }
        return out;
    },
};
