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
 *
 * Prosody resolves the s2s targets itself, through libunbound (the image installs lua-unbound, and
 * prosody's util/dependencies.lua then makes net.unbound its net.adns; prosody.cfg.lua sets
 * `unbound = { resolvconf = true }`): it takes the pod's nameservers but not its search list, so a
 * bare Service name is NXDOMAIN there. Every name a prosody connects to is therefore fully qualified
 * (test/prosodyDnsLive.test.ts resolves them with lua-unbound against a pod's resolv.conf). jicofo
 * (Java) and nginx (at start, getaddrinfo) use the system resolver with the search list.
 */
import * as k8s from "@pulumi/kubernetes";
import { JICOFO_DEFAULT_VISITORS_MAX_PARTICIPANTS } from "./capacity";
import { PROSODY_PORTS, secretEnv } from "./jitsi";
import { serviceHost } from "./namespace";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** prosody's s2s port (PROSODY_S2S_PORT default), where nodes and the main prosody federate. */
export const PROSODY_S2S_PORT = 5269;

export interface VisitorSettings {
    enabled: boolean;
    nodesPerShard: number;
    /** Participants of the main room before newcomers are sent to visitor nodes (jicofo's default: 50). */
    maxParticipants?: number;
    maxVisitorsPerNode: number;
    /** With auth.type internal or jwt: the operator accepts that visitors join without logging in. */
    allowAnonymous: boolean;
}

/** Where the shard's Services answer cluster-wide, for the names prosody resolves itself. */
export interface ClusterDns {
    namespace: string;
    clusterDomain: string;
}

export function visitorNodeName(shard: string, index: number): string {
    return `${shard}-visitors-${index}`;
}

/** `v0`, `v1`: what the client puts in `vnode`, and the first label of the node's XMPP domain. */
export function vnode(index: number): string {
    return `v${index}`;
}

/**
 * `host:port` of each of a shard's nodes, in index order (the order the templates number them in):
 * fully qualified with `dns`, for prosody; bare for jicofo, whose resolver applies the search list.
 */
function nodeAddresses(shard: string, nodes: number, port: number, dns?: ClusterDns): string {
    const host = (i: number) => (dns ? serviceHost(visitorNodeName(shard, i), dns.namespace, dns.clusterDomain) : visitorNodeName(shard, i));
    return Array.from({ length: nodes }, (_, i) => `${host(i)}:${port}`).join(",");
}

/**
 * Seats a node's room holds besides the visitors and the main participants jicofo counts: jicofo's
 * focus (auth domain, off the node's whitelist), one Jibri (jicofo JibriRecorder.kt:58 runs one
 * recording or live-stream session per meeting) and one transcriber. jicofo leaves Jibri and
 * transcribers out of the participants it compares with maxParticipants (JitsiMeetConferenceImpl.java
 * getUserParticipantCount, stable/jitsi-meet_11146 line 2023), but both join from the hidden domain,
 * which the node does not whitelist, and mod_visitors mirrors them in (the transcriber always, every
 * occupant when the node is connected).
 */
export const VISITOR_NODE_EXTRA_SEATS = { focus: 1, jibri: 1, transcriber: 1 } as const;

/**
 * A node's hard limit on one meeting's room, which it reads from VISITORS_MAX_VISITORS_PER_NODE as
 * `muc_max_occupants` (visitors.cfg.lua; the image's default is 250, whatever jicofo is told).
 * jicofo sends a meeting's newcomers to a node while it counts fewer than maxVisitorsPerNode visitors
 * there (ConferenceUtil.kt selectVisitorNode; ChatRoomImpl.visitorCount counts members in the visitor
 * role). The node's mod_muc_max_occupants counts every occupant not on the main XMPP domain (its
 * muc_access_whitelist): the visitors, but also jicofo's own focus and the main room's participants
 * that fmuc mirrors in from the guest, hidden (Jibri, transcriber) or auth (Jigasi) domains. With
 * equal values a node would refuse the last visitor jicofo sends it, and jicofo, still counting a free
 * seat, would go on sending newcomers there; so the node keeps a seat for each participant jicofo
 * admits to the main room (maxParticipants, a soft limit) and VISITOR_NODE_EXTRA_SEATS on top of the
 * visitors.
 */
export function visitorNodeOccupantLimit(v: VisitorSettings): number {
    const extra = Object.values(VISITOR_NODE_EXTRA_SEATS).reduce((a, b) => a + b, 0);
    return v.maxVisitorsPerNode + extra + (v.maxParticipants ?? JICOFO_DEFAULT_VISITORS_MAX_PARTICIPANTS);
}

/**
 * What a visitor node needs besides what every prosody of the shard gets (xmppEnv: the domains, and
 * XMPP_SERVER, the shard's main prosody, which the node federates with: fully qualified).
 */
export function visitorNodeEnv(index: number, v: VisitorSettings): EnvVar[] {
    return [
        { name: "PROSODY_MODE", value: "visitors" },
        { name: "PROSODY_VISITOR_INDEX", value: String(index) },
        { name: "VISITORS_MAX_VISITORS_PER_NODE", value: String(visitorNodeOccupantLimit(v)) },
        // visitors.cfg.lua: its s2s whitelist admits the main domains only with this on.
        { name: "ENABLE_VISITORS", value: "true" },
        { name: "XMPP_SERVER_S2S_PORT", value: String(PROSODY_S2S_PORT) },
        // scripts/config registers jicofo's focus account on the node, and refuses to start without either.
        ...secretEnv("JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD"),
    ];
}

/** The main prosody: the visitors component, and its nodes' s2s addresses, fully qualified. */
export function mainProsodyVisitorEnv(v: VisitorSettings, shard: string, dns: ClusterDns): EnvVar[] {
    if (!v.enabled) return [];
    return [
        { name: "ENABLE_VISITORS", value: "true" },
        { name: "VISITORS_XMPP_SERVER", value: nodeAddresses(shard, v.nodesPerShard, PROSODY_S2S_PORT, dns) },
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

/** A tenant, as meet.conf's tenant locations match it (`^/([^/?&:'"]+)/http-bind`). */
const TENANT = `[^/?&:'"]+`;

/**
 * web's nginx sends a visitor's BOSH and WebSocket to its node, at the root and under a tenant
 * (`/<tenant>/http-bind`, the room `/<tenant>/<room>`). meet.conf has locations of its own for both
 * (exact ones; for tenants, regex ones that set `$prefix` and rewrite to the exact ones, which pass
 * `?prefix=$prefix&$args` to the main prosody). So a server-level rewrite, which runs before any
 * location is chosen, moves requests that carry `vnode` to an internal location of their node, with
 * the tenant as the last path segment; that location hands the node what meet.conf hands the main
 * prosody: the path, and `prefix=<tenant>` before the client's parameters (jitsi-meet's Debian
 * example does the same with `map $arg_vnode $prosody_node`). It proxies to the node by a fixed name,
 * resolved when nginx starts as meet.conf's own upstreams are: no variable in proxy_pass, so no
 * run-time resolver. An unknown vnode falls through to the main prosody, which refuses it.
 */
export function visitorRouteNginxConf(shard: string, nodes: number): string {
    const lines = ["# Visitors' BOSH and WebSocket, at the root and under a tenant, to the node their client names in `vnode` (jitsi-pulumi)."];
    for (let i = 0; i < nodes; i++) {
        lines.push(`if ($arg_vnode = "${vnode(i)}") {`, `    rewrite ^/(?:(${TENANT})/)?(http-bind|xmpp-websocket)$ /_visitors/${vnode(i)}/$2/$1 last;`, "}");
    }
    for (let i = 0; i < nodes; i++) {
        const upstream = `http://${visitorNodeName(shard, i)}:${PROSODY_PORTS.http}`;
        for (const path of ["http-bind", "xmpp-websocket"]) {
            const internal = `/_visitors/${vnode(i)}/${path}/`;
            lines.push(
                `location ^~ ${internal} {`,
                "    internal;",
                `    rewrite ^${internal}(.*)$ /${path}?prefix=$1 break;`,
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
