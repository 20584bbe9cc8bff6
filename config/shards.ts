/** Shards as the program uses them: always a list, each with its place in the stack file. */

export interface ShardSpec {
    name: string;
    zone?: string;
    /** Position in the stack file; fixes the shard's UDP ports and its router server id. */
    index: number;
}

/** `shards: 2` means shard-0 and shard-1. */
export function normalizeShards(shards: number | { name: string; zone?: string }[]): ShardSpec[] {
    if (typeof shards === "number") {
        return Array.from({ length: shards }, (_, index) => ({ name: `shard-${index}`, index }));
    }
    return shards.map((s, index) => ({ ...s, index }));
}
