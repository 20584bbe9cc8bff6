import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { advertiseMode, JvbSettings, ResourceSettings } from "../config/schema";
import {
    ADVERTISE_DIR,
    ANYWHERE,
    averagePodMetric,
    drainingPool,
    EPHEMERAL_PORTS,
    fromPods,
    inClusterParticipants,
    loadTestBrowsers,
    GatewaySettings,
    httpProbe,
    ingressPolicy,
    javaHeap,
    JITSI_UID,
    jitsiImage,
    JVB_BREWERY_MUC,
    JVB_HTTP_PORT,
    JVB_STRESS_METRIC,
    jvbPortRange,
    jvbRelayEnv,
    labels,
    NODE_ADDRESS_SCRIPT,
    NODE_READER_TOKEN_DIR,
    probes,
    prosodyServiceName,
    resourceRequirements,
    restrictedSecurityContext,
    scrapedBy,
    secretEnv,
    selectorLabels,
    shardPortBase,
    shardPorts,
    spreadPods,
    tcp,
    udp,
    writableDirs,
    xmppEnv,
    zoneAffinity,
} from "../lib";
import { oneAtATime } from "./disruptionBudget";

export interface JvbPoolArgs {
    namespace: pulumi.Input<string>;
    shard: { name: string; index: number; zone?: string };
    publicUrl: string;
    timezone: string;
    imageTag: string;
    jvb: JvbSettings;
    resources: ResourceSettings;
    /** The shard's cluster's region among several (config/clusters.ts): the bridges' relay region; unset: the shard's name. */
    region?: string;
    /**
     * Prometheus's namespace when the MonitoringStack runs: the pool then scales on the bridges' own
     * stress metric (else on CPU), and Prometheus may read their metrics port.
     */
    monitoringNamespace?: string;
    /** ServiceAccount that may read Node objects; required when bridges advertise their node's ExternalIP. */
    nodeReaderServiceAccount?: pulumi.Input<string>;
    /** The stack's Jigasi pools, whose calls send and receive media like participants, from inside the cluster. */
    gateways?: GatewaySettings;
    /** A Jibri pool records: its Chrome receives the meeting's media from inside the cluster. */
    recording?: boolean;
    /** The load test's namespace while it runs: its Chrome nodes are participants inside the cluster too. */
    loadTestNamespace?: string;
}

/** Name of pod `ordinal` of a shard's JVB StatefulSet, and of the NodePort Service that exposes it. */
export function jvbPodName(shard: string, ordinal: number): string {
    return `${shard}-jvb-${ordinal}`;
}

/**
 * Asks the bridge to shut down gracefully, then waits until it has exited: it does so by itself a
 * minute after its last participant left. Health is not the test, since a draining bridge may report
 * unhealthy while it still carries meetings; any HTTP answer means the process still runs.
 */
export const JVB_PRE_STOP = [
    `curl -s -X POST -H 'Content-Type: application/json' -d '{"graceful-shutdown": true}' http://127.0.0.1:${JVB_HTTP_PORT}/colibri/shutdown || exit 0`,
    `while curl -s -o /dev/null --max-time 5 http://127.0.0.1:${JVB_HTTP_PORT}/about/version; do sleep 10; done`,
].join("\n");

/**
 * The pod's UDP port is the shard's base plus its StatefulSet ordinal (the suffix of its host name),
 * so each pod matches the one NodePort Service declared for it. The addresses to advertise come from
 * the init container when the bridge advertises its node's ExternalIP.
 */
export const JVB_START =
    `if [ -s ${ADVERTISE_DIR}/ips ]; then export JVB_ADVERTISE_IPS="$(cat ${ADVERTISE_DIR}/ips)"; fi; ` +
    'export JVB_PORT=$((JVB_PORT_BASE + ${HOSTNAME##*-})); exec /init';

/**
 * A shard's video bridges: a StatefulSet whose pod k listens on UDP port `base + k`, one NodePort
 * Service per possible pod (up to the autoscaler's maximum) that forwards exactly that port to
 * exactly that pod on the node it runs on, an autoscaler, and a disruption budget. Bridges drain
 * before they stop, so scaling down never cuts a meeting.
 */
export class JvbPool extends pulumi.ComponentResource {
    readonly statefulSetName: pulumi.Output<string>;
    readonly udpPorts: number[];

