/**
 * What the four Jitsi containers of a shard share: XMPP settings, secret references, and the
 * pod pieces the rootless, read-only images need. All pure, so tests can check them directly.
 */
import * as k8s from "@pulumi/kubernetes";
import { memoryBytes } from "./quantity";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Probe = k8s.types.input.core.v1.Probe;

export const JITSI_REGISTRY = "ghcr.io/jitsi";

export type JitsiImage = "web" | "prosody" | "jicofo" | "jvb" | "jibri" | "jigasi";
/** What runs from a Jitsi image: each image's own component, and the transcriber (the jigasi image in transcriber mode). */
export type JitsiComponent = JitsiImage | "transcriber";

export function jitsiImage(image: JitsiImage, tag: string): string {
    return `${JITSI_REGISTRY}/${image}:${tag}`;
}

/** The Kubernetes Secret holding the generated XMPP credentials, and its keys. */
export const AUTH_SECRET_NAME = "jitsi-auth";
export const SECRET_ENV = {
    jicofoAuthPassword: "JICOFO_AUTH_PASSWORD",
    jvbAuthPassword: "JVB_AUTH_PASSWORD",
    // prosody hands out TURN credentials derived from it; coturn checks them with it.
    turnSharedSecret: "TURN_CREDENTIALS",
    jwtAppSecret: "JWT_APP_SECRET",
    // Prosody registers both accounts (register-setup); every Jibri logs in with them.
    jibriXmppPassword: "JIBRI_XMPP_PASSWORD",
    jibriRecorderPassword: "JIBRI_RECORDER_PASSWORD",
    // Prosody registers jigasi@auth (register-setup); the gateway and the transcriber watch the brewery with it.
    jigasiXmppPassword: "JIGASI_XMPP_PASSWORD",
    // Prosody registers transcriber@hidden (register-setup, with ENABLE_TRANSCRIPTIONS); the transcriber joins meetings with it.
    jigasiTranscriberPassword: "JIGASI_TRANSCRIBER_PASSWORD",
    // Only the SIP gateway reads it.
    jigasiSipPassword: "JIGASI_SIP_PASSWORD",
    // Only the transcriber reads it, with backend whisper: the key it signs skynet's JWT with.
    jigasiWhisperPrivateKey: "JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY",
} as const;
export type SecretEnvName = (typeof SECRET_ENV)[keyof typeof SECRET_ENV];
/** The secret settings the Jitsi containers use (kept in the jitsi-auth Secret). */
export type JitsiSecretKey = keyof typeof SECRET_ENV;

/**
 * What the prosody image listens on: c2s and HTTP (BOSH, WebSocket, APIs). No component port: its
 * prosody.cfg.lua sets `component_ports = { }` (docker-jitsi-meet stable-11146-2, line 157), and
 * jicofo and the bridges log in as clients.
 */
export const PROSODY_PORTS = { c2s: 5222, http: 5280 } as const;
/** prosody's default component port, still declared on its container only (components/shard.ts says why). */
export const DECLARED_COMPONENT_PORT = 5347;
export const WEB_HTTP_PORT = 8000;
export const JICOFO_REST_PORT = 8888;
export const JVB_BREWERY_MUC = "jvbbrewery";

/** The internal XMPP domains; clients never see them, so the docker-jitsi-meet defaults serve every stack. */
export const XMPP_DOMAINS = {
    XMPP_DOMAIN: "meet.jitsi",
    XMPP_AUTH_DOMAIN: "auth.meet.jitsi",
    XMPP_MUC_DOMAIN: "muc.meet.jitsi",
    XMPP_INTERNAL_MUC_DOMAIN: "internal-muc.meet.jitsi",
    XMPP_GUEST_DOMAIN: "guest.meet.jitsi",
    XMPP_HIDDEN_DOMAIN: "hidden.meet.jitsi",
} as const;

export function prosodyServiceName(shard: string): string {
    return `${shard}-prosody`;
}

