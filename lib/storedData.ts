/**
 * Which volumes hold the stack's data, and what a change to them does on a real cluster. Each volume
 * set is a stack output (`storedData`); the next preview compares the last deployment's with this
 * run's and warns, naming the claims and their size, before an update deletes or recreates stored
 * data. The same reading as lib/restarts.ts: a function of (last outputs, this run).
 */
import { memoryBytes } from "./quantity";

/** Who makes the claims, which decides what a change of size or count does to them. */
export type VolumeOwner =
    /** The Prometheus Operator, from the Prometheus resource's volumeClaimTemplate. */
    | "prometheus-operator"
    /** ECK, from a node set's volumeClaimTemplates. */
    | "eck"
    /** A claim this program declares itself. */
    | "claim"
    /** A claim a Helm release templates (kept on uninstall by `helm.sh/resource-policy: keep`). */
    | "chart"
    /** A volumeClaimTemplate of a StatefulSet this program declares. */
    | "statefulset";

export interface VolumeSet {
    /** What the volumes keep, as the warning says it. */
    holds: string;
    namespace: string;
    /** The claims' names; `<i>` stands for each replica's ordinal. */
    claims: string;
    count: number;
    /** Requested size of each claim. */
    size: string;
    /** The setting that sizes it. */
    sizeKey: string;
    /** The setting that switches it off. */
    switchKey: string;
    owner: VolumeOwner;
    /** The namespace is the part's own, created and kept with it (monitoring, logging), not the Jitsi one. */
    partNamespace: boolean;
}

/** Every volume set of the stack, keyed by a stable name (`prometheus`, `elasticsearch/data`, ...). */
export type StoredData = Record<string, VolumeSet>;

const RUNBOOK_OFF = 'docs/runbook.md, "What survives switching a part off"';
const RUNBOOK_GROW = 'docs/runbook.md, "Grow Prometheus\' volumes"';

function described(v: VolumeSet): string {
    return `${v.holds} (${v.count} × ${v.size}: ${claimNames(v)} in namespace ${v.namespace})`;
}

/** The claims spelled out: `a-0, a-1` for up to three, else a range. */
export function claimNames(v: Pick<VolumeSet, "claims" | "count">): string {
    if (!v.claims.includes("<i>")) return v.claims;
    if (v.count <= 3) return Array.from({ length: v.count }, (_, i) => v.claims.replace("<i>", String(i))).join(", ");
    return `${v.claims.replace("<i>", "0")} … ${v.claims.replace("<i>", String(v.count - 1))}`;
}

/** A volume set that leaves the stack: what happens to its claims. */
function removalWarning(key: string, was: VolumeSet, now: StoredData): string {
    if (was.owner === "eck" && Object.values(now).some((v) => v.owner === "eck" && v.namespace === was.namespace)) {
        // Logging stays on; a node set goes (ops.logging.masterNodes between 0 and more renames them).
        return `This update removes Elasticsearch node set ${key.split("/")[1]}: ECK moves its shards to the other nodes, then deletes ` +
            `${described(was)}. Logs survive only if the remaining nodes have room for them.`;
    }
    const kept = was.partNamespace
        ? `the claims and the namespace ${was.namespace} are kept (retainOnDelete)`
        : was.owner === "statefulset"
          ? "the claims outlive their StatefulSet"
          : "the claim is kept (retainOnDelete)";
    return `This update removes ${described(was)} (${was.switchKey} off, or the part it belongs to): ${kept}, so switching it on ` +
        `again finds the data; delete them by hand to free the space (${RUNBOOK_OFF}).`;
}

