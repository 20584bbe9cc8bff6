/**
 * The one description of every stack setting: its type, its default and what is allowed.
 * Keys are read from the `jitsi:` config namespace (`jitsi:hosts`, `jitsi:jvb`, ...);
 * README.md ("Configuration") documents each one with an example.
 */
import { z } from "zod";
import { cpuCores, isCpuQuantity, isMemoryQuantity, memoryBytes } from "../lib/quantity";
import { jvbPortRange, lastJvbPort } from "../lib/ports";
import { participantsPerJvb } from "../lib/capacity";
import { isPrivateAddress } from "../lib/addresses";
import { TURN_CONTAINER_PORTS, TURN_PORTS } from "../lib/turn";
import { WEB_DEDICATED_KEYS } from "../lib/webConfig";

/** Current stable release of the four Jitsi images (ghcr.io/jitsi/{web,prosody,jicofo,jvb}). */
export const DEFAULT_JITSI_TAG = "stable-11146-2";
/** Official HAProxy image, 3.2 LTS branch (Debian based: its shell and getent are used at start). */
export const DEFAULT_ROUTER_IMAGE = "haproxy:3.2.25";
/** The coturn project's own image (Debian based, runs as nobody, built with Prometheus support). */
export const DEFAULT_TURN_IMAGE = "coturn/coturn:4.17.0-r0";
/** Etherpad's official image; the newest release whose Dockerfile and settings.json.docker were read (docs/decisions.md). */
export const DEFAULT_ETHERPAD_IMAGE = "etherpad/etherpad:2.5.3";
/** Jitsi's Excalidraw collaboration backend, the tag docker-jitsi-meet stable-11146-2 pins (whiteboard.yml). */
export const DEFAULT_WHITEBOARD_IMAGE = "jitsi/excalidraw-backend:2026.3.0";

/**
 * Settings that hold secrets. They are never part of the validated object: they are read with
 * `config.getSecret`, and generated when absent. Setting one without `--secret` is refused.
 */