export function jicofoServiceName(shard: string): string {
    return `${shard}-jicofo`;
}

export function webServiceName(shard: string): string {
    return `${shard}-web`;
}

export interface XmppEnvArgs {
    /** The prosody the image connects to: its shard's, or for Jibri and Jigasi every shard's (`host:port,...`). */
    xmppServer: string;
    publicUrl: string;
    timezone: string;
}

type SharedSetting = keyof typeof XMPP_DOMAINS | "XMPP_SERVER" | "XMPP_PORT" | "PUBLIC_URL";

/**
 * Which of the shard's shared settings each image reads (docker-jitsi-meet stable-11146-2: the
 * templates and s6 scripts under <image>/rootfs). Setting one an image does not read would only
 * suggest a meaning it does not have; test/upstream.test.ts holds the images' variables.
 */
const SHARED_SETTINGS_READ: Record<JitsiComponent, SharedSetting[]> = {
    web: ["XMPP_DOMAIN", "XMPP_MUC_DOMAIN", "XMPP_GUEST_DOMAIN", "XMPP_HIDDEN_DOMAIN", "PUBLIC_URL"],
    prosody: [
        "XMPP_DOMAIN",
        "XMPP_AUTH_DOMAIN",
        "XMPP_MUC_DOMAIN",
        "XMPP_INTERNAL_MUC_DOMAIN",
        "XMPP_GUEST_DOMAIN",
        "XMPP_HIDDEN_DOMAIN",
        "XMPP_SERVER",
        "XMPP_PORT",
        "PUBLIC_URL",
    ],
    jicofo: ["XMPP_DOMAIN", "XMPP_AUTH_DOMAIN", "XMPP_MUC_DOMAIN", "XMPP_INTERNAL_MUC_DOMAIN", "XMPP_HIDDEN_DOMAIN", "XMPP_SERVER", "XMPP_PORT"],
    jvb: ["XMPP_AUTH_DOMAIN", "XMPP_INTERNAL_MUC_DOMAIN", "XMPP_SERVER", "XMPP_PORT"],
    // Its XMPP_SERVER carries each prosody's port (defaults/xmpp.conf); PUBLIC_URL is the site Chrome opens.
    jibri: ["XMPP_DOMAIN", "XMPP_AUTH_DOMAIN", "XMPP_INTERNAL_MUC_DOMAIN", "XMPP_MUC_DOMAIN", "XMPP_HIDDEN_DOMAIN", "XMPP_SERVER", "PUBLIC_URL"],
    // Its XMPP_SERVER, like Jibri's, lists every prosody with its port (defaults/xmpp-sip-communicator.properties).
    jigasi: ["XMPP_DOMAIN", "XMPP_AUTH_DOMAIN", "XMPP_MUC_DOMAIN", "XMPP_INTERNAL_MUC_DOMAIN", "XMPP_GUEST_DOMAIN", "XMPP_SERVER", "PUBLIC_URL"],
    transcriber: ["XMPP_AUTH_DOMAIN", "XMPP_MUC_DOMAIN", "XMPP_INTERNAL_MUC_DOMAIN", "XMPP_HIDDEN_DOMAIN", "XMPP_SERVER", "PUBLIC_URL"],
};

/** The shard's shared settings that this component's image reads, with the same values for all of them. */
export function xmppEnv(component: JitsiComponent, args: XmppEnvArgs): EnvVar[] {
    const values: Record<SharedSetting, string> = {
        ...XMPP_DOMAINS,
        XMPP_SERVER: args.xmppServer,
        XMPP_PORT: String(PROSODY_PORTS.c2s),
        PUBLIC_URL: args.publicUrl,
    };
    return [
        ...SHARED_SETTINGS_READ[component].map((name) => ({ name, value: values[name] })),
        // Read by the C library (tzdata is in the base image) for log timestamps.
        { name: "TZ", value: args.timezone },
        // /run is an emptyDir, which Kubernetes creates world-writable; s6-overlay refuses that unless told.
        { name: "S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES", value: "1" },
    ];
}

