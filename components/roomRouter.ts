import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import {
    configChecksum,
    fromNamespace,
    fromPods,
    haproxyConfig,
    ingressPolicy,
    scrapedBy,
    tcp,
    labels,
    probes,
    resourceRequirements,
    restrictedSecurityContext,
    ROUTER_ENTRYPOINT,
    ROUTER_LISTEN,
    ROUTER_PORTS,
    RouterBackend,
    routerLiveCommand,
    routerReadinessProbe,
    selectorLabels,
    spreadPods,
    Component,
} from "../lib";
import { oneAtATime } from "./disruptionBudget";
import { PEER_TLS_DIR, REGIONAL_ROUTER_ENTRYPOINT, remotePeerLines } from "../lib/regions";
import { remoteShardTls, WEB_REGIONAL_PORT } from "../lib/shardWebTls";

/** uid of the `haproxy` user in the official image; set explicitly so `runAsNonRoot` can be verified. */
export const HAPROXY_UID = 99;
export const ROUTER_NAME = "router";
export const ROUTER_PEERS_SERVICE = "router-peers";
export const INGRESS_CLASS = "nginx";

export interface RoomRouterArgs {
    namespace: pulumi.Input<string>;
    /** The shards' web Services, in stack-file order; a drained shard gets no new room. */
    shards: { name: string; index: number; drain: boolean; webServiceName: string }[];
    hosts: string[];
    tlsSecretName: string;
    clusterIssuer: string;
    clusterDomain: string;
    namespaceName: string;
    replicas: number;
    image: string;
    resources: ResourceSettings;
    /** The shards' web Services: created first, so that the router resolves every backend when it starts. */
    backendsReady?: pulumi.Resource[];
    /** The ingress controller (whose webhook admits Ingresses) and the cert-manager issuers, when this stack runs them. */
    ingressReady?: pulumi.Resource[];
    /** Namespace of the ingress controller, the router's HTTP client from outside. */
    ingressNamespace: string;
    /** Pods of the jitsi namespace that join meetings through the router, as a browser does: the Jigasi pools. */
    internalClients?: Component[];
    /** Prometheus's namespace, which may read the stats port; unset when monitoring is off. */
    monitoringNamespace?: string;
    /** One router among several clusters' (lib/regions.ts); unset with one cluster. */
    regional?: RegionalRouting;
}

/** What a router among several clusters adds: its region, every other cluster's shards and routers, the peers' TLS. */
export interface RegionalRouting {
    cluster: string;
    region: string;
    /** The other clusters' shards, at the addresses their clusters export (their per-shard LoadBalancer Services), over TLS (lib/shardWebTls.ts). */
    remoteShards: { name: string; index: number; drain: boolean; address: pulumi.Output<string | undefined> }[];
    /** The other clusters' routers, at their per-pod LoadBalancer Services' addresses. */
    remotePeers: { name: string; address: pulumi.Output<string | undefined> }[];
    /** Secret with peer.pem and ca.crt (lib/regions.ts: PEER_TLS_FILES), shard-web-client.pem and shard-web-ca.crt (lib/shardWebTls.ts). */
    peerTlsSecretName: pulumi.Input<string>;
    /** The certificates in it: HAProxy reads them at start, so a renewed one restarts the pods. */
    certificates: pulumi.Input<string>;
}

/**
 * haproxy.cfg and the remote peers for a router among several clusters. An address the other cluster has
 * not assigned yet (only in a preview of its first deployment: `pulumi up` waits for every LoadBalancer's
 * address) leaves its shard or peer out rather than writing an empty one HAProxy would refuse.
 */
function regionalFiles(backends: RouterBackend[], r: RegionalRouting): pulumi.Output<{ config: string; remotePeers: string }> {
    return pulumi
        .all([pulumi.all(r.remoteShards.map((s) => s.address)), pulumi.all(r.remotePeers.map((p) => p.address))])
        .apply(([shardAddresses, peerAddresses]) => {
            const remote = r.remoteShards.flatMap((s, i) => {
                const address = shardAddresses[i];
                return address ? [{ name: s.name, index: s.index, drain: s.drain, address, port: WEB_REGIONAL_PORT, tls: remoteShardTls(s.name) }] : [];
            });
            const peers = r.remotePeers.flatMap((p, i) => {
                const address = peerAddresses[i];
                return address ? [{ name: p.name, address, port: ROUTER_PORTS.peers }] : [];
            });
            return { config: haproxyConfig(backends, ROUTER_LISTEN, { name: r.region, remote }), remotePeers: remotePeerLines(peers) };
        });
}

