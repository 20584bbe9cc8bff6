import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { NAMESPACE } from "../config/load";
import { SecretKey, StackConfig } from "../config/schema";
import {
    CHARTS,
    Component,
    HOST_AGENTS,
    jitsiDashboard,
    JIBRI_BUSY_METRIC,
    JVB_STRESS_METRIC,
    KPS_FULLNAME,
    OWNER_LABELS,
    KeptObjects,
    ownedNamespace,
    pinnedChart,
    pinnedRelease,
    resourceRequirements,
    selectorLabels,
    SHARD_LABEL,
} from "../lib";
import { INGRESS_NGINX_RELEASE } from "./opsStack";
import { INGRESS_CLASS } from "./roomRouter";

/** Names the kube-prometheus-stack chart derives from this (services, Prometheus and Alertmanager objects). */
export { KPS_FULLNAME } from "../lib/prometheusServer";
/** Helm's annotation for an object an uninstall leaves in place. */
export const HELM_KEEP = { key: "helm.sh/resource-policy", value: "keep" } as const;
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const GRAFANA_PATH = "/grafana";
/** The AlertmanagerConfig used as Alertmanager's whole configuration, and its credentials. */
export const ALERTMANAGER_CONFIG = "jitsi-receivers";
export const ALERT_RECEIVERS_SECRET = "alertmanager-receivers";
/** Labels of ingress-nginx's controller Services (chart 4.15.1: _helpers.tpl selectorLabels plus the component). */
export const INGRESS_NGINX_CONTROLLER_LABELS = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/instance": INGRESS_NGINX_RELEASE,
    "app.kubernetes.io/component": "controller",
} as const;

export interface MonitoringStackArgs {
    monitoring: StackConfig["monitoring"];
    namespaces: StackConfig["namespaces"];
    /** Grafana is served at https://<host>/grafana. */
    host: string;
    /** The ingress controller's namespace when this stack runs ingress-nginx: its metrics are scraped. */
    ingressNginxNamespace?: string;
    /** Optional parts that serve metrics: this stack's coturn, the Jibri pool (which scales on them) and the whiteboard backend. */
    optional: OptionalMonitors;
    /** The Jitsi namespace must exist before monitors are created in it. */
    jitsiNamespace: pulumi.Resource;
    /** The provider of kept objects: the monitoring namespace (lib/keptObjects.ts). */
    keptObjects: KeptObjects;
    dependsOn?: pulumi.Resource[];
    /** The Jitsi dashboard lets the viewer pick the data source: among several clusters, each other cluster's Prometheus. */
    datasourceVariable?: boolean;
}

/**
 * Metrics and alerts for the stack: the kube-prometheus stack (Prometheus Operator, Prometheus,
 * Alertmanager, node-exporter, kube-state-metrics, Grafana under /grafana), prometheus-adapter
 * serving `jitsi_jvb_stress` to the JVB autoscalers, monitors for the JVBs, jicofo, prosody and the
 * room router, a Jitsi dashboard and alerting rules.
 */
export class MonitoringStack extends pulumi.ComponentResource {
    readonly grafanaAdminPassword: pulumi.Output<string>;

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:monitoring:MonitoringStack", name, {}, opts);
        const { monitoring, namespaces } = args;
        const namespace = namespaces.monitoring;
        // node-exporter reads the host: host network, host PID and host paths. Kept when monitoring is
        // switched off or the stack destroyed: it holds Prometheus' and Grafana's volumes (docs/decisions.md,
        // "Stored data is kept, with a warning first").
        // Switched on again, it is adopted with them.
        const ns = args.keptObjects.keep((o) => ownedNamespace(namespace, HOST_AGENTS, o), { parent: this });

        const password = new random.RandomPassword("grafana-admin", { length: 32, special: false }, { parent: this });
        this.grafanaAdminPassword = pulumi.secret(password.result);
        const adminSecret = new k8s.core.v1.Secret(
            "grafana-admin",
            {
                metadata: { name: GRAFANA_ADMIN_SECRET, namespace, labels: { ...OWNER_LABELS } },
                stringData: { "admin-user": "admin", "admin-password": this.grafanaAdminPassword },
            },
            { parent: this, dependsOn: [ns] },
        );

