import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceSettings } from "../config/schema";
import { CLAIM_AWAIT, ETHERPAD_PORT, ETHERPAD_SERVICE, ETHERPAD_UID, ETHERPAD_VAR_DIR, KeptObjects, labels, readWriteOnceClaim } from "../lib";
import { proxiedBackend } from "./proxiedBackend";

export interface EtherpadArgs {
    namespace: pulumi.Input<string>;
    image: string;
    resources: ResourceSettings;
    /** Size of the volume that holds the pads. */
    storage: string;
    storageClass?: string;
    /** The provider of kept objects: the pads' claim (lib/keptObjects.ts). */
    keptObjects: KeptObjects;
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

        // The pads outlive etherpad.enabled: false; switched on again, the claim is adopted.
        const claim = args.keptObjects.keep(
            (o) =>
                new k8s.core.v1.PersistentVolumeClaim(
                    `${name}-pads`,
                    {
                        metadata: { name: `${ETHERPAD_SERVICE}-pads`, namespace, labels: labels("etherpad"), annotations: { ...CLAIM_AWAIT } },
                        spec: readWriteOnceClaim(args.storage, args.storageClass),
                    },
                    o,
                ),
            { parent: this },
        );

        this.service = proxiedBackend(this, name, {
            component: "etherpad",
            serviceName: ETHERPAD_SERVICE,
            namespace,
            image: args.image,
            resources: args.resources,
            uid: ETHERPAD_UID,
            port: ETHERPAD_PORT,
            // `{"status":"pass"}` once the database is open (node/hooks/express/specialpages.ts).
            healthPath: "/health",
            strategy: { type: "Recreate" },
            container: {
                // The image's `pnpm run prod` ends in this command; pnpm itself would want a writable home.
                command: ["node", "--require", "tsx/cjs", "node/server.ts"],
                workingDir: "/opt/etherpad-lite/src",
                env: etherpadEnv(),
                volumeMounts: [
                    { name: "var", mountPath: ETHERPAD_VAR_DIR },
                    { name: "tmp", mountPath: "/tmp" },
                ],
            },
            volumes: [
                { name: "var", persistentVolumeClaim: { claimName: claim.metadata.name } },
                // tsx compiles the TypeScript sources into its cache under the temp directory.
                { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            ],
            fsGroup: ETHERPAD_UID,
        });
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
