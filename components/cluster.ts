import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KEPT_OBJECTS_PROVIDER, KEPT_OBJECTS_UPSERT } from "../lib/keptObjects";

export interface ClusterArgs {
    region: string;
    /** kubeconfig text (a Pulumi secret), or unset with `context`. */
    kubeconfig?: pulumi.Input<string>;
    /** A context of the kubeconfig the Pulumi CLI sees. */
    context?: string;
    /** The provider's skipUpdateUnreachable. */
    skipWhileUnreachable: boolean;
}

/**
 * One Kubernetes cluster of a stack with several (config/clusters.ts): its explicit provider, and the
 * component every part declared in it sits under, so that each of them, and each of their children,
 * is sent to this cluster and to no other. The cluster's name is part of the component's type: every
 * part keeps the name it has in a stack of one cluster (`ops`, `router`, `turn`), and their URNs still
 * differ from cluster to cluster.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;

    constructor(readonly clusterName: string, private readonly args: ClusterArgs) {
        const provider = new k8s.Provider(`cluster-${clusterName}`, {
            kubeconfig: args.kubeconfig,
            context: args.context,
            // A new kubeconfig (rotated credentials, a new API address) updates the provider; only another
            // identifier would replace every object it manages.
            clusterIdentifier: clusterName,
            ...(args.skipWhileUnreachable ? { skipUpdateUnreachable: true } : {}),
        });
        super(`jitsi:cluster:${clusterName}`, clusterName, { region: args.region }, { providers: { kubernetes: provider } });
        this.provider = provider;
        this.registerOutputs({ region: args.region });
    }

    /**
     * This cluster's provider of the namespaces and claims the stack keeps (lib/keptObjects.ts): the same
     * cluster as its own provider (its kubeconfig or context, never the ambient one), with upsert on.
     */
    keptObjectsProvider(): k8s.Provider {
        return new k8s.Provider(`${KEPT_OBJECTS_PROVIDER}-${this.clusterName}`, {
            kubeconfig: this.args.kubeconfig,
            context: this.args.context,
            clusterIdentifier: this.clusterName,
            ...(this.args.skipWhileUnreachable ? { skipUpdateUnreachable: true } : {}),
            ...KEPT_OBJECTS_UPSERT,
        });
    }

    /** Options that declare a part in this cluster. */
    get opts(): pulumi.ComponentResourceOptions {
        return { parent: this };
    }
}
