/** What `pulumi stack output` shows: what to open, where to point DNS, how large the stack is. */
import { GRAFANA_PATH, MonitoringStack } from "../components/monitoringStack";
import { LoadTest } from "../components/loadTest";
import { Shard } from "../components/shard";
import { Turn } from "../components/turn";
import * as pulumi from "@pulumi/pulumi";
import { KEPT_OBJECTS_OUTPUT, captionedMeetings, largestEvent, maxParticipantsPerBridge, phoneCalls, ShardState, stackCapacity, StoredData } from "../lib";
import { Site } from "./site";

/** Per shard: its number, whether it takes new rooms, its tag, and the hash the next preview compares with. */
export function shardStates(site: Site, shards: Shard[]): pulumi.Output<Record<string, ShardState>> {
    return pulumi.all(
        Object.fromEntries(
            site.config.shards.map((s, i) => [
                s.name,
                shards[i].signallingHash.apply((signalling): ShardState => ({
                    index: s.index,
                    state: s.drain ? "draining" : "live",
                    imageTag: shards[i].imageTag,
                    signalling,
                })),
            ]),
        ),
    );
}

export function capacity(config: Site["config"]) {
    const base = stackCapacity(
        config.shards.length,
        config.resources.jvb.limits.cpu,
        config.jvb.minReplicas,
        config.jvb.maxReplicas,
        {
            enabled: config.jvb.relay.enabled,
            maxParticipantsPerBridge: maxParticipantsPerBridge(config.jvb.relay, config.resources.jvb.limits.cpu),
        },
    );
    return {
        ...base,
        ...(config.visitors.enabled ? { largestEvent: largestEvent(base.participantsPerJvb, config.jvb.maxReplicas, base.largestMeeting, config.visitors) } : {}),
        ...(config.jigasi.enabled ? { phoneCalls: phoneCalls(config.jigasi.replicas) } : {}),
        ...(config.transcription.enabled ? { captionedMeetings: captionedMeetings(config.transcription.replicas) } : {}),
    };
}

export function stackOutputs(
    site: Site,
    parts: { shards: Shard[]; shardStates: pulumi.Output<Record<string, ShardState>>; storedData: StoredData; keptData: pulumi.Output<StoredData>; keptObjectsRetained: pulumi.Output<boolean>; turn?: Turn; monitoring?: MonitoringStack; loadTest?: LoadTest },
) {
    const { config, publicUrl } = site;
    const { shards, turn, monitoring, loadTest } = parts;
    return {
        url: publicUrl,
        /**
         * Each shard's number, `live` or `draining`, its tag, and a hash of its prosody and jicofo pod
         * templates (the next preview compares it, to name the shards an update would restart).
         */
        shards: parts.shardStates,
        /** The volumes that keep data, their claims and sizes (the next preview warns before deleting or recreating them). */
        storedData: parts.storedData,
        /** Volumes a part switched off left in the cluster (with their namespace), until it is switched on again. */
        keptData: parts.keptData,
        /** The kept namespaces and claims are retained in the state: the next update may move them to their provider (lib/keptObjects.ts). */
        [KEPT_OBJECTS_OUTPUT]: parts.keptObjectsRetained,
        /** Where to read the load test's results, while it is switched on. */
        loadTestLogs: loadTest?.logsCommand,
        grafanaUrl: monitoring ? `${publicUrl}${GRAFANA_PATH}` : undefined,
        /** `pulumi stack output --show-secrets grafanaAdminPassword` (user admin). */
        grafanaAdminPassword: monitoring?.grafanaAdminPassword,
        /** Open these UDP ports to the internet on every node that may run a JVB (NodePorts). */
        jvbUdpPorts: Object.fromEntries(config.shards.map((s, i) => [s.name, shards[i].jvbPool.udpPorts])),
        /** TURN: where clients connect (point turn.host at `address`) and what the firewall must let in. */
        turn: turn
            ? { host: turn.host, address: turn.address, udpPorts: turn.udpPorts, tcpPorts: turn.tcpPorts, relayUdpPorts: turn.relayUdpPorts }
            : undefined,
        capacity: capacity(config),
    };
}
