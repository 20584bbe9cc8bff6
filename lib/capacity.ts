/**
 * How many participants a stack is sized for. The model (docs/capacity.md) comes from the seed's
 * load tests with jitsi-meet-torture, kept here as data so the figure the program outputs is derived
 * from the measurements rather than typed in.
 */
import { cpuCores } from "./quantity";

export interface LoadTestRun {
    scenario: string;
    /** Participants on one bridge (runs over two bridges are split evenly). */
    participantsPerJvb: number;
    /** Conferences running at once, and their size: cost per participant grows with the size. */
    conferences: number;
    conferenceSize: number;
    /** CPU the bridge used, in cores, and its limit. */
    cpuUsed: number;
    cpuLimit: number;
    /** CPU throttling of the JVB container, 0..1. */
    throttling: number;
    /** Participants dropped or media lost during the run. */
    degraded: boolean;
}

/** The seed's measurements (reference doc, "Load test in the seed"). */
export const LOAD_TEST_RUNS: LoadTestRun[] = [
    { scenario: "1 conference of 8", participantsPerJvb: 8, conferences: 1, conferenceSize: 8, cpuUsed: 1.9, cpuLimit: 4, throttling: 0, degraded: false },
    { scenario: "1 conference of 14", participantsPerJvb: 14, conferences: 1, conferenceSize: 14, cpuUsed: 3.5, cpuLimit: 4, throttling: 0.05, degraded: false },
    { scenario: "1 conference of 24", participantsPerJvb: 24, conferences: 1, conferenceSize: 24, cpuUsed: 4, cpuLimit: 4, throttling: 0.8, degraded: true },
    { scenario: "1 conference of 16, lastN 5", participantsPerJvb: 16, conferences: 1, conferenceSize: 16, cpuUsed: 3.5, cpuLimit: 4, throttling: 0.05, degraded: false },
    { scenario: "1 conference of 16", participantsPerJvb: 16, conferences: 1, conferenceSize: 16, cpuUsed: 1.8, cpuLimit: 8, throttling: 0, degraded: false },
    { scenario: "1 conference of 32", participantsPerJvb: 32, conferences: 1, conferenceSize: 32, cpuUsed: 4.3, cpuLimit: 8, throttling: 0, degraded: true },
    { scenario: "8 conferences of 5 on 2 JVBs", participantsPerJvb: 20, conferences: 8, conferenceSize: 5, cpuUsed: 2.5, cpuLimit: 4, throttling: 0, degraded: false },
    { scenario: "8 conferences of 10 on 2 JVBs", participantsPerJvb: 40, conferences: 8, conferenceSize: 10, cpuUsed: 3.9, cpuLimit: 4, throttling: 0.5, degraded: true },
];

/** A run that held: nothing dropped, and throttling low enough not to hurt media (at most 5%). */
export function healthy(run: LoadTestRun): boolean {
    return !run.degraded && run.throttling <= 0.05;
}

export function participantsPerCore(run: LoadTestRun): number {
    return run.participantsPerJvb / run.cpuUsed;
}

/**
 * Participants per JVB core to plan with: the lowest ratio among healthy runs with conferences of
 * 8 or more, rounded down. Large conferences are the expensive case; rooms of 5 fit about twice as
 * many (8 per core), so the figure errs on the side of "will hold".
 */
export function derivePlanningRatio(runs: LoadTestRun[] = LOAD_TEST_RUNS): number {
    const large = runs.filter((r) => healthy(r) && r.conferenceSize >= 8);
    return Math.floor(Math.min(...large.map(participantsPerCore)));
}

export const PARTICIPANTS_PER_JVB_CORE = derivePlanningRatio();

export function participantsPerJvb(jvbCpuLimit: string): number {
    return Math.floor(cpuCores(jvbCpuLimit) * PARTICIPANTS_PER_JVB_CORE);
}

export interface Capacity {
    participantsPerJvb: number;
    /** With every shard at its minimum JVB count. */
    participantsAtMinReplicas: number;
    /** With every shard's JVB autoscaler at its maximum. */
    participantsAtMaxReplicas: number;
    /** One meeting: one bridge, or with relay every bridge its shard may scale to. */
    largestMeeting: number;
    /** With visitors: one event of one shard, its speakers and its audience (see largestEvent). */
    largestEvent?: LargestEvent;
    assumption: string;
}

export interface LargestEvent {
    /** In the main room: up to jicofo's max-participants, and what relay lets one meeting hold. */
    participants: number;
    /** On the shard's visitor nodes, as far as the shard's bridges carry them. */
    visitors: number;
    total: number;
    /** What stops it growing: the shard's bridges at their maximum, or the visitor nodes' share. */
    boundBy: "bridges" | "visitor nodes";
    assumption: string;
}

/** jicofo's visitors.max-participants when VISITORS_MAX_PARTICIPANTS is unset (jicofo reference.conf). */
export const JICOFO_DEFAULT_VISITORS_MAX_PARTICIPANTS = 50;

/**
 * One event on one shard. Every endpoint, visitor or participant, is on a bridge of the shard (jicofo
 * puts visitors on bridges too, connected to the participants' by relay), so the shard's bridges at
 * their maximum bound the whole event. A visitor sends nothing, but receives what a participant
 * receives, which is most of a bridge's work in a large meeting: counted as one participant, an
 * assumption on the safe side. The nodes' share (nodes x maxVisitorsPerNode) is what jicofo places
 * before every node is full; past it, a node admits newcomers only up to its own hard limit
 * (lib/visitors.ts visitorNodeOccupantLimit).
 */
export function largestEvent(
    perJvb: number,
    maxReplicas: number,
    largestMeeting: number,
    visitors: { nodesPerShard: number; maxVisitorsPerNode: number; maxParticipants?: number },
): LargestEvent {
    const participants = Math.min(visitors.maxParticipants ?? JICOFO_DEFAULT_VISITORS_MAX_PARTICIPANTS, largestMeeting);
    const byBridges = Math.max(0, maxReplicas * perJvb - participants);
    const byNodes = visitors.nodesPerShard * visitors.maxVisitorsPerNode;
    const audience = Math.min(byBridges, byNodes);
    return {
        participants,
        visitors: audience,
        total: participants + audience,
        boundBy: byBridges <= byNodes ? "bridges" : "visitor nodes",
        assumption:
            "one shard's bridges at jvb.maxReplicas carry the whole event, a visitor counted as a participant " +
            "(it receives what a participant receives); nodes x maxVisitorsPerNode is what jicofo places before every node is full",
    };
}

export function stackCapacity(
    shardCount: number,
    jvbCpuLimit: string,
    minReplicas: number,
    maxReplicas: number,
    relay: { enabled: boolean; maxParticipantsPerBridge: number } = { enabled: false, maxParticipantsPerBridge: 0 },
): Capacity {
    const perJvb = participantsPerJvb(jvbCpuLimit);
    return {
        participantsPerJvb: perJvb,
        participantsAtMinReplicas: shardCount * minReplicas * perJvb,
        participantsAtMaxReplicas: shardCount * maxReplicas * perJvb,
        largestMeeting: relay.enabled ? maxReplicas * Math.min(perJvb, relay.maxParticipantsPerBridge) : perJvb,
        assumption:
            `${PARTICIPANTS_PER_JVB_CORE} participants per JVB CPU core (JVB CPU limit ${jvbCpuLimit}), ` +
            `the load tests' figure for conferences of 8 or more (docs/capacity.md); rooms of about 5 fit twice as many`,
    };
}
