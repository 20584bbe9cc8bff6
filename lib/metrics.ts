/**
 * The custom metric the JVB autoscaler consumes. The MonitoringStack's prometheus-adapter rule
 * serves a metric of exactly this name; a test ties the two together.
 */
export const JVB_STRESS_METRIC = "jitsi_jvb_stress";

/** JVBs serve health and Prometheus metrics on this HTTP port (/about/health, /metrics). */
export const JVB_HTTP_PORT = 8080;
