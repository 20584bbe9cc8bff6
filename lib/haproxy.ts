/**
 * The room router's HAProxy configuration. Every participant of a room must reach the same shard,
 * because a conference lives in one prosody. Jitsi's XMPP traffic (`/http-bind?room=...`,
 * `/xmpp-websocket?room=...`) names the room, so HAProxy pins each room to a shard in a stick table
 * that its replicas share through the peers protocol, and picks the shard of a new room by a
 * consistent hash of its name. A room's entry is written by its first request and never overwritten
 * while it names a shard this router has:
 * while its shard is down its requests are hashed over the others, and it returns when the shard is
 * back. A shard whose signalling fails is drained (no new room), not taken down. Requests without a
 * room (the page and what it loads) go to one shard per browser, by cookie.
 *
 * Verified against HAProxy 3.2 (the router image, config/defaults.ts) and run on Debian's 2.6 and on 3.2
 * (test/router.test.ts; HAPROXY_BIN, docs/development.md): every keyword here exists in both. 3.2.0 to 3.2.8
 * do not pass a re-stored room to the peers, so the schema refuses them (config/core.ts).
 *
 * Servers keep their numeric ids (shard number + 1), which is what stick-table entries and the hash
 * ring refer to: adding, removing or draining a shard changes no other shard's id, so rooms that are
 * live stay where they are.
 *
 * The room key is what prosody takes for one conference: jitsi-meet sends the room as
 * getBackendSafeRoomName makes it (react/features/base/util/uri.ts: decoded, NFKC, lower-cased,
 * percent-encoded, lower-cased again) and prosody's nodeprep folds case in the room's JID. Other
 * clients may send upper-case escapes or encode twice (meet.jit.si's HAProxy undoes %25 for that), so
 * the key undoes double encoding, decodes, and lower-cases. HAProxy lower-cases ASCII only; a client
 * that sent non-ASCII letters in another case without jitsi-meet's normalisation could split a room.
 */
import { SHARD_HEALTH_PATH } from "./shardHealth";

export const ROUTER_PORTS = { http: 8080, stats: 8404, peers: 10000 } as const;
export const PEERS_SECTION = "router";

export interface RouterBackend {
    /** Shard name; becomes the server name. */
    name: string;
    /** The shard's number (config/shards.ts): fixes the server id. */
    index: number;
    /** No new room is placed here (weight 0); rooms already stuck to it still reach it. */
    drain?: boolean;
    /** Fully qualified name of the shard's web Service. */
    address: string;
    port: number;
    /** Server options of a TLS hop (another cluster's shard: lib/shardWebTls.ts); unset: plain HTTP in the cluster. */
    tls?: string;
}

export function serverId(backend: RouterBackend): number {
    return backend.index + 1;
}

/**
 * Addresses are re-resolved at run time, so a re-created Service does not leave a stale IP behind;
 * `init-addr none` lets the router start while a new shard's Service is still being created. A
 * drained shard has weight 0: it leaves the hash ring and round robin, but stick-table entries that
 * name it are still honoured (HAProxy's drain state), so its live rooms stay. `extra` is what one
 * backend adds (its cookie value).
 */
export function serverLine(b: RouterBackend, extra = ""): string {
    const weight = b.drain ? " weight 0" : "";
    const tls = b.tls ? ` ${b.tls}` : "";
    return `    server ${b.name} ${b.address}:${b.port} id ${serverId(b)} check${weight}${extra}${tls} resolvers cluster init-addr last,libc,none`;
}

/**
 * How the router checks a shard (lib/shardHealth.ts): web answers 200 (takes new rooms) or 404 (its
 * signalling fails: no new room, live rooms stay: `http-check disable-on-404`, HAProxy's NOLB state,
 * entered on the first 404 and left on the first 200). Only a web that does not answer at all, `fall`
 * checks `inter` apart, each given `timeout check`, marks the shard DOWN; it is UP again after `rise`
 * 200s (a 404 keeps a DOWN server DOWN: HAProxy evaluates disable-on-404 only for running servers). `timeout check` is above the
 * longest answer web's nginx can take (shardHealth.ts: NGINX_HEALTH_WORST_MS), so a slow jicofo or
 * prosody drains the shard and never marks it down. jicofo reruns its own check every 10 seconds.
 */
