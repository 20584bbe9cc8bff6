/**
 * Policy pack: the invariants of ./invariants.ts, checked against what a stack would deploy.
 *
 *   pulumi preview --stack production --policy-pack policy
 *
 * It resolves its modules from the repository's node_modules (run `npm ci` at the root first).
 */
import { PolicyPack, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_CONTEXT, INVARIANTS, K8sObject } from "./invariants";

/** Kubernetes objects the program declares directly; Helm charts' objects are validated by their projects. */
function kubernetesObjects(resources: PolicyResource[]): K8sObject[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && typeof r.props?.kind === "string" && typeof r.props?.metadata === "object")
        .map((r) => r.props as K8sObject);
}

const policies: StackValidationPolicy[] = INVARIANTS.map((invariant) => ({
    name: invariant.name,
    description: invariant.description,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const v of invariant.check(kubernetesObjects(args.resources), DEFAULT_CONTEXT)) {
            reportViolation(`${v.object}: ${v.message}`);
        }
    },
}));

new PolicyPack("jitsi-invariants", { policies });
