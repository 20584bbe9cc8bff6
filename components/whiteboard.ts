import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import { WHITEBOARD_METRICS_PORT, WHITEBOARD_PORT, WHITEBOARD_SERVICE, WHITEBOARD_UID } from "../lib";
import { proxiedBackend } from "./proxiedBackend";

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
        this.service = proxiedBackend(this, name, {
            component: "whiteboard",
            serviceName: WHITEBOARD_SERVICE,
            namespace: args.namespace,
            image: args.image,
            resources: args.resources,
            // The `node` user of its node:22-slim base; the image itself would run as root.
            uid: WHITEBOARD_UID,
            port: WHITEBOARD_PORT,
            // GET / answers "Excalidraw backend is up :)" (src/index.ts).
            healthPath: "/",
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
            container: {
                // The image's `npm start` compiles first, which a read-only filesystem refuses.
                command: ["node", "dist/index.js"],
                workingDir: "/excalidraw-backend",
                // src/index.ts: the socket.io port (default 80, which a non-root user may not bind).
                env: [{ name: "PORT", value: String(WHITEBOARD_PORT) }],
            },
            metrics: { port: WHITEBOARD_METRICS_PORT, monitoringNamespace: args.monitoringNamespace },
        });
        this.registerOutputs({ serviceName: this.service.metadata.name });
    }
}
