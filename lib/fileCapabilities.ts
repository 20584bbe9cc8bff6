/**
 * File capabilities that images give their binaries. The kernel refuses to execute a binary whose
 * file-permitted capabilities (with the effective bit) are not in the process's bounding set: the
 * container exits 126, "Operation not permitted". A container that drops ALL must therefore keep
 * exactly what its image's binaries carry. With `allowPrivilegeEscalation: false` (no_new_privs) the
 * capability is in the bounding set only: the process starts, but is not granted it.
 *
 * Keyed by image repository, because a stack may choose another tag: every tag read carries the same
 * capabilities (test/upstream.test.ts holds the Dockerfile facts per image and tag). No import here,
 * so the policy pack can load it as well.
 */

export interface FileCapability {
    /** The image repository, without tag. */
    repository: string;
    binary: string;
    /** Capability names as Kubernetes spells them (no CAP_ prefix). */
    capabilities: string[];
}

export const FILE_CAPABILITIES: FileCapability[] = [
    // coturn's Debian and Alpine images `setcap CAP_NET_BIND_SERVICE=+ep /usr/bin/turnserver` since
    // the first non-root image (2021); read at docker/4.17.0-r0.
    { repository: "coturn/coturn", binary: "/usr/bin/turnserver", capabilities: ["NET_BIND_SERVICE"] },
];

/** `coturn/coturn:4.17.0-r0` → `coturn/coturn`; a leading `docker.io/` or `docker.io/library/` is the same image. */
export function imageRepository(image: string): string {
    const withoutDigest = image.split("@")[0];
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.indexOf(":", lastSlash + 1);
    const repository = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
    return repository.replace(/^docker\.io\/(library\/)?/, "");
}

/** The capabilities a container running `image` must keep so that its binaries can be executed. */
export function requiredCapabilities(image: string): string[] {
    const repository = imageRepository(image);
    return [...new Set(FILE_CAPABILITIES.filter((f) => f.repository === repository).flatMap((f) => f.capabilities))].sort();
}
