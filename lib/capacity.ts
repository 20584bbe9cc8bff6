/**
 * How many participants a stack is sized for, from the seed's load tests with jitsi-meet-torture
 * (see docs/capacity.md): one JVB with a 4-core limit carried one 14-person conference at 3.5 cores
 * with 5% CPU throttling, i.e. 4 participants per core before media quality suffers. Small
 * conferences are cheaper (8 conferences of 5 used about 2.5 cores per 20 participants, 8 per core);
 * the model keeps the conservative figure so that "sized for" means "will hold".
 */
import { cpuCores } from "./quantity";

export const PARTICIPANTS_PER_JVB_CORE = 4;

export function participantsPerJvb(jvbCpuLimit: string): number {
    return Math.floor(cpuCores(jvbCpuLimit) * PARTICIPANTS_PER_JVB_CORE);
}

export interface Capacity {
    participantsPerJvb: number;
    /** With every shard at its minimum JVB count. */
    participantsAtMinReplicas: number;
    /** With every shard's JVB autoscaler at its maximum. */
    participantsAtMaxReplicas: number;
    assumption: string;
}

export function stackCapacity(shardCount: number, jvbCpuLimit: string, minReplicas: number, maxReplicas: number): Capacity {
    const perJvb = participantsPerJvb(jvbCpuLimit);
    return {
        participantsPerJvb: perJvb,
        participantsAtMinReplicas: shardCount * minReplicas * perJvb,
        participantsAtMaxReplicas: shardCount * maxReplicas * perJvb,
        assumption:
            `${PARTICIPANTS_PER_JVB_CORE} participants per JVB CPU core (JVB CPU limit ${jvbCpuLimit}), ` +
            `from the load test of one large conference; many small conferences fit about twice as many`,
    };
}