export const HEALTH_CHECK = { interMs: 1000, fall: 2, rise: 2, timeoutMs: 4000 } as const;

/** Worst case from a failure web reports (404) to the shard taking no new room: one check. */
export function drainBoundMs(h: typeof HEALTH_CHECK = HEALTH_CHECK): number {
    return h.interMs + h.timeoutMs;
}

/** Worst case from web no longer answering to the shard being DOWN on a router. */
export function detectionBoundMs(h: typeof HEALTH_CHECK = HEALTH_CHECK): number {
    return h.fall * (h.interMs + h.timeoutMs);
}

/**
 * How long a proxied request may wait for its answer. BOSH holds a request until it has something to
 * say: prosody's mod_bosh answers an idle poll after the client's `wait`, capped by `bosh_max_wait`
 * (default 120 s; the image sets none); Strophe, jitsi-meet's XMPP library, asks for wait 60 and gives
 * a request up after 1.1 x wait = 66 s. Web's nginx allows a little more (lib/shardHealth.ts), the
 * router more again, so a held poll is answered by prosody and never cut by a proxy on the way.
 */
export const BOSH_HOLD = { clientWaitS: 60, clientGiveUpS: 66, webReadTimeoutS: 75, routerServerTimeoutS: 90 } as const;

/** The name of the cookie that keeps a browser's page and the files it loads on one shard. */
export const PAGE_COOKIE = "jitsi_shard";

/**
 * The room key from a BOSH or WebSocket URL's `room` parameter: double percent-encoding undone,
 * decoded, lower-cased (see above).
 */
export const ROOM_KEY = "url_param(room),regsub(%25,%,g),url_dec,lower";

export interface RouterListen {
    http: number;
    stats: number;
    /** Connections per replica; a participant holds one or two (BOSH or WebSocket). */
    maxconn: number;
    /** HAProxy's runtime API socket, which the readiness probe reads (below); unset: none. */
    runtime?: string;
}

/**
 * The runtime API socket: a Unix socket in the pod's /tmp (an emptyDir), mode 600 so only HAProxy's
 * uid (the probe's too: an exec probe runs as the container's user) may connect, and `level user`:
 * read only. `show peers` and `show info` need no more (haproxy v3.2.0 src/cli.c:817-836 refuses a keyword
 * only for the master/expert/experimental levels; these register none, src/peers.c:4316, src/stats.c:1324).
 * The socket is not subject to the global maxconn (src/cli.c:567, BC_O_UNLIMITED), so a router full of
 * participants still answers its probe.
 */
export const ROUTER_RUNTIME_SOCKET = "/tmp/haproxy-runtime.sock";

export const ROUTER_LISTEN: RouterListen = { http: ROUTER_PORTS.http, stats: ROUTER_PORTS.stats, maxconn: 20000, runtime: ROUTER_RUNTIME_SOCKET };

