/**
 * Certificates over ACME DNS-01 (issue 28): `tls.dns01` names one of the DNS providers cert-manager
 * v1.19.4 solves DNS-01 with natively (pkg/apis/acme/v1/types_issuer.go:399-443); the provider's
 * credential is the secret setting acmeDns01Credential. Every value lands in a ClusterIssuer or in the
 * Secret cert-manager reads it from, and is checked here for the form the provider's client takes.
 * Under geo DNS it is what keeps issuance and renewal working (docs/decisions.md "Certificates under
 * geo DNS: DNS-01").
 */
import { isIP } from "net";
import { z } from "zod";
import { DNS01_PROVIDERS, Dns01Provider, Dns01Settings, TSIG_ALGORITHMS } from "../lib/acme";
import type { ParsedSettings } from "./schema";

export type { Dns01Settings };

export const DNS01_CREDENTIAL_KEY = "acmeDns01Credential";

/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1. */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** A Route 53 hosted zone's ID as the console and the API give it (Z and upper-case letters and digits). */
const ROUTE53_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const IAM_ROLE_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** A long-term access key's id; ASIA... ids are temporary ones, which need a session token cert-manager has no field for. */
const AWS_ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
/** A Google Cloud project id (6-30 characters), optionally domain-scoped (example.com:project). */
const GCP_PROJECT = /^(?:[a-z0-9][-a-z0-9.]{0,61}[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
/** A Cloud DNS managed zone's name (not its DNS name): a DNS label. */
const CLOUD_DNS_ZONE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A TSIG key's name as the server's `key "..."` statement names it: labels of letters, digits, '-' and '_', a trailing dot allowed. */
const TSIG_KEY_NAME = /^(?=.{1,253}$)[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)*\.?$/;
const DNS_NAME_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * An RFC 2136 server as cert-manager dials it: host or host:port, the host an IPv4 address, an IPv6
 * address in brackets or a DNS name (internal/apis/certmanager/validation/util/nameserver.go:28-67,
 * net.SplitHostPort: a bare IPv6 address is refused there).
 */
export function nameserverProblem(value: string): string | undefined {
    const message = "must be host or host:port, the host an IPv4 address, an IPv6 address in brackets or a DNS name, such as 192.0.2.53:53, [2001:db8::53]:53 or ns1.example.org";
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value);
    if (!m) return message;
    const [, v6, host, port] = m;
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return "must have a port from 1 to 65535";
    if (v6 !== undefined) return isIP(v6) === 6 ? undefined : message;
    if (isIP(host) === 4) return undefined;
    const labels = host.replace(/\.$/, "").split(".");
    return labels.every((l) => DNS_NAME_LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]) ? undefined : message;
}

/** The fields each provider takes (besides `provider` and `cnameStrategy`); a field of another provider is refused. */
export const DNS01_FIELDS: Record<Dns01Provider, readonly string[]> = {
    cloudflare: [],
    route53: ["region", "hostedZoneID", "role", "accessKeyID"],
    cloudDNS: ["project", "hostedZoneName"],
    rfc2136: ["nameserver", "tsigKeyName", "tsigAlgorithm"],
};
const REQUIRED_FIELDS: Record<Dns01Provider, readonly string[]> = { cloudflare: [], route53: [], cloudDNS: ["project"], rfc2136: ["nameserver", "tsigKeyName"] };

