import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OWNER_LABELS } from "../lib";

export interface NodeAddressReaderArgs {
    namespace: pulumi.Input<string>;
    /** Cluster-wide names carry the namespace, so two stacks can share a cluster. */
    namespaceName: string;
}

/**
 * The identity bridges use to read their own Node's ExternalIP at start: a ServiceAccount bound to a
 * ClusterRole that may `get` nodes and nothing else (RBAC cannot name "the pod's own node").
 */
export class NodeAddressReader extends pulumi.ComponentResource {
    readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, args: NodeAddressReaderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:shard:NodeAddressReader", name, {}, opts);
        const account = new k8s.core.v1.ServiceAccount(
            name,
            {
                metadata: { name, namespace: args.namespace, labels: { ...OWNER_LABELS } },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );
        const role = new k8s.rbac.v1.ClusterRole(
            name,
            {
                metadata: { name: `${args.namespaceName}-${name}`, labels: { ...OWNER_LABELS } },
                rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }],
            },
            { parent: this },
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            name,
            {
                metadata: { name: `${args.namespaceName}-${name}`, labels: { ...OWNER_LABELS } },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
            },
            { parent: this },
        );
        this.serviceAccountName = account.metadata.name;
        this.registerOutputs({ serviceAccountName: this.serviceAccountName });
    }
}
