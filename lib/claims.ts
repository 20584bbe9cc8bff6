/** PersistentVolumeClaims: the volumes that keep prosody's accounts, Etherpad's pads and Jibri's recordings. */
import * as k8s from "@pulumi/kubernetes";

/** A volume one pod mounts at a time, from the given StorageClass or the cluster's default. */
export function readWriteOnceClaim(storage: string, storageClass?: string): k8s.types.input.core.v1.PersistentVolumeClaimSpec {
    return { accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage } } };
}

/**
 * On a PersistentVolumeClaim: `pulumi up` does not wait for it to bind. With a WaitForFirstConsumer
 * StorageClass (the default of most clouds) it binds only once the pod that mounts it is scheduled, and
 * provider versions before pulumi-kubernetes#3130 and #4181 waited for that forever; the consumer's own
 * readiness wait covers a claim that cannot bind.
 */
export const CLAIM_AWAIT: Readonly<Record<string, string>> = { "pulumi.com/skipAwait": "true" };
