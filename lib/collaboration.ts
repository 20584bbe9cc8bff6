/**
 * The stack-wide services every shard's web proxies to: Etherpad under /etherpad/ and the whiteboard's
 * collaboration backend under /socket.io/ (docker-jitsi-meet web/rootfs/defaults/meet.conf). Browsers
 * reach them through the room router and web like any other path, so they need no ingress of their own.
 */
export const ETHERPAD_PORT = 9001;
export const ETHERPAD_SERVICE = "etherpad";
/** Etherpad's image runs as this user, with group 0 (its Dockerfile: EP_UID 5001). */
export const ETHERPAD_UID = 5001;
/** The only directory Etherpad writes (its dirty database, plugin list and build cache). */
export const ETHERPAD_VAR_DIR = "/opt/etherpad-lite/var";

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
    return `http://${service}.${namespace}.svc.${clusterDomain}:${port}`;
}

