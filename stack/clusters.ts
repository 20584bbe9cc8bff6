/**
 * One stack over several clusters (config/clusters.ts, docs/architecture.md "Regions"): each cluster is
 * declared as a stack of one would be (its ops parts, namespace, secrets, TURN, shards, router,
 * monitoring), under its own provider; the routers of all clusters are then wired to each other: every
 * router peers with every other over TLS (the stack's own CA) and knows every shard, its own region's
 * as active servers and the others' as backups (lib/regions.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "../components/cluster";
import { GRAFANA_PATH, MonitoringStack } from "../components/monitoringStack";
import { INGRESS_NGINX_RELEASE, ingressControllerService, OpsStack } from "../components/opsStack";
import { ROUTER_NAME } from "../components/roomRouter";
import { Shard } from "../components/shard";
import { Turn } from "../components/turn";
import { ClusterSpec } from "../config/clusters";
import { dns01Warnings } from "../lib/acme";
import { IssuedCertificate, StackAuthority } from "./certificates";
import { StackConfig } from "../config/schema";
import {
    KEPT_OBJECTS_OUTPUT,
    KeptObjects,
    labels,
    PEER_TLS_FILES,
    peerName,
    ROUTER_PORTS,
    routerPeerNodePort,
    selectorLabels,
    ShardState,
    shardWebNodePort,
    shardWebTlsName,
    tcp,
    WEB_CLIENT_FILES,
    WEB_REGIONAL_PORT,
    WEB_TLS_FILES,
    WEB_TLS_PORT,
} from "../lib";
import { collaborationServices } from "./extras";
import { roomRouter, shards as declareShards, turnServer } from "./media";
import { keptObjects, monitoringStack, opsStack } from "./operations";
import { shardStates } from "./outputs";
import { jitsiSecrets, jitsiSite, Site } from "./site";
import { monitorAcrossClusters } from "./monitoringClusters";

/** What one cluster runs, for the routers of the others and for the outputs. */
export interface ClusterParts {
    cluster: Cluster;
    spec: ClusterSpec;
    config: StackConfig;
    site: Site;
    /** Its namespaces and claims kept when their part goes off, on its own kept-objects provider. */
    kept: KeptObjects;
    ops: OpsStack;
    shards: Shard[];
    turn?: Turn;
    monitoring?: MonitoringStack;
    /** Its Prometheus gateway's address, for the other clusters' Grafanas (stack/monitoringClusters.ts). */
    prometheusGateway?: pulumi.Output<string | undefined>;
    /** Each shard's web as the other clusters' routers reach it. */
    shardEntries: pulumi.Output<string | undefined>[];
    /** Each router pod's peers port as the other clusters' routers reach it. */
    peerEntries: pulumi.Output<string | undefined>[];
    /** namespace/name of the ingress controller's LoadBalancer Service, the regional entry. */
    entry: string;
    /** That Service's address, when the stack runs the controller (its Helm release owns the Service). */
    entryAddress?: pulumi.Output<string | undefined>;
}

/** The address a LoadBalancer Service was given (an IP, or a host name on clouds that give names). */
export function loadBalancerAddress(service: k8s.core.v1.Service): pulumi.Output<string | undefined> {
    return service.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.ip ?? s?.loadBalancer?.ingress?.[0]?.hostname);
}

/** The settings of one cluster: the stack's, with its shards only and its own overrides. */
export function clusterConfig(config: StackConfig, name: string, spec: ClusterSpec): StackConfig {
    const storage = spec.storageClass;
    return {
        ...config,
        // shards[].cluster may be left out while clusters lists only one: every shard runs there.
        shards: config.shards.filter((s) => s.cluster === name || (s.cluster === undefined && Object.keys(config.clusters ?? {}).length === 1)),
        hosts: [...config.hosts, ...(spec.hosts ?? []).filter((h) => !config.hosts.includes(h))],
        turn: { ...config.turn, host: spec.turn?.host ?? config.turn.host, publicIp: spec.turn?.publicIp ?? config.turn.publicIp },
        ...(storage
            ? {
                  auth: { ...config.auth, storageClass: config.auth.storageClass ?? storage },
                  etherpad: { ...config.etherpad, storageClass: config.etherpad.storageClass ?? storage },
              }
            : {}),
    };
}

