/**
 * Visitors: past `maxParticipants` in a meeting, jicofo sends newcomers to visitor nodes, prosodies of
 * their own that federate (s2s) with the shard's main prosody; visitors watch and listen, and can be
 * promoted. Names and defaults are docker-jitsi-meet stable-11146-2's (test/upstream.test.ts names the
 * file that reads each variable):
 *  - a node runs the prosody image with PROSODY_MODE=visitors and its index (scripts/config,
 *    defaults/conf.d/visitors.cfg.lua): XMPP domain v<index>.meet.jitsi, c2s for jicofo's focus login,
 *    s2s towards the main prosody (XMPP_SERVER), BOSH and WebSocket for the visitors themselves;
 *  - the main prosody reaches each node by s2s and jicofo logs in to each by c2s, each through its own
 *    VISITORS_XMPP_SERVER list (defaults/prosody.cfg.lua s2sout_override, defaults/jicofo.conf), so
 *    each container gets the port it connects to;
 *  - the client, redirected, keeps its BOSH or WebSocket URL and adds `vnode=v<index>`
 *    (jitsi-meet getVisitorOptions), and takes `v<index>.meet.jitsi` as its domain: the domain suffix
 *    is fixed in the client, so VISITORS_XMPP_DOMAIN stays the image's default.
 */
import * as k8s from "@pulumi/kubernetes";
import { PROSODY_PORTS, secretEnv } from "./jitsi";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** prosody's s2s port (PROSODY_S2S_PORT default), where nodes and the main prosody federate. */
export const PROSODY_S2S_PORT = 5269;

export interface VisitorSettings {
    enabled: boolean;
    nodesPerShard: number;
    /** Participants of the main room before newcomers are sent to visitor nodes (jicofo's default: 50). */
    maxParticipants?: number;
    maxVisitorsPerNode: number;
}

export function visitorNodeName(shard: string, index: number): string {
    return `${shard}-visitors-${index}`;
}

/** `v0`, `v1`: what the client puts in `vnode`, and the first label of the node's XMPP domain. */
export function vnode(index: number): string {
    return `v${index}`;
}

/** `host:port` of each of a shard's nodes, in index order: the order the templates number them in. */
function nodeAddresses(shard: string, nodes: number, port: number): string {
    return Array.from({ length: nodes }, (_, i) => `${visitorNodeName(shard, i)}:${port}`).join(",");
}

/**
 * What a visitor node needs besides what every prosody of the shard gets (xmppEnv: the domains, and
 * XMPP_SERVER, the shard's main prosody, which the node federates with).
 */
export function visitorNodeEnv(index: number): EnvVar[] {
    return [
        { name: "PROSODY_MODE", value: "visitors" },
        { name: "PROSODY_VISITOR_INDEX", value: String(index) },
        // visitors.cfg.lua: its s2s whitelist admits the main domains only with this on.
        { name: "ENABLE_VISITORS", value: "true" },
        { name: "XMPP_SERVER_S2S_PORT", value: String(PROSODY_S2S_PORT) },
        // scripts/config registers jicofo's focus account on the node, and refuses to start without either.
        ...secretEnv("JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD"),
    ];
}

/** The main prosody: the visitors component, and its nodes' s2s addresses. */
export function mainProsodyVisitorEnv(v: VisitorSettings, shard: string): EnvVar[] {
    if (!v.enabled) return [];
    return [
        { name: "ENABLE_VISITORS", value: "true" },
        { name: "VISITORS_XMPP_SERVER", value: nodeAddresses(shard, v.nodesPerShard, PROSODY_S2S_PORT) },
    ];
}

/** jicofo: when to send newcomers to nodes, and its c2s login to each. */
export function jicofoVisitorEnv(v: VisitorSettings, shard: string): EnvVar[] {
    if (!v.enabled) return [];
    return [
        { name: "ENABLE_VISITORS", value: "true" },
        { name: "VISITORS_XMPP_SERVER", value: nodeAddresses(shard, v.nodesPerShard, PROSODY_PORTS.c2s) },
        ...(v.maxParticipants === undefined ? [] : [{ name: "VISITORS_MAX_PARTICIPANTS", value: String(v.maxParticipants) }]),
        { name: "VISITORS_MAX_VISITORS_PER_NODE", value: String(v.maxVisitorsPerNode) },
    ];
}

/**
 * web's nginx sends a visitor's BOSH and WebSocket to its node. meet.conf already has exact
 * locations for /http-bind and /xmpp-websocket, so a server-level rewrite moves requests that carry
 * `vnode` to internal locations first (the rewrite phase runs before locations are chosen); each
 * rewrites back and proxies to its node by a fixed name, resolved when nginx starts, as meet.conf's
 * own upstreams are. An unknown vnode falls through to the main prosody, which refuses it.
 */
export function visitorRouteNginxConf(shard: string, nodes: number): string {
    const lines = ["# Visitors' BOSH and WebSocket to the visitor node their client names in `vnode` (jitsi-pulumi)."];
    for (let i = 0; i < nodes; i++) {
        lines.push(`if ($arg_vnode = "${vnode(i)}") {`, `    rewrite ^/(http-bind|xmpp-websocket)$ /_visitors/${vnode(i)}/$1 last;`, "}");
    }
    for (let i = 0; i < nodes; i++) {
        const upstream = `http://${visitorNodeName(shard, i)}:${PROSODY_PORTS.http}`;
        for (const path of ["http-bind", "xmpp-websocket"]) {
            lines.push(
                `location = /_visitors/${vnode(i)}/${path} {`,
                "    internal;",
                `    rewrite ^ /${path} break;`,
                `    proxy_pass ${upstream};`,
                "    proxy_http_version 1.1;",
                ...(path === "xmpp-websocket"
                    ? ["    proxy_set_header Upgrade $http_upgrade;", '    proxy_set_header Connection "upgrade";', "    proxy_read_timeout 900s;"]
                    : ["    proxy_buffering off;"]),
                "    proxy_set_header X-Forwarded-For $remote_addr;",
                "    proxy_set_header Host $http_host;",
                "}",
            );
        }
    }
    return lines.join("\n") + "\n";
}
