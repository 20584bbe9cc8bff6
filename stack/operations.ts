/** The operations and monitoring stack around Jitsi: each is on or off per stack. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MonitoringStack } from "../components/monitoringStack";
import { ConfigError } from "../config/load";
import { OpsStack, OpsStackArgs } from "../components/opsStack";
import { DNS01_CREDENTIAL_KEY } from "../config/dns01";
import { StackConfig } from "../config/schema";
import { KeptObjects, KEPT_OBJECTS_PROVIDER, KEPT_OBJECTS_RECORDING_WARNING, keptObjectsOnOwnProvider, keptObjectsProviderArgs } from "../lib";
import { Site } from "./site";

/** cert-manager and its issuers, ingress-nginx, metrics-server, the dashboard and logging. */
export function opsStack(config: StackConfig, keptObjects: KeptObjects, opts?: pulumi.ComponentResourceOptions): OpsStack {
    const takeover = existingObjectTakeover(config, upsertsExistingObjects());
    if (takeover.length > 0) throw new ConfigError(takeover);
    return new OpsStack("ops", { ops: config.ops, namespaces: config.namespaces, acmeEmail: config.tls.acmeEmail, dns01: dns01(config), keptObjects }, opts);
}

/**
 * DNS-01 for every name the Ingress serves: the stack's hosts, which geo DNS answers with any region
 * once there are several clusters, and the cluster's regional hosts, so that one certificate has one
 * way of being issued. The TURN host keeps HTTP-01 (docs/decisions.md "Certificates under geo DNS: DNS-01").
 */
function dns01(config: StackConfig): OpsStackArgs["dns01"] {
    const settings = config.tls.dns01;
    if (settings === undefined) return undefined;
    return { settings, dnsNames: config.hosts, credential: new pulumi.Config("jitsi").getSecret(DNS01_CREDENTIAL_KEY) };
}

/**
 * The provider of the namespaces and claims the stack keeps when a part goes off, which adopts them when
 * it comes back (lib/keptObjects.ts). Nothing else goes through it: it upserts. None for the one update
 * that first records their retainOnDelete on the default provider (keptObjectsOnOwnProvider). With several
 * clusters each has its own (components/cluster.ts), built from that cluster's kubeconfig or context.
 */
export function keptObjects(lastOutputs: Record<string, unknown>, provider = () => new k8s.Provider(KEPT_OBJECTS_PROVIDER, keptObjectsProviderArgs(new pulumi.Config("kubernetes")))): KeptObjects {
    if (!keptObjectsOnOwnProvider(lastOutputs)) {
        pulumi.log.warn(KEPT_OBJECTS_RECORDING_WARNING);
        return new KeptObjects(undefined);
    }
    return new KeptObjects(provider());
}

/** Prometheus, Alertmanager, Grafana, prometheus-adapter, and the monitors of the parts this stack runs. */
export function monitoringStack(site: Site, ops: OpsStack, runs: { turn: boolean }, host = site.config.hosts[0], otherClusters = false): MonitoringStack | undefined {
    const { config } = site;
    if (!config.monitoring.enabled) return undefined;
    return new MonitoringStack("monitoring", {
        monitoring: config.monitoring,
        namespaces: config.namespaces,
        host,
        ingressNginxNamespace: config.ops.ingressNginx.enabled ? config.namespaces.ingressNginx : undefined,
        jitsiNamespace: site.namespace,
        keptObjects: site.keptObjects,
        optional: { turn: runs.turn, jibri: config.jibri.enabled, whiteboard: config.whiteboard.enabled, visitors: config.visitors.enabled, jigasi: config.jigasi.enabled, transcription: config.transcription.enabled },
        dependsOn: ops.ingressReady,
        ...(otherClusters ? { datasourceVariable: true } : {}),
    }, site.opts);
}

/**
 * Whether the Kubernetes provider is told to create over objects that already exist (provider setting
 * upsertExistingObjects, or PULUMI_K8S_UPSERT_EXISTING_OBJECTS; @pulumi/kubernetes 4.34.2 provider.d.ts).
 * By default it refuses ("The resource already exists in the cluster": provider/pkg/await/await.go).
 */
function upsertsExistingObjects(): boolean {
    const setting = new pulumi.Config("kubernetes").get("upsertExistingObjects") ?? process.env.PULUMI_K8S_UPSERT_EXISTING_OBJECTS;
    return setting === "true";
}

/**
 * The resource metrics API (v1beta1.metrics.k8s.io) is one cluster-wide APIService, which managed clusters
 * (GKE, AKS, k3s, ...) already have. Without upsert, a stack that would register it a second time stops at
 * `pulumi up` with "already exists" and the cluster's stays as it is; with upsert it would silently take the
 * cluster's over, and `pulumi destroy` or switching the part off would delete it. Refused before anything
 * is declared.
 */
export function existingObjectTakeover(config: StackConfig, upsert: boolean): string[] {
    if (!upsert) return [];
    const registers = [
        ...(config.ops.metricsServer.enabled ? ["jitsi:ops.metricsServer.enabled"] : []),
        ...(config.monitoring.enabled && config.monitoring.serveResourceMetrics ? ["jitsi:monitoring.serveResourceMetrics"] : []),
    ];
    return registers.map(
        (key) =>
            `${key} is true while the Kubernetes provider's upsertExistingObjects is on: this stack would take over ` +
            `the cluster's own v1beta1.metrics.k8s.io (its metrics-server) and delete it with the stack; set ${key} ` +
            "to false where the cluster has one (kubectl get apiservice v1beta1.metrics.k8s.io), or turn upsertExistingObjects off",
    );
}