export const dns01Settings = z
    .strictObject({
        /** The DNS provider cert-manager writes the _acme-challenge TXT records with. */
        provider: z.enum(DNS01_PROVIDERS, `must be one of ${DNS01_PROVIDERS.join(", ")} (cert-manager's own DNS-01 solvers this stack configures)`),
        /** route53: the AWS region the client signs for; unset: the controller pod's AWS_REGION. */
        region: z.string().regex(AWS_REGION, "must be an AWS region such as us-east-1").optional(),
        /** route53: the hosted zone to write to; unset: cert-manager looks it up (route53:ListHostedZonesByName). */
        hostedZoneID: z.string().regex(ROUTE53_ZONE_ID, "must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ, as the console shows it (without /hostedzone/)").optional(),
        /** route53: an IAM role cert-manager assumes with its credentials. */
        role: z.string().regex(IAM_ROLE_ARN, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/cert-manager-dns01").optional(),
        /** route53: the access key's id; its secret key is acmeDns01Credential. Unset: the cluster's ambient AWS credentials (node role, IRSA, Pod Identity). */
        accessKeyID: z.string().regex(AWS_ACCESS_KEY_ID, "must be a long-term access key id such as AKIAIOSFODNN7EXAMPLE (AKIA and 16 letters or digits; temporary ASIA... keys need a session token cert-manager cannot take)").optional(),
        /** cloudDNS: the Google Cloud project that holds the zone. */
        project: z.string().regex(GCP_PROJECT, "must be a Google Cloud project id such as my-project-123456 (6 to 30 lower-case letters, digits and '-')").optional(),
        /** cloudDNS: the managed zone to write to; unset: cert-manager picks it. */
        hostedZoneName: z.string().superRefine((v, ctx) => {
            if (CLOUD_DNS_ZONE_NAME.test(v)) return;
            const dnsName = v.includes(".") ? `; ${v} looks like the zone's DNS name, give its name in Cloud DNS (gcloud dns managed-zones list)` : "";
            ctx.addIssue({ code: "custom", input: v, message: `must be a Cloud DNS managed zone's name such as example-org: lower-case letters, digits and '-', starting with a letter${dnsName}` });
        }).optional(),
        /** rfc2136: the authoritative server that takes dynamic updates. */
        nameserver: z.string().superRefine((v, ctx) => {
            const problem = nameserverProblem(v);
            if (problem) ctx.addIssue({ code: "custom", input: v, message: problem });
        }).optional(),
        /** rfc2136: the TSIG key's name; its secret is acmeDns01Credential. */
        tsigKeyName: z.string().regex(TSIG_KEY_NAME, "must be the TSIG key's name as the server's key statement names it, such as acme-update or acme.example.org.").optional(),
        tsigAlgorithm: z.enum(TSIG_ALGORITHMS, `must be one of ${TSIG_ALGORITHMS.join(", ")}, the key's algorithm on the server`).optional(),
        /** Follow: follow a CNAME at _acme-challenge.<host> into a zone of its own (delegation to a zone the credential alone may change). */
        cnameStrategy: z.enum(["None", "Follow"], "must be None or Follow").optional(),
    })
    .superRefine((s, ctx) => {
        if (!DNS01_PROVIDERS.includes(s.provider)) return;
        const own = DNS01_FIELDS[s.provider];
        for (const field of Object.values(DNS01_FIELDS).flat()) {
            const value = (s as Record<string, unknown>)[field];
            if (value !== undefined && !own.includes(field)) {
                const owner = DNS01_PROVIDERS.find((p) => DNS01_FIELDS[p].includes(field))!;
                ctx.addIssue({ code: "custom", path: [field], input: value, message: `is a setting of provider ${owner}, not of ${s.provider}; ${s.provider} takes ${own.length ? own.join(", ") : "no other setting (its credential is the secret setting acmeDns01Credential)"}` });
            }
        }
        for (const field of REQUIRED_FIELDS[s.provider]) {
            if ((s as Record<string, unknown>)[field] === undefined) ctx.addIssue({ code: "custom", path: [field], input: undefined, message: `is required with provider ${s.provider}` });
        }
    });
// Its output is lib/acme.ts's Dns01Settings, which builds the solver: stack/operations.ts hands one to the other, so tsc checks they agree.

/** `tls.http01UnderGeoDns`: the operator's word that HTTP-01 still works for the stack's hosts with several clusters. */
export const GEO_DNS_ACKNOWLEDGED = "acknowledged";

/**
 * With several clusters geo DNS answers `hosts` with the nearest region, while Let's Encrypt validates
 * from several network perspectives: one that reaches a region with no Challenge for the token gets a
 * 404, so HTTP-01 issuance and renewals fail and the certificate expires. Refused unless DNS-01 is set,
 * or the operator says the hosts resolve to one cluster at a time (tls.http01UnderGeoDns).
 */
export function checkTls(cfg: ParsedSettings, ctx: z.RefinementCtx): void {
    const { tls } = cfg;
    const names = Object.keys(cfg.clusters ?? {});
    if (tls.dns01 !== undefined && !cfg.ops.certManager.enabled) {
        ctx.addIssue({
            code: "custom",
            path: ["tls", "dns01"],
            input: tls.dns01,
            message: "must be unset while ops.certManager.enabled is false: the stack then makes no ClusterIssuer; give yours a DNS-01 solver",
        });
    }
    if (tls.dns01 !== undefined && tls.http01UnderGeoDns !== undefined) {
        ctx.addIssue({ code: "custom", path: ["tls", "http01UnderGeoDns"], input: tls.http01UnderGeoDns, message: "must be unset while tls.dns01 is set: the stack's hosts are issued over DNS-01" });
    }
    if (tls.dns01 !== undefined) checkPinnedZone(tls.dns01, cfg, ctx);
    if (names.length > 1 && cfg.ops.certManager.enabled && tls.dns01 === undefined && tls.http01UnderGeoDns === undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["tls", "dns01"],
            input: undefined,
            message:
                `is required while clusters lists ${names.length} (${names.join(", ")}): under geo DNS Let's Encrypt validates hosts from several places, ` +
                "reaches regions that hold no challenge for the token, and issuance and every renewal fail over HTTP-01 (docs/runbook.md \"Several clusters, one room authority\"); " +
                `set a DNS-01 provider (${DNS01_PROVIDERS.join(", ")}), or tls.http01UnderGeoDns: ${GEO_DNS_ACKNOWLEDGED} if hosts resolve to one cluster at a time`,
        });
    }
}

