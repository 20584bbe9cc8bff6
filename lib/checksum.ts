import { createHash } from "crypto";

/**
 * Pods read some configuration only when they start (a mounted file, a subPath, a policy loaded at
 * start). Its hash in the pod template's annotations makes a change of it roll the pods.
 */
export const CONFIG_CHECKSUM_ANNOTATION = "jitsi-pulumi/config-sha256";

export function sha256(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

export function configChecksum(...parts: string[]): Record<string, string> {
    return { [CONFIG_CHECKSUM_ANNOTATION]: sha256(parts.join("")) };
}