export const SECRET_KEYS = [
    "jicofoAuthPassword",
    "jvbAuthPassword",
    "turnSharedSecret",
    // Alertmanager receivers' credentials: never generated, required when their receiver is configured.
    "alertEmailPassword",
    "alertWebhookUrl",
    "alertChatWebhookUrl",
    // auth.type jwt: the key tokens are signed with; never generated, the token issuer has it too.
    "jwtAppSecret",
    // auth.type internal: a map of user name to password, one entry per name in auth.users.
    "internalUserPasswords",
    // Jibri's accounts on every shard's prosody: generated.
    "jibriXmppPassword",
    "jibriRecorderPassword",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

export const AUTH_TYPES = ["anonymous", "internal", "jwt"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const ADVERTISE_MODES = ["nodeExternalIP", "nodeIP", "publicIps"] as const;
export type AdvertiseMode = (typeof ADVERTISE_MODES)[number];
/** Relay ports one coturn LoadBalancer Service carries at most (cloud load balancers cap listeners, AWS NLB at 50). */
export const MAX_TURN_RELAY_PORTS = 45;

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

/** IANA zones as Node's ICU knows them (canonical names), and UTC, which ICU lists under Etc/. */
const TIME_ZONES = new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);

const timezone = z.string().superRefine((tz, ctx) => {
    if (TIME_ZONES.has(tz)) return;
    const near = [...TIME_ZONES].filter((z) => z.toLowerCase() === tz.toLowerCase() || editDistance(z, tz) <= 2);
    ctx.addIssue({
        code: "custom",
        input: tz,
        message: `must be an IANA time zone such as Europe/Berlin or UTC${near.length > 0 ? ` (did you mean ${near.slice(0, 3).join(", ")}?)` : ""}`,
    });
});

/** Levenshtein distance, for suggesting the zone a typo meant. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

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
// Refinements rather than unions, so that the message says what is allowed instead of naming one branch.
const ipAddress = z.string().refine((v) => z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success, "must be an IPv4 or IPv6 address");
const cidr = z.string().refine((v) => z.cidrv4().safeParse(v).success || z.cidrv6().safeParse(v).success, "must be a CIDR range such as 10.244.0.0/16");
const hostPort = z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, "must be host:port");
/** An XMPP account name (the part before @): prosody's nodeprep keeps these unchanged. */
const userName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be a user name of lower-case letters, digits, '.', '_' and '-'");
const storageClass = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be the name of a StorageClass");
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
            })
            .prefault({}),
        jvb: z
            .strictObject({
                minReplicas: z.number().int().min(1).default(1),
                maxReplicas: z.number().int().min(1).max(100).default(2),
                /** UDP port of shard 0's first JVB; pod k of shard i listens on base + i * stride + k. */
                udpBasePort: port.default(30300),
                portStridePerShard: z.number().int().min(1).default(100),
                /**
                 * Which address each bridge tells clients to send media to: its node's ExternalIP (read from
                 * the Node object at start), its node's InternalIP (status.hostIP), or the fixed `publicIps`.
                 * Unset: `publicIps` when that list is given, else `nodeExternalIP`.
                 */
                advertise: z.enum(ADVERTISE_MODES).optional(),
                /** Addresses clients are told to send media to, for every bridge (for example a static NAT). */
                publicIps: z.array(ipAddress).default([]),
                /** Lets bridges advertise private addresses (clients on the same network only). */
                allowPrivateAddresses: z.boolean().default(false),
                stunServers: z.array(hostPort).default(["meet-jit-si-turnrelay.jitsi.net:443"]),
                /**
                 * Bridge-to-bridge relay (secure Octo) inside a shard: jicofo puts the participants of one meeting
                 * on several bridges once one bridge holds `maxParticipantsPerBridge` of them or is overloaded.
                 */
                relay: z
                    .strictObject({
                        enabled: z.boolean().default(true),
                        /** Participants of one meeting on one bridge; unset: what one bridge holds (capacity model). */
                        maxParticipantsPerBridge: z.number().int().min(2).optional(),
                    })
                    .prefault({}),
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
                const mode = advertiseMode(jvb);
                if (mode === "publicIps" && jvb.publicIps.length === 0) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["publicIps"],
                        input: jvb.publicIps,
                        message: 'must list at least one address while jvb.advertise is "publicIps"',
                    });
                }
                if (mode !== "publicIps" && jvb.publicIps.length > 0) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["advertise"],
                        input: jvb.advertise,
                        message: `contradicts jvb.publicIps (${jvb.publicIps.join(", ")}): set advertise to "publicIps" or remove the list`,
                    });
                }
                if (!jvb.allowPrivateAddresses) {
                    if (mode === "nodeIP") {
                        ctx.addIssue({
                            code: "custom",
                            path: ["advertise"],
                            input: jvb.advertise,
                            message:
                                "advertises each node's InternalIP (status.hostIP), a private address on most clusters: clients outside " +
                                "the cluster's network cannot send media to it, and the TURN server refuses to relay to private addresses, " +
                                "so media fails once a meeting moves to a bridge (its third participant). " +
                                'Use "nodeExternalIP" or jvb.publicIps, or set jvb.allowPrivateAddresses: true if clients reach your nodes\' InternalIPs',
                        });
                    }
                    jvb.publicIps.forEach((ip, i) => {
                        if (isPrivateAddress(ip)) {
                            ctx.addIssue({
                                code: "custom",
                                path: ["publicIps", i],
                                input: ip,
                                message:
                                    "is a private address that clients on the internet cannot reach, and the TURN server does not relay to; " +
                                    "use the public address, or set jvb.allowPrivateAddresses: true for a private network",
                            });
                        }
                    });
                }
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
            .superRefine((r, ctx) => {
                if (r.min > r.max) ctx.addIssue({ code: "custom", path: ["min"], input: r.min, message: `must not exceed nodePortRange.max (${r.max})` });
            }),
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
        /**
         * TURN for clients whose network blocks UDP or anything but HTTPS: coturn behind a LoadBalancer
         * Service of its own (UDP and TCP 3478, TLS on `tlsPort`), or a TURN server you run (`external`).
         */
        turn: z
            .strictObject({
                enabled: z.boolean().default(true),
                /** DNS name clients use for TURN and TURNS; the TLS certificate is issued for it. */
                host: hostname.optional(),
                /** The address coturn relays from; unset: the address the LoadBalancer Service receives. */
                publicIp: ipAddress.optional(),
                /** Port clients reach TURNS (TLS over TCP) on: 443 passes firewalls that let only HTTPS out. */
                tlsPort: z.number().refine((p) => p === 443 || p === 5349, "must be 443 or 5349").default(443),
                /** UDP ports coturn relays media on; each is a port of the LoadBalancer Service. */
                relayPorts: z
                    .strictObject({ min: port.default(49160), max: port.default(49199) })
                    .prefault({}),
                /** Annotations for the LoadBalancer Service (a reserved address, the cloud's load balancer type). */
                serviceAnnotations: z.record(z.string(), z.string()).default({}),
                /** `host:port` answering HTTP-01 challenges (the ingress controller); unset: this stack's ingress-nginx. */
                acmeHttpTarget: hostPort.optional(),
                /** The cluster's pod and service ranges: coturn never relays into them, nor into private ranges. */
                deniedPeerCidrs: z.array(cidr).default([]),
                image: image.default(DEFAULT_TURN_IMAGE),
                resources: resources({ cpu: "200m", memory: "256Mi" }, { cpu: "2", memory: "512Mi" }),
                /** A TURN server that is not part of this stack; its shared secret is the secret setting turnSharedSecret. */
                external: z
                    .strictObject({ host: hostname, port: port.default(3478), tlsPort: port.optional() })
                    .optional(),
            })
            .prefault({})
            .superRefine((turn, ctx) => {
                if (!turn.enabled || turn.external) return;
                if (turn.host === undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["host"],
                        input: undefined,
                        message: "is required while turn.enabled is true: clients connect to it and its TLS certificate is issued for it",
                    });
                }
                if (turn.publicIp === undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["publicIp"],
                        input: undefined,
                        message:
                            "is required while turn.enabled is true: reserve a static address for the TURN load balancer, " +
                            "point turn.host at it, and give it here (coturn puts it in every relayed candidate)",
                    });
                } else if (isPrivateAddress(turn.publicIp)) {
                    ctx.addIssue({ code: "custom", path: ["publicIp"], input: turn.publicIp, message: "must be a public address: clients on the internet connect to it" });
                }
                const { min, max } = turn.relayPorts;
                if (min > max) {
                    ctx.addIssue({ code: "custom", path: ["relayPorts", "min"], input: min, message: `must not exceed relayPorts.max (${max})` });
                    return;
                }
                if (min < 1024) {
                    ctx.addIssue({ code: "custom", path: ["relayPorts", "min"], input: min, message: "must be 1024 or above (unprivileged ports)" });
                }
                if (max - min + 1 > MAX_TURN_RELAY_PORTS) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["relayPorts", "max"],
                        input: max,
                        message:
                            `gives ${max - min + 1} relay ports; at most ${MAX_TURN_RELAY_PORTS} fit one LoadBalancer Service ` +
                            "(each port is a listener, and cloud load balancers limit them)",
                    });
                }
                const taken = [...Object.entries(TURN_PORTS), ...Object.entries(TURN_CONTAINER_PORTS)].filter(([, p]) => p >= min && p <= max);
                for (const [name, p] of taken) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["relayPorts"],
                        input: turn.relayPorts,
                        message: `must not include TURN's ${name} port ${p}`,
                    });
                }
            }),
        /** What the web app does by default; anything else goes into `configOverrides`. */
        web: z
            .strictObject({
                /** Language of the interface when the browser's is not available, such as de or pt-BR. */
                defaultLanguage: z.string().regex(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, "must be a language code such as de or pt-BR").optional(),
                /** Videos each participant receives at most; -1 for all. Lower values let a bridge carry more participants. */
                channelLastN: z.number().int().min(-1).default(-1),
                /** Participants join with audio (video) muted from this many participants on. */
                startAudioMuted: z.number().int().min(0).default(10),
                startVideoMuted: z.number().int().min(0).default(10),
                welcomePage: z.boolean().default(true),
                /** Two-person meetings go directly between the browsers, without a bridge. */
                p2p: z
                    .strictObject({ enabled: z.boolean().default(true), stunServers: z.array(hostPort).default([]) })
                    .prefault({}),
                /** Merged into jitsi-meet's config object (config.js), for settings without a key of their own. */
                configOverrides: z.record(z.string(), z.unknown()).default({}),
            })
            .prefault({})
            .superRefine((web, ctx) => {
                for (const key of WEB_DEDICATED_KEYS.filter((k) => k in web.configOverrides)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["configOverrides", key],
                        input: web.configOverrides[key],
                        message: `has a setting of its own: use web.${key}`,
                    });
                }
            }),
        /**
         * Who may open a meeting. anonymous: anyone with the link. internal: accounts kept by prosody, named in
         * `users` (passwords: the secret setting internalUserPasswords). jwt: a token signed with jwtAppSecret.
         */
        auth: z
            .strictObject({
                type: z.enum(AUTH_TYPES).default("anonymous"),
                /** With internal or jwt: others may join a meeting once someone who logged in has opened it. */
                guests: z.boolean().default(false),
                /** internal: the accounts every shard's prosody keeps; each needs a password in internalUserPasswords. */
                users: z.array(userName).default([]),
                /** internal: prosody's data volume per shard, where the accounts live across restarts. */
                storage: memory.default("1Gi"),
                storageClass: storageClass.optional(),
                jwt: z
                    .strictObject({
                        /** The application id tokens are issued for (prosody's app_id). */
                        appId: z.string().min(1),
                        acceptedIssuers: z.array(z.string().min(1)).default([]),
                        acceptedAudiences: z.array(z.string().min(1)).default([]),
                    })
                    .optional(),
            })
            .prefault({})
            .superRefine((auth, ctx) => {
                const refuse = (path: PropertyKey[], input: unknown, message: string) => ctx.addIssue({ code: "custom", path, input, message });
                if (auth.type === "jwt" && auth.jwt === undefined) {
                    refuse(["jwt", "appId"], undefined, "is required while auth.type is \"jwt\": prosody checks each token's application id against it");
                }
                if (auth.type !== "jwt" && auth.jwt !== undefined) {
                    refuse(["jwt"], auth.jwt, `is read only while auth.type is "jwt" (it is "${auth.type}")`);
                }
                if (auth.type === "internal" && auth.users.length === 0) {
                    refuse(["users"], auth.users, 'must name at least one account while auth.type is "internal": nobody could open a meeting');
                }
                if (auth.type !== "internal" && auth.users.length > 0) {
                    refuse(["users"], auth.users, `are read only while auth.type is "internal" (it is "${auth.type}")`);
                }
                if (auth.type === "anonymous" && auth.guests) {
                    refuse(["guests"], true, 'needs auth.type "internal" or "jwt": without authentication everyone joins as a guest already');
                }
                const seen = new Set<string>();
                auth.users.forEach((name, i) => {
                    if (seen.has(name)) refuse(["users", i], name, "is listed twice");
                    seen.add(name);
                });
            }),
        /** Meeting features prosody and the web app switch on together. */
        meetings: z
            .strictObject({
                /** Moderators may make participants wait in a lobby until admitted. */
                lobby: z.boolean().default(true),
                breakoutRooms: z.boolean().default(true),
            })
            .prefault({}),
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
                /**
                 * prometheus-adapter registers the resource metrics API (v1beta1.metrics.k8s.io, `kubectl top`, CPU
                 * autoscaling) too. Only where nothing else serves it: managed clusters' own metrics-server owns it.
                 */
                serveResourceMetrics: z.boolean().default(false),
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
                        /** Where Alertmanager sends alerts; none set: alerts are only visible in Alertmanager and Grafana. */
                        receivers: z
                            .strictObject({
                                /** Password: the secret setting alertEmailPassword, when `username` is set. */
                                email: z
                                    .strictObject({
                                        to: z.email(),
                                        from: z.email(),
                                        smarthost: hostPort,
                                        username: z.string().min(1).optional(),
                                        requireTls: z.boolean().default(true),
                                    })
                                    .optional(),
                                /** Any HTTP endpoint taking Alertmanager's JSON; its URL is the secret setting alertWebhookUrl. */
                                webhook: z.strictObject({ sendResolved: z.boolean().default(true) }).optional(),
                                /** A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat); URL: alertChatWebhookUrl. */
                                chat: z.strictObject({ channel: z.string().min(1).optional(), sendResolved: z.boolean().default(true) }).optional(),
                            })
                            .prefault({}),
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
        const perBridge = cfg.jvb.relay.maxParticipantsPerBridge;
        const jvbCpu = cfg.resources.jvb.limits.cpu;
        // zod runs this even after a field failed: a malformed CPU limit is reported on its own.
        const carried = isCpuQuantity(jvbCpu) ? Math.max(2, participantsPerJvb(jvbCpu)) : Infinity;
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
        const shards = normalizeShards(cfg.shards);
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
            const relay = turn.relayPorts;
            const jvbPorts = { first: cfg.jvb.udpBasePort, last: lastJvbPort(cfg.jvb, shards.length) };
            if (relay.min <= jvbPorts.last && relay.max >= jvbPorts.first) {
                ctx.addIssue({
                    code: "custom",
                    path: ["turn", "relayPorts"],
                    input: relay,
                    message: `must not overlap the JVB UDP ports ${jvbPorts.first}-${jvbPorts.last}`,
                });
            }
        }

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
        // An inverted range is reported on its own; every port would seem to lie outside it.
        if (min > max) return;
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
export type TurnSettings = StackConfig["turn"];
export type WebSettings = StackConfig["web"];
export type AuthSettings = StackConfig["auth"];
export type MeetingSettings = StackConfig["meetings"];
export type JibriSettings = StackConfig["jibri"];

/** How a bridge learns the address it advertises; see `jvb.advertise`. */
export function advertiseMode(jvb: { advertise?: AdvertiseMode; publicIps: string[] }): AdvertiseMode {
    return jvb.advertise ?? (jvb.publicIps.length > 0 ? "publicIps" : "nodeExternalIP");
}
export type ResourceSettings = StackConfig["resources"]["web"];

export function normalizeShards(shards: ParsedConfig["shards"]): ShardSpec[] {
    if (typeof shards === "number") {
        return Array.from({ length: shards }, (_, index) => ({ name: `shard-${index}`, index }));
    }
    return shards.map((s, index) => ({ ...s, index }));
}
