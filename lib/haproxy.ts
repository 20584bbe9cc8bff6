/**
 * The room router's HAProxy configuration. Every participant of a room must reach the same shard,
 * because a conference lives in one prosody. Jitsi's XMPP traffic (`/http-bind?room=...`,
 * `/xmpp-websocket?room=...`) names the room, so HAProxy pins each room to a shard in a stick table
 * that its replicas share through the peers protocol, and picks the shard of a new room by a
 * consistent hash of its name.
 *
 * Adding a shard appends one `server` line. Servers keep their numeric ids (shard index + 1), which is
 * what stick-table entries and the hash ring refer to, so rooms that are live stay where they are.
 */

export const ROUTER_PORTS = { http: 8080, stats: 8404, peers: 10000 } as const;
export const PEERS_SECTION = "router";

export interface RouterBackend {
    /** Shard name; becomes the server name. */
    name: string;
    /** Position of the shard in the stack file: fixes the server id. */
    index: number;
    /** Fully qualified name of the shard's web Service. */
    address: string;
    port: number;
}

export function serverId(backend: RouterBackend): number {
    return backend.index + 1;
}

export function serverLine(b: RouterBackend): string {
    // Addresses are re-resolved at run time, so a re-created Service does not leave a stale IP behind;
    // `init-addr none` lets the router start while a new shard's Service is still being created.
    return `    server ${b.name} ${b.address}:${b.port} id ${serverId(b)} check inter 5s resolvers cluster init-addr last,libc,none`;
}

export interface RouterListen {
    http: number;
    stats: number;
    /** Connections per replica; a participant holds one or two (BOSH or WebSocket). */
    maxconn: number;
}

export const ROUTER_LISTEN: RouterListen = { http: ROUTER_PORTS.http, stats: ROUTER_PORTS.stats, maxconn: 20000 };

export function haproxyConfig(backends: RouterBackend[], listen: RouterListen = ROUTER_LISTEN): string {
    return [
        "global",
        "    log stdout format raw local0 info",
        `    maxconn ${listen.maxconn}`,
        "",
        "resolvers cluster",
        "    parse-resolv-conf",
        "    hold valid 10s",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option dontlognull",
        // A room whose shard is down is better restarted on another shard than refused.
        "    option redispatch",
        "    retries 3",
        "    timeout connect 5s",
        "    timeout client 60s",
        "    timeout server 60s",
        // XMPP over WebSocket stays open for the whole meeting.
        "    timeout tunnel 2h",
        "    timeout http-keep-alive 10s",
        "",
        "frontend stats",
        `    bind :${listen.stats}`,
        "    http-request return status 200 content-type text/plain string ok if { path /healthz }",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "    stats enable",
        "    stats uri /stats",
        "",
        "frontend http",
        `    bind :${listen.http}`,
        "    option forwardfor",
        "    default_backend shards",
        "",
        "backend shards",
        // Requests without a room (the page, static files) are spread round robin.
        "    balance url_param room",
        "    hash-type consistent",
        `    stick-table type string len 256 size 1m expire 24h peers ${PEERS_SECTION}`,
        "    stick on url_param(room)",
        "    option httpchk GET /",
        "    http-check expect status 200",
        ...[...backends].sort((a, b) => a.index - b.index).map(serverLine),
        "",
    ].join("\n");
}

/**
 * Starts HAProxy with a peers section written for this pod. HAProxy resolves peer names once, when it
 * starts, and refuses to start on a name it cannot resolve (haproxy/haproxy#930), so a peer that is
 * not resolvable within a minute is left out: it connects to this pod itself once it runs, and the
 * session carries updates both ways. A restarted pod learns the whole table from the peer that stayed.
 */
export const ROUTER_ENTRYPOINT = `#!/bin/sh
set -eu
peers="\${TMPDIR:-/tmp}/peers.cfg"
wait_seconds="\${PEER_WAIT_SECONDS:-60}"
{
  echo "peers ${PEERS_SECTION}"
  echo "    bind :${ROUTER_PORTS.peers}"
  i=0
  while [ "$i" -lt "$ROUTER_REPLICAS" ]; do
    peer="$ROUTER_NAME-$i"
    i=$((i + 1))
    if [ "$peer" = "$HOSTNAME" ]; then
      echo "    server $peer"
      continue
    fi
    host="$peer.$ROUTER_PEERS_SERVICE.$POD_NAMESPACE.svc.$CLUSTER_DOMAIN"
    tries=0
    until getent hosts "$host" >/dev/null 2>&1 || [ "$tries" -ge "$wait_seconds" ]; do
      tries=$((tries + 1))
      sleep 1
    done
    if getent hosts "$host" >/dev/null 2>&1; then
      echo "    server $peer $host:${ROUTER_PORTS.peers}"
    else
      echo "peer $peer does not resolve; starting without it" >&2
    fi
  done
} > "$peers"
exec haproxy -db -f /usr/local/etc/haproxy/haproxy.cfg -f "$peers"
`;
