/**
 * The custom metric the JVB autoscaler consumes. The MonitoringStack's prometheus-adapter rule
 * serves a metric of exactly this name; a test ties the two together.
 */
export const JVB_STRESS_METRIC = "jitsi_jvb_stress";

/** JVBs serve health and Prometheus metrics on this HTTP port (/about/health, /metrics). */
export const JVB_HTTP_PORT = 8080;

/** An autoscaler target: the pods' average of a per-pod metric, a fraction expressed in milli-units (quantities are strings). */
export function averagePodMetric(metric: string, target: number) {
    return {
        type: "Pods",
        pods: { metric: { name: metric }, target: { type: "AverageValue", averageValue: `${Math.round(target * 1000)}m` } },
    };
}
