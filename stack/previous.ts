/**
 * What the last deployment of this stack was, read back through a StackReference to the stack
 * itself, so that `pulumi preview` can say, before anything is applied, which live shards an update
 * would restart the signalling of (lib/restarts.ts) and which stored data it would delete or recreate
 * around (lib/storedData.ts). A first deployment has no outputs: nothing to say.
 */
import * as pulumi from "@pulumi/pulumi";
import { Shard } from "../components/shard";
import { StackConfig, VERIFIED_JITSI_TAGS } from "../config/schema";
import { keptData, restartWarnings, ShardState, signallingRestarts, StoredData, storedDataWarnings } from "../lib";

/**
 * The stack's own last outputs: one reference, read by every comparison below. `pulumi preview` fills it
 * from the state; `npm run render` hands the recording engine its last render's outputs for this same
 * reference (scripts/render.ts), so the render warns through this code with the same words.
 */
export function lastDeployment(): pulumi.StackReference {
    return new pulumi.StackReference("last-deployment", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
}

/** The last deployment's outputs, read before anything else is declared (a first deployment has none). */
export function lastOutputs(self: pulumi.StackReference): Promise<Record<string, unknown>> {
    return new Promise((resolve) => self.outputs.apply((outputs) => resolve(outputs ?? {})));
}

export function warnOnSignallingRestarts(config: StackConfig, current: pulumi.Output<Record<string, ShardState>>, self: pulumi.StackReference): void {
    if (!config.warnOnSignallingRestart) return;
    pulumi.all([self.getOutput("shards"), current]).apply(([previous, now]) => {
        for (const warning of restartWarnings(signallingRestarts(previous, now))) pulumi.log.warn(warning);
    });
}

/**
 * Always on: a volume is deleted, recreated around or left behind only with a word first. Returns what
 * stays kept from earlier switch-offs (the `keptData` output), so that switching a part on again over
 * its kept data is named too.
 */
export function warnOnStoredData(current: StoredData, self: pulumi.StackReference): pulumi.Output<StoredData> {
    return pulumi.all([self.getOutput("storedData"), self.getOutput("keptData")]).apply(([previous, previousKept]) => {
        for (const warning of storedDataWarnings(previous, current, previousKept)) pulumi.log.warn(warning);
        return keptData(previous, previousKept, current);
    });
}

/** Tags nobody has read the images' variables of: they may set what an image no longer reads, or miss what it needs. */
export function warnOnUnverifiedTags(shards: Shard[]): void {
    const verified: readonly string[] = VERIFIED_JITSI_TAGS;
    const inUse = new Map<string, string[]>();
    for (const s of shards) inUse.set(s.imageTag, [...(inUse.get(s.imageTag) ?? []), s.shardName]);
    for (const [tag, names] of inUse) {
        if (verified.includes(tag)) continue;
        pulumi.log.warn(
            `${names.join(", ")} run${names.length === 1 ? "s" : ""} ${tag}, whose images' environment variables this program has not ` +
                `verified (it has for ${verified.join(", ")}): compare the new tag's docker-jitsi-meet rootfs before a production upgrade.`,
        );
    }
}