/** The stack's own CA for the routers' peer sessions, and one certificate per cluster signed by it. */
function peerCertificates(clusterNames: string[]): Record<string, IssuedCertificate> {
    const authority = new StackAuthority("router-peers", "jitsi router peers CA");
    // Verification is against this CA only, no host names: any router of the stack may be any peer.
    return Object.fromEntries(clusterNames.map((name) => [name, authority.issue(name, `${name} router peers`, ["server_auth", "client_auth"])]));
}

/**
 * Each shard web's certificate for the other clusters' routers (lib/shardWebTls.ts), in a Secret of its
 * own with the CA that signs the routers' client certificates: the same `shard-web` CA both ways.
 */
function shardWebCertificates(authority: StackAuthority, config: StackConfig, ns: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
    return Object.fromEntries(
        config.shards.map((s) => {
            const cert = authority.issue(s.name, `${s.name} web`, ["server_auth"], [shardWebTlsName(s.name)]);
            const secret = new k8s.core.v1.Secret(`${s.name}-web-tls`, {
                metadata: { name: `${s.name}-web-tls`, namespace: ns, labels: labels("web", s.name) },
                type: "Opaque",
                stringData: { [WEB_TLS_FILES.cert]: cert.certPem, [WEB_TLS_FILES.key]: cert.keyPem, [WEB_TLS_FILES.clientCa]: cert.ca },
            }, opts);
            return [s.name, { secretName: secret.metadata.name, certificate: cert.certPem }];
        }),
    );
}

/** Everything of one cluster but its router and monitoring, which need the other clusters' addresses. */
function declareCluster(config: StackConfig, name: string, spec: ClusterSpec, kubeconfigs: pulumi.Output<Record<string, string>> | undefined, previous: Record<string, unknown>, webAuthority: StackAuthority): ClusterParts {
    const cluster = new Cluster(name, {
        region: spec.region,
        context: spec.context,
        skipWhileUnreachable: spec.skipWhileUnreachable,
        kubeconfig: spec.context === undefined ? kubeconfigs?.apply((k) => k[name]) : undefined,
    });
    const own = clusterConfig(config, name, spec);
    // Each cluster's kept objects go through that cluster's kept-objects provider.
    const kept = keptObjects(previous, () => cluster.keptObjectsProvider());
    const ops = opsStack(own, kept, cluster.opts);
    const site = jitsiSite(own, kept, cluster.opts);
    const secrets = jitsiSecrets(site);
    const collaboration = collaborationServices(site);
    const turn = turnServer(site, ops, secrets);
    const shards = declareShards(site, secrets, collaboration, spec.region, shardWebCertificates(webAuthority, own, site.ns, cluster.opts));
    const annotations = spec.serviceAnnotations;
    // Each shard's web on an address the other clusters reach (an internal load balancer on a network the clusters
    // share), its TLS port only: only the stack's routers are answered there (lib/shardWebTls.ts).
    const shardEntries = own.shards.map((s) =>
        loadBalancerAddress(
            new k8s.core.v1.Service(`${s.name}-web-regional`, {
                metadata: { name: `${s.name}-web-regional`, namespace: site.ns, labels: labels("web", s.name), annotations },
                spec: { type: "LoadBalancer", selector: selectorLabels("web", s.name), ports: [{ name: "https", port: WEB_REGIONAL_PORT, targetPort: WEB_TLS_PORT, nodePort: shardWebNodePort(own.nodePortRange, s.index), protocol: "TCP" }] },
            }, cluster.opts),
        ),
    );
    // Each router pod's peers port on an address of its own: a peer session is with one pod, never balanced.
    const peerEntries = Array.from({ length: own.router.replicas }, (_, i) =>
        loadBalancerAddress(
            new k8s.core.v1.Service(`${ROUTER_NAME}-peer-${i}`, {
                metadata: { name: `${ROUTER_NAME}-peer-${i}`, namespace: site.ns, labels: labels("router"), annotations },
                spec: {
                    type: "LoadBalancer",
                    // The table must reach a pod before it is ready (lib/haproxy.ts).
                    publishNotReadyAddresses: true,
                    selector: { ...selectorLabels("router"), "statefulset.kubernetes.io/pod-name": `${ROUTER_NAME}-${i}` },
                    // A fixed NodePort at the bottom of the range: never a bridge's (lib/crossClusterPorts.ts).
                    ports: [{ name: "peers", port: ROUTER_PORTS.peers, targetPort: ROUTER_PORTS.peers, nodePort: routerPeerNodePort(own.nodePortRange, i), protocol: "TCP" }],
                },
            }, cluster.opts),
        ),
    );
    // The shards' web admits the other clusters' routers, which arrive through the load balancer from addresses
    // this cluster cannot know: on the TLS port only, where a client is admitted by its certificate.
    for (const s of own.shards) {
        new k8s.networking.v1.NetworkPolicy(`${s.name}-web-regional`, {
            metadata: { name: `${s.name}-web-regional`, namespace: site.ns, labels: labels("web", s.name) },
            spec: { podSelector: { matchLabels: selectorLabels("web", s.name) }, policyTypes: ["Ingress"], ingress: [{ ports: [tcp(WEB_TLS_PORT)] }] },
        }, cluster.opts);
    }
    // The regional entry: the ingress controller's LoadBalancer Service, which the Helm release owns.
    const entry = `${own.namespaces.ingressNginx}/${ingressControllerService()}`;
    return { cluster, spec, config: own, site, kept, ops, shards, turn, shardEntries, peerEntries, entry, entryAddress: releasedEntryAddress(ops, cluster, spec, previous) };
}

