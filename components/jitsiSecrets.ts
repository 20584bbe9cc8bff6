import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { NAMESPACE } from "../config/load";
import { PROVIDED_SECRET_KEYS } from "../config/schema";
import { AUTH_SECRET_NAME, INTERNAL_USERS_SECRET, JitsiSecretKey, OWNER_LABELS, SECRET_ENV } from "../lib";

export interface JitsiSecretsArgs {
    namespace: pulumi.Input<string>;
    /** The credentials this stack uses; a switched-off feature's secret is neither generated nor stored. */
    keys: readonly JitsiSecretKey[];
    /**
     * auth.type internal: the account names. Their passwords come from the secret setting
     * internalUserPasswords (validated against these names before any resource) into a Secret of their own.
     */
    internalUsers?: readonly string[];
}

/**
 * The XMPP credentials prosody, jicofo and the JVBs share. Each one is read from the stack's
 * encrypted config when set there (`pulumi config set --secret jitsi:jvbAuthPassword ...`) and
 * otherwise generated once and kept in the stack state. Either way it stays a Pulumi secret and
 * reaches the pods only through this Kubernetes Secret.
 */
export class JitsiSecrets extends pulumi.ComponentResource {
    readonly secretName: pulumi.Output<string>;
    /** The values, for tests and for components that need to hand them on; all are Pulumi secrets. */
    readonly values: Partial<Record<JitsiSecretKey, pulumi.Output<string>>>;

    constructor(name: string, args: JitsiSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:secrets:JitsiSecrets", name, {}, opts);
        const config = new pulumi.Config(NAMESPACE);

        const values: Partial<Record<JitsiSecretKey, pulumi.Output<string>>> = {};
        const stringData: Record<string, pulumi.Output<string>> = {};
        for (const key of args.keys) {
            // The schema has already refused a stack without them; requireSecret is the last word, not the check.
            const value = PROVIDED_SECRET_KEYS.includes(key)
                ? config.requireSecret(key)
                : (config.getSecret(key) ??
                  pulumi.secret(new random.RandomPassword(`${name}-${key}`, { length: 32, special: false }, { parent: this }).result));
            values[key] = value;
            stringData[SECRET_ENV[key]] = value;
        }
        this.values = values;

        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: { name: AUTH_SECRET_NAME, namespace: args.namespace, labels: { ...OWNER_LABELS } },
                type: "Opaque",
                stringData,
            },
            { parent: this },
        );
        this.secretName = secret.metadata.name;

        if (args.internalUsers && args.internalUsers.length > 0) {
            // One key per user, the key being the name: the prosody sidecar reads them as files.
            const passwords = config.requireSecretObject<Record<string, string>>("internalUserPasswords");
            new k8s.core.v1.Secret(
                `${name}-internal-users`,
                {
                    metadata: { name: INTERNAL_USERS_SECRET, namespace: args.namespace, labels: { ...OWNER_LABELS } },
                    type: "Opaque",
                    stringData: passwords,
                },
                { parent: this },
            );
        }
        this.registerOutputs({ secretName: this.secretName });
    }
}
