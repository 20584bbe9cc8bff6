import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import {
    CLAIM_AWAIT,
    ETHERPAD_PORT,
    ETHERPAD_SERVICE,
    ETHERPAD_UID,
    ETHERPAD_VAR_DIR,
    httpProbe,
    labels,
    probes,
    readWriteOnceClaim,
    resourceRequirements,
    restrictedSecurityContext,
    selectorLabels,
} from "../lib";
import { proxiedService } from "./proxiedService";

export interface EtherpadArgs {
    namespace: pulumi.Input<string>;
    image: string;
    resources: ResourceSettings;
    /** Size of the volume that holds the pads. */
    storage: string;
    storageClass?: string;
}

/**
 * Shared notes for meetings: one Etherpad for the stack, which every shard's web serves under
 * /etherpad/. Its pads live in an SQLite file on a volume, so one replica, replaced rather than
 * rolled (two processes must never write the file at once).
 */
export class Etherpad extends pulumi.ComponentResource {
    /** Web's nginx resolves this Service when it starts. */
    readonly service: k8s.core.v1.Service;

    constructor(name: string, args: EtherpadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:collaboration:Etherpad", name, {}, opts);
        const { namespace } = args;
        const podLabels = labels("etherpad");

        const claim = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-pads`,
            {
                metadata: { name: `${ETHERPAD_SERVICE}-pads`, namespace, labels: podLabels, annotations: { ...CLAIM_AWAIT } },
                spec: readWriteOnceClaim(args.storage, args.storageClass),
            },
            { parent: this },
        );

        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: ETHERPAD_SERVICE, namespace, labels: podLabels },
                spec: {
                    replicas: 1,
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selectorLabels("etherpad") },
                    template: {
                        metadata: { labels: podLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: { fsGroup: ETHERPAD_UID },
                            volumes: [
                                { name: "var", persistentVolumeClaim: { claimName: claim.metadata.name } },
                                // tsx compiles the TypeScript sources into its cache under the temp directory.
                                { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                            ],
                            containers: [
                                {
                                    name: "etherpad",
                                    image: args.image,
                                    // The image's `pnpm run prod` ends in this command; pnpm itself would want a writable home.
                                    command: ["node", "--require", "tsx/cjs", "node/server.ts"],
                                    workingDir: "/opt/etherpad-lite/src",
                                    env: etherpadEnv(),
                                    ports: [{ name: "http", containerPort: ETHERPAD_PORT }],
                                    resources: resourceRequirements(args.resources),
                                    securityContext: restrictedSecurityContext(ETHERPAD_UID),
                                    volumeMounts: [
                                        { name: "var", mountPath: ETHERPAD_VAR_DIR },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                    // `{"status":"pass"}` once the database is open (node/hooks/express/specialpages.ts).
                                    ...probes(httpProbe("/health", ETHERPAD_PORT)),
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );

        this.service = proxiedService(this, "etherpad", ETHERPAD_SERVICE, namespace, ETHERPAD_PORT);
        this.registerOutputs({ serviceName: this.service.metadata.name });
    }
}

/** Settings from the image's settings.json.docker (etherpad-lite v2.5.3), which reads them as ${VAR:default}. */
export function etherpadEnv(): k8s.types.input.core.v1.EnvVar[] {
    return [
        // The image's default is "dirty", which Etherpad itself calls unfit for production (Settings.ts).
        { name: "DB_TYPE", value: "sqlite" },
        { name: "DB_FILENAME", value: "var/etherpad.sq3" },
        // Requests arrive through web's nginx, which sets X-Forwarded-For.
        { name: "TRUST_PROXY", value: "true" },
        // Pupils' and colleagues' addresses stay out of the log.
        { name: "DISABLE_IP_LOGGING", value: "true" },
        // A meeting's notes start blank instead of with Etherpad's welcome text.
        { name: "DEFAULT_PAD_TEXT", value: " " },
    ];
}
