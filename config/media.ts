/** Media: the bridges (ports, advertised addresses, relay, autoscaling), TURN, and the web app's settings. */
import { isIP } from "net";
import { z } from "zod";
import { denyAllProblem, isPrivateAddress } from "../lib/addresses";
import { TURN_CONTAINER_PORTS, TURN_PORTS } from "../lib/turn";
import { WEB_DEDICATED_KEYS } from "../lib/webConfig";
import { ADVERTISE_MODES, DEFAULT_TURN_IMAGE, MAX_TURN_RELAY_PORTS } from "./defaults";
import { advertiseMode } from "./advertise";
import { cidr, hostPort, hostname, hostnameOrAddress, image, ipAddress, port, resources } from "./primitives";

export const mediaSettings = {
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
                                "is a private address that clients on the internet cannot reach, and the TURN server does not relay to " +
                                "(judged by meaning: ::ffff:10.0.0.1 is 10.0.0.1, :: is no address); " +
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
            deniedPeerCidrs: z
                .array(cidr.superRefine((range, ctx) => {
                    const problem = cidr.safeParse(range).success ? denyAllProblem(range) : undefined;
                    if (problem) ctx.addIssue({ code: "custom", input: range, message: problem });
                }))
                .default([]),
            image: image.default(DEFAULT_TURN_IMAGE),
            resources: resources({ cpu: "200m", memory: "256Mi" }, { cpu: "2", memory: "512Mi" }),
            /** A TURN server that is not part of this stack; its shared secret is the secret setting turnSharedSecret. */
            external: z
                .strictObject({ host: hostnameOrAddress, port: port.default(3478), tlsPort: port.optional() })
                .superRefine((ext, ctx) => {
                    // TURN by address is common for a server run without TLS; TURNS needs a name its certificate
                    // names, and clients write turn:<host>:<port> (an IPv6 address would need brackets).
                    const ip = isIP(ext.host);
                    if (ip === 6) ctx.addIssue({ code: "custom", path: ["host"], input: ext.host, message: "is an IPv6 address; give a DNS name or an IPv4 address (clients write turn:<host>:<port>)" });
                    if (ip === 4 && ext.tlsPort !== undefined) ctx.addIssue({ code: "custom", path: ["host"], input: ext.host, message: "is an IP address, and tlsPort is set: TURNS needs the DNS name its certificate names; give that name, or drop tlsPort" });
                })
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
                ctx.addIssue({ code: "custom", path: ["publicIp"], input: turn.publicIp, message: "must be a public address: clients on the internet connect to it; this one is private, reserved or unspecified (judged by meaning: ::ffff:10.0.0.1 is 10.0.0.1)" });
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
};
