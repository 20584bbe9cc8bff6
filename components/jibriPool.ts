import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JibriSettings, ResourceSettings } from "../config/schema";
import {
    averagePodMetric,
    configChecksum,
    drainingPool,
    ingressPolicy,
    JIBRI_API_PORT,
    JIBRI_BUSY_METRIC,
    JIBRI_PRE_STOP,
    JIBRI_SHM_SIZE,
    JIBRI_STORAGE_DIR,
    jibriCustomConfig,
    jibriEnv,
    jibriHealthProbeCommand,
    JITSI_UID,
    jitsiImage,
    labels,
    readWriteOnceClaim,
    resourceRequirements,
    restrictedSecurityContext,
    scrapedBy,
    selectorLabels,
    spreadPods,
    tcp,
    writableDirs,
} from "../lib";
import { oneAtATime } from "./disruptionBudget";

export interface JibriPoolArgs {
    namespace: pulumi.Input<string>;
    settings: JibriSettings;
    resources: ResourceSettings;
    imageTag: string;
    /** Every shard: each Jibri registers with all of their prosodys. */
    shards: string[];
    publicUrl: string;
    timezone: string;
    /** The certificate the site serves is one no browser trusts (an ACME staging issuer's). */
    untrustedCertificate: boolean;
    /** Prometheus's namespace when the MonitoringStack runs: the pool then scales on how many Jibris record. */
    monitoringNamespace?: string;
}

/** Every Jibri pod's name starts with this; recordings are read from `<name>-<ordinal>`. */
export const JIBRI_STATEFULSET = "jibri";

/**
 * Recording for the whole stack: a StatefulSet of Jibris, each logged in to every shard's prosody, so a
 * meeting on any shard may use any idle one. A Jibri records one meeting at a time; each keeps its
 * recordings on a volume of its own. With monitoring, an autoscaler keeps a share of them idle; stopping
 * one waits for its recording to end.
 */
export class JibriPool extends pulumi.ComponentResource {
    readonly statefulSetName: pulumi.Output<string>;

