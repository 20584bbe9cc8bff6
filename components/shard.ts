import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JvbSettings, ResourceSettings, ShardSpec, StackConfig, WebSettings } from "../config/schema";
import {
    AccessSettings,
    CLAIM_AWAIT,
    ClusterDns,
    CollaborationServices,
    configChecksum,
    etherpadClosedRoutesNginxConf,
    fromPods,
    gatewayPools,
    GatewaySettings,
    httpProbe,
    jicofoGatewayEnv,
    prosodyGatewayEnv,
    webGatewayEnv,
    WEB_ETHERPAD_CONF_PATH,
    inClusterParticipants,
    ingressPolicy,
    INTERNAL_USERS_SECRET,
    JICOFO_RANDOM_PAD_NAMES,
    JICOFO_REST_PORT,
    jicofoAccessEnv,
    jicofoServiceName,
    jicofoVisitorEnv,
    mainProsodyVisitorEnv,
    PROSODY_S2S_PORT,
    VisitorSettings,
    visitorRouteNginxConf,
    jicofoRelayEnv,
    JITSI_UID,
    jitsiImage,
    JVB_BREWERY_MUC,
    labels,
    probes,
    PROSODY_DATA_DIR,
    PROSODY_PORTS,
    DECLARED_COMPONENT_PORT,
    prosodyAccessEnv,
    prosodyProbes,
    prosodyServiceName,
    prosodyTurnEnv,
    readWriteOnceClaim,
    resourceRequirements,
    restrictedSecurityContext,
    scrapedBy,
    secretEnv,
    selectorLabels,
    serviceHost,
    sha256,
    shardHealthNginxConf,
    BOSH_HOLD,
    tcp,
    TurnEndpoint,
    USER_SYNC_ENV,
    USER_SYNC_LIVENESS,
    userSyncScript,
    USERS_DIR,
    WEB_CUSTOM_CONFIG_PATH,
    WEB_HTTP_PORT,
    WEB_CLIENT_VERIFY_CONF_PATH,
    WEB_STORAGE_DIR,
    WEB_TLS_ENV,
    WEB_TLS_FILES,
    WEB_TLS_KEYS_DIR,
    WEB_TLS_PORT,
    webClientVerifyNginxConf,
    WEB_SHARD_HEALTH_CONF_PATH,
    WEB_VISITOR_ROUTES_CONF_PATH,
    webAccessEnv,
    webCustomConfigJs,
    webEnv,
    webServiceName,
    writableDirs,
    KeptObjects,
    xmppEnv,
    zoneAffinity,
} from "../lib";
import { JvbPool } from "./jvbPool";
import { VisitorNodes } from "./visitorNodes";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** What a Deployment's pod has besides its main container and the image's writable directories. */
interface PodExtras {
    volumes?: Volume[];
    volumeMounts?: VolumeMount[];
    /** Pod template annotations (a checksum of a file the image reads only at start). */
    annotations?: pulumi.Input<Record<string, string>>;
    /** Each shares the main container's mounts, plus its own. */
    sidecars?: (Omit<Container, "volumeMounts"> & { volumeMounts?: VolumeMount[] })[];
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export interface ShardArgs {
    /**
     * The region of the shard's cluster among several (config/clusters.ts): jicofo's local region, the
     * bridges' relay region and web's deploymentInfo.region. Unset with one cluster.
     */
    region?: string;
    namespace: pulumi.Input<string>;
    shard: ShardSpec;
    publicUrl: string;
    timezone: string;
    /** The stack's tag; `shard.imageTag` overrides it. */
    imageTag: string;
    resources: Pick<StackConfig["resources"], "web" | "prosody" | "jicofo" | "jvb" | "visitors">;
    jvb: JvbSettings;
    /**
     * Prometheus's namespace when the MonitoringStack runs: bridges then scale on their stress metric,
     * and prosody serves /metrics to that namespace. Unset when monitoring is off.
     */
    monitoringNamespace?: string;
    /** The TURN server prosody hands to clients; unset when the stack has none. */
    turn?: TurnEndpoint;
    web: WebSettings;
    /** ServiceAccount that may read Node objects, when bridges advertise their node's ExternalIP. */
    nodeReaderServiceAccount?: pulumi.Input<string>;
    /** Who may meet, and whether a Jibri pool records (it then logs in to this prosody). */
    access: AccessSettings;
    /** Etherpad and the whiteboard backend, which web proxies to. */
    collaboration: CollaborationServices;
    /** Their Services: web's nginx resolves them when it starts, so they must exist first. */
    collaborationReady: pulumi.Resource[];
    /** auth.type internal: prosody keeps its accounts on a volume of this size, kept in step by a sidecar. */
    /** keptObjects: the provider of the accounts' claim, kept when it leaves (lib/keptObjects.ts). */
    accounts?: { storage: string; storageClass?: string; keptObjects: KeptObjects };
    /** Large events: visitor nodes of this shard, which its prosody, jicofo and web know, and no other shard's. */
    visitors: VisitorSettings;
    /** The namespace and cluster domain, for the names prosody resolves itself (fully qualified: lib/visitors.ts). */
    clusterDns: ClusterDns;
    /** Phones and captions: the stack's Jigasi pools, which this prosody admits and jicofo and web offer. */
    gateways: GatewaySettings;
    /** The load test's namespace while it runs: its browsers send media to the bridges from inside the cluster. */
    loadTestNamespace?: string;
    /**
     * Among several clusters: web also serves the other clusters' routers over TLS (lib/shardWebTls.ts),
     * with the certificate, key and client CA of this Secret. Unset with one cluster.
     */
    regionalTls?: { secretName: pulumi.Input<string>; certificate: pulumi.Input<string> };
}

/**
 * One shard: a prosody, a jicofo and a web frontend, each a Deployment of its own, the Services
 * the others reach them by, and the shard's JvbPool. Prosody and jicofo hold the state of every
 * conference on the shard and cannot run twice, so they are replaced, never rolled: any change of
 * their pod templates ends every meeting on the shard. `signallingHash` tells when that happens.
 */
export class Shard extends pulumi.ComponentResource {
    /** Name of the web Service the room router sends this shard's rooms to. */
    readonly webServiceName: string;
    readonly webService: k8s.core.v1.Service;
    readonly jvbPool: JvbPool;
    /** The shard's name in the stack file. */
    readonly shardName: string;
    /** The Jitsi tag this shard runs. */
    readonly imageTag: string;
    /** A hash of prosody's and jicofo's pod templates: when it changes, both restart and the shard's meetings end. */
    readonly signallingHash: pulumi.Output<string>;
    private readonly namespace: pulumi.Input<string>;
    private readonly templates: Record<string, pulumi.Input<object>> = {};

