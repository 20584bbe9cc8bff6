/**
 * Rules that span settings (a part that needs another, ports that must not overlap, counts that must
 * agree), checked after each setting passed on its own. Each problem names the setting to change.
 */
import { z } from "zod";
import { jvbPortRange, lastJvbPort } from "../lib/ports";
import { JIBRI_SHM_SIZE } from "../lib/jibri";
import { isCpuQuantity, isMemoryQuantity, memoryBytes } from "../lib/quantity";
import { bridgeCapacity } from "../lib/relay";
import type { ParsedSettings } from "./schema";
import { checkClusters } from "./clusters";
import { VOSK_IMAGES } from "./defaults";
import { checkTls } from "./dns01";
import { checkPhoneSettings, checkWhisper, stackVoskImage } from "./gateways";
import { highestIndex, normalizeShards, shardNumberOf, ShardSpec } from "./shards";

export function checkAcrossSettings(cfg: ParsedSettings, ctx: z.RefinementCtx): void {
    checkClusters(cfg, ctx);
    checkTls(cfg, ctx);
    const lt = cfg.loadTest;
    if (lt.enabled && lt.conferences * lt.participantsPerConference > lt.seleniumNodes * lt.sessionsPerNode) {
        ctx.addIssue({
            code: "custom",
            path: ["loadTest", "participantsPerConference"],
            input: lt.participantsPerConference,
            message:
                `needs ${lt.conferences * lt.participantsPerConference} browsers (conferences x participantsPerConference), ` +
                `more than loadTest.seleniumNodes x loadTest.sessionsPerNode (${lt.seleniumNodes * lt.sessionsPerNode}) can run`,
        });
    }
    if (cfg.ops.certManager.enabled && cfg.tls.acmeEmail === undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["tls", "acmeEmail"],
            input: undefined,
            message: "is required while ops.certManager.enabled is true: Let's Encrypt registers the account under it",
        });
    }
    if (cfg.monitoring.enabled && cfg.monitoring.serveResourceMetrics && cfg.ops.metricsServer.enabled) {
        ctx.addIssue({
            code: "custom",
            path: ["monitoring", "serveResourceMetrics"],
            input: true,
            message: "must be false while ops.metricsServer.enabled is true: one component owns v1beta1.metrics.k8s.io",
        });
    }
    const jibri = cfg.jibri;
    if (jibri.enabled && !cfg.monitoring.enabled && jibri.replicas.min !== jibri.replicas.max) {
        ctx.addIssue({
            code: "custom",
            path: ["jibri", "replicas", "max"],
            input: jibri.replicas.max,
            message:
                `must equal jibri.replicas.min (${jibri.replicas.min}) while monitoring.enabled is false: ` +
                "the pool scales on how many Jibris are recording, which only Prometheus knows",
        });
    }
    const jibriMemory = cfg.resources.jibri.limits.memory;
    // The kubelet sizes a memory-backed emptyDir to the smallest of its sizeLimit, the pod's memory limit and
    // the node's allocatable memory (pkg/volume/emptydir/empty_dir.go, calculateEmptyDirMemorySize); the image's
    // scripts/config exits unless shm-check finds /dev/shm at least 2 GiB (saghul/shm-check v1.0.0 main.c: 2ULL << 30).
    if (jibri.enabled && isMemoryQuantity(jibriMemory) && memoryBytes(jibriMemory) < memoryBytes(JIBRI_SHM_SIZE)) {
        ctx.addIssue({
            code: "custom",
            path: ["resources", "jibri", "limits", "memory"],
            input: jibriMemory,
            message:
                `must be at least ${JIBRI_SHM_SIZE} while jibri.enabled is true: the memory-backed /dev/shm is capped by the pod's ` +
                `memory limit, and the image refuses to start with less than ${JIBRI_SHM_SIZE} of it (shm-check); ` +
                "Chrome, ffmpeg and Java need memory on top (the default is 4Gi)",
        });
    }
    const perBridge = cfg.jvb.relay.maxParticipantsPerBridge;
    const jvbCpu = cfg.resources.jvb.limits.cpu;
    // zod runs this even after a field failed: a malformed CPU limit is reported on its own.
    const carried = isCpuQuantity(jvbCpu) ? bridgeCapacity(jvbCpu) : Infinity;
    if (perBridge !== undefined && perBridge > carried) {
        ctx.addIssue({
            code: "custom",
            path: ["jvb", "relay", "maxParticipantsPerBridge"],
            input: perBridge,
            message:
                `must be between 2 and ${carried}, what one bridge with resources.jvb.limits.cpu ${jvbCpu} carries ` +
                "by the capacity model (docs/capacity.md): above it the bridge saturates before jicofo spreads the meeting",
        });
    }
    if (cfg.visitors.enabled && !cfg.jvb.relay.enabled) {
        ctx.addIssue({
            code: "custom",
            path: ["visitors", "enabled"],
            input: true,
            message:
                "needs jvb.relay.enabled: with visitors, jicofo puts visitors and participants on bridges of their own " +
                "(VisitorSelectionStrategy, VisitorTopologyStrategy) and connects them by relay",
        });
    }
    if (cfg.visitors.enabled && cfg.auth.type !== "anonymous" && !cfg.visitors.allowAnonymous) {
        ctx.addIssue({
            code: "custom",
            path: ["visitors", "allowAnonymous"],
            input: false,
            message:
                `must be true to run visitors with auth.type ${cfg.auth.type}: the image's visitor nodes admit anyone ` +
                "without logging in (docker-jitsi-meet visitors.cfg.lua: authentication = 'jitsi-anonymous'), so whoever " +
                "knows the name of a meeting with visitors joins its audience; set it to accept that, or turn visitors off",
        });
    }
    checkGateways(cfg, ctx);
    const shards = normalizeShards(cfg.shards);
    // The last port the highest-numbered shard's bridges may listen on.
    const lastPort = lastJvbPort(cfg.jvb, highestIndex(shards));
    const turn = cfg.turn;
    if (turn.enabled && !turn.external) {
        if (!cfg.ops.certManager.enabled) {
            ctx.addIssue({
                code: "custom",
                path: ["turn", "enabled"],
                input: true,
                message: "needs ops.certManager.enabled (TURNS needs a certificate for turn.host), or use turn.external",
            });
        }
        if (!cfg.ops.ingressNginx.enabled && turn.acmeHttpTarget === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["turn", "acmeHttpTarget"],
                input: undefined,
                message:
                    "is required while ops.ingressNginx.enabled is false: name your ingress controller's Service " +
                    "(host:port), which answers the HTTP-01 challenge for turn.host",
            });
        }
        if (turn.host !== undefined && cfg.hosts.includes(turn.host)) {
            ctx.addIssue({
                code: "custom",
                path: ["turn", "host"],
                input: turn.host,
                message: "must differ from every entry of hosts: TURN has an address of its own, while the hosts point at the ingress",
            });
        }
        // Each shard's own block: shards far apart leave the ports between them free.
        const relay = turn.relayPorts;
        for (const s of shards) {
            const jvbPorts = jvbPortRange(cfg.jvb, s.index);
            if (relay.min > jvbPorts.last || relay.max < jvbPorts.first) continue;
            ctx.addIssue({
                code: "custom",
                path: ["turn", "relayPorts"],
                input: relay,
                message: `must not overlap ${s.name}'s JVB UDP ports ${jvbPorts.first}-${jvbPorts.last}`,
            });
        }
    }

    for (const [i, earlier] of repeats(shards, (s) => s.name)) {
        ctx.addIssue({
            code: "custom",
            path: ["shards", i, "name"],
            input: shards[i].name,
            message: `duplicate shard name (also shards[${earlier}]); names must be unique`,
        });
    }
    checkShardNumbers(shards, cfg.shards, ctx);
    if (shards.length > 0 && shards.every((s) => s.drain)) {
        ctx.addIssue({
            code: "custom",
            path: ["shards"],
            input: cfg.shards,
            message: "every shard has drain: true; at least one must take new rooms (add a shard, or undrain one)",
        });
    }

    const { udpBasePort, portStridePerShard, maxReplicas } = cfg.jvb;
    if (portStridePerShard < maxReplicas && shards.length > 1) {
        const [a, b] = [jvbPortRange(cfg.jvb, 0), jvbPortRange(cfg.jvb, 1)];
        ctx.addIssue({
            code: "custom",
            path: ["jvb", "portStridePerShard"],
            input: portStridePerShard,
            message:
                `must be at least jvb.maxReplicas (${maxReplicas}): the UDP ports of shards 0 and 1 would overlap ` +
                `(${a.first}-${a.last} and ${b.first}-${b.last})`,
        });
    }
    const { min, max } = cfg.nodePortRange;
    // An inverted range is reported on its own; every port would seem to lie outside it.
    if (min > max) return;
    if (udpBasePort < min || udpBasePort > max) {
        ctx.addIssue({
            code: "custom",
            path: ["jvb", "udpBasePort"],
            input: udpBasePort,
            message: `must lie in the NodePort range ${min}-${max}`,
        });
    } else if (lastPort > max) {
        ctx.addIssue({
            code: "custom",
            path: ["shards"],
            input: cfg.shards,
            message:
                `need JVB UDP ports up to ${lastPort}, beyond the NodePort range ${min}-${max}; ` +
                `lower jvb.udpBasePort, jvb.portStridePerShard or jvb.maxReplicas, or widen nodePortRange`,
        });
    }
}

