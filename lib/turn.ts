/**
 * TURN: what coturn is told (its configuration file) and what prosody hands to clients (its TURN
 * environment). Option names are those of coturn 4.17 (README.turnserver); environment names those
 * of docker-jitsi-meet's prosody image (prosody/rootfs/defaults/prosody.cfg.lua).
 */
import { cidrToRange, NON_PUBLIC_CIDRS } from "./addresses";

/** Ports of the TURN LoadBalancer Service, as clients and the ACME server see them (TLS is `turn.tlsPort`). */
export const TURN_PORTS = { turn: 3478, acme: 80 } as const;
/** Ports inside the pod: coturn listens unprivileged, the Service maps 443 to 5349. */
export const TURN_CONTAINER_PORTS = { turn: 3478, turns: 5349, metrics: 9641, acmeForwarder: 8080 } as const;

/** Where coturn finds the certificate cert-manager keeps in the TLS Secret. */
export const TURN_TLS_DIR = "/etc/coturn/tls";
export const TURN_CONFIG_DIR = "/etc/coturn/config";
/** coturn rereads its certificate on SIGUSR2; cert-manager renews it a month before it expires. */
export const TURN_CERT_RELOAD_SECONDS = 6 * 3600;

export interface TurnServerSettings {
    /** Realm of the REST credentials: the TURN host name. */
    realm: string;
    /** The address relayed candidates carry: the load balancer's. */
    externalIp: string;
    relayPorts: { min: number; max: number };
    /** Cluster ranges (pods, services) to deny besides the private ones. */
    deniedPeerCidrs: string[];
}

/**
 * coturn's configuration, without its secret: `static-auth-secret` is appended at start from the
 * Kubernetes Secret, so it is never in a ConfigMap. Every address a client could not reach from the
 * internet is a denied peer, so TURN cannot be used to reach into the cluster.
 */
export function turnServerConfig(s: TurnServerSettings): string {
    const denied = [...new Set([...NON_PUBLIC_CIDRS, ...s.deniedPeerCidrs])];
    return [
        `listening-port=${TURN_CONTAINER_PORTS.turn}`,
        `tls-listening-port=${TURN_CONTAINER_PORTS.turns}`,
        `min-port=${s.relayPorts.min}`,
        `max-port=${s.relayPorts.max}`,
        `external-ip=${s.externalIp}`,
        `realm=${s.realm}`,
        // Time-limited credentials derived from the shared secret (TURN REST API), as prosody issues them.
        "use-auth-secret",
        "fingerprint",
        // WebRTC relays UDP only; RFC 6062 TCP relays would only widen what a client can reach.
        "no-tcp-relay",
        "no-multicast-peers",
        "no-cli",
        "no-software-attribute",
        "stale-nonce=600",
        `cert=${TURN_TLS_DIR}/tls.crt`,
        `pkey=${TURN_TLS_DIR}/tls.key`,
        "prometheus",
        `prometheus-port=${TURN_CONTAINER_PORTS.metrics}`,
        "log-file=stdout",
        "simple-log",
        "pidfile=/tmp/turnserver.pid",
        ...denied.map((cidr) => `denied-peer-ip=${cidrToRange(cidr)}`),
        "",
    ].join("\n");
}

/** How often a coturn started without a certificate looks for it (cert-manager writes it into the mounted Secret). */
export const TURN_CERT_WAIT_SECONDS = 10;

