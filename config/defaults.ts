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
/** Official HAProxy image, 3.2 LTS branch (Debian based: its shell and getent are used at start). */
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
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

export const AUTH_TYPES = ["anonymous", "internal", "jwt"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const ADVERTISE_MODES = ["nodeExternalIP", "nodeIP", "publicIps"] as const;
export type AdvertiseMode = (typeof ADVERTISE_MODES)[number];
/** Relay ports one coturn LoadBalancer Service carries at most (cloud load balancers cap listeners, AWS NLB at 50). */
export const MAX_TURN_RELAY_PORTS = 45;
