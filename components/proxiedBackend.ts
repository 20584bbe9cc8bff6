import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import {
    Component,
    fromPods,
    httpProbe,
    ingressPolicy,
    labels,
    probes,
    resourceRequirements,
    restrictedSecurityContext,
    scrapedBy,
    selectorLabels,
    tcp,
} from "../lib";

type Container = k8s.types.input.core.v1.Container;

export interface ProxiedBackendArgs {
    component: Extract<Component, "etherpad" | "whiteboard">;
    /** The Deployment's and the Service's name: the host in web's proxy URL. */
    serviceName: string;
    namespace: pulumi.Input<string>;
    image: string;
    resources: ResourceSettings;
    /** The user the image is built to run as. */
    uid: number;
    /** What web's nginx proxies to, and where the backend answers its probes. */
    port: number;
    healthPath: string;
    strategy: k8s.types.input.apps.v1.DeploymentStrategy;
    container: Pick<Container, "command" | "workingDir" | "env" | "volumeMounts">;
    volumes?: k8s.types.input.core.v1.Volume[];
    /** Group that owns the volumes' files, for a backend that writes to a claim. */
    fsGroup?: number;
    /** A Prometheus port, scraped from the monitoring namespace when it runs. */
    metrics?: { port: number; monitoringNamespace?: string };
}

/**
 * A stack-wide backend that only the shards' web containers talk to (their nginx proxies a path to it):
 * one replica of its image as a restricted, probed Deployment, its Service, and the NetworkPolicy that
 * admits exactly the web pods, and Prometheus on a metrics port.
 */
export function proxiedBackend(parent: pulumi.Resource, name: string, a: ProxiedBackendArgs): k8s.core.v1.Service {
    const { component, serviceName, namespace } = a;
    const objectLabels = labels(component);
    new k8s.apps.v1.Deployment(
        name,
        {
            metadata: { name: serviceName, namespace, labels: objectLabels },
            spec: {
                replicas: 1,
                strategy: a.strategy,
                selector: { matchLabels: selectorLabels(component) },
                template: {
                    metadata: { labels: objectLabels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: a.fsGroup === undefined ? undefined : { fsGroup: a.fsGroup },
                        volumes: a.volumes,
                        containers: [
                            {
                                name: component,
                                image: a.image,
                                ...a.container,
                                ports: [
                                    { name: "http", containerPort: a.port },
                                    ...(a.metrics ? [{ name: "metrics", containerPort: a.metrics.port }] : []),
                                ],
                                resources: resourceRequirements(a.resources),
                                securityContext: restrictedSecurityContext(a.uid),
                                ...probes(httpProbe(a.healthPath, a.port)),
                            },
                        ],
                    },
                },
            },
        },
        { parent },
    );
    new k8s.networking.v1.NetworkPolicy(
        serviceName,
        {
            metadata: { name: serviceName, namespace, labels: objectLabels },
            spec: ingressPolicy(selectorLabels(component), [
                // Every shard's web: the selector leaves the shard out.
                { from: [fromPods(selectorLabels("web"))], ports: [tcp(a.port)] },
                ...(a.metrics ? scrapedBy(a.metrics.monitoringNamespace, tcp(a.metrics.port)) : []),
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
                ports: [{ name: "http", protocol: "TCP", port: a.port, targetPort: a.port }],
            },
        },
        { parent },
    );
}