    constructor(name: string, args: ShardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:shard:Shard", name, {}, opts);
        const { shard, namespace } = args;
        this.shardName = shard.name;
        this.namespace = namespace;
        this.imageTag = shard.imageTag ?? args.imageTag;
        const monitored = args.monitoringNamespace !== undefined;
        const shared = { xmppServer: prosodyServiceName(shard.name), publicUrl: args.publicUrl, timezone: args.timezone };

        // What every prosody of the shard reads, its visitor nodes' included.
        const xmpp = xmppEnv("prosody", shared);
        const turnEnv = args.turn ? [...prosodyTurnEnv(args.turn), ...secretEnv("TURN_CREDENTIALS")] : [];
        const accessEnv = [...prosodyAccessEnv(args.access), ...prosodyGatewayEnv(args.gateways)];
        const prosodyEnv = [
            ...xmpp,
            ...secretEnv("JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD"),
            { name: "JVB_AUTH_USER", value: "jvb" },
            ...prosodyMetricsEnv(monitored),
            ...turnEnv,
            ...accessEnv,
            ...mainProsodyVisitorEnv(args.visitors, shard.name, args.clusterDns),
        ];
        const visitors = args.visitors.enabled
            ? new VisitorNodes(`${shard.name}-visitors`, {
                  namespace,
                  shard: shard.name,
                  zone: shard.zone,
                  visitors: args.visitors,
                  imageTag: this.imageTag,
                  resources: args.resources.visitors,
                  // The node's prosody resolves its main prosody itself: by the fully qualified name.
                  sharedEnv: [
                      ...xmppEnv("prosody", { ...shared, xmppServer: serviceHost(prosodyServiceName(shard.name), args.clusterDns.namespace, args.clusterDns.clusterDomain) }),
                      ...turnEnv,
                      ...accessEnv,
                  ],
              }, { parent: this })
            : undefined;
        const accounts = args.accounts ? this.accountStorage(args, args.accounts, prosodyEnv) : undefined;
        this.deployment("prosody", args, args.resources.prosody, {
            env: prosodyEnv,
            ports: [
                { name: "xmpp-c2s", containerPort: PROSODY_PORTS.c2s },
                { name: "http", containerPort: PROSODY_PORTS.http },
                // Only declared, as since the first release: the image listens on no component port and no
                // Service or NetworkPolicy opens it, but dropping the line would change prosody's pod
                // template and so restart every shard's prosody, ending its meetings, for nothing.
                { name: "xmpp-component", containerPort: DECLARED_COMPONENT_PORT },
                // Federation with the shard's visitor nodes (prosody.cfg.lua listens on s2s with ENABLE_VISITORS).
                ...(visitors ? [{ name: "xmpp-s2s", containerPort: PROSODY_S2S_PORT }] : []),
            ],
            ...prosodyProbes(),
        }, { ...(accounts ? {} : { data: PROSODY_DATA_DIR }), plugins: "/prosody-plugins-custom" }, accounts);

        const prosodyService = this.service("prosody", prosodyServiceName(shard.name), args, [
            { name: "xmpp-c2s", port: PROSODY_PORTS.c2s, targetPort: PROSODY_PORTS.c2s },
            { name: "http", port: PROSODY_PORTS.http, targetPort: PROSODY_PORTS.http },
            ...(visitors ? [{ name: "xmpp-s2s", port: PROSODY_S2S_PORT, targetPort: PROSODY_S2S_PORT }] : []),
        ]);

        this.deployment("jicofo", args, args.resources.jicofo, {
            env: [
                ...xmppEnv("jicofo", shared),
                ...secretEnv("JICOFO_AUTH_PASSWORD"),
                { name: "JVB_BREWERY_MUC", value: JVB_BREWERY_MUC },
                // The REST server on 8888, and the health checks it answers /about/health with (else 404).
                { name: "JICOFO_ENABLE_REST", value: "1" },
                { name: "JICOFO_ENABLE_HEALTH_CHECKS", value: "true" },
                ...jicofoRelayEnv(args.jvb.relay, args.region ?? shard.name, args.resources.jvb.limits.cpu, args.visitors.enabled),
                // jicofo.conf (docker-jitsi-meet stable-11146-2, jicofo/rootfs/defaults/jicofo.conf:254) writes local-region from it.
                ...(args.region && !args.jvb.relay.enabled ? [{ name: "JICOFO_OCTO_REGION", value: args.region }] : []),
                ...jicofoAccessEnv(args.access),
                JICOFO_RANDOM_PAD_NAMES,
                ...jicofoGatewayEnv(args.gateways),
                ...jicofoVisitorEnv(args.visitors, shard.name),
            ],
            ports: [{ name: "http", containerPort: JICOFO_REST_PORT }],
            // Jicofo's health check fails while no bridge is registered; that is not a reason to restart it.
            livenessProbe: { tcpSocket: { port: JICOFO_REST_PORT }, initialDelaySeconds: 60, periodSeconds: 10, failureThreshold: 6 },
            readinessProbe: { ...httpProbe("/about/health", JICOFO_REST_PORT), initialDelaySeconds: 5 },
        });
        const jicofoService = this.service("jicofo", jicofoServiceName(shard.name), args, [
            { name: "http", port: JICOFO_REST_PORT, targetPort: JICOFO_REST_PORT },
        ]);

        const customConfig = webCustomConfigJs(args.web);
        const healthConf = shardHealthNginxConf(
            `${jicofoServiceName(shard.name)}:${JICOFO_REST_PORT}`,
            `${prosodyServiceName(shard.name)}:${PROSODY_PORTS.http}`,
            BOSH_HOLD.webReadTimeoutS,
        );
        const visitorRoutes = visitors ? visitorRouteNginxConf(shard.name, args.visitors.nodesPerShard) : undefined;
        const etherpadRoutes = args.collaboration.etherpad ? etherpadClosedRoutesNginxConf() : undefined;
        const tls = args.regionalTls;
        const clientVerify = tls ? webClientVerifyNginxConf() : undefined;
        const webConfig = new k8s.core.v1.ConfigMap(
            `${shard.name}-web-config`,
            {
                metadata: { name: `${shard.name}-web-config`, namespace, labels: labels("web", shard.name) },
                data: { "custom-config.js": customConfig, "shard-health.conf": healthConf, ...(visitorRoutes ? { "visitors.conf": visitorRoutes } : {}), ...(etherpadRoutes ? { "etherpad.conf": etherpadRoutes } : {}), ...(clientVerify ? { "regional-tls.conf": clientVerify } : {}) },
            },
            { parent: this },
        );
        this.deployment("web", args, args.resources.web, {
            env: [
                ...xmppEnv("web", shared),
                { name: "XMPP_BOSH_URL_BASE", value: `http://${prosodyServiceName(shard.name)}:${PROSODY_PORTS.http}` },
                // TLS ends at the ingress; among several clusters web's own HTTPS server also serves the other clusters' routers.
                ...(tls ? WEB_TLS_ENV : [{ name: "DISABLE_HTTPS", value: "1" }]),
                { name: "ENABLE_HTTP_REDIRECT", value: "0" },
                ...webEnv(args.web),
                ...webAccessEnv(args.access, args.collaboration),
                ...webGatewayEnv(args.gateways),
                // config.deploymentInfo.region (web/rootfs/defaults/settings-config.js:420 at stable-11146-2).
                ...(args.region ? [{ name: "DEPLOYMENTINFO_REGION", value: args.region }] : []),
            ],
            ports: [{ name: "http", containerPort: WEB_HTTP_PORT }, ...(tls ? [{ name: "https", containerPort: WEB_TLS_PORT }] : [])],
            ...probes(httpProbe("/", WEB_HTTP_PORT)),
        }, { transcripts: "/usr/share/jitsi-meet/transcripts", ...(tls ? { storage: WEB_STORAGE_DIR } : {}) }, {
            volumes: [
                { name: "custom-config", configMap: { name: webConfig.metadata.name } },
                // 0640: the image copies these files to /storage/keys at every container start (web
                // s6-overlay/scripts/config:88-90); read-only copies (0440) would make a restarted container's cp fail.
                ...(tls ? [{ name: "regional-tls", secret: { secretName: tls.secretName, defaultMode: 0o640 } }] : []),
            ],
            volumeMounts: [
                { name: "custom-config", mountPath: WEB_CUSTOM_CONFIG_PATH, subPath: "custom-config.js", readOnly: true },
                // The room router's health check of the shard (lib/shardHealth.ts).
                { name: "custom-config", mountPath: WEB_SHARD_HEALTH_CONF_PATH, subPath: "shard-health.conf", readOnly: true },
                // Visitors' BOSH and WebSocket to their node (lib/visitors.ts).
                ...(visitorRoutes ? [{ name: "custom-config", mountPath: WEB_VISITOR_ROUTES_CONF_PATH, subPath: "visitors.conf", readOnly: true }] : []),
                // Etherpad's routes nothing uses (lib/collaboration.ts).
                ...(etherpadRoutes ? [{ name: "custom-config", mountPath: WEB_ETHERPAD_CONF_PATH, subPath: "etherpad.conf", readOnly: true }] : []),
                // The other clusters' routers: the certificate the image copies to /storage/keys, and only their certificates (lib/shardWebTls.ts).
                ...(tls
                    ? [
                          ...Object.values(WEB_TLS_FILES).map((file) => ({ name: "regional-tls", mountPath: `${WEB_TLS_KEYS_DIR}/${file}`, subPath: file, readOnly: true })),
                          { name: "custom-config", mountPath: WEB_CLIENT_VERIFY_CONF_PATH, subPath: "regional-tls.conf", readOnly: true },
                      ]
                    : []),
            ],
            // The image reads the files at start (and a subPath mount never updates): a new one restarts the pods.
            annotations: tls
                ? pulumi.output(tls.certificate).apply((certificate) => configChecksum(customConfig, healthConf, visitorRoutes ?? "", ...(etherpadRoutes ? [etherpadRoutes] : []), clientVerify!, certificate))
                : configChecksum(customConfig, healthConf, visitorRoutes ?? "", ...(etherpadRoutes ? [etherpadRoutes] : [])),
            // nginx resolves every upstream when it starts: prosody and jicofo for the health check, the visitor nodes.
            dependsOn: [...args.collaborationReady, prosodyService, jicofoService, ...(visitors?.services ?? [])],
        });

        this.webServiceName = webServiceName(shard.name);
        this.webService = this.service("web", this.webServiceName, args, [
            { name: "http", port: 80, targetPort: WEB_HTTP_PORT },
        ]);

        this.networkPolicy("prosody", prosodyNetworkPolicy(shard.name, args.monitoringNamespace, {
            recording: args.access.recording,
            visitors: visitors !== undefined,
            gateways: args.gateways,
        }));
        // Web serves the router.
        this.networkPolicy("web", ingressPolicy(selectorLabels("web", shard.name), [
            { from: [fromPods(selectorLabels("router"))], ports: [tcp(WEB_HTTP_PORT)] },
        ]));
        // jicofo connects out to prosody; its REST port answers web's health check and Prometheus.
        this.networkPolicy("jicofo", ingressPolicy(selectorLabels("jicofo", shard.name), [
            { from: [fromPods(selectorLabels("web", shard.name))], ports: [tcp(JICOFO_REST_PORT)] },
            ...scrapedBy(args.monitoringNamespace, tcp(JICOFO_REST_PORT)),
        ]));

        this.jvbPool = new JvbPool(`${name}-jvb`, {
            namespace,
            shard,
            publicUrl: args.publicUrl,
            timezone: args.timezone,
            imageTag: this.imageTag,
            jvb: args.jvb,
            resources: args.resources.jvb,
            monitoringNamespace: args.monitoringNamespace,
            nodeReaderServiceAccount: args.nodeReaderServiceAccount,
            gateways: args.gateways,
            recording: args.access.recording,
            loadTestNamespace: args.loadTestNamespace,
            region: args.region,
        }, { parent: this });

        this.signallingHash = pulumi.output(this.templates).apply((t) => sha256(JSON.stringify(t)));
        this.registerOutputs({ webServiceName: this.webServiceName, jvbUdpPorts: this.jvbPool.udpPorts, signallingHash: this.signallingHash });
    }

