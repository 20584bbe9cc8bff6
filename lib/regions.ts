/**
 * Routers of several clusters as one room authority (issue 28). Every router of every cluster is a peer
 * of every other: one stick table, so a room placed through any region reaches the same shard through
 * every other. The peers talk TLS with certificates of the stack's own CA and refuse a peer without one
 * (`verify required` on both sides). Each router knows every shard: its own region's as active servers,
 * the others' as backup servers (lib/haproxy.ts), so a new room goes to another region only while its
 * own has no shard taking rooms, and a room stored by any router is honoured by all.
 *
 * Peer names carry the cluster's name (`eu-router-0`), because every cluster's pods are called
 * router-0, router-1: HAProxy takes the local peer's name from `-L` and skips its own line.
 */
import { PEERS_SECTION, peersEntrypoint } from "./haproxy";

/** Where the router pod mounts the peers' certificate (cert + key, PEM) and the stack's CA. */
export const PEER_TLS_DIR = "/usr/local/etc/haproxy-peers";
export const PEER_TLS_FILES = { certAndKey: "peer.pem", ca: "ca.crt" } as const;

export interface RemotePeer {
    /** `<cluster>-router-<i>`. */
    name: string;
    /** The address another cluster reaches it at (its per-pod LoadBalancer Service's ingress IP or host name). */
    address: string;
    port: number;
}

export function peerName(cluster: string, pod: string): string {
    return `${cluster}-${pod}`;
}

/** TLS both ways, verified against the stack's CA, no other CA. */
export function peerTls(dir = PEER_TLS_DIR): string {
    return `ssl crt ${dir}/${PEER_TLS_FILES.certAndKey} ca-file ${dir}/${PEER_TLS_FILES.ca} verify required`;
}

/** The other clusters' routers, appended by the entrypoint to the peers it finds in its own cluster. */
export function remotePeerLines(peers: RemotePeer[]): string {
    return peers.map((p) => `    server ${p.name} ${p.address}:${p.port}\n`).join("");
}

/**
 * The peers section of one router: `bind` and `default-server` with TLS, the local peer without an
 * address, the others with theirs. The entrypoint below writes the same for a pod.
 */
export function tlsPeersSection(local: string, peers: RemotePeer[], bind: string, tlsDir = PEER_TLS_DIR): string {
    return [
        `peers ${PEERS_SECTION}`,
        `    bind ${bind} ${peerTls(tlsDir)}`,
        `    default-server ${peerTls(tlsDir)}`,
        `    server ${local}`,
        remotePeerLines(peers.filter((p) => p.name !== local)).trimEnd(),
        "",
    ].filter((l, i, all) => l !== "" || i === all.length - 1).join("\n");
}

/**
 * lib/haproxy.ts's entrypoint for a router among several clusters: the same wait for the replicas of its
 * own cluster (haproxy/haproxy#930), peer names with the cluster's, TLS on every peer session, and the
 * other clusters' routers from remote-peers.cfg (written by Pulumi from their Services' addresses).
 */
export const REGIONAL_ROUTER_ENTRYPOINT = peersEntrypoint({
    setup: ['config_dir="${ROUTER_CONFIG_DIR:-/usr/local/etc/haproxy}"', `tls="${peerTls("$PEER_TLS_DIR")}"`],
    tls: "$tls",
    namePrefix: "$CLUSTER_NAME-",
    appended: '  cat "$config_dir/remote-peers.cfg"\n',
    exec: 'exec haproxy -db -L "$CLUSTER_NAME-$HOSTNAME" -f "$config_dir/haproxy.cfg" -f "$peers"',
});
