/**
 * jitsi-pulumi: a horizontally scalable Jitsi Meet on Kubernetes, declared from the stack's config.
 *
 *   Ingress -> RoomRouter (HAProxy, sticky per room) -> Shard web -> prosody / jicofo -> JvbPool
 *                                                        web -> Etherpad, Whiteboard (stack-wide)
 *   JibriPool (stack-wide) -> every shard's prosody, and the site like any participant
 *   JigasiPool (stack-wide: SIP gateway, transcriber) -> every shard's prosody; each call via the router
 *
 * The configuration is validated in full before the first resource is declared, so a mistake in a
 * stack file stops `pulumi preview` with a message instead of reaching the cluster. `deploy` reads as
 * the table of contents; each part is declared in stack/.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config/load";
import { StackConfig } from "./config/schema";
import { captions, collaborationServices, loadTest, phones, recording } from "./stack/extras";
import { roomRouter, shards, turnServer } from "./stack/media";
import { keptObjects, monitoringStack, opsStack } from "./stack/operations";
import { clusterOutputs, clusterShardStates, deployClusters } from "./stack/clusters";
import { capacity, shardStates, stackOutputs } from "./stack/outputs";
import { lastDeployment, lastOutputs, warnOnSignallingRestarts, warnOnStoredData, warnOnUnverifiedTags } from "./stack/previous";
import { storedData } from "./stack/storedData";
import { jitsiSecrets, jitsiSite } from "./stack/site";

export = async () => {
    const config = loadConfig();
    const last = lastDeployment();
    return deploy(config, last, await lastOutputs(last));
};

function deploy(config: StackConfig, last: pulumi.StackReference, previous: Record<string, unknown>) {
    if (config.clusters) return deployAcrossClusters(config, config.clusters, last, previous);
    const kept = keptObjects(previous);
    const ops = opsStack(config, kept);
    const site = jitsiSite(config, kept);
    const secrets = jitsiSecrets(site);
    const collaboration = collaborationServices(site);
    const turn = turnServer(site, ops, secrets);
    const jitsiShards = shards(site, secrets, collaboration);
    warnOnUnverifiedTags(jitsiShards);
    roomRouter(site, jitsiShards, ops);
    recording(site, secrets);
    phones(site, secrets);
    captions(site, secrets);
    const monitoring = monitoringStack(site, ops, { turn: turn !== undefined });
    const test = loadTest(config, site.publicUrl);
    const states = shardStates(site, jitsiShards);
    warnOnSignallingRestarts(config, states, last);
    const stored = storedData(config);
    const keptData = warnOnStoredData(stored, last);
    return stackOutputs(site, { shards: jitsiShards, shardStates: states, storedData: stored, keptData, keptObjectsRetained: kept.retained(), turn, monitoring, loadTest: test });
}

/** The same parts in each of several clusters, every router knowing every shard (stack/clusters.ts). */
function deployAcrossClusters(config: StackConfig, clusters: NonNullable<StackConfig["clusters"]>, last: pulumi.StackReference, previous: Record<string, unknown>) {
    const parts = deployClusters(config, clusters, previous);
    warnOnUnverifiedTags(parts.flatMap((p) => p.shards));
    const states = clusterShardStates(parts);
    warnOnSignallingRestarts(config, states, last);
    const stored = storedData(config);
    const keptData = warnOnStoredData(stored, last);
    return { url: `https://${config.hosts[0]}`, shards: states, storedData: stored, keptData, ...clusterOutputs(parts), capacity: capacity(config) };
}
