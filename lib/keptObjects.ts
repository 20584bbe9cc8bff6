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
    return { ...given, enableServerSideApply: true, upsertExistingObjects: true, enablePatchForce: true };
}

/** A kept object's options: retained when it leaves the stack, adopted when it comes back. */
export function keptObjectOptions(provider: pulumi.ProviderResource, opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, provider, retainOnDelete: true };
}
