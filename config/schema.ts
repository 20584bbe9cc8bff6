/**
 * The one description of every stack setting: its type, its default and what is allowed.
 * Keys are read from the `jitsi:` config namespace (`jitsi:hosts`, `jitsi:jvb`, ...);
 * README.md ("Configuration") documents each one with an example.
 */
import { z } from "zod";
import { cpuCores, isCpuQuantity, isMemoryQuantity, memoryBytes } from "../lib/quantity";
import { jvbPortRange, lastJvbPort } from "../lib/ports";

/** Current stable release of the four Jitsi images (ghcr.io/jitsi/{web,prosody,jicofo,jvb}). */
export const DEFAULT_JITSI_TAG = "stable-11146-2";
/** Official HAProxy image, 3.2 LTS branch (Debian based: its shell and getent are used at start). */
export const DEFAULT_ROUTER_IMAGE = "haproxy:3.2.25";

/**
 * Settings that hold secrets. They are never part of the validated object: they are read with
 * `config.getSecret`, and generated when absent. Setting one without `--secret` is refused.
 */
export const SECRET_KEYS = ["jicofoAuthPassword", "jvbAuthPassword", "jicofoComponentSecret"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const hostname = z
    .string()
    .regex(DNS_NAME, "must be a fully qualified DNS name in lower case, such as meet.example.org");

const imageTag = z
    .string()
    .regex(IMAGE_TAG, "must be an image tag such as stable-11146-2")
    .refine((t) => t !== "latest", "must pin a version: 'latest' is not allowed");

const image = z
    .string()
    .regex(/^[a-z0-9./-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, "must be an image reference with a tag, such as haproxy:3.2.25")
    .refine((i) => !i.endsWith(":latest"), "must pin a version: 'latest' is not allowed");

/** YAML numbers reach the program as numbers or strings; both mean the same quantity. */
const cpu = z.union([z.string(), z.number()]).transform(String)
    .refine(isCpuQuantity, "must be a CPU quantity such as 500m or 2");
const memory = z.union([z.string(), z.number()]).transform(String)
    .refine(isMemoryQuantity, "must be a memory quantity such as 512Mi or 2Gi");

const port = z.number().int().min(1).max(65535);
const namespace = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label");

function resources(requests: { cpu: string; memory: string }, limits: { cpu: string; memory: string }) {
    return z
        .strictObject({
            requests: z.strictObject({ cpu: cpu.default(requests.cpu), memory: memory.default(requests.memory) }).prefault({}),
            limits: z.strictObject({ cpu: cpu.default(limits.cpu), memory: memory.default(limits.memory) }).prefault({}),
        })
        .prefault({})
        .superRefine((r, ctx) => {
            // Runs even when a quantity above was malformed; that one is reported already.
            const valid = [r.requests.cpu, r.limits.cpu].every(isCpuQuantity) && [r.requests.memory, r.limits.memory].every(isMemoryQuantity);
            if (!valid) return;
            const measures = [["cpu", cpuCores], ["memory", memoryBytes]] as const;
            for (const [kind, amount] of measures) {
                if (amount(r.limits[kind]) < amount(r.requests[kind])) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["limits", kind],
                        input: r.limits[kind],
                        message: `must be at least requests.${kind} (${r.requests[kind]})`,
                    });
                }
            }
        });
}

const shardSpec = z.strictObject({
    name: z.string().regex(DNS_LABEL, "must be a DNS label of at most 20 characters: lower-case letters, digits and '-', starting with a letter"),
    /** Pins all of the shard's pods to one availability zone (topology.kubernetes.io/zone). */
    zone: z.string().min(1).optional(),
});