    private deployment(
        component: "prosody" | "jicofo" | "web",
        args: ShardArgs,
        resources: ResourceSettings,
        container: Omit<Container, "name" | "image">,
        extraDirs: Record<string, string> = {},
        extras: PodExtras = {},
    ): k8s.apps.v1.Deployment {
        const shard = args.shard.name;
        const dirs = writableDirs(extraDirs);
        const volumes = [...dirs.volumes, ...(extras.volumes ?? [])];
        const volumeMounts = [...dirs.volumeMounts, ...(extras.volumeMounts ?? [])];
        const template = {
            metadata: {
                labels: labels(component, shard),
                annotations: extras.annotations,
            },
            spec: {
                automountServiceAccountToken: false,
                securityContext: { fsGroup: JITSI_UID },
                affinity: zoneAffinity(args.shard.zone),
                volumes,
                containers: [
                    {
                        name: component,
                        image: jitsiImage(component, this.imageTag),
                        resources: resourceRequirements(resources),
                        securityContext: restrictedSecurityContext(JITSI_UID),
                        volumeMounts,
                        ...container,
                    },
                    ...(extras.sidecars ?? []).map((sidecar) => ({ ...sidecar, volumeMounts: [...volumeMounts, ...(sidecar.volumeMounts ?? [])] })),
                ],
            },
        };
        if (component !== "web") this.templates[component] = template;
        return new k8s.apps.v1.Deployment(
            `${shard}-${component}`,
            {
                metadata: { name: `${shard}-${component}`, namespace: args.namespace, labels: labels(component, shard) },
                spec: {
                    replicas: 1,
                    strategy: updateStrategy(component),
                    selector: { matchLabels: selectorLabels(component, shard) },
                    template,
                },
            },
            { parent: this, dependsOn: extras.dependsOn },
        );
    }

