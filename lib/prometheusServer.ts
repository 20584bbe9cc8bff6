/**
 * Who the MonitoringStack's Prometheus server is, as the NetworkPolicies and the policy pack see it.
 * No dependencies: policy/invariants.ts loads it too.
 */

/** The kube-prometheus-stack release's fullnameOverride: it names the chart's Services and its Prometheus object. */
export const KPS_FULLNAME = "kube-prometheus-stack";

/**
 * The Prometheus object the chart makes: `<fullname>-prometheus` (kube-prometheus-stack 88.5.3
 * templates/_helpers.tpl "kube-prometheus-stack.prometheus.crname", with cleanPrometheusOperatorObjectNames
 * false, its default in values.yaml).
 */
export const PROMETHEUS_OBJECT = `${KPS_FULLNAME}-prometheus`;

/**
 * Labels the Prometheus Operator puts on every pod of that Prometheus object, and which podMetadata
 * cannot override (chart 88.5.3 pins operator v0.93.1; read at v0.93.0: pkg/prometheus/server/operator.go
 * makeSelectorLabels, merged into the pod labels in pkg/prometheus/server/statefulset.go lines 223-226, and
 * the reserved list in pkg/apis/monitoring/v1/prometheus_types.go CommonPrometheusFields.PodMetadata;
 * unchanged at main 6adcebc of 2026-08-08, which follows v0.93.0; the v0.93.1 tag itself was not in the mirror).
 * Grafana, Alertmanager, kube-state-metrics, node-exporter and prometheus-adapter carry neither.
 */
export const PROMETHEUS_SERVER_POD_LABELS = {
    "app.kubernetes.io/name": "prometheus",
    "operator.prometheus.io/name": PROMETHEUS_OBJECT,
} as const;
