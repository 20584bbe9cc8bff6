/**
 * Objects the stack keeps in the cluster when their part is switched off or the stack destroyed (the
 * namespaces and claims that hold stored data: docs/decisions.md, "Stored data is kept, with a warning
 * first"), and takes back when the part comes on again.
 *
 * pulumi-kubernetes creates with a plain create and refuses an object that already exists, unless the
 * provider's `upsertExistingObjects` is on (provider/pkg/await/await.go Creation: client.Create unless
 * `ServerSideApply && UpsertExistingObjects`, then the "already exists" message; default off since
 * pulumi-kubernetes#4278). So a part switched on again over what it kept would stop `pulumi up`. These
 * objects, and only these, are managed through a provider of their own with upsert on: creating one
 * that exists is a server-side apply that adopts it, with its data. Every other object stays on the
 * default provider, which refuses to take over what is not the stack's (stack/operations.ts:
 * existingObjectTakeover, a cluster's own metrics API).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The provider resource's name. */
export const KEPT_OBJECTS_PROVIDER = "kept-objects";

/**
 * Settings the default provider reads from the stack's `kubernetes:` namespace (@pulumi/kubernetes 4.34.2
 * provider.d.ts ProviderArgs). An explicit provider reads none of them, only environment variables and
 * ~/.kube/config: without them it could talk to another cluster than every other object of the stack.
 */
const PASSED_STRINGS = ["context", "cluster", "clusterIdentifier", "namespace", "renderYamlToDirectory"] as const;
const PASSED_BOOLEANS = [
    "deleteUnreachable",
    "skipUpdateUnreachable",
    "enableConfigMapMutable",
    "enableSecretMutable",
    "suppressDeprecationWarnings",
    "suppressHelmHookWarnings",
    "alwaysRender",
] as const;
const PASSED_OBJECTS = ["kubeClientSettings", "helmReleaseSettings"] as const;

/**
 * The kept objects' provider: the default provider's cluster settings (`kubernetes` is the stack's
 * `kubernetes:` configuration), with upsert on. Server-side apply is what upsert needs (await.go: upsert
 * only `if c.ServerSideApply`), and forcing it takes over the fields the object's earlier incarnation set
 * under another field manager name (a new resource gets a new random `pulumi-kubernetes-<hex>`: provider.go
 * fieldManagerName), which are the stack's own.
 */
export function keptObjectsProviderArgs(kubernetes: pulumi.Config): k8s.ProviderArgs {
    // The kubeconfig may hold credentials: read as a secret, whether or not it was set as one.
    const args: Record<string, unknown> = { kubeconfig: kubernetes.getSecret("kubeconfig") };
    for (const key of PASSED_STRINGS) args[key] = kubernetes.get(key);
    for (const key of PASSED_BOOLEANS) args[key] = kubernetes.getBoolean(key);
    for (const key of PASSED_OBJECTS) args[key] = kubernetes.getObject(key);
    const given = Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
    return { ...given, ...KEPT_OBJECTS_UPSERT };
}

/** What makes a provider the kept objects' one: upsert, over server-side apply, forced (keptObjectsProviderArgs). */
export const KEPT_OBJECTS_UPSERT = { enableServerSideApply: true, upsertExistingObjects: true, enablePatchForce: true } as const;

/** The stack output that says the kept objects' retainOnDelete is in the state (and they may move to their provider). */
export const KEPT_OBJECTS_OUTPUT = "keptObjectsProvider";

/**
 * Whether this run may put the kept objects on the kept-objects provider. Moving an object from the
 * default provider to another is a replacement (pulumi engine step_generator.go providerChanged: "If one
 * or both of these providers are not default providers, we will need to accept the diff and replace"),
 * and the replacement's delete of the old object obeys the retainOnDelete *in the state*, not in the
 * program (step.go DeleteStep.Apply `s.old.RetainOnDelete`; pulumi/pulumi#13428: "The data saved to
 * state defines what we do with the old version"). A stack deployed by a version without retainOnDelete
 * on these objects would have the namespace, just adopted by the create, deleted by the delete, and with
 * it every claim in it. So a stack whose last deployment has outputs but not this marker first records
 * retainOnDelete on the default provider (no replacement), and moves on the next update. A new stack, or
 * one destroyed (its kept objects are left in the cluster, its outputs gone), starts on the kept-objects
 * provider: there the create must adopt.
 */
export function keptObjectsOnOwnProvider(lastOutputs: Record<string, unknown> | undefined): boolean {
    if (!lastOutputs || Object.keys(lastOutputs).length === 0) return true;
    return lastOutputs[KEPT_OBJECTS_OUTPUT] === true;
}

/** The preview's word on a run that only records retainOnDelete for the kept objects. */
export const KEPT_OBJECTS_RECORDING_WARNING =
    "This update records retainOnDelete for the namespaces and claims that hold stored data, on the default Kubernetes " +
    "provider; the next update moves them to the kept-objects provider, which the preview shows as a replacement " +
    "[retain] that deletes nothing. Run it before switching monitoring, logging, Etherpad or internal accounts off.";

/**
 * The kept objects of one run: their options, and the marker output that says their retainOnDelete is
 * in the state. The marker resolves only once every kept object's step is done (its id), so an update
 * that fails before recording them does not claim it.
 */
export class KeptObjects {
    private readonly declared: pulumi.CustomResource[] = [];

    /** Without a provider (the one recording run above): the default provider, retained all the same. */
    constructor(readonly provider: pulumi.ProviderResource | undefined) {}

    /** A kept object: retained when it leaves the stack, adopted when it comes back. */
    keep<T extends pulumi.CustomResource>(create: (opts: pulumi.CustomResourceOptions) => T, opts: pulumi.CustomResourceOptions): T {
        const resource = create({ ...opts, ...(this.provider ? { provider: this.provider } : {}), retainOnDelete: true });
        this.declared.push(resource);
        return resource;
    }

    /** The `keptObjectsProvider` output: true once every kept object of this run is recorded. */
    retained(): pulumi.Output<boolean> {
        return pulumi.all(this.declared.map((r) => r.id)).apply(() => true);
    }
}