    /**
     * auth.type internal: prosody's data directory on a volume, so accounts outlive the pod, and the
     * sidecar that keeps them in step with the stack's list (lib/prosodyUsers.ts). ReadWriteOnce is
     * enough: prosody is replaced, never rolled, so one pod holds the claim at a time.
     */
    private accountStorage(args: ShardArgs, accounts: NonNullable<ShardArgs["accounts"]>, prosodyEnv: k8s.types.input.core.v1.EnvVar[]): PodExtras {
        const claimName = `${this.shardName}-prosody-data`;
        // The accounts outlive a change of auth.type and a removed shard; the claim is adopted when they return.
        const claim = accounts.keptObjects.keep(
            (o) =>
                new k8s.core.v1.PersistentVolumeClaim(
                    claimName,
                    {
                        metadata: { name: claimName, namespace: args.namespace, labels: labels("prosody", this.shardName), annotations: { ...CLAIM_AWAIT } },
                        spec: readWriteOnceClaim(accounts.storage, accounts.storageClass),
                    },
                    o,
                ),
            { parent: this },
        );
        return {
            volumes: [
                { name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } },
                { name: "users", secret: { secretName: INTERNAL_USERS_SECRET, defaultMode: 0o440 } },
            ],
            volumeMounts: [{ name: "data", mountPath: PROSODY_DATA_DIR }],
            sidecars: [
                {
                    name: "accounts",
                    image: jitsiImage("prosody", this.imageTag),
                    command: ["/bin/bash", "-c", userSyncScript(gatewayPools(args.gateways).length > 0)],
                    // What the script reads: the domains, and the service accounts' passwords it keeps current.
                    env: prosodyEnv.filter((e) => USER_SYNC_ENV.includes(e.name as string)),
                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                    securityContext: restrictedSecurityContext(JITSI_UID),
                    volumeMounts: [{ name: "users", mountPath: USERS_DIR, readOnly: true }],
                    // No readiness probe: the pod's readiness, and so prosody's Service, must not wait on it.
                    livenessProbe: { exec: { command: USER_SYNC_LIVENESS }, initialDelaySeconds: 60, periodSeconds: 60, failureThreshold: 3 },
                },
            ],
        };
    }

