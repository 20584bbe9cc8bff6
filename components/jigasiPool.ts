import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import {
    drainingPool,
    ingressPolicy,
    JIGASI_ALIVE,
    JIGASI_API_PORT,
    JIGASI_PRE_STOP,
    JIGASI_READY,
    jigasiEnv,
    JigasiEnvArgs,
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
    TRANSCRIPTS_DIR,
    writableDirs,
} from "../lib";
import { oneAtATime } from "./disruptionBudget";

export interface JigasiPoolArgs {
    namespace: pulumi.Input<string>;
    /** The gateway's environment: mode, shards, SIP account or speech-to-text server. */
    env: Omit<JigasiEnvArgs, "monitored" | "memoryLimit">;
    replicas: number;
    resources: ResourceSettings;
    imageTag: string;
    /** How long a gateway asked to stop may go on carrying its calls. */
    drainGracePeriodSeconds: number;
    /** Transcriber with saving on: each keeps its transcripts on a volume of its own. */
    transcripts?: { storage: string; storageClass?: string };
    /** Prometheus's namespace when the MonitoringStack runs: it then reads /metrics. */
    monitoringNamespace?: string;
}

/**
 * Jigasi for the whole stack, in one of its two modes: the SIP gateway (`jigasi`), registered with the
 * provider, or the transcriber (`transcriber`). Each gateway joins every shard's brewery, so any shard's
 * jicofo may send it a call; the call's own connection goes through the room router to its meeting's
 * shard (lib/jigasi.ts). Nothing connects to a gateway but Prometheus: it dials out to prosody, the
 * router, the bridges, and the provider or the speech-to-text server. Stopping one waits for its calls.
 */
export class JigasiPool extends pulumi.ComponentResource {
    readonly statefulSetName: pulumi.Output<string>;

    constructor(name: string, args: JigasiPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:gateway:JigasiPool", name, {}, opts);
        const { namespace } = args;
        const component = args.env.mode === "sip" ? "jigasi" : "transcriber";
        const podLabels = labels(component);
        const selector = selectorLabels(component);
        const monitored = args.monitoringNamespace !== undefined;

        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: { name: component, namespace, labels: podLabels },
                spec: { clusterIP: "None", selector, ports: [{ name: "http", port: JIGASI_API_PORT, targetPort: JIGASI_API_PORT, protocol: "TCP" }] },
            },
            { parent: this },
        );

        // s6, the generated configuration (/run/jigasi) and Java's temporary files in /run; scripts/config copies /config
        // there. A transcriber writes to its transcript directory, which scripts/config refuses to start without:
        // a volume of its own when transcripts are kept, else one more emptyDir.
        const transcriptsOnEmptyDir = component === "transcriber" && !args.transcripts;
        const dirs = writableDirs(transcriptsOnEmptyDir ? { transcripts: TRANSCRIPTS_DIR } : {}, { tmp: "256Mi", config: "1Mi", transcripts: "64Mi" });
        const keptTranscriptsMount = component === "transcriber" && args.transcripts ? [{ name: "transcripts", mountPath: TRANSCRIPTS_DIR }] : [];
        // A gateway whose provider refuses it is never ready either: the JitsiJigasiUnregistered alert tells that.
        const statefulSet = new k8s.apps.v1.StatefulSet(
            name,
            drainingPool({
                name: component,
                namespace,
                labels: podLabels,
                selector,
                serviceName: headless.metadata.name,
                replicas: args.replicas,
                template: {
                    metadata: { labels: podLabels },
                    spec: {
                        automountServiceAccountToken: false,
                        terminationGracePeriodSeconds: args.drainGracePeriodSeconds,
                        securityContext: { fsGroup: JITSI_UID },
                        affinity: { podAntiAffinity: spreadPods(selector) },
                        volumes: dirs.volumes,
                        containers: [
                            {
                                name: component,
                                image: jitsiImage("jigasi", args.imageTag),
                                env: jigasiEnv({ ...args.env, monitored, memoryLimit: args.resources.limits.memory }),
                                ports: [{ name: "http", containerPort: JIGASI_API_PORT, protocol: "TCP" }],
                                resources: resourceRequirements(args.resources),
                                securityContext: restrictedSecurityContext(JITSI_UID),
                                volumeMounts: [...dirs.volumeMounts, ...keptTranscriptsMount],
                                // The API may listen on loopback only, so the probes run inside. Ready means registered
                                // (lib/jigasi.ts: not the image's healthcheck.sh, which fails a registered gateway without
                                // a test-call URI); liveness only asks whether the process answers, so a provider outage
                                // restarts nothing.
                                readinessProbe: { exec: { command: JIGASI_READY }, initialDelaySeconds: 20, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 },
                                livenessProbe: { exec: { command: JIGASI_ALIVE }, initialDelaySeconds: 60, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 },
                                lifecycle: { preStop: { exec: { command: ["/bin/bash", "-c", JIGASI_PRE_STOP] } } },
                            },
                        ],
                    },
                },
                volumeClaimTemplates: args.transcripts
                    ? [{ metadata: { name: "transcripts", labels: podLabels }, spec: readWriteOnceClaim(args.transcripts.storage, args.transcripts.storageClass) }]
                    : undefined,
            }),
            { parent: this },
        );
        this.statefulSetName = statefulSet.metadata.name;

        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: component, namespace, labels: podLabels },
                spec: ingressPolicy(selector, scrapedBy(args.monitoringNamespace, tcp(JIGASI_API_PORT))),
            },
            { parent: this },
        );

        // Node drains take one gateway at a time; each finishes its calls first.
        oneAtATime(name, { name: component, namespace, labels: podLabels }, selector, this);

        this.registerOutputs({ statefulSetName: this.statefulSetName });
    }
}
