/**
 * Upstream is the truth, for metrics: every metric name the alerts, the dashboard and
 * prometheus-adapter's rules query comes from the pinned upstream, written down like the env tables:
 * the metric, the image or chart and its version, and the source file that registers it. A query of a
 * metric nobody registers would show an empty panel or an alert that never fires, silently.
 */
import * as assert from "assert";
import { runProgramOk, withConfig } from "./harness";
import { named, Obj } from "./objects";
import { ACCESS_VARIANTS, EVERY_GATEWAY } from "./variants";

const JVB = "ghcr.io/jitsi/jvb:stable-11146-2: jitsi-videobridge jvb/src/main/kotlin/org/jitsi/videobridge/";
const JVB_NS = " (namespace jitsi_jvb: metrics/VideobridgeMetricsContainer.kt)";
const JICOFO = "ghcr.io/jitsi/jicofo:stable-11146-2: jicofo jicofo/src/main/kotlin/org/jitsi/jicofo/conference/ConferenceMetrics.kt (namespace jitsi_jicofo: jicofo-common metrics/JicofoMetricsContainer.kt)";
// kube-prometheus-stack 88.5.3 depends on the kube-state-metrics chart 8.4.0, whose appVersion is 2.20.0.
const KSM = "kube-state-metrics v2.20.0 (chart kube-prometheus-stack 88.5.3): internal/store/";

const METRIC_SOURCES: Record<string, string> = {
    jitsi_jvb_stress: `${JVB}metrics/VideobridgeMetrics.kt ("stress")${JVB_NS}`,
    jitsi_jvb_healthy: `${JVB}health/JvbHealthChecker.kt ("healthy")${JVB_NS}`,
    jitsi_jvb_graceful_shutdown: `${JVB}metrics/VideobridgeMetrics.kt ("graceful_shutdown")${JVB_NS}`,
    jitsi_jvb_local_endpoints: `${JVB}metrics/VideobridgeMetrics.kt ("local_endpoints")${JVB_NS}`,
    jitsi_jvb_conferences: `${JVB}metrics/VideobridgeMetrics.kt ("conferences")${JVB_NS}`,
    jitsi_jvb_incoming_bitrate: `${JVB}metrics/VideobridgePeriodicMetrics.kt ("incoming_bitrate")${JVB_NS}`,
    jitsi_jvb_outgoing_bitrate: `${JVB}metrics/VideobridgePeriodicMetrics.kt ("outgoing_bitrate")${JVB_NS}`,
    // A counter: the Prometheus client adds _total.
    jitsi_jvb_ice_failed_total: `${JVB}transport/ice/IceTransport.kt (counter "ice_failed")${JVB_NS}`,
    jitsi_jicofo_conferences: `${JICOFO} ("conferences")`,
    jitsi_jicofo_participants_current: `${JICOFO} ("participants_current")`,
    jitsi_jicofo_visitors_current: `${JICOFO} ("visitors_current")`,
    jitsi_jibri_recording: "ghcr.io/jitsi/jibri:stable-11146-2: jibri src/main/kotlin/org/jitsi/jibri/metrics/JibriMetrics.kt (boolean \"recording\"; namespace jitsi_jibri: JibriMetricsContainer.kt)",
    jitsi_jigasi_conferences:
        "ghcr.io/jitsi/jigasi:stable-11146-2: jigasi src/main/java/org/jitsi/jigasi/stats/Statistics.java (long gauge CONFERENCES, \"conferences\" in jitsi-xmpp-extensions ColibriStatsExtension; namespace jitsi_jigasi: metrics/JigasiMetricsContainer.java)",
    kube_pod_container_status_ready: `${KSM}pod.go`,
    turn_total_allocations: "coturn/coturn:4.17.0-r0 (coturn 4.17.0): src/apps/relay/prom_server.c (gauge with label type)",
    haproxy_server_status: "haproxy:3.2.25 (HAProxy 3.2): addons/promex/service-prometheus.c (state label DOWN, UP, MAINT, DRAIN, NOLB) and src/stats-proxy.c (\"status\")",
    kube_deployment_status_replicas_available: `${KSM}deployment.go`,
    kube_horizontalpodautoscaler_status_current_replicas: `${KSM}horizontalpodautoscaler.go`,
    kube_horizontalpodautoscaler_spec_max_replicas: `${KSM}horizontalpodautoscaler.go`,
    kube_statefulset_status_replicas_ready: `${KSM}statefulset.go`,
    up: "Prometheus itself: one per scrape target, 1 while the target answers",
};