/**
 * The address of the entry Service the ingress-nginx release made, read back (`get`), not declared: the
 * release owns it. Only `pulumi up` reads it: a read needs its cluster even in a preview
 * (pulumi-kubernetes provider.go, Read), and would fail the whole preview while one region is down,
 * where a declared object's preview does not. A preview, and an up while the cluster is skipped as
 * unreachable (whose read would come back empty), show the address the last deployment recorded. The
 * id is taken from the release's status, so the read waits for the release, whose Helm wait includes
 * the load balancer's address (helm pkg/kube/ready.go, serviceReady).
 */
function releasedEntryAddress(ops: OpsStack, cluster: Cluster, spec: ClusterSpec, previous: Record<string, unknown>): pulumi.Output<string | undefined> | undefined {
    const release = ops.ingressNginxRelease;
    if (!release) return undefined;
    const recorded = (previous.clusters as Record<string, { entryAddress?: string } | undefined> | undefined)?.[cluster.clusterName]?.entryAddress;
    if (pulumi.runtime.isDryRun() || spec.skipWhileUnreachable) return pulumi.output(recorded);
    const id = pulumi.interpolate`${release.status.namespace}/${release.status.name.apply(ingressControllerService)}`;
    return loadBalancerAddress(k8s.core.v1.Service.get(`${INGRESS_NGINX_RELEASE}-entry`, id, { ...cluster.opts, dependsOn: [release] }));
}

