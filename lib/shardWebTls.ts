/**
 * The hop from a router to another cluster's shard (lib/regions.ts): TLS both ways, verified against the
 * stack's `shard-web` CA (stack/certificates.ts), so web's BOSH and WebSocket (XMPP: passwords, tokens)
 * never cross between clusters in plain text, and only the stack's routers are answered there.
 *
 * The terminator is the web image's own HTTPS server (docker-jitsi-meet stable-11146-2): with
 * DISABLE_HTTPS other than 1, web/rootfs/defaults/default:15-25 adds `listen 8443 ssl` beside the plain
 * server on 8000 (lines 1-13, whose text does not depend on it), and both include meet.conf, so both
 * serve the same locations. ssl.conf:11-12 names /storage/keys/cert.crt and cert.key;
 * etc/s6-overlay/scripts/config:88-90 copies /config/keys/cert.crt and cert.key there when both exist
 * (else it generates a self-signed pair, lines 93-96), after refusing to start when /storage is not
 * writable (line 14). ssl.conf:26-27 adds HSTS unless ENABLE_HSTS is 0: off, so a room on another
 * region's shard gets the same answers as on its own. The client certificate is required by a file of
 * nginx-custom, which meet.conf:44 includes in both servers: nginx applies `ssl_verify_client` only to
 * TLS connections, so the plain server (the own cluster's router) is unchanged (test/regions.test.ts).
 */
import { PEER_TLS_DIR } from "./regions";

/** Web's HTTPS port (web/rootfs/defaults/default:17); the regional Service exposes only this one. */
export const WEB_TLS_PORT = 8443;
/** The regional Service's port: what the other clusters' routers connect to. */
export const WEB_REGIONAL_PORT = 443;
/** Where web finds its certificate and the CA its clients must be signed by (scripts/config:88). */
export const WEB_TLS_KEYS_DIR = "/config/keys";
export const WEB_TLS_FILES = { cert: "cert.crt", key: "cert.key", clientCa: "client-ca.crt" } as const;
/** The image copies the pair there and nginx reads it there (ssl.conf:11-12); it must be writable (scripts/config:14). */
export const WEB_STORAGE_DIR = "/storage";
/** Where the pod mounts the client-certificate requirement; the image copies it to /run/web/config/nginx-custom/. */
export const WEB_CLIENT_VERIFY_CONF_PATH = "/config/nginx-custom/regional-tls.conf";

/** What web's HTTPS server needs: on, no HSTS (the plain server sends none either). */
export const WEB_TLS_ENV = [
    { name: "DISABLE_HTTPS", value: "0" },
    { name: "ENABLE_HSTS", value: "0" },
] as const;

/**
 * The name in a shard web's certificate and the name the routers require of it (`verifyhost`): a router
 * that reaches another shard at this shard's address (a load balancer address reused, a wrong output)
 * finds the wrong name and marks the server down, rather than sending the room to the wrong shard.
 */
export function shardWebTlsName(shard: string): string {
    return `${shard}-web-regional`;
}

/**
 * nginx-custom file for web: a TLS client must present a certificate of the stack's `shard-web` CA with
 * client use (OpenSSL checks the purpose: a web's own server certificate is refused). nginx finishes the
 * handshake and answers 400 to a request without one; nothing reaches meet.conf's locations.
 */
export function webClientVerifyNginxConf(dir = WEB_TLS_KEYS_DIR): string {
    return [
        "# Only the stack's routers (jitsi-pulumi lib/shardWebTls.ts): TLS connections only, the plain server is unaffected.",
        `ssl_client_certificate ${dir}/${WEB_TLS_FILES.clientCa};`,
        "ssl_verify_client on;",
        "",
    ].join("\n");
}

/** The router's files for the hop, in its peers' TLS Secret (lib/regions.ts PEER_TLS_DIR). */
export const WEB_CLIENT_FILES = { certAndKey: "shard-web-client.pem", ca: "shard-web-ca.crt" } as const;

/**
 * A router's server options for another cluster's shard: TLS with its client certificate, the server's
 * verified against the `shard-web` CA and the shard's own name. HAProxy's checks of a server with `ssl`
 * and no `port`/`addr` go over the same TLS with the same verification (HAProxy 3.2 src/check.c:1814-1817,
 * configuration.txt "ssl": "health checks are automatically sent in SSL too").
 *
 * The name is sent as SNI, for traffic (`sni`) and checks (`check-sni`): HAProxy verifies the
 * certificate against the SNI it sent, and against `verifyhost` only when it sent none (v3.2.0
 * src/ssl_sock.c:4324-4327). From 3.3 it sends the request's Host as SNI unless one is set (`sni-auto`,
 * on by default: v3.3.0 doc/configuration.txt:19119, commit 668916c1a), so without an explicit SNI a
 * router on haproxy:3.3 (the image is the stack's choice) verifies the public host against the shard's
 * certificate: every request to another region fails (503, SC) while its checks, which carry no Host,
 * pass (seen on a 3.3.0 build with test/regions.test.ts). Web's nginx does not mind the name: it
 * matches no server_name of 8443, so the default (only) server answers and the SNI/Host comparison of
 * a client-verifying server is not made (nginx sets the connection's server name only on a match).
 * `verifyhost` stays as the name checked should the SNI ever be dropped.
 */
export function remoteShardTls(shard: string, dir = PEER_TLS_DIR): string {
    const name = shardWebTlsName(shard);
    return `ssl sni str(${name}) check-sni ${name} crt ${dir}/${WEB_CLIENT_FILES.certAndKey} ca-file ${dir}/${WEB_CLIENT_FILES.ca} verify required verifyhost ${name}`;
}
