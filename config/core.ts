/**
 * Core settings: where the stack lives (hosts, shards, namespaces, the cluster), how large its parts
 * are (resources), the router in front of the shards and TLS.
 */
import { z } from "zod";
import { DEFAULT_JITSI_TAG, DEFAULT_ROUTER_IMAGE } from "./defaults";
import { dns01Settings, GEO_DNS_ACKNOWLEDGED } from "./dns01";
import { DNS_LABEL, DNS_NAME, hostname, image, imageTag, labelValue, namespace, port, resources, timezone } from "./primitives";

/**
 * The official HAProxy image at 3.2.0 to 3.2.8 (any variant, such as -alpine): these never tell their peers a
 * change a router makes to a room entry it learned from a peer. The entry is queued for the peers only if it is
 * not in the update tree or was already sent (haproxy v3.2.0 src/stick_table.c:616), and the tasklet that files a
 * learned entry clears the "sent" mark (:810) that peers.c:2080 set for this case; fixed by haproxy c26bcfc1e
 * ("BUG/MEDIUM: stick-tables: Make sure updates are seen as local"), released in 3.2.9. The router overwrites a
 * learned entry when it names a shard this router does not have: a room created mid-roll on a new shard would
 * meet on two shards, for good (docs/decisions.md, "The router on HAProxy 3.2").
 */
export const ROUTER_IMAGE_WITHOUT_PEER_UPDATES = /^(?:docker\.io\/)?(?:library\/)?haproxy:3\.2\.[0-8](?:-[A-Za-z0-9_.-]+)?(?:@sha256:[0-9a-f]{64})?$/;

const shardSpec = z.strictObject({
    name: z.string().regex(DNS_LABEL, "must be a DNS label of at most 20 characters: lower-case letters, digits and '-', starting with a letter"),
    /** Pins all of the shard's pods to one availability zone (topology.kubernetes.io/zone). */
    zone: labelValue.optional(),
    /**
     * The shard's number: its UDP ports and its router server id follow from it. Unset: N for a shard
     * named shard-N, else its position in the list (config/shards.ts). Set it on shards with other
     * names before removing or inserting one.
     */
    index: z.number().int().min(0).max(999).optional(),
    /**
     * No new room goes to this shard; its live rooms stay until they end. Changes only the router:
     * no pod of the shard restarts.
     */
    drain: z.boolean().default(false),
    /**
     * This shard's web, prosody, jicofo and bridges run this tag instead of the stack's `imageTag`: a
     * canary, or a shard by shard upgrade. Changing it restarts the shard's prosody and jicofo, which
     * ends every meeting on the shard: drain it first.
     */
    imageTag: imageTag.optional(),
    /** The cluster it runs in (a name under `clusters`); required while clusters lists more than one. */
    cluster: z.string().min(1).optional(),
});