/** Declares every cluster, then every router with all the others' shards and peers, then monitoring. */
export function deployClusters(config: StackConfig, clusters: Record<string, ClusterSpec>, previous: Record<string, unknown>): ClusterParts[] {
    const kubeconfigs = new pulumi.Config("jitsi").getSecretObject<Record<string, string>>("clusterKubeconfigs");
    const names = Object.keys(clusters);
    const certificates = peerCertificates(names);
    const webAuthority = new StackAuthority("shard-web", "jitsi shard web CA");
    const parts = names.map((name) => declareCluster(config, name, clusters[name], kubeconfigs, previous, webAuthority));
    // Route 53's renewals across clusters replace each other's TXT record (lib/acme.ts): said at every preview and up.
    if (config.ops.certManager.enabled) for (const warning of dns01Warnings(config.tls.dns01?.provider, names)) pulumi.log.warn(warning);
    for (const part of parts) {
        const name = part.cluster.clusterName;
        // The routers' client certificate for the other clusters' shards (lib/shardWebTls.ts); the '.' keeps its
        // resource names apart from the shards' (shard names are DNS labels).
        const webClient = webAuthority.issue(`routers.${name}`, `${name} routers`, ["client_auth"]);
        const secret = new k8s.core.v1.Secret(`${ROUTER_NAME}-peers-tls`, {
            metadata: { name: `${ROUTER_NAME}-peers-tls`, namespace: part.site.ns, labels: labels("router") },
            type: "Opaque",
            stringData: {
                [PEER_TLS_FILES.certAndKey]: certificates[name].certAndKey,
                [PEER_TLS_FILES.ca]: certificates[name].ca,
                [WEB_CLIENT_FILES.certAndKey]: webClient.certAndKey,
                [WEB_CLIENT_FILES.ca]: webClient.ca,
            },
        }, part.cluster.opts);
        const others = parts.filter((p) => p !== part);
        roomRouter(part.site, part.shards, part.ops, {
            cluster: name,
            region: part.spec.region,
            remoteShards: others.flatMap((o) => o.config.shards.map((s, i) => ({ name: s.name, index: s.index, drain: s.drain, address: o.shardEntries[i] }))),
            remotePeers: others.flatMap((o) => o.peerEntries.map((address, i) => ({ name: peerName(o.cluster.clusterName, `${ROUTER_NAME}-${i}`), address }))),
            peerTlsSecretName: secret.metadata.name,
            certificates: pulumi.interpolate`${certificates[name].certPem}${webClient.certPem}`,
        });
        // Grafana of each cluster on its regional host: the stack's hosts are answered by whichever region geo DNS picks.
        // With other clusters to choose from, its dashboard offers their data sources (stack/monitoringClusters.ts).
        part.monitoring = monitoringStack(part.site, part.ops, { turn: part.turn !== undefined }, part.spec.hosts?.[0] ?? config.hosts[0], names.length > 1);
    }
    monitorAcrossClusters(parts);
    return parts;
}

/**
 * Per cluster, what DNS and firewalls need (docs/runbook.md "Geo DNS"): its region, the regional entry's
 * load balancer address and host names, its TURN, its bridges' UDP ports, its Grafana and the address of
 * its Prometheus gateway (what the other clusters' Grafanas query, port 9443). Grafana's
 * passwords are one secret output.
 */
export function clusterOutputs(parts: ClusterParts[]) {
    return {
        clusters: Object.fromEntries(
            parts.map((p) => [
                p.cluster.clusterName,
                {
                    region: p.spec.region,
                    entryService: p.entry,
                    entryAddress: p.entryAddress,
                    entryHosts: p.spec.hosts ?? [],
                    turn: p.turn ? { host: p.turn.host, address: p.turn.address, udpPorts: p.turn.udpPorts, tcpPorts: p.turn.tcpPorts, relayUdpPorts: p.turn.relayUdpPorts } : undefined,
                    jvbUdpPorts: Object.fromEntries(p.config.shards.map((s, i) => [s.name, p.shards[i].jvbPool.udpPorts])),
                    grafanaUrl: p.monitoring ? `https://${p.spec.hosts?.[0] ?? p.config.hosts[0]}${GRAFANA_PATH}` : undefined,
                    prometheusGateway: p.prometheusGateway,
                },
            ]),
        ),
        /** Every cluster's kept namespaces and claims are retained in the state (lib/keptObjects.ts). */
        [KEPT_OBJECTS_OUTPUT]: pulumi.all(parts.map((p) => p.kept.retained())).apply(() => true),
        grafanaAdminPasswords: pulumi.secret(
            pulumi.all(Object.fromEntries(parts.filter((p) => p.monitoring).map((p) => [p.cluster.clusterName, p.monitoring!.grafanaAdminPassword]))),
        ),
    };
}

/** Every cluster's shards in the one `shards` output, as with one cluster. */
export function clusterShardStates(parts: ClusterParts[]): pulumi.Output<Record<string, ShardState>> {
    return pulumi.all(parts.map((p) => shardStates(p.site, p.shards))).apply((each): Record<string, ShardState> => Object.assign({}, ...each));
}