        // A Helm release: the operator mounts the admission Secret only a hook Job makes, and its CRDs
        // (crds/, shared with the whole cluster) must outlive monitoring being switched off.
        const kps = pinnedRelease(KPS_FULLNAME, CHARTS.kubePrometheusStack, namespace, kubePrometheusStackValues(args), {
            parent: this,
            dependsOn: [ns, adminSecret, ...(args.dependsOn ?? [])],
        });

        pinnedChart("prometheus-adapter", CHARTS.prometheusAdapter, namespace, {
            prometheus: { url: `http://${KPS_FULLNAME}-prometheus.${namespace}.svc`, port: 9090 },
            rules: adapterRules(monitoring.serveResourceMetrics, args.optional.jibri),
        }, { parent: this, dependsOn: [ns] });

        // Custom resources: their CRDs come with the kube-prometheus-stack chart.
        const afterCrds = { parent: this, dependsOn: [kps, args.jitsiNamespace] };
        for (const monitor of podMonitors(args.optional)) {
            new k8s.apiextensions.CustomResource(
                `jitsi-${monitor.component}`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: `jitsi-${monitor.component}`, namespace: namespaces.jitsi, labels: { ...OWNER_LABELS } },
                    spec: {
                        selector: { matchLabels: selectorLabels(monitor.component) },
                        podMetricsEndpoints: [
                            {
                                port: monitor.port,
                                path: "/metrics",
                                interval: "15s",
                                relabelings: [
                                    { sourceLabels: ["__meta_kubernetes_pod_label_app_kubernetes_io_instance"], targetLabel: SHARD_LABEL },
                                ],
                            },
                        ],
                    },
                },
                afterCrds,
            );
        }

        if (args.ingressNginxNamespace) {
            // The chart's own ServiceMonitor would need this chart's CRDs before ingress-nginx exists; this
            // one selects the controller's metrics Service (controller.metrics.enabled) from here instead.
            new k8s.apiextensions.CustomResource(
                "ingress-nginx",
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { name: "ingress-nginx", namespace, labels: { ...OWNER_LABELS } },
                    spec: {
                        namespaceSelector: { matchNames: [args.ingressNginxNamespace] },
                        selector: { matchLabels: INGRESS_NGINX_CONTROLLER_LABELS },
                        endpoints: [{ port: "metrics", interval: "30s" }],
                    },
                },
                { parent: this, dependsOn: [kps] },
            );
        }

        const receivers = alertReceivers(monitoring.alerts.receivers);
        if (receivers) {
            const config = new pulumi.Config(NAMESPACE);
            const credentials = new k8s.core.v1.Secret(
                "alertmanager-receivers",
                {
                    metadata: { name: ALERT_RECEIVERS_SECRET, namespace, labels: { ...OWNER_LABELS } },
                    stringData: Object.fromEntries(receivers.secretKeys.map(([setting, key]) => [key, config.requireSecret(setting)])),
                },
                { parent: this, dependsOn: [ns] },
            );
            new k8s.apiextensions.CustomResource(
                "alertmanager-receivers",
                {
                    apiVersion: "monitoring.coreos.com/v1alpha1",
                    kind: "AlertmanagerConfig",
                    metadata: { name: ALERTMANAGER_CONFIG, namespace, labels: { ...OWNER_LABELS } },
                    spec: receivers.spec,
                },
                { parent: this, dependsOn: [kps, credentials] },
            );
        }

        new k8s.apiextensions.CustomResource(
            "jitsi-alerts",
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "jitsi", namespace: namespaces.jitsi, labels: { ...OWNER_LABELS } },
                spec: { groups: [{ name: "jitsi", rules: alertRules(namespaces.jitsi, monitoring.alerts, args.optional) }] },
            },
            afterCrds,
        );

        new k8s.core.v1.ConfigMap(
            "jitsi-dashboard",
            {
                // Grafana's sidecar loads every ConfigMap with this label in its namespace.
                metadata: { name: "jitsi-dashboard", namespace, labels: { ...OWNER_LABELS, grafana_dashboard: "1" } },
                data: { "jitsi.json": JSON.stringify(jitsiDashboard(namespaces.jitsi, args.optional, args.datasourceVariable), null, 2) },
            },
            { parent: this, dependsOn: [ns] },
        );

        this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
    }

}

