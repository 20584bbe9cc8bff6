/**
 * jitsi-pulumi: a horizontally scalable Jitsi Meet on Kubernetes, declared from the stack's config.
 *
 *   Ingress -> RoomRouter (HAProxy, sticky per room) -> Shard web -> prosody / jicofo -> JvbPool
 *                                                        web -> Etherpad, Whiteboard (stack-wide)
 *   JibriPool (stack-wide) -> every shard's prosody, and the site like any participant
 *
 * The configuration is validated in full before the first resource is declared, so a mistake in a
 * stack file stops `pulumi preview` with a message instead of reaching the cluster.
 */
import { loadConfig } from "./config/load";
import { Etherpad } from "./components/etherpad";
import { JibriPool } from "./components/jibriPool";
import { JitsiSecrets } from "./components/jitsiSecrets";
import { LoadTest } from "./components/loadTest";
import { GRAFANA_PATH, MonitoringStack } from "./components/monitoringStack";
import { ingressControllerAddress, OpsStack } from "./components/opsStack";
import { RoomRouter } from "./components/roomRouter";
import { NodeAddressReader } from "./components/nodeAddressReader";
import { Shard } from "./components/shard";
import { Turn } from "./components/turn";
import { Whiteboard } from "./components/whiteboard";
import { advertiseMode, StackConfig } from "./config/schema";
import { admitAcmeSolvers, denyIngressByDefault, JitsiSecretKey, maxParticipantsPerBridge, ownedNamespace, RESTRICTED, stackCapacity, TurnEndpoint, TURN_PORTS } from "./lib";

export = async () => {
    const config = loadConfig();
    return deploy(config);
};