/**
 * What a freshly started HAProxy does for its stick tables (haproxy src/peers.c at v3.2.0, include/haproxy/peers-t.h:56-74;
 * Debian's 2.6 likewise, its flags in src/peers.c:59-80). A pod's restart is a fresh process: no old local process
 * hands the table over. The peers section's `flags` (`show peers`, src/peers.c:4023) hold the resync state:
 * - At its first run the sync task arms the resync timeout, PEER_RESYNC_TIMEOUT = 5 s (src/peers.c:59, 3454-3455),
 *   finds no old process (nb_oldpids 0), sets RESYNC_LOCAL_FINISHED (0x1) and arms the timeout again (3457-3470).
 * - The first remote peer whose session is established is assigned the lesson (3514-3528) and sent RESYNCREQ
 *   (2612-2619); it pushes its whole table, then RESYNCFINISHED, or RESYNCPARTIAL while its own resync is not
 *   finished (1378). Finished: RESYNC_LOCAL_FINISHED | RESYNC_REMOTE_FINISHED (0x3, 3384-3386); the updates came
 *   before that message on the same session, so the table is complete. Partial: that peer is not asked again
 *   and the timeout is rearmed (3344-3347); a session lost while learning rearms it too (3319-3331).
 * - With no lesson under way when the timeout expires, or no remote peer at all (3.2; 2.6 waits the timeout),
 *   HAProxy gives up: RESYNC_REMOTE_FINISHED with the debug flag REMOTETIMEOUT (3592-3602). That is final:
 *   nothing asks for a resync afterwards, so a peer that connects later teaches only newer updates.
 * While a lesson is under way the timeout does not apply (every branch above requires no RESYNC_ASSIGN).
 */
export const PEER_RESYNC = { timeoutMs: 5000, finishedMask: 0x3 } as const;

/**
 * A bound on HAProxy's own wait, so that a pod is never unready for good: a peer that keeps its session alive
 * and never ends the lesson (or sessions lost and rearmed again and again) would hold the resync open. A whole
 * table (size 1m) reaches a peer in seconds, and no run of HAProxy's timeouts above comes near a minute.
 */
export const ROUTER_READY_AFTER_S = 60;

/**
 * The router's readiness command: ready once HAProxy's initial resync finished (0x3 in the peers section's
 * flags: learnt from a peer, or given up as above), or after ROUTER_READY_AFTER_S of uptime. socat is in the
 * image (docker-library/haproxy 3.2/Dockerfile installs it since 3fc3329, 2025-10; its alpine variant too);
 * the shell's arithmetic reads the hex flags.
 */
export function routerReadyCommand(socket: string = ROUTER_RUNTIME_SOCKET, readyAfterS: number = ROUTER_READY_AFTER_S): string[] {
    const head = `^[^ ]*: \\[[^]]*\\] id=${PEERS_SECTION} disabled=[0-9]* flags=\\(0x[0-9a-fA-F]*\\) .*`;
    return [
        "/bin/sh",
        "-c",
        [
            `out=$(echo "show peers ${PEERS_SECTION}; show info" | socat -t 2 - "UNIX-CONNECT:${socket}") || exit 1`,
            `flags=$(printf '%s\\n' "$out" | sed -n 's/${head}/\\1/p')`,
            `[ -n "$flags" ] && [ $((flags & ${PEER_RESYNC.finishedMask})) -eq ${PEER_RESYNC.finishedMask} ] && exit 0`,
            `up=$(printf '%s\\n' "$out" | sed -n 's/^Uptime_sec: \\([0-9]*\\)$/\\1/p')`,
            `[ -n "$up" ] && [ "$up" -ge ${readyAfterS} ]`,
        ].join("\n"),
    ];
}

/**
 * The router's readiness probe: asked every 2 s, so a pod is Ready about as soon as its table is there
 * (a rolling update waits for it before it stops the next pod). socat's -t 2 ends an answer that does not come.
 */
export function routerReadinessProbe(): { exec: { command: string[] }; initialDelaySeconds: number; periodSeconds: number; timeoutSeconds: number; failureThreshold: number } {
    return { exec: { command: routerReadyCommand() }, initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 4, failureThreshold: 3 };
}

/**
 * The router's liveness: HAProxy answers `show info` on its runtime socket. Not `/healthz` on the stats
 * port, which counts against the global maxconn like every listener but the socket (src/cli.c:567): a
 * router full of participants would stop answering it and be restarted, dropping every connection on
 * it (test/routerReadyLive.test.ts). Nothing a peer does changes this answer. Checked as seldom and
 * with as much patience as every liveness probe here (lib/jitsi.ts probes()).
 */