export const coreSettings = {
    /** Public host names. The first is the canonical URL; all are served, with one TLS certificate. */
    hosts: z.array(hostname).min(1, "must list at least one host name"),
    /** A count (shards named shard-0, shard-1, ...) or a list of {name, zone, index, drain, imageTag}. */
    shards: z
        .union([
            z.number().int().min(1, "must be at least 1 shard"),
            z.array(shardSpec).min(1, "must list at least one shard"),
        ])
        .default(1),
    /**
     * One tag for web, prosody, jicofo and jvb: they are released together. Changing it restarts every
     * shard's prosody and jicofo, which ends every meeting: upgrade shard by shard with shards[].imageTag.
     */
    imageTag: imageTag.default(DEFAULT_JITSI_TAG),
    /**
     * Say in `pulumi preview` which live shards an update would restart the prosody and jicofo of (which
     * ends their meetings), by comparing with the stack's own last outputs through a StackReference.
     * Off: no StackReference, no warning.
     */
    warnOnSignallingRestart: z.boolean().default(true),
    /** Every container's TZ; libc reads it as a zoneinfo file name, so it must be an IANA zone spelled exactly. */
    timezone: timezone.default("UTC"),
    /** The cluster's DNS domain, for names the router resolves itself. */
    clusterDomain: z.string().regex(DNS_NAME, "must be a DNS name such as cluster.local").default("cluster.local"),
    namespaces: z
        .strictObject({
            jitsi: namespace.default("jitsi"),
            certManager: namespace.default("cert-manager"),
            ingressNginx: namespace.default("ingress-nginx"),
            metricsServer: namespace.default("kube-system"),
            dashboard: namespace.default("kubernetes-dashboard"),
            eckOperator: namespace.default("elastic-system"),
            logging: namespace.default("logging"),
            monitoring: namespace.default("monitoring"),
            loadTest: namespace.default("loadtest"),
        })
        .prefault({}),
    resources: z
        .strictObject({
            web: resources({ cpu: "200m", memory: "256Mi" }, { cpu: "1", memory: "512Mi" }),
            prosody: resources({ cpu: "200m", memory: "256Mi" }, { cpu: "1", memory: "512Mi" }),
            jicofo: resources({ cpu: "200m", memory: "768Mi" }, { cpu: "1", memory: "768Mi" }),
            jvb: resources({ cpu: "1", memory: "1536Mi" }, { cpu: "2", memory: "1536Mi" }),
            router: resources({ cpu: "100m", memory: "128Mi" }, { cpu: "500m", memory: "256Mi" }),
            etherpad: resources({ cpu: "100m", memory: "256Mi" }, { cpu: "1", memory: "512Mi" }),
            whiteboard: resources({ cpu: "50m", memory: "128Mi" }, { cpu: "500m", memory: "256Mi" }),
            // Chrome, ffmpeg and Java; the 2Gi /dev/shm that Chrome writes to counts against the limit.
            jibri: resources({ cpu: "2", memory: "3Gi" }, { cpu: "4", memory: "4Gi" }),
            // A visitor node's prosody: many clients, each receiving the meeting's signalling.
            visitors: resources({ cpu: "200m", memory: "256Mi" }, { cpu: "1", memory: "512Mi" }),
            // Java mixing audio: each call decodes and encodes Opus and the provider's codec.
            jigasi: resources({ cpu: "500m", memory: "768Mi" }, { cpu: "2", memory: "1536Mi" }),
            // Java as a hidden participant, streaming each speaker's audio to the speech-to-text server.
            transcriber: resources({ cpu: "500m", memory: "768Mi" }, { cpu: "2", memory: "1536Mi" }),
            // Kaldi with a large model in memory (vosk-model-en-us-0.22 needs about 6 GB); one thread per CPU decodes.
            vosk: resources({ cpu: "2", memory: "6Gi" }, { cpu: "4", memory: "8Gi" }),
        })
        .prefault({}),
    /** The cluster's NodePort range (kube-apiserver --service-node-port-range). */
    nodePortRange: z
        .strictObject({ min: port.default(30000), max: port.default(32767) })
        .prefault({})
        .superRefine((r, ctx) => {
            if (r.min > r.max) ctx.addIssue({ code: "custom", path: ["min"], input: r.min, message: `must not exceed nodePortRange.max (${r.max})` });
        }),
    router: z
        .strictObject({
            /** At least two, so that the stick table survives a restart of either through its peer. */
            replicas: z.number().int().min(2, "must be at least 2: the room table lives in the peers").default(2),
            image: image
                .refine((i) => !ROUTER_IMAGE_WITHOUT_PEER_UPDATES.test(i), "must be HAProxy 3.2.9 or later: 3.2.0 to 3.2.8 do not pass a router's change of a room to its peers, so a room created during a rolling update that adds a shard meets on two shards (haproxy c26bcfc1e)")
                .default(DEFAULT_ROUTER_IMAGE),
        })
        .prefault({}),
    tls: z
        .strictObject({
            /** ClusterIssuer named on the ingresses (the OpsStack creates both). */
            issuer: z.enum(["letsencrypt-staging", "letsencrypt-production"]).default("letsencrypt-staging"),
            acmeEmail: z.email().optional(),
            secretName: z.string().min(1).default("jitsi-tls"),
            /**
             * The Ingress's host names over ACME DNS-01 through this DNS provider (config/dns01.ts); its
             * credential is the secret setting acmeDns01Credential. Unset: HTTP-01 for every name.
             */
            dns01: dns01Settings.optional(),
            /** With several clusters and no dns01: the operator's word that `hosts` resolve to one cluster at a time. */
            http01UnderGeoDns: z.literal(GEO_DNS_ACKNOWLEDGED, `must be ${GEO_DNS_ACKNOWLEDGED} (or left out)`).optional(),
        })
        .prefault({}),
};
