/** The operations and monitoring stack: cert-manager, ingress, metrics, dashboard, logging, Prometheus and alerts. */
import { z } from "zod";
import { hostPort, memory, resources } from "./primitives";

export const operationsSettings = {
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
};
