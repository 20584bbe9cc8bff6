/**
 * The ACME solvers of the stack's ClusterIssuers: HTTP-01 through the ingress controller for every name,
 * and, with `tls.dns01`, DNS-01 for the names the Ingress serves (docs/decisions.md "Certificates under
 * geo DNS: DNS-01").
 */

/** The DNS providers whose cert-manager solver the stack writes (config/dns01.ts checks their settings). */
export const DNS01_PROVIDERS = ["cloudflare", "route53", "cloudDNS", "rfc2136"] as const;
export type Dns01Provider = (typeof DNS01_PROVIDERS)[number];
/** cert-manager's TSIG algorithms (pkg/issuer/acme/dns/rfc2136/rfc2136.go:36-41); BIND's tsig-keygen makes hmac-sha256 keys. */
export const TSIG_ALGORITHMS = ["HMACSHA256", "HMACSHA512", "HMACSHA1", "HMACMD5"] as const;

/** `tls.dns01` as the schema gives it: the provider and the settings that belong to it. */
export interface Dns01Settings {
    provider: Dns01Provider;
    region?: string;
    hostedZoneID?: string;
    role?: string;
    accessKeyID?: string;
    project?: string;
    hostedZoneName?: string;
    nameserver?: string;
    tsigKeyName?: string;
    tsigAlgorithm?: (typeof TSIG_ALGORITHMS)[number];
    cnameStrategy?: "None" | "Follow";
}

/**
 * The Secret holding the DNS provider's credential. A ClusterIssuer's secret references are read in
 * cert-manager's cluster resource namespace (pkg/controller/helper.go:42-49, ResourceNamespaceRef), which
 * the chart sets to its own namespace unless clusterResourceNamespace is given
 * (deploy/charts/cert-manager/templates/deployment.yaml:100-104, --cluster-resource-namespace=$(POD_NAMESPACE)).
 */
export const DNS01_SECRET_NAME = "acme-dns01-credential";
/** The Secret's key, per provider: what the provider's client reads. */
export const DNS01_SECRET_KEYS: Record<Dns01Provider, string> = {
    cloudflare: "api-token",
    route53: "secret-access-key",
    cloudDNS: "key.json",
    rfc2136: "tsig-secret",
};
/** BIND's tsig-keygen and Knot's keymgr make hmac-sha256 keys by default; cert-manager's own default is HMACMD5. */
export const DEFAULT_TSIG_ALGORITHM = "HMACSHA256";

export interface Dns01Solving {
    settings: Dns01Settings;
    /** The names solved over DNS-01: every name the cluster's Ingress serves. */
    dnsNames: string[];
    /** Whether the credential Secret exists (route53 and cloudDNS may use ambient credentials instead). */
    withCredential: boolean;
}

/** The provider's part of an ACME DNS-01 solver (cert-manager v1.19.4 pkg/apis/acme/v1/types_issuer.go:399-808). */
export function dns01Provider(settings: Dns01Settings, withCredential: boolean): Record<string, unknown> {
    const ref = { name: DNS01_SECRET_NAME, key: DNS01_SECRET_KEYS[settings.provider] };
    const credential = (field: string) => (withCredential ? { [field]: ref } : {});
    const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    switch (settings.provider) {
        case "cloudflare":
            return { cloudflare: { apiTokenSecretRef: ref } };
        case "route53":
            return { route53: defined({ region: settings.region, hostedZoneID: settings.hostedZoneID, role: settings.role, accessKeyID: settings.accessKeyID, ...credential("secretAccessKeySecretRef") }) };
        case "cloudDNS":
            return { cloudDNS: defined({ project: settings.project, hostedZoneName: settings.hostedZoneName, ...credential("serviceAccountSecretRef") }) };
        case "rfc2136":
            return {
                rfc2136: { nameserver: settings.nameserver, tsigKeyName: settings.tsigKeyName, tsigAlgorithm: settings.tsigAlgorithm ?? DEFAULT_TSIG_ALGORITHM, tsigSecretSecretRef: ref },
            };
    }
}

/**
 * HTTP-01 as the default solver (no selector), and DNS-01 for `dnsNames`: cert-manager picks, per name,
 * the solver whose selector matches it most specifically, a dnsNames match above all, and a solver
 * without a selector only when none matches (pkg/util/solverpicker/solverpicker.go:58-111). Every other
 * name (the TURN host's Certificate) stays on HTTP-01.
 */
export function acmeSolvers(ingressClassName: string, dns01?: Dns01Solving): Record<string, unknown>[] {
    const http01 = { http01: { ingress: { ingressClassName } } };
    if (!dns01) return [http01];
    const { cnameStrategy } = dns01.settings;
    return [
        {
            selector: { dnsNames: dns01.dnsNames },
            dns01: { ...(cnameStrategy ? { cnameStrategy } : {}), ...dns01Provider(dns01.settings, dns01.withCredential) },
        },
        http01,
    ];
}

/**
 * Route 53 keeps one TXT record set per name and cert-manager's solver replaces it (UPSERT, route53.go:251-253):
 * clusters that renew the shared hosts at once, which they do (issued together, renewed at two thirds of the
 * lifetime), overwrite each other's record, and a Challenge whose record went before its own check waits for
 * good (cert-manager v1.19.4 pkg/controller/acmechallenges/sync.go:162-185). Said at every preview and up.
 */
export function dns01Warnings(provider: Dns01Provider | undefined, clusterNames: string[]): string[] {
    if (provider !== "route53" || clusterNames.length < 2) return [];
    return [
        `tls.dns01.provider route53 with ${clusterNames.length} clusters (${clusterNames.join(", ")}): their renewals of the shared hosts ` +
            "replace each other's TXT record, and a Challenge that lost its record waits for good. Watch `kubectl get challenges -A` " +
            'in each cluster around each renewal (docs/runbook.md "Certificates under geo DNS"), or use cloudflare, cloudDNS or rfc2136, which add records.',
    ];
}