/** PromQL keywords and functions that a metric-name scan would otherwise take for metrics. */
const PROMQL_WORDS = new Set(["sum", "by", "max", "min", "avg", "count", "increase", "rate", "absent", "unless", "on", "or", "and", "ignoring", "without"]);

function metricNames(expr: string): string[] {
    const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\[[^\]]*\]/g, "");
    const inBraces = withoutStrings.replace(/\{[^}]*\}/g, (m) => " ".repeat(m.length));
    const byClauses = inBraces.replace(/\b(by|on|without|ignoring)\s*\([^)]*\)/g, " ");
    return [...byClauses.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b/g)].map((m) => m[1]).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
}

describe("upstream facts: the metrics every query reads", function () {
    this.timeout(60_000);
    let queried: Map<string, string[]>;

    before(async () => {
        // Every optional part on, so every conditional panel, alert and adapter rule is there.
        const run = await runProgramOk(withConfig(ACCESS_VARIANTS["all extras"](), { ...EVERY_GATEWAY, "jitsi:visitors": { enabled: true, allowAnonymous: true } }, ["jitsi:jigasiSipPassword"]));
        const rules = named(run, "PrometheusRule", "jitsi").spec.groups[0].rules as Obj[];
        const panels = JSON.parse(named(run, "ConfigMap", "jitsi-dashboard").data["jitsi.json"]).panels as Obj[];
        const adapter = run.resources.find((r) => r.name === "prometheus-adapter")!.inputs.values.rules.custom as Obj[];
        const exprs: [string, string][] = [
            ...rules.map((r): [string, string] => [`alert ${r.alert}`, r.expr]),
            ...panels.map((p): [string, string] => [`panel ${p.title}`, p.targets[0].expr]),
            ...adapter.map((r): [string, string] => [`adapter ${r.name.as}`, r.seriesQuery]),
        ];
        queried = new Map();
        for (const [where, expr] of exprs) for (const m of metricNames(expr)) queried.set(m, [...(queried.get(m) ?? []), where]);
    });

    it("reads the metric names out of queries, and not their labels, functions or strings", () => {
        assert.deepStrictEqual(metricNames('sum by (shard) (increase(jitsi_jvb_ice_failed_total{namespace="jitsi"}[15m])) > 10'), ["jitsi_jvb_ice_failed_total"]);
        assert.deepStrictEqual(
            metricNames('jitsi_jvb_stress{namespace="jitsi"} > 0.8 unless on (namespace, pod) jitsi_jvb_graceful_shutdown{namespace="jitsi"} == 1'),
            ["jitsi_jvb_stress", "jitsi_jvb_graceful_shutdown"],
        );
    });

    it("knows where every queried metric is registered upstream", () => {
        const unknown = [...queried].filter(([m]) => !(m in METRIC_SOURCES)).map(([m, where]) => `${m} (${where.join(", ")})`);
        assert.deepStrictEqual(unknown, []);
    });

    it("lists no metric that nothing queries any more", () => {
        assert.deepStrictEqual(Object.keys(METRIC_SOURCES).filter((m) => !queried.has(m)), []);
    });

    it("covers the bridges, jicofo, Jibri, coturn, the router's HAProxy and kube-state-metrics", () => {
        for (const prefix of ["jitsi_jvb_", "jitsi_jicofo_", "jitsi_jibri_", "jitsi_jigasi_", "turn_", "haproxy_", "kube_"]) {
            assert.ok([...queried.keys()].some((m) => m.startsWith(prefix)), prefix);
        }
    });
});
