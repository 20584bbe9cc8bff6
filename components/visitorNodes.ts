import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import {
    fromPods,
    ingressPolicy,
    JITSI_UID,
    jitsiImage,
    labels,
    prosodyProbes,
    PROSODY_DATA_DIR,
    PROSODY_PORTS,
    PROSODY_S2S_PORT,
    resourceRequirements,
    restrictedSecurityContext,
    selectorLabels,
    tcp,
    visitorNodeEnv,
    visitorNodeName,
    VisitorSettings,
    writableDirs,
    zoneAffinity,
} from "../lib";
import { oneAtATime } from "./disruptionBudget";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export interface VisitorNodesArgs {
    namespace: pulumi.Input<string>;
    shard: string;
    zone?: string;
    visitors: VisitorSettings;
    imageTag: string;
    resources: ResourceSettings;
    /** What every prosody of the shard gets: domains, XMPP_SERVER (the main prosody, fully qualified), TURN, access. */
    sharedEnv: EnvVar[];
}

/**
 * A shard's visitor nodes: one prosody each, in visitor mode, with a Service by which the shard's main
 * prosody (s2s), its jicofo (c2s, as focus) and its web (the visitors' BOSH and WebSocket) reach it.
 * Nothing of another shard can reach them.
 */
export class VisitorNodes extends pulumi.ComponentResource {
    readonly services: k8s.core.v1.Service[] = [];

    constructor(name: string, args: VisitorNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:shard:VisitorNodes", name, {}, opts);
        const { namespace, shard } = args;
        const podLabels = labels("visitors", shard);
        const ports = [
            { name: "xmpp-c2s", port: PROSODY_PORTS.c2s },
            { name: "xmpp-s2s", port: PROSODY_S2S_PORT },
            { name: "http", port: PROSODY_PORTS.http },
        ];
        const dirs = writableDirs({ data: PROSODY_DATA_DIR, plugins: "/prosody-plugins-custom" });

        for (let index = 0; index < args.visitors.nodesPerShard; index++) {
            const nodeName = visitorNodeName(shard, index);
            // One node, one pod: jicofo and the main prosody address each node by its own Service.
            const nodeSelector = { ...selectorLabels("visitors", shard), "jitsi.org/visitor-node": String(index) };
            const nodeLabels = { ...podLabels, ...nodeSelector };
            new k8s.apps.v1.Deployment(
                nodeName,
                {
                    metadata: { name: nodeName, namespace, labels: nodeLabels },
                    spec: {
                        replicas: 1,
                        // Like the main prosody, a node holds its visitors' sessions and cannot run twice.
                        strategy: { type: "Recreate" },
                        selector: { matchLabels: nodeSelector },
                        template: {
                            metadata: { labels: nodeLabels },
                            spec: {
                                automountServiceAccountToken: false,
                                securityContext: { fsGroup: JITSI_UID },
                                affinity: zoneAffinity(args.zone),
                                volumes: dirs.volumes,
                                containers: [
                                    {
                                        name: "prosody",
                                        image: jitsiImage("prosody", args.imageTag),
                                        env: [...args.sharedEnv, ...visitorNodeEnv(index, args.visitors)],
                                        ports: ports.map((p) => ({ name: p.name, containerPort: p.port })),
                                        resources: resourceRequirements(args.resources),
                                        securityContext: restrictedSecurityContext(JITSI_UID),
                                        volumeMounts: dirs.volumeMounts,
                                        ...prosodyProbes(),
                                    },
                                ],
                            },
                        },
                    },
                },
                { parent: this },
            );
            this.services.push(
                new k8s.core.v1.Service(
                    nodeName,
                    {
                        metadata: { name: nodeName, namespace, labels: nodeLabels },
                        spec: {
                            type: "ClusterIP",
                            selector: nodeSelector,
                            ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" })),
                        },
                    },
                    { parent: this },
                ),
            );
        }

        // Each flow from the shard's own component only, on its own port.
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: `${shard}-visitors`, namespace, labels: podLabels },
                spec: ingressPolicy(selectorLabels("visitors", shard), [
                    { from: [fromPods(selectorLabels("prosody", shard))], ports: [tcp(PROSODY_S2S_PORT)] },
                    { from: [fromPods(selectorLabels("jicofo", shard))], ports: [tcp(PROSODY_PORTS.c2s)] },
                    { from: [fromPods(selectorLabels("web", shard))], ports: [tcp(PROSODY_PORTS.http)] },
                ]),
            },
            { parent: this },
        );

        // Node drains move one visitor node at a time; its visitors reconnect to the others.
        oneAtATime(name, { name: `${shard}-visitors`, namespace, labels: podLabels }, selectorLabels("visitors", shard), this);

        this.registerOutputs({});
    }
}
