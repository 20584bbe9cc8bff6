/** Labels follow the Kubernetes recommended set, so that dashboards and `kubectl -l` work as expected. */

export const APP_NAME = "jitsi-meet";

export type Component = "prosody" | "jicofo" | "web" | "jvb" | "router" | "turn" | "etherpad" | "whiteboard" | "jibri" | "visitors" | "jigasi" | "transcriber" | "vosk" | "prometheus-gateway";

/** The labels a selector matches on: stable for the life of the object, since selectors are immutable. */
export function selectorLabels(component: Component, shard?: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": APP_NAME,
        "app.kubernetes.io/component": component,
        ...(shard === undefined ? {} : { "app.kubernetes.io/instance": shard }),
    };
}

/** Who owns an object: on everything this program creates. */
export const OWNER_LABELS: Readonly<Record<string, string>> = {
    "app.kubernetes.io/part-of": "jitsi",
    "app.kubernetes.io/managed-by": "pulumi",
};

/** Selector labels plus the owner labels. */
export function labels(component: Component, shard?: string): Record<string, string> {
    return { ...selectorLabels(component, shard), ...OWNER_LABELS };
}