    constructor(name: string, args: JvbPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:shard:JvbPool", name, {}, opts);
        const { shard, jvb, namespace } = args;
        const stsName = `${shard.name}-jvb`;
        const podLabels = labels("jvb", shard.name);
        const selector = selectorLabels("jvb", shard.name);
        const dirs = writableDirs();
        const readsNode = advertiseMode(jvb) === "nodeExternalIP";
        if (readsNode && args.nodeReaderServiceAccount === undefined) {
            throw new Error(`JvbPool ${name}: advertising the node's ExternalIP needs nodeReaderServiceAccount`);
        }
        const nodeAddress = readsNode ? nodeAddressPieces(args.imageTag) : undefined;
        this.udpPorts = shardPorts(jvb, shard.index);

        // Headless Service: the StatefulSet's network identity, and the scrape target for /metrics.
        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: { name: stsName, namespace, labels: podLabels },
                spec: {
                    clusterIP: "None",
                    selector,
                    ports: [{ name: "metrics", port: JVB_HTTP_PORT, targetPort: JVB_HTTP_PORT, protocol: "TCP" }],
                },
            },
            { parent: this },
        );

        const statefulSet = new k8s.apps.v1.StatefulSet(
            name,
            drainingPool({
                name: stsName,
                namespace,
                labels: podLabels,
                selector,
                serviceName: headless.metadata.name,
                replicas: jvb.minReplicas,
                template: {
                    metadata: { labels: podLabels },
                    spec: {
                        serviceAccountName: readsNode ? args.nodeReaderServiceAccount : undefined,
                        // Only the init container that reads the Node gets a token, and a short-lived one.
                        automountServiceAccountToken: false,
                        terminationGracePeriodSeconds: jvb.drainGracePeriodSeconds,
                        securityContext: { fsGroup: JITSI_UID },
                        affinity: {
                            ...zoneAffinity(shard.zone),
                            // Two bridges on one node compete for its CPU and its uplink.
                            podAntiAffinity: spreadPods(selector),
                        },
                        volumes: [...dirs.volumes, ...(nodeAddress?.volumes ?? [])],
                        initContainers: nodeAddress ? [nodeAddress.initContainer] : undefined,
                        containers: [
                            {
                                name: "jvb",
                                image: jitsiImage("jvb", args.imageTag),
                                command: ["/bin/bash", "-c", JVB_START],
                                env: jvbEnv(args),
                                ports: [{ name: "metrics", containerPort: JVB_HTTP_PORT, protocol: "TCP" }],
                                resources: resourceRequirements(args.resources),
                                securityContext: restrictedSecurityContext(JITSI_UID),
                                volumeMounts: [...dirs.volumeMounts, ...(nodeAddress ? [nodeAddress.advertiseMount] : [])],
                                ...probes(httpProbe("/about/health", JVB_HTTP_PORT)),
                                lifecycle: { preStop: { exec: { command: ["/bin/bash", "-c", JVB_PRE_STOP] } } },
                            },
                        ],
                    },
                },
            }),
            // The autoscaler owns the replica count once the pool exists.
            { parent: this, ignoreChanges: ["spec.replicas"] },
        );
        this.statefulSetName = statefulSet.metadata.name;

        this.udpPorts.forEach((port, ordinal) => {
            const podName = jvbPodName(shard.name, ordinal);
            new k8s.core.v1.Service(
                `${name}-udp-${ordinal}`,
                {
                    metadata: { name: podName, namespace, labels: podLabels },
                    spec: {
                        type: "NodePort",
                        // Only the node that runs the pod answers, and the client's address is kept.
                        externalTrafficPolicy: "Local",
                        selector: { ...selector, "statefulset.kubernetes.io/pod-name": podName },
                        ports: [{ name: "media", protocol: "UDP", port, targetPort: port, nodePort: port }],
                    },
                },
                { parent: this },
            );
        });

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            name,
            {
                metadata: { name: stsName, namespace, labels: podLabels },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: statefulSet.metadata.name },
                    minReplicas: jvb.minReplicas,
                    maxReplicas: jvb.maxReplicas,
                    metrics: [autoscalingMetric(jvb, args.monitoringNamespace !== undefined)],
                    behavior: {
                        scaleUp: {
                            stabilizationWindowSeconds: jvb.autoscaling.scaleUpStabilizationSeconds,
                            policies: [{ type: "Pods", value: 2, periodSeconds: 60 }],
                        },
                        // One bridge at a time, and only after load stayed low for the whole window.
                        scaleDown: {
                            stabilizationWindowSeconds: jvb.autoscaling.scaleDownStabilizationSeconds,
                            policies: [{ type: "Pods", value: 1, periodSeconds: 600 }],
                        },
                    },
                },
            },
            { parent: this },
        );

        // Media from anywhere on the shard's UDP ports; relay from the shard's other bridges on the same
        // ports; the REST port (health, drain, shutdown, metrics) only for Prometheus: the preStop's calls
        // stay on loopback, and the kubelet's probes come from the node.
        const range = jvbPortRange(jvb, shard.index);
        const media = [udp(range.first, range.last)];
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: stsName, namespace, labels: podLabels },
                spec: ingressPolicy(selector, [
                    { from: ANYWHERE, ports: media },
                    // Relay between the shard's bridges: the initiator's ICE runs on an ephemeral port (lib/relay.ts).
                    ...(jvb.relay.enabled ? [{ from: [fromPods(selector)], ports: [...media, udp(EPHEMERAL_PORTS.first, EPHEMERAL_PORTS.last)] }] : []),
                    // coturn relaying a client, Jibri's Chrome and Jigasi's calls (ICE picks the bridge's private
                    // candidate): inside the cluster their packets arrive from pod addresses, which no ipBlock matches on Cilium.
                    {
                        from: [
                            ...["turn" as const, ...inClusterParticipants(args.recording ?? false, args.gateways)].map((c) => fromPods(selectorLabels(c))),
                            ...(args.loadTestNamespace ? [loadTestBrowsers(args.loadTestNamespace)] : []),
                        ],
                        ports: media,
                    },
                    ...scrapedBy(args.monitoringNamespace, tcp(JVB_HTTP_PORT)),
                ]),
            },
            { parent: this },
        );

        // Node drains evict one bridge at a time; each eviction drains its meetings first.
        oneAtATime(name, { name: stsName, namespace, labels: podLabels }, selector, this);

        this.registerOutputs({ statefulSetName: this.statefulSetName, udpPorts: this.udpPorts });
    }
}

