/**
 * What the last deployment of this stack was, read back through a StackReference to the stack
 * itself, so that `pulumi preview` can say which live shards an update would restart the signalling
 * of before anything is applied (lib/restarts.ts). A first deployment has no outputs: nothing to say.
 */
import * as pulumi from "@pulumi/pulumi";
import { Shard } from "../components/shard";
import { StackConfig, VERIFIED_JITSI_TAGS } from "../config/schema";
import { restartWarnings, ShardState, signallingRestarts } from "../lib";

export function warnOnSignallingRestarts(config: StackConfig, current: pulumi.Output<Record<string, ShardState>>): void {
    if (!config.warnOnSignallingRestart) return;
    const self = new pulumi.StackReference("last-deployment", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    pulumi.all([self.getOutput("shards"), current]).apply(([previous, now]) => {
        for (const warning of restartWarnings(signallingRestarts(previous, now))) pulumi.log.warn(warning);
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
