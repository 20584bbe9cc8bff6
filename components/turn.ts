import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TurnSettings } from "../config/schema";
import {
    acmeForwarderConfig,
    ANYWHERE,
    fromNamespace,
    fromPods,
    publicEgressOnly,
    scrapedBy,
    tcp,
    udp,
    AUTH_SECRET_NAME,
    configChecksum,
    labels,
    resourceRequirements,
    requiredCapabilities,
    restrictedSecurityContext,
    SECRET_ENV,
    Component,
    loadTestBrowsers,
    selectorLabels,
    TURN_CONFIG_DIR,
    TURN_CONTAINER_PORTS,
    TURN_PORTS,
    TURN_START,
    TURN_TLS_DIR,
    turnServerConfig,
} from "../lib";
import { HAPROXY_UID } from "./roomRouter";

/** uid and gid of `nobody` in the Debian-based coturn image, which runs as nobody:nogroup. */
export const COTURN_UID = 65534;
export const TURN_NAME = "turn";
export const TURN_TLS_SECRET = "turn-tls";

export interface TurnArgs {
    namespace: pulumi.Input<string>;
    settings: TurnSettings & { host: string; publicIp: string };
    clusterIssuer: string;
    /** `host:port` that answers HTTP-01 challenges for the TURN host: the ingress controller. */
    acmeHttpTarget: string;
    /** Image of the port-80 forwarder (the router's HAProxy). */
    forwarderImage: string;
    /** The cert-manager issuers, which must exist before the Certificate. */
    issuersReady?: pulumi.Resource[];
    /** Namespace of the ingress controller the port-80 forwarder reaches; unset: a controller elsewhere. */
    ingressNamespace?: string;
    /** Prometheus's namespace, which may read coturn's metrics; unset when monitoring is off. */
    monitoringNamespace?: string;
    /** Where the bridges' media ports lie (every shard's), which coturn relays to. */
    bridgePorts: { first: number; last: number };
    /** Pods of the namespace that may allocate from inside the cluster: Jibri's Chrome, when recording. */
    inClusterClients?: Component[];
    /** The load test's namespace while it runs: its Chrome nodes may allocate from inside the cluster too. */
    loadTestNamespace?: string;
}

/**
 * coturn for clients whose network blocks UDP: plain TURN on UDP and TCP 3478 and TURNS (TLS) on 443
 * or 5349, behind a LoadBalancer Service with an address of its own. One replica, because every
 * relayed candidate carries that address and a relay port, and a second replica would receive packets
 * for allocations it does not hold. Credentials are derived from one shared secret that prosody also
 * knows (TURN REST API). Port 80 of the same address forwards to the ingress controller, so that
 * cert-manager's HTTP-01 challenge for the TURN host succeeds like every other. That forwarder is
 * why the TLS Secret is an optional volume: the pod must run before the certificate can exist, so
 * coturn starts without TLS and restarts with it once the Secret appears (lib/turn.ts TURN_START).
 */
export class Turn extends pulumi.ComponentResource {
    readonly host: string;
    readonly address: string;
    readonly udpPorts: number[];
    readonly tcpPorts: number[];
    readonly relayUdpPorts: { first: number; last: number };

