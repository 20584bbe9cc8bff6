import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import {
    httpProbe,
    labels,
    probes,
    resourceRequirements,
    restrictedSecurityContext,
    selectorLabels,
    WHITEBOARD_METRICS_PORT,
    WHITEBOARD_PORT,
    WHITEBOARD_SERVICE,
    WHITEBOARD_UID,
} from "../lib";
import { proxiedService } from "./proxiedService";

export interface WhiteboardArgs {
    namespace: pulumi.Input<string>;
    image: string;
    resources: ResourceSettings;
    /** Prometheus's namespace when the MonitoringStack runs: it reads the backend's socket.io metrics. */
    monitoringNamespace?: string;
}

/**
 * The whiteboard's collaboration backend (jitsi/excalidraw-backend): it relays drawing operations between
 * the participants of a meeting over socket.io and keeps nothing, so it rolls like any stateless service.
 * Every shard's web serves it under /socket.io/. One replica: socket.io rooms live in its memory, and two
 * replicas would split a meeting's participants between them.
 */
export class Whiteboard extends pulumi.ComponentResource {
    /** Web's nginx resolves this Service when it starts. */
    readonly service: k8s.core.v1.Service;

    constructor(name: string, args: WhiteboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:collaboration:Whiteboard", name, {}, opts);
        const { namespace } = args;
        const podLabels = labels("whiteboard");

        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: WHITEBOARD_SERVICE, namespace, labels: podLabels },
                spec: {
                    replicas: 1,
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                    selector: { matchLabels: selectorLabels("whiteboard") },
                    template: {
                        metadata: { labels: podLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            containers: [
                                {
                                    name: "whiteboard",
                                    image: args.image,
                                    // The image's `npm start` compiles first, which a read-only filesystem refuses.
                                    command: ["node", "dist/index.js"],
                                    workingDir: "/excalidraw-backend",
                                    // src/index.ts: the socket.io port (default 80, which a non-root user may not bind).
                                    env: [{ name: "PORT", value: String(WHITEBOARD_PORT) }],
                                    ports: [
                                        { name: "http", containerPort: WHITEBOARD_PORT },
                                        { name: "metrics", containerPort: WHITEBOARD_METRICS_PORT },
                                    ],
                                    resources: resourceRequirements(args.resources),
                                    securityContext: restrictedSecurityContext(WHITEBOARD_UID),
                                    // GET / answers "Excalidraw backend is up :)" (src/index.ts).
                                    ...probes(httpProbe("/", WHITEBOARD_PORT)),
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );

        this.service = proxiedService(this, "whiteboard", WHITEBOARD_SERVICE, namespace, WHITEBOARD_PORT, {
            port: WHITEBOARD_METRICS_PORT,
            monitoringNamespace: args.monitoringNamespace,
        });
        this.registerOutputs({ serviceName: this.service.metadata.name });
    }
}
