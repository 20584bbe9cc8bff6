/**
 * NodePorts of the LoadBalancer Services through which the other clusters reach this one (each router
 * pod's peers port, the Prometheus gateway, each shard's web): fixed, at the bottom of the NodePort range.
 *
 * A LoadBalancer Service takes NodePorts too (allocateLoadBalancerNodePorts defaults to true), and an
 * automatically allocated one may take a port that a bridge's NodePort Service declared later (a new
 * shard, a higher jvb.maxReplicas) needs; that `pulumi up` then fails with "provided port is already
 * allocated". Kubernetes hands out automatic NodePorts from the upper part of the range first and keeps
 * its lower band, min(max(16, size / 32), 128) ports, for fixed ones (KEP-3668; kubernetes
 * pkg/registry/core/service/portallocator/allocator.go calculateRangeOffset, and allocator/bitmap.go
 * NewAllocationMapWithOffset). The bridges' ports lie in the upper part (30300 and up by default); these
 * Services take fixed ports from the bottom, so that they never take a bridge's port, and an automatic
 * allocation rarely takes theirs. Every number is fixed by what it serves (pod ordinal, shard number),
 * so adding a cluster, a shard or a router changes no other Service's port.
 */

export interface NodePortRange {
    min: number;
    max: number;
}

/** Offsets from the range's start: router pods 0-7, the Prometheus gateway 8 (9-15 free), shard i at 16 + i. */
export const CROSS_CLUSTER_PORT_OFFSETS = { routerPeers: 0, routerPeersMax: 8, prometheusGateway: 8, shardWeb: 16 } as const;

/** The peers port of router pod `ordinal`. */
export function routerPeerNodePort(range: NodePortRange, ordinal: number): number {
    if (ordinal >= CROSS_CLUSTER_PORT_OFFSETS.routerPeersMax) throw new Error(`router pod ${ordinal}: at most ${CROSS_CLUSTER_PORT_OFFSETS.routerPeersMax} routers per cluster`);
    return range.min + CROSS_CLUSTER_PORT_OFFSETS.routerPeers + ordinal;
}

export function prometheusGatewayNodePort(range: NodePortRange): number {
    return range.min + CROSS_CLUSTER_PORT_OFFSETS.prometheusGateway;
}

/** The web port of the shard numbered `shardIndex` (config/shards.ts), the same in whichever cluster it runs. */
export function shardWebNodePort(range: NodePortRange, shardIndex: number): number {
    return range.min + CROSS_CLUSTER_PORT_OFFSETS.shardWeb + shardIndex;
}

/** The highest of these ports for shards numbered up to `highestShardIndex`. */
export function lastCrossClusterNodePort(range: NodePortRange, highestShardIndex: number): number {
    return shardWebNodePort(range, highestShardIndex);
}