/**
 * Writes the configuration with the shared secret into memory-backed /tmp and runs coturn as the
 * shell's child. The shell stays PID 1 and forwards the kubelet's SIGTERM (and SIGINT) to coturn:
 * coturn handles them itself only since 4.6.2 (coturn mainrelay.c, `evsignal_new(..., SIGTERM,
 * shutdown_handler` in 4.17.0, the pinned image; added by coturn#1106), and as PID 1 a process without
 * a handler ignores them, so an older `turn.image` (Debian's 4.6.1, which the live test runs) would hold
 * every pod deletion and Recreate rollout for the whole grace period. With a certificate, coturn is
 * asked now and then to reread it (cert-manager replaces it in place). Without one (the first start on
 * an empty cluster: the TLS Secret is an optional volume, because the HTTP-01 challenge that issues it
 * is answered through this very pod), coturn serves TURN without TLS and the shell waits for the
 * certificate, then ends coturn and itself, so that the kubelet starts the container again, with TLS.
 * The files appear without a restart of the pod: the kubelet sets a Secret volume up again on every pod
 * sync, an optional one that is missing as empty, and writes key and certificate together by one atomic
 * swap (kubernetes pkg/volume/secret/secret.go: RequiresRemount true, SetUpAt, AtomicWriter). Facts of
 * coturn run in test/turnLive.test.ts: without its cert file it opens no TLS listener ("cannot start TLS
 * and DTLS listeners"), and SIGUSR2 reloads only the certificates of listeners it has. coturn ending by
 * itself ends the container (non-zero), so the kubelet restarts it.
 */
export const TURN_START = [
    "set -eu",
    `cp ${TURN_CONFIG_DIR}/turnserver.conf /tmp/turnserver.conf`,
    'printf "static-auth-secret=%s\\n" "$TURN_SHARED_SECRET" >> /tmp/turnserver.conf',
    `certified() { [ -s ${TURN_TLS_DIR}/tls.crt ] && [ -s ${TURN_TLS_DIR}/tls.key ]; }`,
    // Looked at once, before coturn starts: what coturn found decides whether it has a TLS listener to reload.
    "tls=yes",
    `certified || { tls=no; echo "no certificate in ${TURN_TLS_DIR} yet: TURN without TLS until cert-manager has issued it"; }`,
    "turnserver -c /tmp/turnserver.conf &",
    "coturn=$!",
    `trap 'kill -TERM "$coturn" 2>/dev/null || true; wait "$coturn" || true; exit 0' TERM INT`,
    'if [ "$tls" = yes ]; then',
    `    (while sleep ${TURN_CERT_RELOAD_SECONDS}; do kill -USR2 "$coturn"; done) &`,
    '    wait "$coturn"',
    "    exit 1",
    "fi",
    "until certified; do",
    '    kill -0 "$coturn" 2>/dev/null || exit 1',
    `    sleep ${TURN_CERT_WAIT_SECONDS} & wait $!`,
    "done",
    'echo "certificate issued: restarting coturn with TLS"',
    'kill -TERM "$coturn"',
    'wait "$coturn" || true',
].join("\n");

/** A TCP forward of port 80 to the ingress controller, so that HTTP-01 challenges for the TURN host succeed. */
export function acmeForwarderConfig(target: string): string {
    return [
        "global",
        "    log stdout format raw local0 info",
        "defaults",
        "    mode tcp",
        "    timeout connect 5s",
        "    timeout client 30s",
        "    timeout server 30s",
        "frontend acme",
        `    bind :${TURN_CONTAINER_PORTS.acmeForwarder}`,
        "    default_backend ingress",
        "backend ingress",
        `    server ingress ${target}`,
        "",
    ].join("\n");
}

export interface TurnEndpoint {
    host: string;
    /** Plain TURN, UDP and TCP. */
    port: number;
    /** TURNS (TLS over TCP); absent when the server offers none. */
    tlsPort?: number;
}

/**
 * What prosody needs to hand TURN servers to every client (mod_external_services): plain TURN over
 * UDP and TCP, and TURNS. Credentials are derived from TURN_CREDENTIALS, the shared secret.
 */
export function prosodyTurnEnv(turn: TurnEndpoint): { name: string; value: string }[] {
    return [
        { name: "TURN_HOST", value: turn.host },
        { name: "TURN_PORT", value: String(turn.port) },
        { name: "TURN_TRANSPORT", value: "udp,tcp" },
        ...(turn.tlsPort === undefined
            ? []
            : [
                  { name: "TURNS_HOST", value: turn.host },
                  { name: "TURNS_PORT", value: String(turn.tlsPort) },
              ]),
    ];
}
