/**
 * Several Kubernetes clusters under one stack (issue 28): each with a region, its own provider and its own
 * ops parts, router, TURN and monitoring; each shard in one of them. Absent: one implicit cluster, the
 * current kubectl context, and the program declares exactly what it declared before `clusters` existed.
 */
import { z } from "zod";
import type { ParsedSettings } from "./schema";
import { hostname, ipAddress, storageClass, templateText } from "./primitives";
import { normalizeShards } from "./shards";
import { CROSS_CLUSTER_PORT_OFFSETS, lastCrossClusterNodePort } from "../lib/crossClusterPorts";

export const CLUSTER_NAME = /^[a-z]([-a-z0-9]{0,14}[a-z0-9])?$/;
/** One spelling of a region for the router, the shards' jicofo, bridges and web, and the outputs. */
export const REGION_NAME = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;

const clusterSpec = z.strictObject({
    /** The region its shards serve; this cluster's routers prefer its shards for new rooms. */
    // jicofo's and the bridges' hocon (JICOFO_OCTO_REGION, JVB_OCTO_REGION) and web's config.js (DEPLOYMENTINFO_REGION).
    region: templateText("hoconString", "jsString").regex(REGION_NAME, "must be a region name of lower-case letters, digits and '-', such as eu-west"),
    /**
     * A context of the kubeconfig the Pulumi CLI sees (KUBECONFIG or ~/.kube/config). Unset: the cluster's
     * kubeconfig is the secret setting clusterKubeconfigs.<name>; one of the two is required.
     */
    context: z.string().min(1).optional(),
    /** Host names of this cluster's regional entry, served beside the stack's hosts; geo DNS answers the stack's hosts with them. */
    hosts: z.array(hostname).min(1, "must list at least one host name").optional(),
    /** This cluster's coturn: its DNS name and relay address (turn.host and turn.publicIp are the defaults). */
    turn: z.strictObject({ host: hostname.optional(), publicIp: ipAddress.optional() }).optional(),
    /** The StorageClass of every volume this cluster's parts claim; unset: each part's own setting. */
    storageClass: storageClass.optional(),
    /**
     * Annotations of the per-pod and per-shard LoadBalancer Services the other clusters reach this one's
     * routers and shards through (an internal load balancer on a network the clusters share: docs/architecture.md).
     */
    serviceAnnotations: z.record(z.string(), z.string()).default({}),
    /**
     * While the cluster cannot be reached (a region down), `pulumi up` leaves its objects as the state
     * records them instead of failing (the provider's skipUpdateUnreachable): the other clusters' routers
     * still get their new configuration. Set it only for that time (docs/runbook.md "A region fails").
     */
    skipWhileUnreachable: z.boolean().default(false),
});

export type ClusterSpec = z.output<typeof clusterSpec>;

export const clusterSettings = {
    /** name -> { region, context | kubeconfig secret, hosts, turn, storageClass, serviceAnnotations }; absent: one implicit cluster. */
    clusters: z
        .record(z.string().regex(CLUSTER_NAME, "must be a cluster name of at most 16 lower-case letters, digits and '-', starting with a letter"), clusterSpec)
        .refine((c) => Object.keys(c).length > 0, "must list at least one cluster, or be left out for the current kubectl context")
        .optional(),
};

/** Parts that log in to every shard's prosody: across clusters that is XMPP without certificate checks (docs/decisions.md). */
const STACK_WIDE_POOLS = [
    ["jibri", (c: ParsedSettings) => c.jibri.enabled],
    ["jigasi", (c: ParsedSettings) => c.jigasi.enabled],
    ["transcription", (c: ParsedSettings) => c.transcription.enabled],
    ["loadTest", (c: ParsedSettings) => c.loadTest.enabled],
] as const;

export function checkClusters(cfg: ParsedSettings, ctx: z.RefinementCtx): void {
    const clusters = cfg.clusters;
    const shards = normalizeShards(cfg.shards);
    const names = Object.keys(clusters ?? {});
    const counted = typeof cfg.shards === "number";
    shards.forEach((s, i) => {
        if (s.cluster === undefined) {
            if (names.length > 1 && (!counted || i === 0)) {
                ctx.addIssue({
                    code: "custom",
                    path: counted ? ["shards"] : ["shards", i, "cluster"],
                    input: counted ? cfg.shards : undefined,
                    message: counted
                        ? `must be a list of {name, cluster} while clusters lists ${names.length} (${names.join(", ")}): each shard runs in one`
                        : `is required while clusters lists ${names.length} (${names.join(", ")}): name the cluster shard ${s.name} runs in`,
                });
            }
        } else if (!names.includes(s.cluster)) {
            ctx.addIssue({
                code: "custom",
                path: ["shards", i, "cluster"],
                input: s.cluster,
                message: clusters ? `must be one of clusters (${names.join(", ")})` : "names a cluster, but clusters is not set: add it under clusters.<name> with its region",
            });
        }
    });
    if (clusters) checkCrossClusterPorts(cfg, shards.map((s) => s.index), ctx);
    if (clusters) checkCertificateNames(names, shards, ctx);
    if (!clusters || names.length < 2) return;
    for (const [key, on] of STACK_WIDE_POOLS) {
        if (on(cfg)) {
            ctx.addIssue({
                code: "custom",
                path: [key, "enabled"],
                input: true,
                message: `must be false while clusters lists more than one: one ${key} pool would serve shards in several clusters, which is not built yet (docs/decisions.md)`,
            });
        }
    }
    if (cfg.turn.enabled && !cfg.turn.external) {
        for (const key of ["host", "publicIp"] as const) {
            const value = (name: string) => clusters[name].turn?.[key] ?? cfg.turn[key];
            names.forEach((name, i) => {
                const same = names.slice(0, i).find((other) => value(other) !== undefined && value(other) === value(name));
                if (same) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["clusters", name, "turn", key],
                        input: clusters[name].turn?.[key],
                        message: `must differ from cluster ${same}'s (${value(name)}): each cluster runs its own coturn; set clusters.<name>.turn.${key} on each`,
                    });
                }
            });
        }
    }
}