    private networkPolicy(component: "prosody" | "web" | "jicofo", spec: k8s.types.input.networking.v1.NetworkPolicySpec): void {
        const name = `${this.shardName}-${component}`;
        new k8s.networking.v1.NetworkPolicy(
            name,
            { metadata: { name, namespace: this.namespace, labels: labels(component, this.shardName) }, spec },
            { parent: this },
        );
    }

    private service(
        component: "prosody" | "jicofo" | "web",
        serviceName: string,
        args: ShardArgs,
        ports: k8s.types.input.core.v1.ServicePort[],
    ): k8s.core.v1.Service {
        return new k8s.core.v1.Service(
            serviceName,
            {
                metadata: { name: serviceName, namespace: args.namespace, labels: labels(component, args.shard.name) },
                spec: {
                    type: "ClusterIP",
                    selector: selectorLabels(component, args.shard.name),
                    ports: ports.map((p) => ({ protocol: "TCP", ...p })),
                },
            },
            { parent: this },
        );
    }
}

/**
 * Prosody and jicofo hold every conference of the shard in memory and must never run twice, so the
 * old pod stops before the new one starts. Web is stateless and rolls without a gap.
 */
export function updateStrategy(component: "prosody" | "jicofo" | "web"): k8s.types.input.apps.v1.DeploymentStrategy {
    return component === "web"
        ? { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
        : { type: "Recreate" };
}

/**
 * Prosody's /metrics on its HTTP port, for the MonitoringStack. The port is reachable only inside the
 * cluster (web proxies just BOSH and WebSocket paths to it), so any in-cluster address may read it.
 */
export function prosodyMetricsEnv(monitored: boolean): k8s.types.input.core.v1.EnvVar[] {
    return monitored
        ? [
              { name: "PROSODY_ENABLE_METRICS", value: "true" },
              { name: "PROSODY_METRICS_ALLOWED_CIDR", value: "0.0.0.0/0" },
          ]
        : [];
}

/** Who besides its own shard connects to a shard's prosody: the stack's Jibris and Jigasis, the shard's visitor nodes. */
export interface ProsodyClients {
    recording?: boolean;
    visitors?: boolean;
    gateways?: GatewaySettings;
}

/**
 * Prosody holds every conference of its shard: only that shard's jicofo, JVBs and web may connect, the
 * stack's Jibris and Jigasis as XMPP clients, and Prometheus may read /metrics on the HTTP port.
 * Everything else, other shards included, is denied.
 */
export function prosodyNetworkPolicy(shard: string, monitoringNamespace?: string, clients: ProsodyClients = {}): k8s.types.input.networking.v1.NetworkPolicySpec {
    const { recording = false, visitors = false, gateways } = clients;
    // Stack-wide pools that log in to every shard's prosody (client connections only).
    const pools = inClusterParticipants(recording, gateways);
    return ingressPolicy(selectorLabels("prosody", shard), [
        // jicofo and the bridges log in on c2s; web proxies BOSH and WebSocket to the HTTP port.
        { from: (["jicofo", "jvb"] as const).map((component) => fromPods(selectorLabels(component, shard))), ports: [tcp(PROSODY_PORTS.c2s)] },
        { from: [fromPods(selectorLabels("web", shard))], ports: [tcp(PROSODY_PORTS.http)] },
        ...(pools.length > 0 ? [{ from: pools.map((pool) => fromPods(selectorLabels(pool))), ports: [tcp(PROSODY_PORTS.c2s)] }] : []),
        // The shard's own visitor nodes federate on s2s only.
        ...(visitors ? [{ from: [fromPods(selectorLabels("visitors", shard))], ports: [tcp(PROSODY_S2S_PORT)] }] : []),
        ...scrapedBy(monitoringNamespace, tcp(PROSODY_PORTS.http)),
    ]);
}
