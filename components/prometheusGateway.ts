import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    configChecksum,
    httpProbe,
    ingressPolicy,
    KPS_FULLNAME,
    labels,
    probes,
    PROMETHEUS_GATEWAY_NAME,
    PROMETHEUS_GATEWAY_PORTS,
    PROMETHEUS_GATEWAY_TLS_DIR,
    PROMETHEUS_GATEWAY_TLS_FILES,
    prometheusGatewayConfig,
    restrictedSecurityContext,
    selectorLabels,
    serviceHost,
    spreadPods,
    tcp,
} from "../lib";
import { oneAtATime } from "./disruptionBudget";
import { HAPROXY_UID } from "./roomRouter";

/** The Prometheus Service's port (kube-prometheus-stack 88.5.3 values.yaml prometheus.service.port). */
export const PROMETHEUS_SERVICE_PORT = 9090;

/** A pair is enough for a few Grafanas; a rollout or a node drain keeps one serving (PodDisruptionBudget). */
export const PROMETHEUS_GATEWAY_REPLICAS = 2;

/** HAProxy passing queries of a few Grafanas: far below the router's needs. */
const RESOURCES = { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "500m", memory: "128Mi" } };

export interface PrometheusGatewayArgs {
    /** The Jitsi namespace: restricted, ingress denied by default (the monitoring namespace is privileged and open). */
    namespace: pulumi.Input<string>;
    monitoringNamespace: string;
    clusterDomain: string;
    /** The router's pinned HAProxy image. */
    image: string;
    /** The server certificate (cert then key, a secret; the cert alone) and the CA its clients' certificates must be signed by. */
    tls: { certAndKey: pulumi.Input<string>; certPem: pulumi.Input<string>; ca: pulumi.Input<string> };
    /** The cluster's annotations for its LoadBalancer Services (an internal load balancer on the shared network). */
    serviceAnnotations: Record<string, string>;
    /** Its Service's fixed NodePort, never a bridge's (lib/crossClusterPorts.ts). */
    nodePort: number;
}

/**
 * The only way into a cluster's Prometheus from another cluster (lib/prometheusGateway.ts): HAProxy
 * terminating TLS, verifying the client's certificate against the stack's monitoring CA, passing the
 * read-only query API to the Prometheus Service, behind a LoadBalancer Service with the cluster's
 * annotations.
 */
export class PrometheusGateway extends pulumi.ComponentResource {
    /** The LoadBalancer Service the other clusters' Grafanas reach it through. */
    readonly service: k8s.core.v1.Service;

    constructor(name: string, args: PrometheusGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:monitoring:PrometheusGateway", name, {}, opts);
        const { namespace } = args;
        const podLabels = labels("prometheus-gateway");
        const selector = selectorLabels("prometheus-gateway");
        const metadata = { name: PROMETHEUS_GATEWAY_NAME, namespace, labels: podLabels };

        const config = prometheusGatewayConfig({ host: serviceHost(`${KPS_FULLNAME}-prometheus`, args.monitoringNamespace, args.clusterDomain), port: PROMETHEUS_SERVICE_PORT });
        const configMap = new k8s.core.v1.ConfigMap(name, { metadata, data: { "haproxy.cfg": config } }, { parent: this });
        const tls = new k8s.core.v1.Secret(`${name}-tls`, {
            metadata: { ...metadata, name: `${PROMETHEUS_GATEWAY_NAME}-tls` },
            type: "Opaque",
            stringData: { [PROMETHEUS_GATEWAY_TLS_FILES.certAndKey]: pulumi.secret(args.tls.certAndKey), [PROMETHEUS_GATEWAY_TLS_FILES.ca]: args.tls.ca },
        }, { parent: this });

        new k8s.apps.v1.Deployment(name, {
            metadata,
            spec: {
                replicas: PROMETHEUS_GATEWAY_REPLICAS,
                selector: { matchLabels: selector },
                template: {
                    // HAProxy reads its files at start: a new configuration or certificate (re-issued by `pulumi up` in its
                    // last 30 days, stack/certificates.ts) restarts the pods. The certificate, not the key: no secret in the hash.
                    metadata: { labels: podLabels, annotations: pulumi.all([args.tls.certPem, args.tls.ca]).apply(([cert, ca]) => configChecksum(config, cert, ca)) },
                    spec: {
                        automountServiceAccountToken: false,
                        affinity: { podAntiAffinity: spreadPods(selector, true) },
                        // The Secret's files are root's unless a group is given: 0440 for HAProxy's group only.
                        securityContext: { fsGroup: HAPROXY_UID },
                        volumes: [
                            { name: "config", configMap: { name: configMap.metadata.name } },
                            { name: "tls", secret: { secretName: tls.metadata.name, defaultMode: 0o440 } },
                        ],
                        containers: [
                            {
                                name: "haproxy",
                                image: args.image,
                                command: ["haproxy", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"],
                                ports: [
                                    { name: "https", containerPort: PROMETHEUS_GATEWAY_PORTS.https, protocol: "TCP" },
                                    { name: "health", containerPort: PROMETHEUS_GATEWAY_PORTS.health, protocol: "TCP" },
                                ],
                                resources: RESOURCES,
                                securityContext: restrictedSecurityContext(HAPROXY_UID),
                                volumeMounts: [
                                    { name: "config", mountPath: "/usr/local/etc/haproxy", readOnly: true },
                                    { name: "tls", mountPath: PROMETHEUS_GATEWAY_TLS_DIR, readOnly: true },
                                ],
                                ...probes(httpProbe("/healthz", PROMETHEUS_GATEWAY_PORTS.health)),
                            },
                        ],
                    },
                },
            },
        }, { parent: this });

        oneAtATime(name, metadata, selector, this);

        this.service = new k8s.core.v1.Service(name, {
            metadata: { ...metadata, annotations: args.serviceAnnotations },
            spec: {
                type: "LoadBalancer",
                selector,
                ports: [{ name: "https", port: PROMETHEUS_GATEWAY_PORTS.https, targetPort: PROMETHEUS_GATEWAY_PORTS.https, nodePort: args.nodePort, protocol: "TCP" }],
            },
        }, { parent: this });

        // From any address: a load balancer's sources are unknown to the program; a client is admitted by its certificate.
        new k8s.networking.v1.NetworkPolicy(name, {
            metadata,
            spec: ingressPolicy(selector, [{ ports: [tcp(PROMETHEUS_GATEWAY_PORTS.https)] }]),
        }, { parent: this });

        this.registerOutputs({ serviceName: this.service.metadata.name });
    }
}