export function kubePrometheusStackValues(args: Pick<MonitoringStackArgs, "monitoring" | "namespaces" | "host">) {
    const { prometheus, alertmanager, grafana } = args.monitoring;
    // Monitors and rules are picked up from these namespaces only, whatever their labels.
    const watched = {
        matchExpressions: [
            { key: "kubernetes.io/metadata.name", operator: "In", values: [args.namespaces.monitoring, args.namespaces.jitsi] },
        ],
    };
    // This operator manages only this stack's Prometheus, Alertmanager and their configs: on a cluster that
    // already runs a Prometheus Operator, it does not reach for the other one's instances (templates/
    // prometheus-operator/deployment.yaml: --prometheus-instance-namespaces and the like; empty means all).
    const own = [args.namespaces.monitoring];
    return {
        fullnameOverride: KPS_FULLNAME,
        // crds/ of the crds subchart: Helm installs those absent and never deletes any (a Helm release).
        crds: { enabled: true },
        prometheusOperator: {
            prometheusInstanceNamespaces: own,
            alertmanagerInstanceNamespaces: own,
            alertmanagerConfigNamespaces: own,
            thanosRulerInstanceNamespaces: own,
        },
        prometheus: {
            prometheusSpec: {
                replicas: prometheus.replicas,
                retention: prometheus.retention,
                resources: resourceRequirements(prometheus.resources),
                storageSpec: {
                    volumeClaimTemplate: {
                        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: prometheus.storage } } },
                    },
                },
                // Kubernetes' default, stated: the claims outlive the StatefulSet, which the operator deletes and
                // recreates on a storage change (prometheus-operator v0.93.0 pkg/k8s/statefulset.go ForceUpdateStatefulSet).
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                podMonitorSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                podMonitorNamespaceSelector: watched,
                serviceMonitorNamespaceSelector: watched,
                ruleNamespaceSelector: watched,
            },
        },
        alertmanager: {
            alertmanagerSpec: {
                replicas: alertmanager.replicas,
                // With receivers configured, the AlertmanagerConfig is the whole configuration; else the chart's (no receiver).
                ...(hasReceivers(args.monitoring.alerts.receivers) ? { alertmanagerConfiguration: { name: ALERTMANAGER_CONFIG } } : {}),
            },
        },
        // prometheus-adapter's resource rules, and node dashboards, group node metrics by a `node` label.
        "prometheus-node-exporter": {
            prometheus: { monitor: { relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" }] } },
        },
        grafana: {
            admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
            persistence: {
                enabled: true,
                type: "pvc",
                size: grafana.storage,
                accessModes: ["ReadWriteOnce"],
                // The release's uninstall keeps the claim and its next install adopts it again under the same release
                // name. (A helm.v4.Chart would make it retainOnDelete, pulumi-kubernetes helm/v4/chart_test.go, and
                // then refuse to create it again on the default provider: "already exists".)
                annotations: { [HELM_KEEP.key]: HELM_KEEP.value },
            },
            // A ReadWriteOnce volume cannot attach to a new pod on another node while the old one holds it.
            deploymentStrategy: { type: "Recreate" },
            "grafana.ini": {
                server: { root_url: `https://${args.host}${GRAFANA_PATH}`, serve_from_sub_path: true },
            },
            // No certificate of its own: ingress-nginx serves one certificate per host, the one the Jitsi
            // Ingress orders for this host (Let's Encrypt allows 5 duplicate certificates a week).
            ingress: {
                enabled: true,
                ingressClassName: INGRESS_CLASS,
                hosts: [args.host],
                path: GRAFANA_PATH,
                pathType: "Prefix",
            },
            sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1" } },
        },
    };
}

/**
 * The adapter serves the metrics the autoscalers consume, averaged per pod, to the custom metrics API:
 * `jitsi_jvb_stress`, and `jitsi_jibri_recording` when a Jibri pool runs. It registers the resource
 * metrics API (v1beta1.metrics.k8s.io) only when metrics-server does not.
 */
export function adapterRules(serveResourceMetrics: boolean, recording = false) {
    const perPod = (metric: string) => ({
        seriesQuery: `${metric}{namespace!="",pod!=""}`,
        resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
        name: { matches: `^${metric}$`, as: metric },
        metricsQuery: "avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
    });
    return {
        default: false,
        custom: [perPod(JVB_STRESS_METRIC), ...(recording ? [perPod(JIBRI_BUSY_METRIC)] : [])],
        external: [],
        ...(serveResourceMetrics ? { resource: resourceMetricRules() } : {}),
    };
}

