/**
 * Which shards an update restarts the signalling of. Prosody and jicofo hold every conference of their
 * shard and are replaced, never rolled (components/shard.ts), so a change of their pod templates ends
 * every meeting on the shard. Each shard's `signalling` hash is a stack output; comparing the last
 * deployment's with this run's names the shards before anything is applied.
 */

export interface ShardState {
    /** The shard's number: its UDP ports and router id follow from it. */
    index: number;
    /** `draining`: the router places no new room there. */
    state: "live" | "draining";
    imageTag: string;
    /** Hash of prosody's and jicofo's pod templates. */
    signalling: string;
}

export interface SignallingRestart {
    shard: string;
    draining: boolean;
}

/** Shards that ran before and whose signalling pods this update replaces. New and removed shards are not restarts. */
export function signallingRestarts(previous: Record<string, Partial<ShardState>> | undefined, current: Record<string, ShardState>): SignallingRestart[] {
    if (!previous) return [];
    return Object.entries(current)
        .filter(([name, now]) => typeof previous[name]?.signalling === "string" && previous[name].signalling !== now.signalling)
        .map(([name, now]) => ({ shard: name, draining: now.state === "draining" }));
}

/** One warning per live shard that restarts, saying what it costs and how to avoid it; a note for drained ones. */
export function restartWarnings(restarts: SignallingRestart[]): string[] {
    return restarts.map((r) =>
        r.draining
            ? `${r.shard} is drained; this update restarts its prosody and jicofo, which ends the meetings still on it.`
            : `${r.shard} is live, and this update restarts its prosody and jicofo: every meeting on ${r.shard} ends. ` +
              `To keep them, drain ${r.shard} first (shards[].drain: true), wait until it is empty, then apply this change ` +
              `(docs/runbook.md, "Upgrade Jitsi without ending a meeting").`,
    );
}