/**
 * The public entry: an Ingress (TLS from cert-manager) in front of an HAProxy pair that sends all
 * participants of a room to the same shard. The replicas share their room table through HAProxy's
 * peers protocol and roll one at a time, so a configuration change (a new shard) keeps every live
 * room on its shard.
 */
export class RoomRouter extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly config: pulumi.Input<string>;

    constructor(name: string, args: RoomRouterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:routing:RoomRouter", name, {}, opts);
        const { namespace } = args;
        const podLabels = labels("router");
        const selector = selectorLabels("router");

        const backends: RouterBackend[] = args.shards.map((s) => ({
            name: s.name,
            index: s.index,
            drain: s.drain,
            address: `${s.webServiceName}.${args.namespaceName}.svc.${args.clusterDomain}`,
            port: 80,
        }));
        const regional = args.regional ? regionalFiles(backends, args.regional) : undefined;
        this.config = regional ? regional.config : haproxyConfig(backends);
        const entrypoint = args.regional ? REGIONAL_ROUTER_ENTRYPOINT : ROUTER_ENTRYPOINT;

        const configMap = new k8s.core.v1.ConfigMap(
            name,
            {
                metadata: { name: `${ROUTER_NAME}-config`, namespace, labels: podLabels },
                data: regional
                    ? { "haproxy.cfg": regional.config, "remote-peers.cfg": regional.remotePeers, "entrypoint.sh": entrypoint }
                    : { "haproxy.cfg": this.config, "entrypoint.sh": entrypoint },
            },
            { parent: this },
        );
        // HAProxy reads its configuration at start; a new one must restart the pods.
        const checksum = regional
            ? pulumi.all([regional, args.regional!.certificates]).apply(([f, certificates]) => configChecksum(f.config, f.remotePeers, entrypoint, certificates))
            : configChecksum(this.config as string, ROUTER_ENTRYPOINT);
        const tlsVolume = args.regional ? [{ name: "peers-tls", secret: { secretName: args.regional.peerTlsSecretName, defaultMode: 0o440 } }] : [];
        const tlsMount = args.regional ? [{ name: "peers-tls", mountPath: PEER_TLS_DIR, readOnly: true }] : [];
        const regionalEnv = args.regional
            ? [{ name: "CLUSTER_NAME", value: args.regional.cluster }, { name: "PEER_TLS_DIR", value: PEER_TLS_DIR }]
            : [];

        const peers = new k8s.core.v1.Service(
            `${name}-peers`,
            {
                metadata: { name: ROUTER_PEERS_SERVICE, namespace, labels: podLabels },
                spec: {
                    clusterIP: "None",
                    // Peers must find each other before they are ready: readiness needs the table.
                    publishNotReadyAddresses: true,
                    selector,
                    ports: [{ name: "peers", port: ROUTER_PORTS.peers, targetPort: ROUTER_PORTS.peers, protocol: "TCP" }],
                },
            },
            { parent: this },
        );

        new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: { name: ROUTER_NAME, namespace, labels: podLabels },
                spec: {
                    serviceName: peers.metadata.name,
                    replicas: args.replicas,
                    podManagementPolicy: "Parallel",
                    // One pod at a time: the other keeps the room table and teaches it to the new one.
                    updateStrategy: { type: "RollingUpdate" },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: {
                            labels: podLabels,
                            annotations: checksum,
                        },
                        spec: {
                            automountServiceAccountToken: false,
                            // The TLS Secret's files are 0440, root's unless fsGroup makes them the haproxy group's.
                            ...(args.regional ? { securityContext: { fsGroup: HAPROXY_UID } } : {}),
                            affinity: { podAntiAffinity: spreadPods(selector, true) },
                            volumes: [
                                { name: "config", configMap: { name: configMap.metadata.name, defaultMode: 0o555 } },
                                { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                                ...tlsVolume,
                            ],
                            containers: [
                                {
                                    name: "haproxy",
                                    image: args.image,
                                    command: ["/bin/sh", "/usr/local/etc/haproxy/entrypoint.sh"],
                                    env: [
                                        { name: "ROUTER_NAME", value: ROUTER_NAME },
                                        { name: "ROUTER_REPLICAS", value: String(args.replicas) },
                                        { name: "ROUTER_PEERS_SERVICE", value: ROUTER_PEERS_SERVICE },
                                        { name: "CLUSTER_DOMAIN", value: args.clusterDomain },
                                        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                                        ...regionalEnv,
                                    ],
                                    ports: [
                                        { name: "http", containerPort: ROUTER_PORTS.http, protocol: "TCP" },
                                        { name: "metrics", containerPort: ROUTER_PORTS.stats, protocol: "TCP" },
                                        { name: "peers", containerPort: ROUTER_PORTS.peers, protocol: "TCP" },
                                    ],
                                    resources: resourceRequirements(args.resources),
                                    securityContext: restrictedSecurityContext(HAPROXY_UID),
                                    volumeMounts: [
                                        { name: "config", mountPath: "/usr/local/etc/haproxy", readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                        ...tlsMount,
                                    ],
                                    // Ready once the room table arrived from the peers (or HAProxy gave up waiting, lib/haproxy.ts):
                                    // a pod that takes requests before would hash a live room it lacks, perhaps to another shard.
                                    readinessProbe: routerReadinessProbe(),
                                    // Alive while HAProxy answers, whatever its peers do.
                                    livenessProbe: probes({ exec: { command: routerLiveCommand() }, periodSeconds: 10, timeoutSeconds: 5 }).livenessProbe,
                                    // Let the ingress controller drop this endpoint before HAProxy stops.
                                    lifecycle: { preStop: { exec: { command: ["/bin/sleep", "10"] } } },
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: args.backendsReady },
        );

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: ROUTER_NAME, namespace, labels: podLabels },
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [{ name: "http", port: 80, targetPort: ROUTER_PORTS.http, protocol: "TCP" }],
                },
            },
            { parent: this },
        );
        this.serviceName = service.metadata.name;

        // HTTP only from the ingress controller and the Jigasis' calls, the peers port only from the other replica, stats for Prometheus.
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: ROUTER_NAME, namespace, labels: podLabels },
                spec: ingressPolicy(selector, [
                    { from: [fromNamespace(args.ingressNamespace), ...(args.internalClients ?? []).map((c) => fromPods(selectorLabels(c)))], ports: [tcp(ROUTER_PORTS.http)] },
                    // Among several clusters the other clusters' routers connect through a LoadBalancer from addresses
                    // this cluster cannot know; a peer is admitted by its certificate (lib/regions.ts: verify required).
                    args.regional ? { ports: [tcp(ROUTER_PORTS.peers)] } : { from: [fromPods(selector)], ports: [tcp(ROUTER_PORTS.peers)] },
                    ...scrapedBy(args.monitoringNamespace, tcp(ROUTER_PORTS.stats)),
                ]),
            },
            { parent: this },
        );

        oneAtATime(name, { name: ROUTER_NAME, namespace, labels: podLabels }, selector, this);

        new k8s.networking.v1.Ingress(
            name,
            {
                metadata: {
                    name: "jitsi",
                    namespace,
                    labels: podLabels,
                    annotations: {
                        "cert-manager.io/cluster-issuer": args.clusterIssuer,
                        // XMPP over WebSocket stays open for the whole meeting; a BOSH poll is held 60 s (lib/haproxy.ts: BOSH_HOLD). The default is 60 s.
                        "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
                        "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
                    },
                },
                spec: {
                    ingressClassName: INGRESS_CLASS,
                    tls: [{ hosts: args.hosts, secretName: args.tlsSecretName }],
                    rules: args.hosts.map((host) => ({
                        host,
                        http: {
                            paths: [
                                {
                                    path: "/",
                                    pathType: "Prefix",
                                    backend: { service: { name: service.metadata.name, port: { name: "http" } } },
                                },
                            ],
                        },
                    })),
                },
            },
            { parent: this, dependsOn: args.ingressReady },
        );

        this.registerOutputs({ serviceName: this.serviceName });
    }
}
