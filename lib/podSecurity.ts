/**
 * Pod Security admission: the level each owned namespace enforces, and the labels that ask for it.
 * Pinned to the oldest Kubernetes the stack supports, so a cluster upgrade cannot tighten a level
 * under running pods unannounced.
 */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export const POD_SECURITY_VERSION = "v1.29";

export interface PodSecurity {
    /** What admission refuses below. */
    enforce: PodSecurityLevel;
    /** What `kubectl apply` warns about and the audit log records: the next level up where enforce is lower. */
    report: PodSecurityLevel;
}

/** Namespaces whose pods this program declares, all restricted. */
export const RESTRICTED: PodSecurity = { enforce: "restricted", report: "restricted" };
/**
 * Namespaces of charts whose pods use no host namespaces, host paths or privilege (baseline), but whose
 * full restricted compliance is their project's to keep: gaps show as warnings, not refusals.
 */
export const CHART_DEFAULT: PodSecurity = { enforce: "baseline", report: "restricted" };
/** Node agents that read the host (node-exporter, Filebeat); README "Security exceptions" names them. */
export const HOST_AGENTS: PodSecurity = { enforce: "privileged", report: "baseline" };

export function podSecurityLabels(level: PodSecurity): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const [mode, value] of [["enforce", level.enforce], ["warn", level.report], ["audit", level.report]] as const) {
        labels[`pod-security.kubernetes.io/${mode}`] = value;
        labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
    }
    return labels;
}
