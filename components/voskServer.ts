import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import { fromPods, ingressPolicy, labels, VOSK_UID, resourceRequirements, restrictedSecurityContext, selectorLabels, tcp, VOSK_PORT } from "../lib";

export interface VoskServerArgs {
    namespace: pulumi.Input<string>;
    namespaceName: string;
    image: string;
    resources: ResourceSettings;
    clusterDomain: string;
}

export const VOSK_SERVICE = "vosk";

/**
 * Speech to text for the transcribers: alphacep's Vosk WebSocket server with one language's model in its
 * image. It keeps nothing: a transcriber reconnects to another replica if this one restarts. Only the
 * transcribers may connect.
 */
export class VoskServer extends pulumi.ComponentResource {
    /** The WebSocket URL the transcribers stream audio to. */
    readonly url: string;

    constructor(name: string, args: VoskServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:transcription:VoskServer", name, {}, opts);
        const { namespace } = args;
        const podLabels = labels("vosk");
        const selector = selectorLabels("vosk");
        const listening = { tcpSocket: { port: VOSK_PORT } };

        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: VOSK_SERVICE, namespace, labels: podLabels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    // A second copy of the model would need as much memory again: replace, do not surge.
                    strategy: { type: "Recreate" },
                    template: {
                        metadata: { labels: podLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            containers: [
                                {
                                    name: "vosk",
                                    image: args.image,
                                    // The image runs as root (no USER in vosk-server's Dockerfiles), but the server only
                                    // reads its model and its script and writes nothing: nobody runs it (lib/jigasi.ts: VOSK_UID).
                                    securityContext: restrictedSecurityContext(VOSK_UID),
                                    ports: [{ name: "websocket", containerPort: VOSK_PORT, protocol: "TCP" }],
                                    resources: resourceRequirements(args.resources),
                                    // Loading a large model takes minutes on a slow disk; the port opens once it is in memory.
                                    startupProbe: { ...listening, periodSeconds: 10, failureThreshold: 60 },
                                    readinessProbe: { ...listening, periodSeconds: 10, failureThreshold: 3 },
                                    livenessProbe: { ...listening, periodSeconds: 20, failureThreshold: 6 },
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: VOSK_SERVICE, namespace, labels: podLabels },
                spec: { type: "ClusterIP", selector, ports: [{ name: "websocket", port: VOSK_PORT, targetPort: VOSK_PORT, protocol: "TCP" }] },
            },
            { parent: this },
        );

        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: VOSK_SERVICE, namespace, labels: podLabels },
                spec: ingressPolicy(selector, [{ from: [fromPods(selectorLabels("transcriber"))], ports: [tcp(VOSK_PORT)] }]),
            },
            { parent: this },
        );

        this.url = `ws://${VOSK_SERVICE}.${args.namespaceName}.svc.${args.clusterDomain}:${VOSK_PORT}`;
        this.registerOutputs({ url: this.url, serviceName: service.metadata.name });
    }
}
