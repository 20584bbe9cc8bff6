import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Component, fromPods, ingressPolicy, labels, scrapedBy, selectorLabels, tcp } from "../lib";

/**
 * The Service of a stack-wide backend that only the shards' web containers talk to (their nginx proxies
 * a path to it), and the NetworkPolicy that admits exactly them, and Prometheus on a metrics port.
 */
export function proxiedService(
    parent: pulumi.Resource,
    component: Component,
    serviceName: string,
    namespace: pulumi.Input<string>,
    port: number,
    metrics?: { port: number; monitoringNamespace?: string },
): k8s.core.v1.Service {
    const objectLabels = labels(component);
    new k8s.networking.v1.NetworkPolicy(
        serviceName,
        {
            metadata: { name: serviceName, namespace, labels: objectLabels },
            spec: ingressPolicy(selectorLabels(component), [
                // Every shard's web: the selector leaves the shard out.
                { from: [fromPods(selectorLabels("web"))], ports: [tcp(port)] },
                ...(metrics ? scrapedBy(metrics.monitoringNamespace, tcp(metrics.port)) : []),
            ]),
        },
        { parent },
    );
    return new k8s.core.v1.Service(
        serviceName,
        {
            metadata: { name: serviceName, namespace, labels: objectLabels },
            spec: {
                type: "ClusterIP",
                selector: selectorLabels(component),
                ports: [{ name: "http", protocol: "TCP", port, targetPort: port }],
            },
        },
        { parent },
    );
}
