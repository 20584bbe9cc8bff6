/**
 * Bridge-to-bridge relay ("secure Octo") inside a shard, so that one meeting can outgrow one bridge.
 * Names and meanings verified at docker-jitsi-meet stable-11146-2: jvb/rootfs/defaults/jvb.conf
 * (ENABLE_OCTO turns on `videobridge.relay`, JVB_OCTO_REGION, JVB_OCTO_RELAY_ID) and
 * jicofo/rootfs/defaults/jicofo.conf (ENABLE_OCTO, OCTO_BRIDGE_SELECTION_STRATEGY, JICOFO_OCTO_REGION,
 * MAX_BRIDGE_PARTICIPANTS). jicofo (jicofo-selector BridgeSelectionStrategy) only splits a meeting
 * across bridges that report a relay id.
 *
 * Relays connect over ICE and DTLS, but not both ends on the media port: jicofo asks the initiating
 * bridge for a unique port (jicofo-selector Colibri2Session.kt, `useUniquePort = initiator`), for which
 * jvb's IceTransport.kt makes ice4j use dynamic ports, and ice4j binds those to port 0
 * (HostCandidateHarvester.createDatagramSocket): a port from the kernel's ephemeral range. The other
 * bridge answers on its media port. Both are host candidates: the template advertises private
 * candidates by default (jvb.conf, JVB_ADVERTISE_PRIVATE_CANDIDATES default "true").
 */
import { participantsPerJvb } from "./capacity";

type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } };

/**
 * Picks bridges in jicofo's own region, and moves on to another one once the meeting's bridge is
 * overloaded or holds `max-bridge-participants` of it (RegionBasedBridgeSelectionStrategy).
 */
export const RELAY_SELECTION_STRATEGY = "RegionBasedBridgeSelectionStrategy";

export interface RelaySettings {
    enabled: boolean;
    maxParticipantsPerBridge?: number;
}

/** Every bridge of a shard, and the shard's jicofo, are in one region: the shard's name. */
export function relayRegion(shard: string): string {
    return shard;
}

/** What one bridge carries by the capacity model: the default, and the most, participants of one meeting per bridge. */
export function bridgeCapacity(jvbCpuLimit: string): number {
    return Math.max(2, participantsPerJvb(jvbCpuLimit));
}

/** Participants of one meeting jicofo puts on one bridge before it adds another. */
export function maxParticipantsPerBridge(relay: RelaySettings, jvbCpuLimit: string): number {
    return relay.maxParticipantsPerBridge ?? bridgeCapacity(jvbCpuLimit);
}

export function jvbRelayEnv(relay: RelaySettings, shard: string): EnvVar[] {
    if (!relay.enabled) return [];
    return [
        { name: "ENABLE_OCTO", value: "1" },
        { name: "JVB_OCTO_REGION", value: relayRegion(shard) },
        // Unique per bridge; jicofo ignores bridges without one when it spreads a meeting.
        { name: "JVB_OCTO_RELAY_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    ];
}

/**
 * Linux's default `net.ipv4.ip_local_port_range`, per network namespace, so each bridge pod's own: where
 * the initiating bridge of a relay binds its unique ICE port. A cluster that changes the sysctl for
 * pods changes this range too.
 */
export const EPHEMERAL_PORTS = { first: 32768, last: 60999 } as const;

/**
 * With visitors on, jicofo.conf picks VisitorSelectionStrategy itself and ignores
 * OCTO_BRIDGE_SELECTION_STRATEGY, so it is not set then.
 */
export function jicofoRelayEnv(relay: RelaySettings, shard: string, jvbCpuLimit: string, visitors = false): EnvVar[] {
    if (!relay.enabled) return [];
    return [
        { name: "ENABLE_OCTO", value: "1" },
        ...(visitors ? [] : [{ name: "OCTO_BRIDGE_SELECTION_STRATEGY", value: RELAY_SELECTION_STRATEGY }]),
        { name: "JICOFO_OCTO_REGION", value: relayRegion(shard) },
        { name: "MAX_BRIDGE_PARTICIPANTS", value: String(maxParticipantsPerBridge(relay, jvbCpuLimit)) },
    ];
}