function resizeWarning(was: VolumeSet, now: VolumeSet): string {
    const grows = memoryBytes(now.size) > memoryBytes(was.size);
    const change = `${now.sizeKey} changes from ${was.size} to ${now.size}`;
    switch (now.owner) {
        case "prometheus-operator":
            // prometheus-operator v0.93 pkg/k8s/statefulset.go ForceUpdateStatefulSet; Documentation/platform/storage.md "Resizing volumes".
            return grows
                ? `${change}: the Prometheus Operator cannot change a StatefulSet's volumeClaimTemplates, so it deletes the StatefulSet ` +
                      `(every Prometheus replica stops at once) and recreates it, and ${claimNames(was)} stay at ${was.size}. ` +
                      `To grow them without a gap, follow ${RUNBOOK_GROW} instead of applying this alone.`
                : `${change}: Kubernetes cannot shrink a volume, so ${claimNames(was)} stay at ${was.size}, while the Prometheus Operator ` +
                      `still deletes and recreates its StatefulSet (every replica stops at once). Set ${now.sizeKey} back to ${was.size}.`;
        case "eck":
            // cloud-on-k8s v3.4.1 pkg/controller/elasticsearch/validation/volume_validation.go validPVCModification.
            return grows
                ? `${change}: ECK grows ${claimNames(was)} in place if their StorageClass allows volume expansion, and refuses the change otherwise.`
                : `${change}: ECK refuses to shrink ${claimNames(was)} (the Elasticsearch resource is rejected and \`pulumi up\` fails). Set ${now.sizeKey} back to ${was.size}.`;
        case "claim":
        case "chart":
            return grows
                ? `${change}: ${claimNames(was)} grow in place if their StorageClass allows volume expansion; otherwise \`pulumi up\` fails on them.`
                : `${change}: Kubernetes refuses to shrink ${claimNames(was)}, so \`pulumi up\` fails on them. Set ${now.sizeKey} back to ${was.size}.`;
        case "statefulset":
            // pulumi-kubernetes provider/pkg/provider/diff.go: .spec.volumeClaimTemplates forces a replacement.
            return `${change}: a StatefulSet's volumeClaimTemplates cannot change, so this update replaces the StatefulSet (every pod of it ` +
                `stops), and the existing ${claimNames(was)} stay at ${was.size}; only new replicas get ${now.size}.`;
    }
}

/** Fewer Elasticsearch nodes: ECK deletes a removed node's claims on scale-down under either volumeClaimDeletePolicy. */
function scaleDownWarning(key: string, was: VolumeSet, now: VolumeSet): string | undefined {
    if (was.owner !== "eck" || now.count >= was.count) return undefined;
    const removed = Array.from({ length: was.count - now.count }, (_, i) => was.claims.replace("<i>", String(now.count + i))).join(", ");
    return `Elasticsearch node set ${key.split("/")[1]} goes from ${was.count} to ${now.count} nodes: ECK moves their shards away, then deletes ${removed} (${was.size} each).`;
}

/**
 * Volume sets a past update left behind (switched off, kept by retainOnDelete or Helm's keep) and not
 * switched on again since: the `keptData` output, carried from deployment to deployment.
 */
export function keptData(previous: Partial<StoredData> | undefined, previousKept: Partial<StoredData> | undefined, now: StoredData): StoredData {
    const kept: StoredData = {};
    for (const [key, v] of [...Object.entries(previousKept ?? {}), ...Object.entries(previous ?? {})]) {
        if (v && !now[key]) kept[key] = v;
    }
    return kept;
}

/**
 * A part switched on again over what it left behind. pulumi-kubernetes refuses to create an object that
 * already exists unless its provider upserts (provider/pkg/await/await.go, the "already exists"
 * message); the kept namespaces and claims go through the stack's own upserting provider
 * (lib/keptObjects.ts), so they are adopted, with their data. StatefulSet claims need nothing: the
 * StatefulSet controller reuses them by name; nor do a release's kept claims: Helm adopts an object
 * whose meta.helm.sh/release-name is its own, and the release names are fixed. Said all the same: the
 * old data comes back, which is not always wanted.
 */
function readoptionWarning(was: VolumeSet): string | undefined {
    if (was.owner === "statefulset") return undefined;
    const objects = [was.partNamespace ? `the namespace ${was.namespace}` : "", was.owner === "claim" ? `the claim ${claimNames(was)}` : ""]
        .filter((o) => o !== "")
        .join(" and ");
    const are = objects.includes(" and ") ? "are" : "is";
    return `${was.switchKey} comes back on while ${described(was)} is still kept from when it went off: ${objects} ${are} ` +
        "adopted again (the stack's kept-objects provider applies over an existing object), and the part finds its " +
        `old data. To start empty instead, delete them before this update (${RUNBOOK_OFF}).`;
}

/**
 * One warning per volume set this update deletes, recreates around, resizes, or must adopt again.
 * Nothing on a first deployment.
 */
export function storedDataWarnings(previous: Partial<StoredData> | undefined, now: StoredData, previousKept?: Partial<StoredData>): string[] {
    const warnings: string[] = [];
    for (const [key, was] of Object.entries(previousKept ?? {})) {
        const back = was && now[key] ? readoptionWarning(was) : undefined;
        if (back) warnings.push(back);
    }
    if (!previous) return warnings;
    for (const [key, was] of Object.entries(previous)) {
        if (!was || typeof was.size !== "string") continue;
        const current = now[key];
        if (!current) {
            warnings.push(removalWarning(key, was, now));
            continue;
        }
        if (memoryBytes(current.size) !== memoryBytes(was.size)) warnings.push(resizeWarning(was, current));
        const fewer = scaleDownWarning(key, was, current);
        if (fewer) warnings.push(fewer);
    }
    return warnings;
}
