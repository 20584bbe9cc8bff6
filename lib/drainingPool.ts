/**
 * The StatefulSet shape of a pool whose pods work independently and finish their work before they stop:
 * bridges (their meetings), Jibris (their recording), Jigasis (their calls). Pods start and stop in
 * parallel; an update replaces one pod at a time, and each waits in its preStop for as long as its
 * longest piece of work, so `pulumi up` does not wait for the rollout.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface DrainingPoolArgs {
    name: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    selector: Record<string, string>;
    /** The headless Service that gives the pods their network identity. */
    serviceName: pulumi.Input<string>;
    replicas: number;
    template: k8s.types.input.core.v1.PodTemplateSpec;
    volumeClaimTemplates?: k8s.types.input.core.v1.PersistentVolumeClaim[];
}

export function drainingPool(a: DrainingPoolArgs): k8s.apps.v1.StatefulSetArgs {
    return {
        metadata: { name: a.name, namespace: a.namespace, labels: a.labels, annotations: { "pulumi.com/skipAwait": "true" } },
        spec: {
            serviceName: a.serviceName,
            replicas: a.replicas,
            podManagementPolicy: "Parallel",
            updateStrategy: { type: "RollingUpdate" },
            selector: { matchLabels: a.selector },
            template: a.template,
            ...(a.volumeClaimTemplates ? { volumeClaimTemplates: a.volumeClaimTemplates } : {}),
        },
    };
}
