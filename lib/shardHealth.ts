/**
 * Whether a shard can take a new room, as one URL the room router checks: web's nginx answers
 * /about/health with jicofo's own health (docker-jitsi-meet stable-11146-2 jicofo.conf: `health`
 * block, on with JICOFO_ENABLE_HEALTH_CHECKS; jicofo JicofoHealthChecker.kt: at least one operational
 * bridge, a test conference that starts, an XMPP ping to prosody, every 10 seconds), and only while
 * prosody answers BOSH. The web image includes /run/web/config/nginx-custom/*.conf in its server block
 * (web/rootfs/defaults/meet.conf) and copies /config into /run/web/config at start (scripts/config).
 */
export const SHARD_HEALTH_PATH = "/about/health";
/** Where the pod mounts the file; the image copies it to /run/web/config/nginx-custom/. */
export const WEB_SHARD_HEALTH_CONF_PATH = "/config/nginx-custom/shard-health.conf";
/** The visitors' routes, beside it (lib/visitors.ts). */
export const WEB_VISITOR_ROUTES_CONF_PATH = "/config/nginx-custom/visitors.conf";
/** The internal location prosody's check goes through; nothing outside nginx can request it. */
const PROSODY_CHECK = "/_shard_health_prosody";

/**
 * `jicofo` and `prosody` are host:port. A failed or slow prosody makes auth_request answer 500 before
 * jicofo is asked; jicofo answers 200, or 500/503 with its reason.
 */
export function shardHealthNginxConf(jicofo: string, prosody: string): string {
    return [
        "# The room router's check of this shard (jitsi-pulumi): 200 while prosody answers and jicofo is healthy.",
        `location = ${SHARD_HEALTH_PATH} {`,
        `    auth_request ${PROSODY_CHECK};`,
        `    proxy_pass http://${jicofo}${SHARD_HEALTH_PATH};`,
        "    proxy_connect_timeout 1s;",
        "    proxy_read_timeout 2s;",
        "    access_log off;",
        "}",
        `location = ${PROSODY_CHECK} {`,
        "    internal;",
        // prosody's mod_bosh answers a GET with 200 and a short page while its HTTP server runs.
        `    proxy_pass http://${prosody}/http-bind;`,
        "    proxy_pass_request_body off;",
        '    proxy_set_header Content-Length "";',
        "    proxy_connect_timeout 1s;",
        "    proxy_read_timeout 2s;",
        "    access_log off;",
        "}",
        "",
    ].join("\n");
}