export const configSchema = z
    .strictObject({
        /** Public host names. The first is the canonical URL; all are served, with one TLS certificate. */
        hosts: z.array(hostname).min(1, "must list at least one host name"),
        /** A count (shards named shard-0, shard-1, ...) or a list of {name, zone}. Append to grow. */
        shards: z
            .union([
                z.number().int().min(1, "must be at least 1 shard"),
                z.array(shardSpec).min(1, "must list at least one shard"),
            ])
            .default(1),
        /** One tag for web, prosody, jicofo and jvb: they are released together. */
        imageTag: imageTag.default(DEFAULT_JITSI_TAG),
        timezone: z.string().min(1).default("UTC"),
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
            })
            .prefault({}),
        jvb: z
            .strictObject({
                minReplicas: z.number().int().min(1).default(1),
                maxReplicas: z.number().int().min(1).max(100).default(2),
                /** UDP port of shard 0's first JVB; pod k of shard i listens on base + i * stride + k. */
                udpBasePort: port.default(30300),
                portStridePerShard: z.number().int().min(1).default(100),
                /** Addresses clients are told to send media to. Empty: each JVB's node IP (status.hostIP). */
                publicIps: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
                stunServers: z
                    .array(z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, "must be host:port"))
                    .default(["meet-jit-si-turnrelay.jitsi.net:443"]),
                autoscaling: z
                    .strictObject({
                        /** Average jitsi_jvb_stress per pod the HPA keeps the pool at (jicofo avoids bridges above 0.8). */
                        targetStress: z.number().gt(0).max(1).default(0.6),
                        /** Used instead when monitoring is off and no custom metric is served. */
                        cpuUtilizationFallback: z.number().int().min(1).max(100).default(70),
                        scaleUpStabilizationSeconds: z.number().int().min(0).max(3600).default(60),
                        /** Scale down slowly: every removal drains a bridge, which can take hours. */
                        scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).default(1800),
                    })
                    .prefault({}),
                /** How long a JVB may keep serving its meetings after it was asked to stop. */
                drainGracePeriodSeconds: z.number().int().min(60).default(4 * 3600),
            })
            .prefault({})
            .superRefine((jvb, ctx) => {
                if (jvb.minReplicas > jvb.maxReplicas) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["minReplicas"],
                        input: jvb.minReplicas,
                        message: `must be at most jvb.maxReplicas (${jvb.maxReplicas})`,
                    });
                }
            }),
        /** The cluster's NodePort range (kube-apiserver --service-node-port-range). */
        nodePortRange: z
            .strictObject({ min: port.default(30000), max: port.default(32767) })
            .prefault({})
            .refine((r) => r.min <= r.max, { message: "min must not exceed max", path: ["min"] }),
        router: z
            .strictObject({
                /** At least two, so that the stick table survives a restart of either through its peer. */
                replicas: z.number().int().min(2, "must be at least 2: the room table lives in the peers").default(2),
                image: image.default(DEFAULT_ROUTER_IMAGE),
            })
            .prefault({}),
        tls: z
            .strictObject({
                /** ClusterIssuer named on the ingresses (the OpsStack creates both). */
                issuer: z.enum(["letsencrypt-staging", "letsencrypt-production"]).default("letsencrypt-staging"),
                acmeEmail: z.email().optional(),
                secretName: z.string().min(1).default("jitsi-tls"),
            })
            .prefault({}),
        ops: z
            .strictObject({
                certManager: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
                ingressNginx: z
                    .strictObject({
                        enabled: z.boolean().default(true),
                        replicas: z.number().int().min(1).default(1),
                        /** Annotations for the controller's LoadBalancer Service (cloud-specific settings). */
                        serviceAnnotations: z.record(z.string(), z.string()).default({}),
                        resources: resources({ cpu: "100m", memory: "128Mi" }, { cpu: "1", memory: "512Mi" }),
                    })
                    .prefault({}),
                metricsServer: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
                dashboard: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
                logging: z
                    .strictObject({
                        enabled: z.boolean().default(true),
                        /** Log indices older than this are deleted by an index lifecycle policy. */
                        retentionDays: z.number().int().min(1).max(3650).default(7),
                        /** Dedicated master nodes; 0 runs masters and data on the same nodes. */
                        masterNodes: z.number().int().refine((n) => n === 0 || n % 2 === 1, "must be 0 or an odd number (quorum)").default(0),
                        dataNodes: z.number().int().min(1).default(1),
                        storage: memory.default("10Gi"),
                        elasticsearch: resources({ cpu: "500m", memory: "2Gi" }, { cpu: "1", memory: "2Gi" }),
                        kibana: resources({ cpu: "100m", memory: "1Gi" }, { cpu: "1", memory: "1Gi" }),
                    })
                    .prefault({}),
            })
            .prefault({}),
        monitoring: z
            .strictObject({
                /** The MonitoringStack; with it, JVBs scale on jitsi_jvb_stress, without it on CPU. */
                enabled: z.boolean().default(true),
                prometheus: z
                    .strictObject({
                        replicas: z.number().int().min(1).default(1),
                        retention: z.string().regex(/^\d+[smhdwy]$/, "must be a duration such as 2d or 12h").default("2d"),
                        storage: memory.default("10Gi"),
                        resources: resources({ cpu: "200m", memory: "1Gi" }, { cpu: "1", memory: "2Gi" }),
                    })
                    .prefault({}),
                alertmanager: z.strictObject({ replicas: z.number().int().min(1).default(1) }).prefault({}),
                grafana: z.strictObject({ storage: memory.default("5Gi") }).prefault({}),
                alerts: z
                    .strictObject({
                        /** Fire when a JVB stays above this stress for 5 minutes. */
                        jvbStressThreshold: z.number().gt(0).max(1).default(0.8),
                        /** Fire when this many ICE connections per shard failed within 15 minutes. */
                        iceFailures: z.number().int().min(1).default(10),
                    })
                    .prefault({}),
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
    })
    .superRefine((cfg, ctx) => {
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
        const shards = normalizeShards(cfg.shards);
        const seen = new Map<string, number>();
        shards.forEach((s, i) => {
            if (seen.has(s.name)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["shards", i, "name"],
                    input: s.name,
                    message: `duplicate shard name (also shards[${seen.get(s.name)}]); names must be unique`,
                });
            }
            seen.set(s.name, i);
        });

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
        if (udpBasePort < min || udpBasePort > max) {
            ctx.addIssue({
                code: "custom",
                path: ["jvb", "udpBasePort"],
                input: udpBasePort,
                message: `must lie in the NodePort range ${min}-${max}`,
            });
        } else {
            const last = lastJvbPort(cfg.jvb, shards.length);
            if (last > max) {
                ctx.addIssue({
                    code: "custom",
                    path: ["shards"],
                    input: cfg.shards,
                    message:
                        `need JVB UDP ports up to ${last}, beyond the NodePort range ${min}-${max}; ` +
                        `lower jvb.udpBasePort, jvb.portStridePerShard or jvb.maxReplicas, or widen nodePortRange`,
                });
            }
        }
    });

export type StackConfigInput = z.input<typeof configSchema>;
type ParsedConfig = z.output<typeof configSchema>;

export interface ShardSpec {
    name: string;
    zone?: string;
    /** Position in the stack file; fixes the shard's UDP ports and its router server id. */
    index: number;
}

/** The validated configuration, with shards always as a list. */
export type StackConfig = Omit<ParsedConfig, "shards"> & { shards: ShardSpec[] };
export type JvbSettings = StackConfig["jvb"];
export type ResourceSettings = StackConfig["resources"]["web"];

export function normalizeShards(shards: ParsedConfig["shards"]): ShardSpec[] {
    if (typeof shards === "number") {
        return Array.from({ length: shards }, (_, index) => ({ name: `shard-${index}`, index }));
    }
    return shards.map((s, index) => ({ ...s, index }));
}