export function routerLiveCommand(socket: string = ROUTER_RUNTIME_SOCKET): string[] {
    return ["/bin/sh", "-c", `echo "show info" | socat -t 2 - "UNIX-CONNECT:${socket}" | grep -q '^Uptime_sec: '`];
}

/**
 * A router of one region among several (lib/regions.ts): the other regions' shards are backup servers,
 * the header tells the shard the region that received the user. Unset: one cluster, as before.
 */
export interface RouterRegion {
    name: string;
    /** Every other region's shards, reached at the address their cluster exports (lib/regions.ts). */
    remote: RouterBackend[];
}

/**
 * What every HAProxy of the stack that proxies HTTP to cluster Services starts with (the router, the
 * Prometheus gateway): Service names re-resolved from the pod's resolv.conf (serverLine), and HTTP
 * defaults that log each request to stdout.
 */
export const HTTP_PROXY_BASE: readonly string[] = [
    "resolvers cluster",
    "    parse-resolv-conf",
    "    hold valid 10s",
    "",
    "defaults",
    "    mode http",
    "    log global",
    "    option httplog",
    "    option dontlognull",
];

export function haproxyConfig(backends: RouterBackend[], listen: RouterListen = ROUTER_LISTEN, region?: RouterRegion): string {
    const sorted = [...backends].sort((a, b) => a.index - b.index);
    const remote = [...(region?.remote ?? [])].sort((a, b) => a.index - b.index);
    // Another region's shard takes a new room only while no shard of this region can (HAProxy's backup servers).
    const backup = (b: RouterBackend, extra = "") => serverLine(b, `${extra} backup`);
    return [
        "global",
        "    log stdout format raw local0 info",
        `    maxconn ${listen.maxconn}`,
        ...(listen.runtime ? [`    stats socket ${listen.runtime} mode 600 level user`] : []),
        "",
        ...HTTP_PROXY_BASE,
        // A room whose shard is down is better restarted on another shard than refused.
        "    option redispatch",
        "    retries 3",
        "    timeout connect 5s",
        `    timeout client ${BOSH_HOLD.routerServerTimeoutS}s`,
        `    timeout server ${BOSH_HOLD.routerServerTimeoutS}s`,
        // The request line and headers must come quickly; only the answer may take long.
        "    timeout http-request 10s",
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
        // Web answers the router's own checks on /about/health: not from outside (web refuses it too, lib/shardHealth.ts).
        // The whole path only (nginx merges slashes): a room named "about" (/about), or one under a tenant
        // "about" whose name starts with "health" (/about/healthy-living), stays reachable.
        `    http-request deny deny_status 404 if { path,url_dec -m reg ^/+about/+health/*$ }`,
        // Variables, not headers: clients cannot set them, and the shards never see them.
        `    http-request set-var(txn.room) ${ROOM_KEY} if { url_param(room) -m found }`,
        // The client's address as the ingress controller saw it (the last X-Forwarded-For), before this router adds its own.
        "    http-request set-var(txn.client) req.hdr_ip(x-forwarded-for,-1)",
        // Set, never passed through: a client cannot claim another region.
        ...(region ? [`    http-request set-header X-Proxy-Region ${region.name}`] : []),
        "    use_backend shards if { var(txn.room) -m found }",
        // The page and everything it loads (no room): one shard per browser, so one release's files.
        "    default_backend pages",
        "",
        "backend shards",
        "    balance hash var(txn.room)",
        "    hash-type consistent",
        `    stick-table type string len 256 size 1m expire 24h peers ${PEERS_SECTION}`,
        // A room's first request stores its shard; later ones never overwrite it. While that shard is DOWN
        // its requests are hashed over the others without being stored, so the room returns when it is back.
        // An entry naming a shard this router does not have (removed while the room was in use: a match
        // refreshes the expiry) is overwritten, else the room would follow the hash ring for good.
        "    stick match var(txn.room)",
        // Among several regions the other regions' shards are this router's too (backup servers).
        `    stick store-request var(txn.room) unless { var(txn.room),table_server_id(shards) -m int ${[...sorted, ...remote].sort((x, y) => x.index - y.index).map(serverId).join(" ")} }`,
        // 200: takes new rooms; 404: its signalling fails, no new room, live rooms stay (lib/shardHealth.ts).
        `    option httpchk GET ${SHARD_HEALTH_PATH}`,
        "    http-check disable-on-404",
        "    http-check expect status 200",
        `    timeout check ${HEALTH_CHECK.timeoutMs}ms`,
        `    default-server inter ${HEALTH_CHECK.interMs}ms fall ${HEALTH_CHECK.fall} rise ${HEALTH_CHECK.rise}`,
        ...sorted.map((b) => serverLine(b)),
        ...remote.map((b) => backup(b)),
        "",
        "backend pages",
        // A browser without the cookie (the first page, or cookies blocked) is placed by its address.
        "    balance hash var(txn.client)",
        "    hash-type consistent",
        `    cookie ${PAGE_COOKIE} insert indirect nocache httponly secure attr SameSite=None`,
        // Any shard whose web answers serves pages, whatever its jicofo says: with no shard taking rooms people still see Jitsi's page.
        "    option httpchk GET /",
        "    http-check expect status 200",
        "    default-server inter 5s",
        ...sorted.map((b) => serverLine(b, ` cookie ${b.name}`)),
        ...remote.map((b) => backup(b, ` cookie ${b.name}`)),
        "",
    ].join("\n");
}

