/**
 * The stack-wide services every shard's web proxies to: Etherpad under /etherpad/ and the whiteboard's
 * collaboration backend under /socket.io/ (docker-jitsi-meet web/rootfs/defaults/meet.conf). Browsers
 * reach them through the room router and web like any other path, so they need no ingress of their own.
 */
import { serviceHost } from "./namespace";

export const ETHERPAD_PORT = 9001;
export const ETHERPAD_SERVICE = "etherpad";
/** Etherpad's image runs as this user, with group 0 (its Dockerfile: EP_UID 5001). */
export const ETHERPAD_UID = 5001;
/** The only directory Etherpad writes (its dirty database, plugin list and build cache). */
export const ETHERPAD_VAR_DIR = "/opt/etherpad-lite/var";

/**
 * Shared notes get a random pad name: jicofo names each conference's pad with a random UUID (32 hex digits)
 * instead of the room's name, and hands it only to the meeting's occupants in its presence (jicofo
 * JitsiMeetConferenceImpl.createSharedDocumentName, EtherpadPacketExt; ConferenceConfig.kt
 * `jicofo.conference.shared-document.use-random-name`, false in reference.conf; docker-jitsi-meet
 * stable-11146-2 jicofo/rootfs/defaults/jicofo.conf writes it from ENABLE_SHARED_DOCUMENT_RANDOM_NAME, toBool).
 * jicofo announces a pad name whether or not an Etherpad runs, so this is set on every stack: switching
 * Etherpad on later then leaves jicofo, and its meetings, alone. A new conference of a room gets a new pad.
 */
export const JICOFO_RANDOM_PAD_NAMES = { name: "ENABLE_SHARED_DOCUMENT_RANDOM_NAME", value: "true" } as const;

/** Where web mounts the Etherpad routes it closes; the image copies it to /run/web/config/nginx-custom/ (meet.conf includes it). */
export const WEB_ETHERPAD_CONF_PATH = "/config/nginx-custom/etherpad.conf";

/**
 * Etherpad's routes that nothing of Jitsi Meet uses, under web's `/etherpad/` (meet.conf proxies the whole
 * prefix to Etherpad's root). Jitsi Meet opens `/etherpad/p/<pad>` only (settings-config.js: etherpad_base
 * `PUBLIC_URL/etherpad/p/`), and the pad page loads /static, /locales, /pluginfw, /socket.io, /jserror,
 * /p/<pad>/export|import|timeslider, none of these (etherpad-lite v2.5.3 src/static/js). Closed:
 * the HTTP API and its docs (apicalls.ts `/api`, openapi.ts `/api/<v>` and `/rest/<v>`, RestAPI.ts `/api-docs`,
 * `/api/2`), the admin UI (admin.ts `/admin`), the built-in OAuth2 provider that signs API tokens
 * (OAuth2Provider.ts `/oidc`, `/interaction`, `/views`), the statistics (specialpages.ts `/stats`, on by
 * default: ENABLE_METRICS) and the start page that creates a pad of any name.
 */
export const ETHERPAD_CLOSED_PREFIXES = ["/api", "/rest/", "/admin", "/oidc", "/interaction/", "/views/", "/stats"] as const;

/**
 * One server-level check, not prefix locations: Etherpad's Express routes ignore case (src/node/hooks/express.ts
 * creates `express()` without "case sensitive routing", Express' default: `/Admin` is `/admin`), nginx's
 * prefix locations do not, and a case-insensitive regex location would never be consulted, since the image's
 * `location ^~ /etherpad/` stops the regex search. The server's rewrite phase runs before any location is chosen,
 * on the normalized $uri (decoded, dots resolved, slashes merged); `/+` covers a server with merge_slashes off.
 */
export function etherpadClosedRoutesNginxConf(): string {
    const closed = ETHERPAD_CLOSED_PREFIXES.map((p) => p.slice(1)).join("|");
    return [
        "# Etherpad's API, admin UI, token issuer, statistics and start page: nothing of Jitsi Meet uses them (jitsi-pulumi).",
        `if ($uri ~* "^/etherpad/+(${closed}|$)") { return 404; }`,
        "",
    ].join("\n");
}

export const WHITEBOARD_PORT = 3000;
export const WHITEBOARD_METRICS_PORT = 9090;
export const WHITEBOARD_SERVICE = "whiteboard";
/** The `node` user of the node:22-slim base; the image itself would run as root. */
export const WHITEBOARD_UID = 1000;

/**
 * The address web's nginx proxies to. A fully qualified name, because the whiteboard's proxy_pass
 * carries a variable and is then resolved with nginx's own resolver, which knows no search domains.
 */
export function serviceUrl(service: string, namespace: string, clusterDomain: string, port: number): string {
    return `http://${serviceHost(service, namespace, clusterDomain)}:${port}`;
}

