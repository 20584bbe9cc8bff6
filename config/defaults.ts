/**
 * The one place for what the schema's defaults name: image tags and images, each read at its pinned
 * version, and the fixed lists some settings choose from. Every other default is written beside its
 * setting, in the concern's file.
 */

/** Current stable release of the four Jitsi images (ghcr.io/jitsi/{web,prosody,jicofo,jvb}). */
export const DEFAULT_JITSI_TAG = "stable-11146-2";
/**
 * Tags whose images' environment variables were read and written down (test/upstream.test.ts has a
 * table for each). Another tag works if its images read the same variables; the preview says so.
 */
export const VERIFIED_JITSI_TAGS = ["stable-11146-2"] as const;
/** Official HAProxy image, 3.2 LTS branch (Debian based: its shell and getent are used at start); 3.2.9 or later (config/core.ts). */
export const DEFAULT_ROUTER_IMAGE = "haproxy:3.2.25";
/** The coturn project's own image (Debian based, runs as nobody, built with Prometheus support). */
export const DEFAULT_TURN_IMAGE = "coturn/coturn:4.17.0-r0";
/** Etherpad's official image; the newest release whose Dockerfile and settings.json.docker were read (docs/decisions.md). */
export const DEFAULT_ETHERPAD_IMAGE = "etherpad/etherpad:2.5.3";
/** Jitsi's Excalidraw collaboration backend, the tag docker-jitsi-meet stable-11146-2 pins (whiteboard.yml). */
export const DEFAULT_WHITEBOARD_IMAGE = "jitsi/excalidraw-backend:2026.3.0";

/**
 * Settings that hold secrets. They are never part of the validated object: they are read with
 * `config.getSecret`, and generated when absent. Setting one without `--secret` is refused.
 */
export const SECRET_KEYS = [
    "jicofoAuthPassword",
    "jvbAuthPassword",
    "turnSharedSecret",
    // Alertmanager receivers' credentials: never generated, required when their receiver is configured.
    "alertEmailPassword",
    "alertWebhookUrl",
    "alertChatWebhookUrl",
    // auth.type jwt: the key tokens are signed with; never generated, the token issuer has it too.
    "jwtAppSecret",
    // auth.type internal: a map of user name to password, one entry per name in auth.users.
    "internalUserPasswords",
    // Jibri's accounts on every shard's prosody: generated.
    "jibriXmppPassword",
    "jibriRecorderPassword",
    // Jigasi's account on every shard's prosody (the SIP gateway and the transcriber share it): generated.
    "jigasiXmppPassword",
    // The transcriber's hidden-domain login on every shard's prosody: generated.
    "jigasiTranscriberPassword",
    // The SIP account's password at the provider: never generated, required with jigasi.enabled.
    "jigasiSipPassword",
    // transcription.backend whisper: the RSA key the transcriber signs skynet's JWT with; never generated.
    "jigasiWhisperPrivateKey",
    // clusters without a context: a map of cluster name to kubeconfig; never generated.
    "clusterKubeconfigs",
    // tls.dns01: the DNS provider's credential (API token, secret key, TSIG secret); never generated.
    "acmeDns01Credential",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * Secret settings that belong to something outside the stack: read, never generated. (turnSharedSecret is
 * generated for the stack's own coturn and read for an external one.)
 */
export const PROVIDED_SECRET_KEYS: readonly SecretKey[] = ["alertEmailPassword", "alertWebhookUrl", "alertChatWebhookUrl", "jwtAppSecret", "jigasiSipPassword", "jigasiWhisperPrivateKey", "acmeDns01Credential"];

export const AUTH_TYPES = ["anonymous", "internal", "jwt"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const ADVERTISE_MODES = ["nodeExternalIP", "nodeIP", "publicIps"] as const;
export type AdvertiseMode = (typeof ADVERTISE_MODES)[number];
/** Relay ports one coturn LoadBalancer Service carries at most (cloud load balancers cap listeners, AWS NLB at 50). */
export const MAX_TURN_RELAY_PORTS = 45;

export const SIP_TRANSPORTS = ["UDP", "TCP", "TLS"] as const;
export const TRANSCRIPTION_BACKENDS = ["vosk", "whisper"] as const;

/**
 * The Vosk server the stack deploys for each caption language: alphacep's own images, one per language
 * with its model inside (vosk-server docker/Dockerfile.kaldi-<lang>, model version as that file pins it).
 * alphacep publishes them under `latest` only (docker/build.sh pushes no other tag), so there is no tag
 * to pin: `transcription.vosk.image` takes the same image by digest, and the preview says so until it does.
 */
export const VOSK_IMAGES = {
    "en-US": { image: "alphacep/kaldi-en:latest", version: "vosk-model-en-us-0.22" },
    "en-IN": { image: "alphacep/kaldi-en-in:latest", version: "vosk-model-en-in-0.5" },
    "de-DE": { image: "alphacep/kaldi-de:latest", version: "vosk-model-de-0.21" },
    "fr-FR": { image: "alphacep/kaldi-fr:latest", version: "vosk-model-fr-0.22" },
    "es-ES": { image: "alphacep/kaldi-es:latest", version: "vosk-model-es-0.42" },
    "ru-RU": { image: "alphacep/kaldi-ru:latest", version: "vosk-model-ru-0.42" },
    "zh-CN": { image: "alphacep/kaldi-cn:latest", version: "vosk-model-cn-0.22" },
    "ja-JP": { image: "alphacep/kaldi-ja:latest", version: "vosk-model-ja-0.22" },
    "hi-IN": { image: "alphacep/kaldi-hi:latest", version: "vosk-model-hi-0.22" },
} as const;
export type VoskLanguage = keyof typeof VOSK_IMAGES;