function resourceMetricRules() {
    const overrides = { node: { resource: "node" }, namespace: { resource: "namespace" }, pod: { resource: "pod" } };
    return {
        cpu: {
            containerQuery: 'sum by (<<.GroupBy>>) (rate(container_cpu_usage_seconds_total{container!="",<<.LabelMatchers>>}[3m]))',
            nodeQuery: 'sum by (<<.GroupBy>>) (rate(node_cpu_seconds_total{mode!="idle",mode!="iowait",mode!="steal",<<.LabelMatchers>>}[3m]))',
            resources: { overrides },
            containerLabel: "container",
        },
        memory: {
            containerQuery: 'sum by (<<.GroupBy>>) (container_memory_working_set_bytes{container!="",<<.LabelMatchers>>})',
            nodeQuery: "sum by (<<.GroupBy>>) (node_memory_MemTotal_bytes{<<.LabelMatchers>>} - node_memory_MemAvailable_bytes{<<.LabelMatchers>>})",
            resources: { overrides },
            containerLabel: "container",
        },
        window: "3m",
    };
}

type Receivers = StackConfig["monitoring"]["alerts"]["receivers"];

function hasReceivers(r: Receivers): boolean {
    return r.email !== undefined || r.webhook !== undefined || r.chat !== undefined;
}

/**
 * Alertmanager's configuration when any receiver is set: every alert to one receiver with each
 * configured channel, except the always-firing Watchdog. Credentials come from the Secret by reference
 * (AlertmanagerConfig v1alpha1: authPassword, urlSecret, apiURL are SecretKeySelectors).
 */
export function alertReceivers(r: Receivers) {
    if (!hasReceivers(r)) return undefined;
    const secretKeys: [SecretKey, string][] = [];
    const ref = (setting: SecretKey, key: string) => {
        secretKeys.push([setting, key]);
        return { name: ALERT_RECEIVERS_SECRET, key };
    };
    const receiver: Record<string, unknown> = { name: "jitsi" };
    if (r.email) {
        receiver.emailConfigs = [
            {
                to: r.email.to,
                from: r.email.from,
                smarthost: r.email.smarthost,
                requireTLS: r.email.requireTls,
                sendResolved: true,
                ...(r.email.username ? { authUsername: r.email.username, authPassword: ref("alertEmailPassword", "email-password") } : {}),
            },
        ];
    }
    if (r.webhook) receiver.webhookConfigs = [{ urlSecret: ref("alertWebhookUrl", "webhook-url"), sendResolved: r.webhook.sendResolved }];
    if (r.chat) {
        receiver.slackConfigs = [
            { apiURL: ref("alertChatWebhookUrl", "chat-url"), sendResolved: r.chat.sendResolved, ...(r.chat.channel ? { channel: r.chat.channel } : {}) },
        ];
    }
    return {
        secretKeys,
        spec: {
            route: {
                receiver: "jitsi",
                groupBy: ["alertname", "namespace"],
                routes: [{ receiver: "null", matchers: [{ name: "alertname", value: "Watchdog|InfoInhibitor", matchType: "=~" }] }],
            },
            receivers: [{ name: "null" }, receiver],
        },
    };
}

/**
 * Parts a stack may not run. Their monitors and alerts exist only where they run: an alert on
 * `absent(...)` of a part the stack never deploys would fire for ever.
 */
export interface OptionalMonitors {
    /** This stack's own coturn (TURN on, not external). */
    turn: boolean;
    /** Visitor nodes: their count on the dashboard. */
    visitors: boolean;
    jibri: boolean;
    whiteboard: boolean;
    /** The SIP gateway pool: its calls on the dashboard, and an alert when it is not registered. */
    jigasi: boolean;
    transcription: boolean;
}

/** What Prometheus scrapes in the Jitsi namespace, by the named container port that serves /metrics. */
export function podMonitors(optional: OptionalMonitors): { component: Component; port: string }[] {
    return [
        { component: "jvb", port: "metrics" },
        { component: "jicofo", port: "http" },
        { component: "prosody", port: "http" },
        { component: "router", port: "metrics" },
        ...(optional.turn ? [{ component: "turn" as const, port: "metrics" }] : []),
        ...(optional.jibri ? [{ component: "jibri" as const, port: "http" }] : []),
        ...(optional.whiteboard ? [{ component: "whiteboard" as const, port: "metrics" }] : []),
        ...(optional.jigasi ? [{ component: "jigasi" as const, port: "http" }] : []),
        ...(optional.transcription ? [{ component: "transcriber" as const, port: "http" }] : []),
    ];
}

