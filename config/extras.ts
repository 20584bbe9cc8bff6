/** Optional parts, off by default: shared notes, the whiteboard, recording, large events (visitors) and the load test. */
import { z } from "zod";
import { DEFAULT_ETHERPAD_IMAGE, DEFAULT_WHITEBOARD_IMAGE } from "./defaults";
import { image, memory, resources, storageClass } from "./primitives";

export const extrasSettings = {
    /** Shared notes: one Etherpad for the stack, reached through each shard's web at /etherpad/. */
    etherpad: z
        .strictObject({
            enabled: z.boolean().default(false),
            image: image.default(DEFAULT_ETHERPAD_IMAGE),
            /** Its pads live on this volume (Etherpad's file database). */
            storage: memory.default("1Gi"),
            storageClass: storageClass.optional(),
        })
        .prefault({}),
    /** The whiteboard: one Excalidraw collaboration backend for the stack, reached through web at /socket.io/. */
    whiteboard: z
        .strictObject({
            enabled: z.boolean().default(false),
            image: image.default(DEFAULT_WHITEBOARD_IMAGE),
        })
        .prefault({}),
    /**
     * Recording: one pool of Jibris for the stack, each registered with every shard's prosody. With monitoring
     * it scales between the replica bounds on how many are recording; without, it has `replicas.min`.
     */
    jibri: z
        .strictObject({
            enabled: z.boolean().default(false),
            replicas: z
                .strictObject({ min: z.number().int().min(1).default(1), max: z.number().int().min(1).max(50).default(2) })
                .prefault({})
                .superRefine((r, ctx) => {
                    if (r.min > r.max) ctx.addIssue({ code: "custom", path: ["min"], input: r.min, message: `must be at most jibri.replicas.max (${r.max})` });
                }),
            /** Share of the pool's Jibris the autoscaler keeps recording; the rest wait idle for the next request. */
            targetBusyFraction: z.number().gt(0).max(1).default(0.7),
            /** Labels of the nodes Jibris may run on (dedicated recording nodes), such as {jitsi.example.org/recording: "true"}. */
            nodeSelector: z.record(z.string(), z.string()).default({}),
            /** Recordings volume per Jibri (ReadWriteOnce). */
            storage: memory.default("10Gi"),
            storageClass: storageClass.optional(),
            /** How long a Jibri asked to stop may go on recording before it is killed. */
            drainGracePeriodSeconds: z.number().int().min(60).default(4 * 3600),
        })
        .prefault({}),
    /**
     * Large events: past `maxParticipants` in a meeting, newcomers join as visitors on visitor nodes
     * (prosodies of their own, `nodesPerShard` per shard), watch and listen, and can be promoted.
     * Turning it on or off changes every shard's prosody and jicofo: it ends every meeting.
     */
    visitors: z
        .strictObject({
            enabled: z.boolean().default(false),
            nodesPerShard: z.number().int().min(1, "must be at least 1").max(10, "must be at most 10: each node is a prosody of its own").default(1),
            /** Participants of a meeting before newcomers become visitors; unset: jicofo's 50. */
            maxParticipants: z.number().int().min(2, "must be at least 2").max(500, "must be at most 500").optional(),
            /**
             * Visitors of one meeting jicofo places on one node before the next. The node enforces it too
             * (its muc_max_occupants), with a seat more for jicofo and each main participant (lib/visitors.ts).
             */
            maxVisitorsPerNode: z.number().int().min(1, "must be at least 1").max(5000, "must be at most 5000").default(250),
            /**
             * The image's visitor nodes take anonymous logins only: with auth.type internal or jwt, anyone
             * who knows the name of a meeting with visitors joins its audience without logging in. Must be
             * true to run visitors with such an auth type, saying that is accepted.
             */
            allowAnonymous: z.boolean().default(false),
        })
        .prefault({}),
    /** An in-cluster load test against the stack's own URL; off unless switched on. */
    loadTest: z
        .strictObject({
            enabled: z.boolean().default(false),
            seleniumNodes: z.number().int().min(1).default(2),
            /** Browsers per Selenium node; each is one participant sending 720p video. */
            sessionsPerNode: z.number().int().min(1).max(8).default(2),
            nodeResources: resources({ cpu: "2", memory: "4Gi" }, { cpu: "2", memory: "4Gi" }),
            conferences: z.number().int().min(1).default(1),
            participantsPerConference: z.number().int().min(2).default(4),
            durationSeconds: z.number().int().min(30).max(4 * 3600).default(300),
            roomPrefix: z.string().regex(/^[a-z0-9-]{1,30}$/, "must be lower-case letters, digits and '-'").default("loadtest"),
        })
        .prefault({}),
};