/**
 * Two shards with one number would share UDP ports and a router server id. Names both, and says where
 * a number came from when it was not set.
 */
function checkShardNumbers(shards: ShardSpec[], setting: ParsedSettings["shards"], ctx: z.RefinementCtx): void {
    const explicit = (i: number) => Array.isArray(setting) && setting[i]?.index !== undefined;
    // The same rule as normalizeShards: an index set, else the number in a shard-N name, else the position.
    const origin = (i: number) => (explicit(i) ? "" : ` (unset, so ${shardNumberOf(shards[i].name) !== undefined ? "from its name" : "its position"})`);
    const free = highestIndex(shards) + 1;
    for (const [i, other] of repeats(shards, (s) => s.index)) {
        const s = shards[i];
        ctx.addIssue({
            code: "custom",
            path: ["shards", i, "index"],
            input: s.index,
            message:
                `${s.name}${origin(i)} has the number of ${shards[other].name} (shards[${other}].index ${s.index}${origin(other)}): ` +
                `two shards would share UDP ports and a router id; give ${s.name} an unused index, such as ${free}`,
        });
    }
}

/** Each shard whose key an earlier shard has: its position, and the first such shard's. */
function repeats(shards: ShardSpec[], key: (s: ShardSpec) => string | number): [number, number][] {
    const first = new Map<string | number, number>();
    const found: [number, number][] = [];
    shards.forEach((s, i) => {
        const earlier = first.get(key(s));
        if (earlier === undefined) first.set(key(s), i);
        else found.push([i, earlier]);
    });
    return found;
}

