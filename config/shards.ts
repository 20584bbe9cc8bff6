/**
 * Shards as the program uses them: always a list, each with its number. A shard's number fixes its
 * UDP ports and its router server id, so it must not change when another shard is removed or
 * inserted: an explicit `index`, else N for a shard named shard-N (the names the count form gives),
 * else the shard's position in the list, which is how every shard was numbered before `index`
 * existed. So upgrading this program changes no port, and a shard named shard-N keeps its number
 * wherever it stands.
 */

export interface ShardSpec {
    name: string;
    zone?: string;
    /** Fixes the shard's UDP ports and its router server id. */
    index: number;
    /** No new room is placed on the shard; its live rooms stay. */
    drain: boolean;
    /** Overrides the stack's imageTag for this shard's Jitsi images. */
    imageTag?: string;
    /** The cluster under `clusters` it runs in; unset with one cluster. */
    cluster?: string;
}

type ShardSetting = { name: string; zone?: string; index?: number; drain?: boolean; imageTag?: string; cluster?: string };

const SHARD_N = /^shard-(\d{1,3})$/;

/** `shards: 2` means shard-0 and shard-1. */
export function normalizeShards(shards: number | ShardSetting[]): ShardSpec[] {
    if (typeof shards === "number") {
        return Array.from({ length: shards }, (_, index) => ({ name: `shard-${index}`, index, drain: false }));
    }
    return shards.map((s, position) => ({
        ...s,
        index: s.index ?? shardNumberOf(s.name) ?? position,
        drain: s.drain ?? false,
    }));
}

/** N for a shard named shard-N. */
export function shardNumberOf(name: string): number | undefined {
    const m = SHARD_N.exec(name);
    return m ? Number(m[1]) : undefined;
}

/** The highest shard number, which sets the last UDP port the stack needs. */
export function highestIndex(shards: ShardSpec[]): number {
    return Math.max(...shards.map((s) => s.index));
}
