/**
 * JVB UDP ports. Every JVB needs its own port, reachable from the internet as a NodePort with the
 * same number, so the numbering is fixed by the shard's number i (config/shards.ts): pod k of shard i
 * listens on `udpBasePort + i * portStridePerShard + k`. A shard's block never moves when other
 * shards are added or removed.
 */

export interface PortPlan {
    udpBasePort: number;
    portStridePerShard: number;
    maxReplicas: number;
}

/** First port of a shard's block: what its pods add their ordinal to. */
export function shardPortBase(plan: PortPlan, shardIndex: number): number {
    return plan.udpBasePort + shardIndex * plan.portStridePerShard;
}

export function jvbUdpPort(plan: PortPlan, shardIndex: number, ordinal: number): number {
    return shardPortBase(plan, shardIndex) + ordinal;
}

/** The ports a shard can use, up to the autoscaler's maximum. */
export function jvbPortRange(plan: PortPlan, shardIndex: number): { first: number; last: number } {
    const first = shardPortBase(plan, shardIndex);
    return { first, last: first + plan.maxReplicas - 1 };
}

export function shardPorts(plan: PortPlan, shardIndex: number): number[] {
    return Array.from({ length: plan.maxReplicas }, (_, k) => jvbUdpPort(plan, shardIndex, k));
}

/** The last port of the highest-numbered shard's block. */
export function lastJvbPort(plan: PortPlan, highestShardIndex: number): number {
    return jvbPortRange(plan, highestShardIndex).last;
}