/**
 * route53's hostedZoneID and cloudDNS's hostedZoneName send every challenge of the solver to that one
 * zone (cert-manager v1.19.4 pkg/issuer/acme/dns/route53/route53.go:317-320, clouddns/clouddns.go:244-247), and the
 * solver takes every name of each cluster's Ingress: `hosts` and that cluster's regional hosts. Names
 * with no common parent of two labels (meet.example.org, eu.meet.school.example) are in no one zone:
 * Route 53 refuses the TXT change, the order fails, and with it the certificate of every name.
 * A shared parent does not prove one zone (a delegated subdomain); it only catches the certain case.
 */
function checkPinnedZone(dns01: Dns01Settings, cfg: ParsedSettings, ctx: z.RefinementCtx): void {
    const field = dns01.provider === "route53" ? "hostedZoneID" : dns01.provider === "cloudDNS" ? "hostedZoneName" : undefined;
    const zone = field && dns01[field];
    if (!field || zone === undefined) return;
    const perCluster = Object.entries(cfg.clusters ?? {}).map(([name, spec]) => [name, spec.hosts ?? []] as const);
    for (const [cluster, regional] of perCluster.length ? perCluster : [["", [] as string[]] as const]) {
        const names = [...cfg.hosts, ...regional];
        const parent = (n: string) => n.split(".").slice(-2).join(".");
        const apart = names.find((n) => parent(n) !== parent(names[0]));
        if (apart === undefined) continue;
        ctx.addIssue({
            code: "custom",
            path: ["tls", "dns01", field],
            input: zone,
            message:
                `names one zone for every name solved over DNS-01, but ${names[0]} and ${apart}${cluster ? ` (cluster ${cluster}'s Ingress)` : ""} cannot be in one zone; ` +
                `leave ${field} unset (cert-manager then finds each name's zone), or give the names one parent domain`,
        });
        return;
    }
}

/** Whether a provider's credential is required, refused, or either (ambient credentials). */
function credentialNeed(s: Dns01Settings): "required" | "refused" | "optional" {
    if (s.provider === "route53") return s.accessKeyID !== undefined ? "required" : "refused";
    if (s.provider === "cloudDNS") return "optional";
    return "required";
}

/** What the credential is, per provider, for the messages. */
const CREDENTIAL_IS: Record<Dns01Provider, string> = {
    cloudflare: "a Cloudflare API token with Zone:DNS:Edit on the zone",
    route53: "the secret access key of tls.dns01.accessKeyID",
    cloudDNS: "a service account's JSON key with the DNS Administrator role (unset: the cluster's workload identity)",
    rfc2136: "the TSIG key's secret (base64), as in the server's key statement",
};

/**
 * Problems of the secret setting acmeDns01Credential against tls.dns01. Only the key and the value's
 * length are ever shown, never the value.
 */
export function dns01CredentialProblems(dns01: Dns01Settings | undefined, value: string | undefined): string[] {
    const key = `jitsi:${DNS01_CREDENTIAL_KEY}`;
    const set = `'pulumi config set --secret ${key} <value>'`;
    if (dns01 === undefined) return value === undefined ? [] : [`${key} = (secret): tls.dns01 is not set; set it, or remove the credential with 'pulumi config rm ${key}'`];
    const need = credentialNeed(dns01);
    if (value === undefined) {
        return need === "required" ? [`${key} = (missing): is required with tls.dns01.provider ${dns01.provider}: ${CREDENTIAL_IS[dns01.provider]}; set it with ${set}`] : [];
    }
    if (need === "refused") {
        return [`${key} = (secret): tls.dns01.accessKeyID is not set, so route53 uses the cluster's ambient AWS credentials; give the key's id in tls.dns01.accessKeyID, or remove the credential`];
    }
    const problem = credentialProblem(dns01.provider, value);
    return problem ? [`${key} = (secret, ${value.length} characters): ${problem}; set it with ${set}`] : [];
}

function credentialProblem(provider: Dns01Provider, value: string): string | undefined {
    switch (provider) {
        case "cloudflare":
            // Sent as "Authorization: Bearer <token>"; cert-manager refuses a value no HTTP header can carry
            // (pkg/issuer/acme/dns/cloudflare/cloudflare.go:82-88, "does the API token contain a newline?").
            if (!/^[\x21-\x7e]+$/.test(value)) return "must be a Cloudflare API token: printable ASCII without spaces or line breaks";
            // The Global API Key goes with an e-mail in X-Auth-Key, not as a bearer token.
            if (/^[0-9a-f]{37}$/.test(value)) return "is a Cloudflare Global API Key, which acts for the whole account; create an API token with Zone:DNS:Edit on the zone instead";
            return undefined;
        case "route53":
            // cert-manager trims blanks around it (pkg/issuer/acme/dns/dns.go:371); AWS secret keys are 40 base64 characters.
            return /^[A-Za-z0-9/+]{40}$/.test(value.trim()) ? undefined : "must be an AWS secret access key: 40 letters, digits, '/' and '+'";
        case "cloudDNS": {
            // google.JWTConfigFromJSON (pkg/issuer/acme/dns/clouddns/clouddns.go:124) takes a service account key only.
            let key: unknown;
            try {
                key = JSON.parse(value);
            } catch {
                return "must be a service account key as Google gives it (JSON): gcloud iam service-accounts keys create key.json ...";
            }
            const k = key as Record<string, unknown> | null;
            if (k === null || typeof k !== "object" || k.type !== "service_account" || typeof k.client_email !== "string" || typeof k.private_key !== "string") {
                return 'must be a service account key: JSON with "type": "service_account", client_email and private_key';
            }
            return undefined;
        }
        case "rfc2136": {
            // Decoded with base64.StdEncoding (pkg/issuer/acme/dns/rfc2136/tsig.go:96-98).
            const canonical = /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0 && Buffer.from(value, "base64").toString("base64") === value;
            return canonical ? undefined : "must be the TSIG secret as the server's key statement holds it: padded base64 such as the output of tsig-keygen";
        }
    }
}