    constructor(name: string, args: TurnArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:turn:Turn", name, {}, opts);
        const { settings, namespace } = args;
        const podLabels = labels("turn");
        const selector = selectorLabels("turn");
        const relay = settings.relayPorts;
        this.host = settings.host;
        this.address = settings.publicIp;
        this.udpPorts = [TURN_PORTS.turn];
        this.tcpPorts = [TURN_PORTS.turn, settings.tlsPort, TURN_PORTS.acme];
        this.relayUdpPorts = { first: relay.min, last: relay.max };

        new k8s.apiextensions.CustomResource(
            `${name}-certificate`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: TURN_TLS_SECRET, namespace, labels: podLabels },
                spec: {
                    secretName: TURN_TLS_SECRET,
                    dnsNames: [settings.host],
                    issuerRef: { kind: "ClusterIssuer", name: args.clusterIssuer },
                    // coturn reads the key as PKCS#1 or PKCS#8 alike; ECDSA keeps the handshake cheap.
                    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                },
            },
            { parent: this, dependsOn: args.issuersReady },
        );

        const files = {
            "turnserver.conf": turnServerConfig({
                realm: settings.host,
                externalIp: settings.publicIp,
                relayPorts: relay,
                deniedPeerCidrs: settings.deniedPeerCidrs,
            }),
            "haproxy.cfg": acmeForwarderConfig(args.acmeHttpTarget),
        };
        const configMap = new k8s.core.v1.ConfigMap(
            name,
            { metadata: { name: `${TURN_NAME}-config`, namespace, labels: podLabels }, data: files },
            { parent: this },
        );

        new k8s.core.v1.Service(
            name,
            {
                metadata: { name: TURN_NAME, namespace, labels: podLabels, annotations: settings.serviceAnnotations },
                spec: {
                    type: "LoadBalancer",
                    // Honoured by most load balancers (GKE, AKS, MetalLB); AWS takes an EIP annotation instead.
                    loadBalancerIP: settings.publicIp,
                    // coturn sees each client's own address (quotas, logs), and only the node running it answers.
                    externalTrafficPolicy: "Local",
                    selector,
                    ports: turnServicePorts(settings),
                },
            },
            { parent: this },
        );

        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: TURN_NAME, namespace, labels: podLabels },
                spec: {
                    replicas: 1,
                    // Two coturns behind one address would split allocations between them.
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: {
                            labels: podLabels,
                            annotations: configChecksum(files["turnserver.conf"], files["haproxy.cfg"], TURN_START),
                        },
                        spec: {
                            automountServiceAccountToken: false,
                            terminationGracePeriodSeconds: 30,
                            volumes: [
                                { name: "config", configMap: { name: configMap.metadata.name } },
                                // Optional: the challenge that issues this certificate is answered through this pod's
                                // forwarder, so requiring it would deadlock a first deploy (TURN_START waits for it).
                                { name: "tls", secret: { secretName: TURN_TLS_SECRET, optional: true } },
                                // The configuration with the shared secret lives here: in memory, never on disk.
                                { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
                                // coturn's database directory (--turndbdir); unused with REST credentials, but opened.
                                { name: "db", emptyDir: { sizeLimit: "16Mi" } },
                            ],
                            containers: [
                                {
                                    name: "coturn",
                                    image: settings.image,
                                    command: ["/bin/sh", "-c", TURN_START],
                                    env: [
                                        {
                                            name: "TURN_SHARED_SECRET",
                                            valueFrom: { secretKeyRef: { name: AUTH_SECRET_NAME, key: SECRET_ENV.turnSharedSecret } },
                                        },
                                    ],
                                    ports: [
                                        { name: "turn-udp", containerPort: TURN_CONTAINER_PORTS.turn, protocol: "UDP" },
                                        { name: "turn-tcp", containerPort: TURN_CONTAINER_PORTS.turn, protocol: "TCP" },
                                        { name: "turns", containerPort: TURN_CONTAINER_PORTS.turns, protocol: "TCP" },
                                        { name: "metrics", containerPort: TURN_CONTAINER_PORTS.metrics, protocol: "TCP" },
                                    ],
                                    resources: resourceRequirements(settings.resources),
                                    // turnserver carries CAP_NET_BIND_SERVICE as a file capability: dropped, it cannot be executed.
                                    securityContext: restrictedSecurityContext(COTURN_UID, requiredCapabilities(settings.image)),
                                    volumeMounts: [
                                        { name: "config", mountPath: TURN_CONFIG_DIR, readOnly: true },
                                        { name: "tls", mountPath: TURN_TLS_DIR, readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                        { name: "db", mountPath: "/var/lib/coturn" },
                                    ],
                                    // The Prometheus listener answers `/` as coturn's health check.
                                    readinessProbe: { httpGet: { path: "/", port: TURN_CONTAINER_PORTS.metrics }, periodSeconds: 10, failureThreshold: 3 },
                                    livenessProbe: {
                                        httpGet: { path: "/", port: TURN_CONTAINER_PORTS.metrics },
                                        initialDelaySeconds: 30,
                                        periodSeconds: 10,
                                        failureThreshold: 6,
                                    },
                                },
                                {
                                    name: "acme-forwarder",
                                    image: args.forwarderImage,
                                    command: ["haproxy", "-db", "-f", `${TURN_CONFIG_DIR}/haproxy.cfg`],
                                    ports: [{ name: "acme", containerPort: TURN_CONTAINER_PORTS.acmeForwarder, protocol: "TCP" }],
                                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                                    securityContext: restrictedSecurityContext(HAPROXY_UID),
                                    volumeMounts: [{ name: "config", mountPath: TURN_CONFIG_DIR, readOnly: true }],
                                    readinessProbe: { tcpSocket: { port: TURN_CONTAINER_PORTS.acmeForwarder }, periodSeconds: 10 },
                                    livenessProbe: { tcpSocket: { port: TURN_CONTAINER_PORTS.acmeForwarder }, initialDelaySeconds: 10, periodSeconds: 20 },
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );

        // In: every client on TURN, TURNS, the ACME port and the relay ports; metrics for Prometheus.
        // Out: public addresses only (bridges, clients' peers), DNS, and the ingress controller for ACME:
        // coturn's denied peers, enforced a second time by the cluster.
        const acmePort = Number(args.acmeHttpTarget.split(":").pop());
        const inClusterClients = [
            ...(args.inClusterClients ?? []).map((c) => fromPods(selectorLabels(c))),
            ...(args.loadTestNamespace ? [loadTestBrowsers(args.loadTestNamespace)] : []),
        ];
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: TURN_NAME, namespace, labels: podLabels },
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        {
                            from: ANYWHERE,
                            ports: [
                                udp(TURN_CONTAINER_PORTS.turn),
                                tcp(TURN_CONTAINER_PORTS.turn),
                                tcp(TURN_CONTAINER_PORTS.turns),
                                tcp(TURN_CONTAINER_PORTS.acmeForwarder),
                                udp(relay.min, relay.max),
                            ],
                        },
                        // Jibri's Chrome is offered TURN/TCP for its bridge connection (lib-jitsi-meet strophe.jingle.js keeps
                        // TURN/TCP in jvbIceConfig); the load balancer's address reaches coturn from its pod address, which
                        // the ipBlocks above never match on Cilium.
                        ...(inClusterClients.length > 0
                            ? [{ from: inClusterClients, ports: [udp(TURN_CONTAINER_PORTS.turn), tcp(TURN_CONTAINER_PORTS.turn), tcp(TURN_CONTAINER_PORTS.turns)] }]
                            : []),
                        // Bridges answering a relayed client from inside the cluster: kube-proxy hands packets for
                        // the load balancer's address straight to coturn, with the bridge's pod address as source.
                        { from: [fromPods(selectorLabels("jvb"))], ports: [udp(relay.min, relay.max)] },
                        ...scrapedBy(args.monitoringNamespace, tcp(TURN_CONTAINER_PORTS.metrics)),
                    ],
                    egress: [
                        ...publicEgressOnly(settings.deniedPeerCidrs),
                        // The same inside out: a bridge's NodePort may be translated to its pod address before
                        // egress rules apply, so the bridges' media ports are admitted by pod as well.
                        { to: [fromPods(selectorLabels("jvb"))], ports: [udp(args.bridgePorts.first, args.bridgePorts.last)] },
                        {
                            to: [args.ingressNamespace ? fromNamespace(args.ingressNamespace) : { namespaceSelector: {} }],
                            ports: [tcp(acmePort)],
                        },
                    ],
                },
            },
            { parent: this },
        );

        this.registerOutputs({ host: this.host, address: this.address });
    }
}

/** TURN on UDP and TCP, TURNS mapped to coturn's unprivileged TLS port, port 80 for ACME, and one UDP port per relay port. */
export function turnServicePorts(settings: Pick<TurnSettings, "tlsPort" | "relayPorts">): k8s.types.input.core.v1.ServicePort[] {
    const { min, max } = settings.relayPorts;
    return [
        { name: "turn-udp", protocol: "UDP", port: TURN_PORTS.turn, targetPort: TURN_CONTAINER_PORTS.turn },
        { name: "turn-tcp", protocol: "TCP", port: TURN_PORTS.turn, targetPort: TURN_CONTAINER_PORTS.turn },
        { name: "turns", protocol: "TCP", port: settings.tlsPort, targetPort: TURN_CONTAINER_PORTS.turns },
        { name: "acme", protocol: "TCP", port: TURN_PORTS.acme, targetPort: TURN_CONTAINER_PORTS.acmeForwarder },
        ...Array.from({ length: max - min + 1 }, (_, i) => ({ name: `relay-${min + i}`, protocol: "UDP", port: min + i, targetPort: min + i })),
    ];
}