/**
 * Starts HAProxy with a peers section written for this pod. HAProxy resolves peer names once, when it
 * starts, and refuses to start on a name it cannot resolve (haproxy/haproxy#930), so a peer that is
 * not resolvable within a minute is left out: it connects to this pod itself once it runs, and the
 * session carries updates both ways. A restarted pod learns the whole table from the peer that stayed.
 */
export const ROUTER_ENTRYPOINT = peersEntrypoint();

/**
 * What a router among several clusters adds to the entrypoint (lib/regions.ts): lines before the peers
 * section, TLS on `bind` and every server, peer names with its cluster's, the other clusters' peers.
 */
export interface EntrypointPeers {
    setup: string[];
    tls: string;
    namePrefix: string;
    appended: string;
    exec: string;
}

/** The entrypoint above, or (with `regional`) its form for a router among several clusters. */
export function peersEntrypoint(regional?: EntrypointPeers): string {
    const tls = regional ? ` ${regional.tls}` : "";
    const name = `${regional?.namePrefix ?? ""}$peer`;
    return `#!/bin/sh
set -eu
peers="\${TMPDIR:-/tmp}/peers.cfg"
wait_seconds="\${PEER_WAIT_SECONDS:-60}"
${(regional?.setup ?? []).map((l) => `${l}\n`).join("")}{
  echo "peers ${PEERS_SECTION}"
  echo "    bind :${ROUTER_PORTS.peers}${tls}"
${regional ? `  echo "    default-server${tls}"\n` : ""}  i=0
  while [ "$i" -lt "$ROUTER_REPLICAS" ]; do
    peer="$ROUTER_NAME-$i"
    i=$((i + 1))
    if [ "$peer" = "$HOSTNAME" ]; then
      echo "    server ${name}"
      continue
    fi
    host="$peer.$ROUTER_PEERS_SERVICE.$POD_NAMESPACE.svc.$CLUSTER_DOMAIN"
    tries=0
    until getent hosts "$host" >/dev/null 2>&1 || [ "$tries" -ge "$wait_seconds" ]; do
      tries=$((tries + 1))
      sleep 1
    done
    if getent hosts "$host" >/dev/null 2>&1; then
      echo "    server ${name} $host:${ROUTER_PORTS.peers}"
    else
      echo "peer $peer does not resolve; starting without it" >&2
    fi
  done
${regional?.appended ?? ""}} > "$peers"
${regional?.exec ?? 'exec haproxy -db -f /usr/local/etc/haproxy/haproxy.cfg -f "$peers"'}
`;
}
