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
/** The internal location every failure behind web is answered from. */
const SHARD_DRAIN = "/_shard_health_drain";

/** nginx's own limits for each of the two upstreams it asks (prosody, then jicofo). */
const UPSTREAM = { connectMs: 500, readMs: 1000 } as const;
/** The longest web's nginx takes to answer the check: both upstreams at their limits. Below HEALTH_CHECK.timeoutMs. */
export const NGINX_HEALTH_WORST_MS = 2 * (UPSTREAM.connectMs + UPSTREAM.readMs);

/**
 * `jicofo` and `prosody` are host:port. Web answers 200 while prosody answers BOSH and jicofo is
 * healthy, and 404 for any failure behind it (prosody failed or slow: auth_request's 500; jicofo's
 * 500/503 with its reason; jicofo not answering: 502/504): the router then places no new room on the
 * shard and keeps its live ones there (`http-check disable-on-404`, lib/haproxy.ts). Only a web that
 * does not answer marks the shard down. The answer carries no reason, and a request that came
 * through the router (which always adds X-Forwarded-For; its own checks do not) gets 404 whatever the
 * path's spelling, as nginx matches locations after decoding it.
 *
 * `boshReadTimeoutS`, at the server level of the web image's server block, is inherited by its
 * /http-bind and /xmpp-websocket locations (meet.conf sets none; nginx's default of 60 s cuts a BOSH
 * poll that prosody answers after 60 s).
 */
export function shardHealthNginxConf(jicofo: string, prosody: string, boshReadTimeoutS: number): string {
    const limits = [`    proxy_connect_timeout ${UPSTREAM.connectMs}ms;`, `    proxy_read_timeout ${UPSTREAM.readMs}ms;`];
    return [
        "# The room router's check of this shard (jitsi-pulumi): 200 while prosody answers and jicofo is healthy, else 404.",
        `location = ${SHARD_HEALTH_PATH} {`,
        "    if ($http_x_forwarded_for) {",
        "        return 404;",
        "    }",
        `    auth_request ${PROSODY_CHECK};`,
        `    proxy_pass http://${jicofo}${SHARD_HEALTH_PATH};`,
        "    proxy_intercept_errors on;",
        `    error_page 500 502 503 504 =404 ${SHARD_DRAIN};`,
        ...limits,
        "    access_log off;",
        "}",
        `location = ${PROSODY_CHECK} {`,
        "    internal;",
        // prosody's mod_bosh answers a GET with 200 and a short page while its HTTP server runs.
        `    proxy_pass http://${prosody}/http-bind;`,
        "    proxy_pass_request_body off;",
        '    proxy_set_header Content-Length "";',
        ...limits,
        "    access_log off;",
        "}",
        `location = ${SHARD_DRAIN} {`,
        "    internal;",
        "    access_log off;",
        '    return 404 "no new rooms\n";',
        "}",
        "# A BOSH poll that prosody holds for the client's wait (60 s) must not be cut on the way (lib/haproxy.ts: BOSH_HOLD).",
        `proxy_read_timeout ${boshReadTimeoutS}s;`,
        "",
    ].join("\n");
}