/**
 * With clusters, each cluster's and each shard's certificate is a resource named `<purpose>-<name>` beside
 * its CA's `<purpose>-ca` (stack/certificates.ts StackAuthority.issue: router-peers-<cluster>,
 * shard-web-<shard>): a cluster or shard named `ca` would give two resources one URN, which Pulumi refuses
 * only once resources are being registered.
 */
function checkCertificateNames(names: string[], shards: { name: string }[], ctx: z.RefinementCtx): void {
    const why = (what: string, purpose: string) =>
        `must not be ca while clusters is set: the ${what}'s certificate would be named ${purpose}-ca like the stack's ${purpose} CA; choose another name`;
    if (names.includes("ca")) ctx.addIssue({ code: "custom", path: ["clusters", "ca"], input: "ca", message: why("cluster", "router-peers") });
    shards.forEach((s, i) => {
        if (s.name === "ca") ctx.addIssue({ code: "custom", path: ["shards", i, "name"], input: "ca", message: why("shard", "shard-web") });
    });
}

/**
 * The fixed NodePorts of the Services the other clusters reach (lib/crossClusterPorts.ts) lie at the
 * bottom of the NodePort range, below every bridge's port: at most 8 routers per cluster, and the
 * highest shard number's port under jvb.udpBasePort.
 */
function checkCrossClusterPorts(cfg: ParsedSettings, shardIndexes: number[], ctx: z.RefinementCtx): void {
    const range = cfg.nodePortRange;
    if (range.min > range.max) return;
    const routers = CROSS_CLUSTER_PORT_OFFSETS.routerPeersMax;
    if (cfg.router.replicas > routers) {
        ctx.addIssue({
            code: "custom",
            path: ["router", "replicas"],
            input: cfg.router.replicas,
            message: `must be at most ${routers} while clusters is set: each router pod's peers port is a fixed NodePort at the bottom of nodePortRange (${range.min}-${range.min + routers - 1})`,
        });
    }
    const highest = Math.max(0, ...shardIndexes);
    const last = lastCrossClusterNodePort(range, highest);
    const firstBridgePort = cfg.jvb.udpBasePort;
    if (last > range.max) {
        // No jvb.udpBasePort can help here: it must lie in the range too (config/checks.ts).
        ctx.addIssue({
            code: "custom",
            path: ["nodePortRange", "max"],
            input: range.max,
            message:
                `must be above ${last} while clusters is set: the Services the other clusters reach take fixed NodePorts ` +
                `${range.min}-${last} (shard ${highest}'s web at ${last}) and the bridges' ports lie above them; widen nodePortRange or use lower shard numbers`,
        });
    } else if (last >= firstBridgePort) {
        ctx.addIssue({
            code: "custom",
            path: ["jvb", "udpBasePort"],
            input: firstBridgePort,
            message:
                `must be above ${last} while clusters is set: the Services the other clusters reach take fixed NodePorts ` +
                `${range.min}-${last} (shard ${highest}'s web at ${last}), below the bridges' ports; raise jvb.udpBasePort or use lower shard numbers`,
        });
    }
}

/**
 * The kubeconfig of each cluster without a context: the secret setting clusterKubeconfigs, a map of
 * cluster name to kubeconfig text. Only names are ever shown.
 */
export function kubeconfigProblems(clusters: Record<string, ClusterSpec> | undefined, raw: string | undefined): string[] {
    const key = "jitsi:clusterKubeconfigs";
    const set = `'pulumi config set --secret --path "${key}.<name>" "$(cat <kubeconfig file>)"'`;
    let given: Record<string, unknown> = {};
    if (raw !== undefined) {
        try {
            given = JSON.parse(raw);
        } catch {
            given = undefined as never;
        }
        if (given === null || typeof given !== "object" || Array.isArray(given)) return [`${key} = (secret): must be a map of cluster name to kubeconfig; set each with ${set}`];
    }
    const problems: string[] = [];
    for (const [name, spec] of Object.entries(clusters ?? {})) {
        const has = typeof given[name] === "string" && (given[name] as string).length > 0;
        if (spec.context === undefined && !has) {
            problems.push(`${key}.${name} = (missing): cluster ${name} needs its kubeconfig (a secret) or clusters.${name}.context; set it with ${set}`);
        }
        if (spec.context !== undefined && has) {
            problems.push(`${key}.${name} = (secret): contradicts clusters.${name}.context (${spec.context}): give one of the two`);
        }
    }
    for (const name of Object.keys(given).filter((n) => !(n in (clusters ?? {})))) {
        problems.push(`${key}.${name} = (secret): ${name} is not in clusters; add it there or remove the kubeconfig`);
    }
    return problems;
}