/** A switch as the images' templates read it (tpl's toBool takes "true" and "false"). */
export function envFlag(on: boolean): string {
    return on ? "true" : "false";
}

export function secretEnv(...names: SecretEnvName[]): EnvVar[] {
    return names.map((name) => ({
        name,
        valueFrom: { secretKeyRef: { name: AUTH_SECRET_NAME, key: name } },
    }));
}

/** Java heap for a container: three quarters of its memory limit, the rest for native and direct buffers. */
export function javaHeap(memoryLimit: string): string {
    return `${Math.floor((memoryBytes(memoryLimit) * 0.75) / 2 ** 20)}m`;
}

/**
 * The images run as uid 1000 with a read-only root filesystem; they write only to /run, /tmp,
 * /config and the extra paths given here, which therefore get emptyDirs: 64Mi for /run and /tmp,
 * 256Mi for the others, unless `sizes` says otherwise for a directory.
 */
export function writableDirs(extra: Record<string, string> = {}, sizes: Record<string, string> = {}): { volumes: Volume[]; volumeMounts: VolumeMount[] } {
    const dirs: Record<string, string> = { run: "/run", tmp: "/tmp", config: "/config", ...extra };
    const size = (name: string) => sizes[name] ?? (name === "run" || name === "tmp" ? "64Mi" : "256Mi");
    return {
        volumes: Object.keys(dirs).map((name) => ({ name, emptyDir: { sizeLimit: size(name) } })),
        volumeMounts: Object.entries(dirs).map(([name, mountPath]) => ({ name, mountPath })),
    };
}

export const JITSI_UID = 1000;

/**
 * Non-root, read-only, no escalation, every capability dropped but those the image's binaries carry
 * as file capabilities (`requiredCapabilities`): without them in the bounding set, they cannot be executed.
 */
export function restrictedSecurityContext(uid: number, keep: string[] = []): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsUser: uid,
        runAsGroup: uid,
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: keep.length > 0 ? { drop: ["ALL"], add: keep } : { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function httpProbe(path: string, port: number, opts: Partial<Probe> = {}): Probe {
    return { httpGet: { path, port }, periodSeconds: 10, timeoutSeconds: 5, ...opts };
}

/**
 * prosody's health, main or visitor node: the image's own script asks /health from inside the pod,
 * because mod_http_health answers only loopback addresses and the kubelet's probe comes from the node.
 */
export function prosodyProbes(): { readinessProbe: Probe; livenessProbe: Probe } {
    return probes({ exec: { command: ["/usr/local/bin/healthcheck.sh"] }, periodSeconds: 10, timeoutSeconds: 5 });
}

/** Readiness answers quickly; liveness waits longer, so a slow start or a busy moment is not a restart. */
export function probes(probe: Probe): { readinessProbe: Probe; livenessProbe: Probe } {
    return {
        readinessProbe: { ...probe, initialDelaySeconds: 5, failureThreshold: 3 },
        livenessProbe: { ...probe, initialDelaySeconds: 60, failureThreshold: 6 },
    };
}

export function zoneAffinity(zone: string | undefined): k8s.types.input.core.v1.Affinity | undefined {
    if (zone === undefined) return undefined;
    return {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                    { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: [zone] }] },
                ],
            },
        },
    };
}

export function resourceRequirements(r: {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/** Prefer one pod per node (weight 100), and where zones exist one per zone, for pods sharing a selector. */
export function spreadPods(selector: Record<string, string>, acrossZones = false): k8s.types.input.core.v1.PodAntiAffinity {
    const term = (topologyKey: string, weight: number) => ({ weight, podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey } });
    return {
        preferredDuringSchedulingIgnoredDuringExecution: [
            term("kubernetes.io/hostname", 100),
            ...(acrossZones ? [term("topology.kubernetes.io/zone", 50)] : []),
        ],
    };
}