export function jvbEnv(args: Pick<JvbPoolArgs, "shard" | "publicUrl" | "timezone" | "jvb" | "resources" | "region">) {
    const { jvb } = args;
    return [
        ...xmppEnv("jvb", { xmppServer: prosodyServiceName(args.shard.name), publicUrl: args.publicUrl, timezone: args.timezone }),
        { name: "JVB_AUTH_USER", value: "jvb" },
        ...secretEnv("JVB_AUTH_PASSWORD"),
        { name: "JVB_BREWERY_MUC", value: JVB_BREWERY_MUC },
        { name: "JVB_PORT_BASE", value: String(shardPortBase(jvb, args.shard.index)) },
        ...advertiseEnv(jvb),
        jvb.stunServers.length > 0
            ? { name: "JVB_STUN_SERVERS", value: jvb.stunServers.join(",") }
            : { name: "JVB_DISABLE_STUN", value: "1" },
        // Needed by the graceful shutdown in preStop.
        { name: "COLIBRI_REST_ENABLED", value: "true" },
        { name: "SHUTDOWN_REST_ENABLED", value: "true" },
        { name: "VIDEOBRIDGE_MAX_MEMORY", value: javaHeap(args.resources.limits.memory) },
        ...jvbRelayEnv(jvb.relay, args.region ?? args.shard.name),
    ];
}

/** The address clients send media to; with `nodeExternalIP` the start command sets it from the init container's file. */
export function advertiseEnv(jvb: JvbSettings): k8s.types.input.core.v1.EnvVar[] {
    switch (advertiseMode(jvb)) {
        case "publicIps":
            return [{ name: "JVB_ADVERTISE_IPS", value: jvb.publicIps.join(",") }];
        case "nodeIP":
            return [{ name: "JVB_ADVERTISE_IPS", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } }];
        case "nodeExternalIP":
            return [];
    }
}

/** The init container that reads the node's ExternalIP, and the volumes it shares with the bridge. */
function nodeAddressPieces(imageTag: string) {
    const advertiseMount = { name: "advertise", mountPath: ADVERTISE_DIR };
    return {
        advertiseMount,
        volumes: [
            { name: "advertise", emptyDir: { sizeLimit: "1Mi" } },
            {
                name: "node-reader-token",
                projected: {
                    sources: [
                        { serviceAccountToken: { path: "token", expirationSeconds: 600 } },
                        // Published in every namespace by the cluster (kube-root-ca.crt).
                        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                    ],
                },
            },
        ],
        initContainer: {
            name: "node-address",
            image: jitsiImage("jvb", imageTag),
            command: ["/bin/bash", "-c", NODE_ADDRESS_SCRIPT],
            env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
            securityContext: restrictedSecurityContext(JITSI_UID),
            volumeMounts: [advertiseMount, { name: "node-reader-token", mountPath: NODE_READER_TOKEN_DIR, readOnly: true }],
        },
    };
}

export function autoscalingMetric(jvb: JvbSettings, scaleOnStress: boolean): k8s.types.input.autoscaling.v2.MetricSpec {
    if (!scaleOnStress) {
        return {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: jvb.autoscaling.cpuUtilizationFallback } },
        };
    }
    return averagePodMetric(JVB_STRESS_METRIC, jvb.autoscaling.targetStress);
}