    constructor(name: string, args: JibriPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:recording:JibriPool", name, {}, opts);
        const { namespace, settings } = args;
        const podLabels = labels("jibri");
        const selector = selectorLabels("jibri");
        const monitored = args.monitoringNamespace !== undefined;

        const customConfig = jibriCustomConfig(monitored);
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { name: `${JIBRI_STATEFULSET}-config`, namespace, labels: podLabels }, data: { "custom-jibri.conf": customConfig } },
            { parent: this },
        );

        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: { name: JIBRI_STATEFULSET, namespace, labels: podLabels },
                spec: { clusterIP: "None", selector, ports: [{ name: "http", port: JIBRI_API_PORT, targetPort: JIBRI_API_PORT, protocol: "TCP" }] },
            },
            { parent: this },
        );

        // s6, Chrome's profile and caches (the image links ~/.cache and ~/.config there) and Xorg's socket in /run;
        // /config holds only what scripts/config copies into its configuration directory.
        const dirs = writableDirs({}, { run: "256Mi", tmp: "256Mi", config: "1Mi" });
        // The health endpoint answers 200 whatever it says, so the probes read its JSON. Ready and alive both
        // mean "healthy and not expired": a recording (BUSY) Jibri stays Ready, since the PodDisruptionBudget and
        // the StatefulSet's rollout count Ready pods (an unready busy one would block every drain and update);
        // nothing routes to a Jibri by readiness (jicofo picks one by its presence in the brewery). Liveness restarts an UNHEALTHY one, which
        // jibri never heals (its recording has stopped by then).
        const health = jibriHealthProbeCommand();
        const statefulSet = new k8s.apps.v1.StatefulSet(
            name,
            drainingPool({
                name: JIBRI_STATEFULSET,
                namespace,
                labels: podLabels,
                selector,
                serviceName: headless.metadata.name,
                replicas: settings.replicas.min,
                template: {
                    // custom-jibri.conf is a subPath mount, which never updates: a new one restarts the pods.
                    metadata: { labels: podLabels, annotations: configChecksum(customConfig) },
                    spec: {
                        automountServiceAccountToken: false,
                        terminationGracePeriodSeconds: settings.drainGracePeriodSeconds,
                        securityContext: { fsGroup: JITSI_UID },
                        nodeSelector: Object.keys(settings.nodeSelector).length > 0 ? settings.nodeSelector : undefined,
                        // Chrome and ffmpeg take what CPU a node has: one Jibri per node where possible.
                        affinity: { podAntiAffinity: spreadPods(selector) },
                        volumes: [
                            ...dirs.volumes,
                            { name: "custom-config", configMap: { name: config.metadata.name } },
                            { name: "shm", emptyDir: { medium: "Memory", sizeLimit: JIBRI_SHM_SIZE } },
                        ],
                        containers: [
                            {
                                name: "jibri",
                                image: jitsiImage("jibri", args.imageTag),
                                env: jibriEnv({
                                    shards: args.shards,
                                    publicUrl: args.publicUrl,
                                    timezone: args.timezone,
                                    ignoreCertificateErrors: args.untrustedCertificate,
                                    monitored,
                                }),
                                ports: [{ name: "http", containerPort: JIBRI_API_PORT, protocol: "TCP" }],
                                resources: resourceRequirements(args.resources),
                                securityContext: restrictedSecurityContext(JITSI_UID),
                                volumeMounts: [
                                    ...dirs.volumeMounts,
                                    // A ConfigMap volume holds symlinks, which the copy (find -type f) skips; a subPath mount is a file.
                                    { name: "custom-config", mountPath: "/config/custom-jibri.conf", subPath: "custom-jibri.conf", readOnly: true },
                                    { name: "shm", mountPath: "/dev/shm" },
                                    { name: "recordings", mountPath: JIBRI_STORAGE_DIR },
                                ],
                                // The API listens on loopback unless Prometheus needs it, so the probes run inside.
                                readinessProbe: { exec: { command: health }, initialDelaySeconds: 20, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 },
                                livenessProbe: { exec: { command: health }, initialDelaySeconds: 90, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 },
                                lifecycle: { preStop: { exec: { command: ["/bin/bash", "-c", JIBRI_PRE_STOP] } } },
                            },
                        ],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "recordings", labels: podLabels },
                        spec: readWriteOnceClaim(settings.storage, settings.storageClass),
                    },
                ],
            }),
            // With monitoring the autoscaler owns the replica count once the pool exists.
            { parent: this, ignoreChanges: monitored ? ["spec.replicas"] : [] },
        );
        this.statefulSetName = statefulSet.metadata.name;

        if (monitored) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                name,
                {
                    metadata: { name: JIBRI_STATEFULSET, namespace, labels: podLabels },
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: statefulSet.metadata.name },
                        minReplicas: settings.replicas.min,
                        maxReplicas: settings.replicas.max,
                        metrics: [jibriAutoscalingMetric(settings.targetBusyFraction)],
                        behavior: {
                            // A teacher who presses record waits for a Jibri: start the next one at once.
                            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
                            // The highest ordinal goes first, idle or not; its preStop waits for its recording.
                            scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: "Pods", value: 1, periodSeconds: 600 }] },
                        },
                    },
                },
                { parent: this },
            );
        }

        // Nothing connects to a Jibri but Prometheus: it reaches out to prosody and to the site itself.
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: JIBRI_STATEFULSET, namespace, labels: podLabels },
                spec: ingressPolicy(selector, scrapedBy(args.monitoringNamespace, tcp(JIBRI_API_PORT))),
            },
            { parent: this },
        );

        // Node drains take one Jibri at a time; each finishes its recording first.
        oneAtATime(name, { name: JIBRI_STATEFULSET, namespace, labels: podLabels }, selector, this);

        this.registerOutputs({ statefulSetName: this.statefulSetName });
    }
}

/** Each Jibri reports 1 while recording, so the pods' average is the share of the pool that is busy. */
export function jibriAutoscalingMetric(targetBusyFraction: number): k8s.types.input.autoscaling.v2.MetricSpec {
    return averagePodMetric(JIBRI_BUSY_METRIC, targetBusyFraction);
}
