import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * A PodDisruptionBudget that lets a node drain evict one of the pods at a time: each evicted pod then
 * finishes its own work (a bridge its meetings, a Jibri its recording, a gateway its calls) in its
 * preStop while the rest keep serving. Declared as a child of the component whose pods it covers.
 */
export function oneAtATime(
    name: string,
    metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
    selector: Record<string, string>,
    parent: pulumi.Resource,
): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(name, { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } }, { parent });
}