function deploy(config: StackConfig) {
    const namespaceName = config.namespaces.jitsi;
    const publicUrl = `https://${config.hosts[0]}`;

    const ops = new OpsStack("ops", { ops: config.ops, namespaces: config.namespaces, acmeEmail: config.tls.acmeEmail });

    const namespace = ownedNamespace(namespaceName, RESTRICTED);
    denyIngressByDefault("jitsi", namespace);
    const monitoringNamespace = config.monitoring.enabled ? config.namespaces.monitoring : undefined;
    // Where the ingress controller runs: this stack's ingress-nginx, or the user's controller under that namespace name.
    const ingressNamespace = config.namespaces.ingressNginx;
    admitAcmeSolvers("jitsi", namespace, ingressNamespace);
    const ns = namespace.metadata.name;

    const secrets = new JitsiSecrets("jitsi-auth", {
        namespace: ns,
        keys: secretKeys(config),
        internalUsers: config.auth.type === "internal" ? config.auth.users : undefined,
    });

    // Stack-wide services every shard's web proxies to; web's nginx resolves their Services at start.
    const etherpad = config.etherpad.enabled
        ? new Etherpad("etherpad", { namespace: ns, image: config.etherpad.image, resources: config.resources.etherpad, storage: config.etherpad.storage, storageClass: config.etherpad.storageClass })
        : undefined;
    const whiteboard = config.whiteboard.enabled
        ? new Whiteboard("whiteboard", { namespace: ns, image: config.whiteboard.image, resources: config.resources.whiteboard, monitoringNamespace })
        : undefined;
    const access = { auth: config.auth, meetings: config.meetings, recording: config.jibri.enabled };

    const turn = config.turn.enabled && !config.turn.external
        ? new Turn("turn", {
              namespace: ns,
              settings: { ...config.turn, host: config.turn.host!, publicIp: config.turn.publicIp! },
              clusterIssuer: config.tls.issuer,
              acmeHttpTarget: config.turn.acmeHttpTarget ?? ingressControllerAddress(config.namespaces.ingressNginx, config.clusterDomain),
              forwarderImage: config.router.image,
              issuersReady: ops.certificatesReady,
              ingressNamespace: config.turn.acmeHttpTarget ? undefined : ingressNamespace,
              monitoringNamespace,
              // Every bridge port lies in the NodePort range (the schema checks it); a new shard changes nothing here.
              bridgePorts: { first: config.nodePortRange.min, last: config.nodePortRange.max },
          }, { dependsOn: [secrets] })
        : undefined;

    const nodeReader = advertiseMode(config.jvb) === "nodeExternalIP"
        ? new NodeAddressReader("jvb-node-reader", { namespace: ns, namespaceName })
        : undefined;

    const shards = config.shards.map(
        (shard) =>
            new Shard(
                shard.name,
                {
                    namespace: ns,
                    shard,
                    publicUrl,
                    timezone: config.timezone,
                    imageTag: config.imageTag,
                    resources: config.resources,
                    jvb: config.jvb,
                    monitoringNamespace,
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
                    collaborationReady: [etherpad?.service, whiteboard?.service].filter((s): s is NonNullable<typeof s> => s !== undefined),
                    accounts: config.auth.type === "internal" ? { storage: config.auth.storage, storageClass: config.auth.storageClass } : undefined,
                },
                { dependsOn: [secrets] },
            ),
    );

    new RoomRouter("router", {
        namespace: ns,
        namespaceName,
        shards: config.shards.map((s, i) => ({ name: s.name, index: s.index, webServiceName: shards[i].webServiceName })),
        hosts: config.hosts,
        tlsSecretName: config.tls.secretName,
        clusterIssuer: config.tls.issuer,
        clusterDomain: config.clusterDomain,
        replicas: config.router.replicas,
        image: config.router.image,
        resources: config.resources.router,
        backendsReady: shards.map((s) => s.webService),
        ingressReady: ops.ingressReady,
        ingressNamespace,
        monitoringNamespace,
    });

    if (config.jibri.enabled) {
        new JibriPool("jibri", {
            namespace: ns,
            settings: config.jibri,
            resources: config.resources.jibri,
            imageTag: config.imageTag,
            shards: config.shards.map((s) => s.name),
            publicUrl,
            timezone: config.timezone,
            untrustedCertificate: config.tls.issuer === "letsencrypt-staging",
            monitoringNamespace,
        }, { dependsOn: [secrets] });
    }

    const monitoring = config.monitoring.enabled
        ? new MonitoringStack("monitoring", {
              monitoring: config.monitoring,
              namespaces: config.namespaces,
              host: config.hosts[0],
              ingressNginxNamespace: config.ops.ingressNginx.enabled ? config.namespaces.ingressNginx : undefined,
              jitsiNamespace: namespace,
              optional: { turn: turn !== undefined, jibri: config.jibri.enabled, whiteboard: config.whiteboard.enabled },
              dependsOn: ops.ingressReady,
          })
        : undefined;

    const loadTest = config.loadTest.enabled
        ? new LoadTest("loadtest", { settings: config.loadTest, namespace: config.namespaces.loadTest, instanceUrl: publicUrl })
        : undefined;

    return {
        url: publicUrl,
        /** Where to read the load test's results, while it is switched on. */
        loadTestLogs: loadTest?.logsCommand,
        grafanaUrl: monitoring ? `${publicUrl}${GRAFANA_PATH}` : undefined,
        /** `pulumi stack output --show-secrets grafanaAdminPassword` (user admin). */
        grafanaAdminPassword: monitoring?.grafanaAdminPassword,
        /** Open these UDP ports to the internet on every node that may run a JVB (NodePorts). */
        jvbUdpPorts: Object.fromEntries(config.shards.map((s, i) => [s.name, shards[i].jvbPool.udpPorts])),
        /** TURN: where clients connect (point turn.host at `address`) and what the firewall must let in. */
        turn: turn
            ? { host: turn.host, address: turn.address, udpPorts: turn.udpPorts, tcpPorts: turn.tcpPorts, relayUdpPorts: turn.relayUdpPorts }
            : undefined,
        capacity: stackCapacity(
            config.shards.length,
            config.resources.jvb.limits.cpu,
            config.jvb.minReplicas,
            config.jvb.maxReplicas,
            {
                enabled: config.jvb.relay.enabled,
                maxParticipantsPerBridge: maxParticipantsPerBridge(config.jvb.relay, config.resources.jvb.limits.cpu),
            },
        ),
    };
}

/** The credentials this stack's parts use. */
function secretKeys(config: StackConfig): JitsiSecretKey[] {
    return [
        "jicofoAuthPassword",
        "jvbAuthPassword",
        ...(config.turn.enabled ? (["turnSharedSecret"] as const) : []),
        ...(config.auth.type === "jwt" ? (["jwtAppSecret"] as const) : []),
        ...(config.jibri.enabled ? (["jibriXmppPassword", "jibriRecorderPassword"] as const) : []),
    ];
}

/** The TURN server prosody hands to clients: this stack's coturn, or the external one. */
function turnEndpoint(config: StackConfig): TurnEndpoint | undefined {
    const { turn } = config;
    if (!turn.enabled) return undefined;
    if (turn.external) return { host: turn.external.host, port: turn.external.port, tlsPort: turn.external.tlsPort };
    return { host: turn.host!, port: TURN_PORTS.turn, tlsPort: turn.tlsPort };
}