export function alertRules(namespace: string, alerts: StackConfig["monitoring"]["alerts"], optional: OptionalMonitors) {
    const ns = `namespace="${namespace}"`;
    const singleton = (component: "prosody" | "jicofo", what: string) => ({
        alert: `Jitsi${component[0].toUpperCase()}${component.slice(1)}Down`,
        expr: `kube_deployment_status_replicas_available{${ns}, deployment=~".+-${component}"} < 1`,
        for: "2m",
        labels: { severity: "critical" },
        annotations: {
            summary: `{{ $labels.deployment }} is down`,
            description: `The shard's ${component} has no available pod: ${what}.`,
        },
    });
    return [
        singleton("prosody", "no conference on the shard can start or continue"),
        singleton("jicofo", "no conference on the shard can start"),
        {
            alert: "JitsiJvbUnhealthy",
            expr: `jitsi_jvb_healthy{${ns}} == 0 or up{${ns}, container="jvb"} == 0`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: { summary: "JVB {{ $labels.pod }} is unhealthy", description: "The bridge fails its own health check or cannot be scraped." },
        },
        {
            alert: "JitsiJvbStressHigh",
            // A bridge shutting down gracefully keeps its meetings until they end and takes no new one:
            // its stress is not a capacity problem (jitsi-videobridge VideobridgeMetrics.kt: graceful_shutdown).
            expr: `${JVB_STRESS_METRIC}{${ns}} > ${alerts.jvbStressThreshold} unless on (namespace, pod) jitsi_jvb_graceful_shutdown{${ns}} == 1`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "JVB {{ $labels.pod }} stress is {{ $value | humanizePercentage }}",
                description: `Above ${alerts.jvbStressThreshold} for 5 minutes; media quality suffers. Check the autoscaler and the JVB CPU limit.`,
            },
        },
        {
            alert: "JitsiJvbAutoscalerAtMaximum",
            expr:
                `kube_horizontalpodautoscaler_status_current_replicas{${ns}, horizontalpodautoscaler=~".+-jvb"} ` +
                `>= kube_horizontalpodautoscaler_spec_max_replicas{${ns}, horizontalpodautoscaler=~".+-jvb"}`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "{{ $labels.horizontalpodautoscaler }} runs at its maximum",
                description: "The shard cannot add bridges; raise jitsi:jvb.maxReplicas or add a shard.",
            },
        },
        ...(optional.turn
            ? [
                  {
                      alert: "JitsiTurnDown",
                      // `absent` as well: with its only pod gone, there is no target left to report `up == 0`.
                      expr: `up{${ns}, container="coturn"} == 0 or absent(up{${ns}, container="coturn"})`,
                      for: "5m",
                      labels: { severity: "critical" },
                      annotations: {
                          summary: "The TURN server is down",
                          description: "Participants whose network blocks UDP cannot send media until coturn is back (kubectl -n jitsi describe deployment turn).",
                      },
                  },
              ]
            : []),
        ...(optional.jigasi
            ? [
                  {
                      alert: "JitsiJigasiUnregistered",
                      // The gateway is ready when registered (lib/jigasi.ts jigasiReadyScript: jigasi answers 503
                      // while SipGateway.isReady is false), or also passes its test call when asked for one.
                      expr: `kube_pod_container_status_ready{${ns}, container="jigasi"} == 0`,
                      for: "5m",
                      labels: { severity: "critical" },
                      annotations: {
                          summary: "SIP gateway {{ $labels.pod }} is not registered with the provider",
                          description: "Nobody can dial in through it (nor dial out, where on): check jitsi:jigasi.sip and jitsi:jigasiSipPassword, and the provider (kubectl -n jitsi logs {{ $labels.pod }}); kubectl -n jitsi describe pod {{ $labels.pod }} shows what /about/health answered (with jigasi.healthCheckSipUri, a failed test call).",
                      },
                  },
              ]
            : []),
        {
            alert: "JitsiIceFailuresRising",
            expr: `sum by (${SHARD_LABEL}) (increase(jitsi_jvb_ice_failed_total{${ns}}[15m])) > ${alerts.iceFailures}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "ICE failures on {{ $labels.shard }}",
                description: "Clients cannot reach the bridges' UDP ports: check the firewall for the jvbUdpPorts output and the advertised addresses.",
            },
        },
    ];
}
