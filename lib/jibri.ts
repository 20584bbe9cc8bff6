/**
 * Jibri, the recorder: a Chrome that joins the meeting as a hidden participant, and ffmpeg writing what
 * it shows. Facts from docker-jitsi-meet stable-11146-2 (jibri/rootfs) and jibri's sources (src/main).
 */
import * as k8s from "@pulumi/kubernetes";
import { gatewayPools, GatewaySettings } from "./jigasi";
import { envFlag, prosodyServiceName, PROSODY_PORTS, secretEnv, xmppEnv } from "./jitsi";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** 1 while the Jibri records, else 0 (JibriMetrics.kt: a boolean gauge "recording" in the jitsi_jibri namespace). */
export const JIBRI_BUSY_METRIC = "jitsi_jibri_recording";
/** Health, status and /metrics (HttpApi.kt). */
export const JIBRI_API_PORT = 2222;
/** gracefulShutdown; loopback only (InternalHttpApi.kt). */
export const JIBRI_INTERNAL_API_PORT = 3333;
export const JIBRI_HEALTH_PATH = "/jibri/api/v1.0/health";
/**
 * What GET JIBRI_HEALTH_PATH answers, always with 200 (HttpApi.kt: JibriHealth(jibriStatusManager.overallStatus,
 * ...)): `{"status": {"busyStatus": "IDLE"|"BUSY"|"EXPIRED", "health": {"healthStatus": "HEALTHY"|"UNHEALTHY",
 * "details": {...}}}, "environmentContext": {...}}` (JibriHealth.kt, JibriStatusManager.kt JibriStatus and
 * OverallHealth, ComponentBusyStatus.kt, ComponentHealthStatus.kt; the same object webhooks/v1/README.md shows).
 * A SYSTEM error (ffmpeg or Chrome failing for good, a full disk) makes it UNHEALTHY and nothing makes it
 * HEALTHY again (JibriManager.startService); EXPIRED means "needs a restart" (single-use mode). A Jibri that
 * records is BUSY and healthy: usable.
 */
export const JIBRI_USABLE_FILTER = '.status.health.healthStatus == "HEALTHY" and .status.busyStatus != "EXPIRED"';

/**
 * The exec probe: the health JSON must say usable (curl and jq are in the image: base/Dockerfile installs curl,
 * jibri/Dockerfile jq). `jq -e` exits non-zero on false or null, but 0 on an empty body, which it never
 * evaluates: `-n` with `input` makes a missing document an error. The kubelet runs it without a shell.
 */
export function jibriHealthProbeCommand(): string[] {
    const url = `http://127.0.0.1:${JIBRI_API_PORT}${JIBRI_HEALTH_PATH}`;
    return ["/bin/bash", "-c", `set -o pipefail; curl -fsS --max-time 5 ${url} | jq -en 'input | ${JIBRI_USABLE_FILTER}' > /dev/null`];
}
/** Where recordings land (jibri.conf: JIBRI_RECORDING_DIR, default /storage/recordings); the volume is /storage. */
export const JIBRI_STORAGE_DIR = "/storage";
/**
 * Chrome's shared memory: scripts/config exits unless shm-check finds /dev/shm at least 2 GiB (saghul/shm-check
 * v1.0.0 main.c: statvfs total >= 2ULL << 30). The kubelet caps the tmpfs at the pod's memory limit too, so
 * config/checks.ts refuses a smaller resources.jibri.limits.memory.
 */
export const JIBRI_SHM_SIZE = "2Gi";

/**
 * custom-jibri.conf, which jibri.conf includes last. Since jibri #603 the HTTP API listens on loopback
 * only (reference.conf: external-api-host = "127.0.0.1"); Prometheus must reach /metrics on it.
 * Older Jibris ignore the unknown key.
 */
export function jibriCustomConfig(metricsFromCluster: boolean): string {
    return [
        "# Written by jitsi-pulumi; included by the image's jibri.conf.",
        `jibri.api.http.external-api-host = "${metricsFromCluster ? "0.0.0.0" : "127.0.0.1"}"`,
        "",
    ].join("\n");
}

export interface JibriEnvArgs {
    /** Every shard's name: the Jibri registers with each shard's prosody, so any meeting may use it. */
    shards: string[];
    publicUrl: string;
    timezone: string;
    /** Let Chrome accept a certificate no browser would (an ACME staging issuer's). */
    ignoreCertificateErrors: boolean;
    monitored: boolean;
}

export function jibriEnv(a: JibriEnvArgs): EnvVar[] {
    return [
        ...xmppEnv("jibri", {
            // defaults/xmpp.conf makes one environment per comma-separated server.
            xmppServer: a.shards.map((s) => `${prosodyServiceName(s)}:${PROSODY_PORTS.c2s}`).join(","),
            // Chrome opens PUBLIC_URL/<room>: the room router sends it to the meeting's shard.
            publicUrl: a.publicUrl,
            timezone: a.timezone,
        }),
        ...secretEnv("JIBRI_XMPP_PASSWORD", "JIBRI_RECORDER_PASSWORD"),
        // The nickname in the control room: the pod's name, so a busy Jibri is found with kubectl.
        { name: "JIBRI_INSTANCE_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        // The Xorg dummy display scripts/xorg starts; scripts/config refuses to start without it.
        { name: "DISPLAY", value: ":0" },
        { name: "JIBRI_ENABLE_PROMETHEUS", value: envFlag(a.monitored) },
        ...(a.ignoreCertificateErrors ? [{ name: "IGNORE_CERTIFICATE_ERRORS", value: "true" }] : []),
    ];
}

/**
 * Stopping a Jibri (scale-down, node drain, update) must not cut a recording: ask it to shut down when
 * idle, then wait while its API answers. It exits with 255 once idle, which halts the container
 * (scripts/jibri-finish), so the wait ends with the recording.
 */
export const JIBRI_PRE_STOP = [
    `curl -s -X POST http://127.0.0.1:${JIBRI_INTERNAL_API_PORT}/jibri/api/internal/v1.0/gracefulShutdown || exit 0`,
    `while curl -s -o /dev/null --max-time 5 http://127.0.0.1:${JIBRI_API_PORT}${JIBRI_HEALTH_PATH}; do sleep 10; done`,
].join("\n");

/**
 * The stack's pods that join meetings from inside the cluster, as a browser does: Jibri's Chrome and the
 * Jigasi pools. Each logs in to every prosody and sends media to the bridges from its pod address (ICE
 * picks the bridge's private candidate, and a NodePort or load balancer address is translated to the
 * bridge's pod before policies apply). An `ipBlock` never matches a pod's address on Cilium (GKE
 * Dataplane V2 and others: CIDR rules select only endpoints outside the cluster), so every policy on
 * their way admits them by pod selector.
 */
export function inClusterParticipants(recording: boolean, gateways?: GatewaySettings): ("jibri" | "jigasi" | "transcriber")[] {
    return [...(recording ? ["jibri" as const] : []), ...gatewayPools(gateways)];
}
