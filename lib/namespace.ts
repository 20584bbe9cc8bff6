import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OWNER_LABELS } from "./labels";

/** A namespace this stack creates and owns (deleting the stack deletes it, with what is in it). */
export function ownedNamespace(name: string, opts?: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(name, { metadata: { name, labels: { ...OWNER_LABELS } } }, opts);
}