/** Phones and captions: what each needs that its own settings cannot say. */
function checkGateways(cfg: ParsedSettings, ctx: z.RefinementCtx): void {
    const { jigasi, transcription } = cfg;
    if (jigasi.enabled && jigasi.sip.uri === undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["jigasi", "sip", "uri"],
            input: undefined,
            message: "is required with jigasi.enabled: the SIP account Jigasi registers with your provider, as user@host",
        });
    }
    const dialIn = jigasi.dialIn;
    if ((dialIn.numbersUrl === undefined) !== (dialIn.confCodeUrl === undefined)) {
        const missing = dialIn.numbersUrl === undefined ? "numbersUrl" : "confCodeUrl";
        ctx.addIssue({
            code: "custom",
            path: ["jigasi", "dialIn", missing],
            input: undefined,
            message: "is required with the other jigasi.dialIn URL: the invite dialog shows dial-in only with both the numbers and the meeting's PIN",
        });
    }
    if (!jigasi.enabled && dialIn.numbersUrl !== undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["jigasi", "dialIn", "numbersUrl"],
            input: dialIn.numbersUrl,
            message: "needs jigasi.enabled: without the SIP gateway, nobody answers the numbers the invite dialog would show",
        });
    }
    checkPhoneSettings(cfg, ctx);
    if (transcription.enabled && transcription.backend === "whisper") checkWhisper(transcription, ctx);
    if (!transcription.enabled || transcription.url !== undefined) return;
    if (transcription.backend === "whisper") {
        ctx.addIssue({
            code: "custom",
            path: ["transcription", "url"],
            input: undefined,
            message:
                "is required with backend whisper: the stack does not run Whisper (jitsi's skynet), which needs a GPU node to keep up " +
                "with speech in real time; run skynet where a GPU is and give its WebSocket URL, or use backend vosk",
        });
    } else if (stackVoskImage(transcription) === undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["transcription", "language"],
            input: transcription.language,
            message:
                `has no Vosk image of alphacep's for the stack to run: one of ${Object.keys(VOSK_IMAGES).join(", ")}, ` +
                "or set transcription.vosk.image to a Vosk server with your model, or transcription.url to your own server",
        });
    }
}
