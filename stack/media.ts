/** How participants reach a meeting: TURN, the shards with their bridges, and the room router in front. */
import * as k8s from "@pulumi/kubernetes";
import { JitsiSecrets } from "../components/jitsiSecrets";
import { ingressControllerAddress, OpsStack } from "../components/opsStack";
import { NodeAddressReader } from "../components/nodeAddressReader";
import { RegionalRouting, RoomRouter } from "../components/roomRouter";
import { Shard, ShardArgs } from "../components/shard";
import { Turn } from "../components/turn";
import { advertiseMode, StackConfig } from "../config/schema";
import { gatewayPools, GatewaySettings, TurnEndpoint, TURN_PORTS } from "../lib";
import { Site } from "./site";

/** This stack's own coturn, unless TURN is off or external. */
export function turnServer(site: Site, ops: OpsStack, secrets: JitsiSecrets): Turn | undefined {
    const { config } = site;
    if (!config.turn.enabled || config.turn.external) return undefined;
    return new Turn("turn", {
        namespace: site.ns,
        settings: { ...config.turn, host: config.turn.host!, publicIp: config.turn.publicIp! },
        clusterIssuer: config.tls.issuer,
        acmeHttpTarget: config.turn.acmeHttpTarget ?? ingressControllerAddress(config.namespaces.ingressNginx, config.clusterDomain),
        forwarderImage: config.router.image,
        issuersReady: ops.certificatesReady,
        ingressNamespace: config.turn.acmeHttpTarget ? undefined : site.ingressNamespace,
        monitoringNamespace: site.monitoringNamespace,
        // Every bridge port lies in the NodePort range (the schema checks it); a new shard changes nothing here.
        bridgePorts: { first: config.nodePortRange.min, last: config.nodePortRange.max },
        inClusterClients: config.jibri.enabled ? ["jibri"] : [],
        loadTestNamespace: config.loadTest.enabled ? config.namespaces.loadTest : undefined,
    }, { ...site.opts, dependsOn: [secrets] });
}

/** The TURN server prosody hands to clients: this stack's coturn, or the external one. */
export function turnEndpoint(config: StackConfig): TurnEndpoint | undefined {
    const { turn } = config;
    if (!turn.enabled) return undefined;
    if (turn.external) return { host: turn.external.host, port: turn.external.port, tlsPort: turn.external.tlsPort };
    return { host: turn.host!, port: TURN_PORTS.turn, tlsPort: turn.tlsPort };
}

/** Every shard of the stack file, each with its prosody, jicofo, web and bridge pool. */
export function shards(site: Site, secrets: JitsiSecrets, collaborationReady: k8s.core.v1.Service[], region?: string, regionalTls?: Record<string, ShardArgs["regionalTls"]>): Shard[] {
    const { config, namespaceName } = site;
    const nodeReader = advertiseMode(config.jvb) === "nodeExternalIP"
        ? new NodeAddressReader("jvb-node-reader", { namespace: site.ns, namespaceName }, site.opts)
        : undefined;
    const access = { auth: config.auth, meetings: config.meetings, recording: config.jibri.enabled };
    const gateways = gatewaySettings(config);
    return config.shards.map(
        (shard) =>
            new Shard(
                shard.name,
                {
                    namespace: site.ns,
                    shard,
                    publicUrl: site.publicUrl,
                    timezone: config.timezone,
                    imageTag: config.imageTag,
                    resources: config.resources,
                    jvb: config.jvb,
                    monitoringNamespace: site.monitoringNamespace,
                    turn: turnEndpoint(config),
                    web: config.web,
                    nodeReaderServiceAccount: nodeReader?.serviceAccountName,
                    access,
                    collaboration: {
                        etherpad: config.etherpad.enabled,
                        whiteboard: config.whiteboard.enabled,
                        namespace: namespaceName,
                        clusterDomain: config.clusterDomain,
                    },
                    collaborationReady,
                    accounts: config.auth.type === "internal" ? { storage: config.auth.storage, storageClass: config.auth.storageClass, keptObjects: site.keptObjects } : undefined,
                    visitors: config.visitors,
                    clusterDns: { namespace: namespaceName, clusterDomain: config.clusterDomain },
                    gateways,
                    loadTestNamespace: config.loadTest.enabled ? config.namespaces.loadTest : undefined,
                    region,
                    regionalTls: regionalTls?.[shard.name],
                },
                { ...site.opts, dependsOn: [secrets] },
            ),
    );
}

/** HAProxy in front of the shards, keeping each room on one shard, behind the public Ingress. */
export function roomRouter(site: Site, shards: Shard[], ops: OpsStack, regional?: RegionalRouting): RoomRouter {
    const { config } = site;
    return new RoomRouter("router", {
        namespace: site.ns,
        namespaceName: site.namespaceName,
        shards: config.shards.map((s, i) => ({ name: s.name, index: s.index, drain: s.drain, webServiceName: shards[i].webServiceName })),
        hosts: config.hosts,
        tlsSecretName: config.tls.secretName,
        clusterIssuer: config.tls.issuer,
        clusterDomain: config.clusterDomain,
        replicas: config.router.replicas,
        image: config.router.image,
        resources: config.resources.router,
        backendsReady: shards.map((s) => s.webService),
        ingressReady: ops.ingressReady,
        ingressNamespace: site.ingressNamespace,
        monitoringNamespace: site.monitoringNamespace,
        internalClients: gatewayPools(gatewaySettings(config)),
        regional,
    }, site.opts);
}

/** Which Jigasi pools the stack runs, as the shards, the router and the bridges need to know them. */
export function gatewaySettings(config: StackConfig): GatewaySettings {
    return {
        sip: config.jigasi.enabled,
        dialOut: config.jigasi.enabled && config.jigasi.dialOut.enabled,
        transcription: config.transcription.enabled,
        language: config.transcription.language,
        dialIn: config.jigasi.dialIn,
    };
}
