/**
 * The Jitsi Grafana dashboard, built here so that its queries use the same metric names and labels
 * as the rest of the program. The MonitoringStack provisions it through Grafana's dashboard sidecar.
 */
import { CALLS_PER_JIGASI, JIGASI_CONFERENCES_METRIC } from "./jigasi";
import { JVB_STRESS_METRIC } from "./metrics";

/** Label the PodMonitors copy from the pods' `app.kubernetes.io/instance`. */
export const SHARD_LABEL = "shard";

/**
 * jicofo's gauges of the conferences and participants its shard holds (jicofo ConferenceMetrics.kt,
 * namespace jitsi_jicofo; its health check's own test conferences are not counted). A drained shard
 * is empty when both are 0; the runbook gives the query.
 */
export const JICOFO_CONFERENCES_METRIC = "jitsi_jicofo_conferences";
export const JICOFO_PARTICIPANTS_METRIC = "jitsi_jicofo_participants_current";
/** Of those, the visitors (ConferenceMetrics.kt "visitors_current"): 0 unless visitors are on. */
export const JICOFO_VISITORS_METRIC = "jitsi_jicofo_visitors_current";

/** What a drained shard waits for: its conferences, by shard. */
export function shardConferencesQuery(namespace: string): string {
    return `sum by (${SHARD_LABEL}) (${JICOFO_CONFERENCES_METRIC}{namespace="${namespace}"})`;
}

interface Panel {
    title: string;
    expr: string;
    legend: string;
    unit?: string;
}

/**
 * The router's view of each shard (HAProxy's Prometheus exporter, addons/promex at 3.2: one series per
 * state, 1 for the current one; promex_srv_status): UP takes new rooms unless `drain` is set in the
 * stack file (weight 0 is still UP there: the exporter's DRAIN is HAProxy's admin drain, which nothing
 * here sets), NOLB means its jicofo or prosody fails (web answers 404: no new room, its own rooms stay),
 * DOWN its web does not answer (test/router.test.ts reads these from a real HAProxy).
 */
export function routerShardStateQuery(namespace: string): string {
    return `max by (server, state) (haproxy_server_status{namespace="${namespace}", proxy="shards"}) == 1`;
}

/** Panels of parts a stack may not run: this stack's own coturn, visitor nodes. */
export interface OptionalPanels {
    turn: boolean;
    visitors: boolean;
    jigasi: boolean;
    transcription: boolean;
}

export function jitsiPanels(namespace: string, optional: OptionalPanels): Panel[] {
    const ns = `namespace="${namespace}"`;
    return [
        { title: "Conferences per shard (jicofo; a drained shard is empty at 0)", expr: shardConferencesQuery(namespace), legend: `{{${SHARD_LABEL}}}` },
        { title: "Participants per shard (jicofo, visitors included)", expr: `sum by (${SHARD_LABEL}) (${JICOFO_PARTICIPANTS_METRIC}{${ns}})`, legend: `{{${SHARD_LABEL}}}` },
        { title: "Participants per shard", expr: `sum by (${SHARD_LABEL}) (jitsi_jvb_local_endpoints{${ns}})`, legend: `{{${SHARD_LABEL}}}` },
        { title: "Conferences per shard", expr: `sum by (${SHARD_LABEL}) (jitsi_jvb_conferences{${ns}})`, legend: `{{${SHARD_LABEL}}}` },
        { title: "Stress per JVB", expr: `${JVB_STRESS_METRIC}{${ns}}`, legend: "{{pod}}", unit: "percentunit" },
        {
            title: "JVB replicas per shard",
            expr: `kube_statefulset_status_replicas_ready{${ns}, statefulset=~".+-jvb"}`,
            legend: "{{statefulset}}",
        },
        {
            title: "JVB bitrate out",
            expr: `sum by (${SHARD_LABEL}) (jitsi_jvb_outgoing_bitrate{${ns}})`,
            legend: `{{${SHARD_LABEL}}}`,
            unit: "bps",
        },
        {
            title: "JVB bitrate in",
            expr: `sum by (${SHARD_LABEL}) (jitsi_jvb_incoming_bitrate{${ns}})`,
            legend: `{{${SHARD_LABEL}}}`,
            unit: "bps",
        },
        {
            title: "ICE failures (15m)",
            expr: `sum by (${SHARD_LABEL}) (increase(jitsi_jvb_ice_failed_total{${ns}}[15m]))`,
            legend: `{{${SHARD_LABEL}}}`,
        },
        { title: "Router: each shard's state (UP takes new rooms unless drained in the stack file, NOLB its signalling fails: keeps its own, DOWN its web does not answer)", expr: routerShardStateQuery(namespace), legend: "{{server}} {{state}}" },
        ...(optional.visitors ? [{ title: "Visitors per shard (watching large events)", expr: `sum by (${SHARD_LABEL}) (${JICOFO_VISITORS_METRIC}{${ns}})`, legend: `{{${SHARD_LABEL}}}` }] : []),
        // coturn's gauge of current allocations (src/apps/relay/prom_server.c at 4.17.0): each holds a relay port.
        // One conference per call, and per captioned meeting.
        ...(optional.jigasi ? [{ title: `Phone calls per SIP gateway (about ${CALLS_PER_JIGASI} each at most)`, expr: `sum by (pod) (${JIGASI_CONFERENCES_METRIC}{${ns}, container="jigasi"})`, legend: "{{pod}}" }] : []),
        ...(optional.transcription ? [{ title: "Captioned meetings per transcriber", expr: `sum by (pod) (${JIGASI_CONFERENCES_METRIC}{${ns}, container="transcriber"})`, legend: "{{pod}}" }] : []),
        ...(optional.turn ? [{ title: "TURN relays in use (at most one per turn.relayPorts port)", expr: `sum by (type) (turn_total_allocations{${ns}})`, legend: "{{type}}" }] : []),
    ];
}

/**
 * A dashboard variable of type `datasource` over every Prometheus data source, the cluster's own first
 * (uid `prometheus`, the chart's default data source): among several clusters it picks whose Prometheus
 * every panel asks (stack/monitoringClusters.ts gives each Grafana the others').
 */
const DATASOURCE_VARIABLE = {
    name: "datasource",
    label: "Prometheus",
    type: "datasource",
    query: "prometheus",
    current: { text: "Prometheus", value: "prometheus" },
    hide: 0,
    includeAll: false,
    multi: false,
    refresh: 1,
    regex: "",
};

/** `datasourceVariable`: panels ask the data source the viewer picks; unset, the chart's Prometheus, as with one cluster. */
export function jitsiDashboard(namespace: string, optional: OptionalPanels, datasourceVariable = false): Record<string, unknown> {
    return {
        uid: "jitsi-meet",
        title: "Jitsi Meet",
        tags: ["jitsi"],
        timezone: "browser",
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        schemaVersion: 39,
        templating: { list: datasourceVariable ? [DATASOURCE_VARIABLE] : [] },
        panels: jitsiPanels(namespace, optional).map((p, i) => ({
            id: i + 1,
            type: "timeseries",
            title: p.title,
            datasource: { type: "prometheus", uid: datasourceVariable ? "${datasource}" : "prometheus" },
            gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
            fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
            targets: [{ refId: "A", expr: p.expr, legendFormat: p.legend }],
        })),
    };
}
