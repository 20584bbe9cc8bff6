/**
 * Certificates over ACME DNS-01 (issue 28, config/dns01.ts, lib/acme.ts): the settings and their
 * messages, the credential as a secret only, and under the mock engine the ClusterIssuers of every
 * cluster with a DNS-01 solver for the names their Ingress serves, HTTP-01 for the rest, and the
 * credential in cert-manager's namespace as a secret and nowhere else. The ClusterIssuers are checked
 * against the model package's schema (as every object is: test/validation.test.ts) and against
 * cert-manager v1.19.4's own CRD where that source is at hand.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { parse } from "yaml";
import { DNS01_CREDENTIAL_KEY, dns01CredentialProblems, Dns01Settings } from "../config/dns01";
import { parseConfig } from "../config/load";
import { DNS01_SECRET_NAME } from "../lib/acme";
import { readStackFile, Run, runProgram, runProgramOk, StackConfig, withConfig } from "./harness";
import { named, objects, Obj } from "./objects";
import { findUnknownFields, validateWithModels } from "./schemas";

const KEY = `jitsi:${DNS01_CREDENTIAL_KEY}`;
const production = () => readStackFile("production");
const productionTls = () => JSON.parse(production().values["jitsi:tls"]);

/** One credential per provider, each of the form the provider's client takes, each recognisable in plain text. */
const CREDENTIALS = {
    cloudflare: "cf-api-token-value-0123456789ABCDEFGHIJ",
    route53: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    cloudDNS: JSON.stringify({ type: "service_account", project_id: "school-dns", client_email: "cert-manager@school-dns.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----\nservice-account-key-value\n-----END PRIVATE KEY-----\n" }),
    rfc2136: Buffer.from("tsig-secret-value-32-bytes-long!").toString("base64"),
};
const SETTINGS: Record<keyof typeof CREDENTIALS, Dns01Settings> = {
    cloudflare: { provider: "cloudflare" },
    route53: { provider: "route53", region: "eu-central-1", hostedZoneID: "Z0123456789ABCDEFGHIJ", accessKeyID: "AKIAIOSFODNN7EXAMPLE", role: "arn:aws:iam::123456789012:role/dns01" },
    cloudDNS: { provider: "cloudDNS", project: "school-dns", hostedZoneName: "school-example" },
    rfc2136: { provider: "rfc2136", nameserver: "[2001:db8::53]:53", tsigKeyName: "acme-update.", cnameStrategy: "Follow" },
};

const EU = { region: "eu-west", context: "eu-admin", hosts: ["eu.meet.school.example"], turn: { host: "turn-eu.school.example", publicIp: "198.51.100.10" } };
const US = { region: "us-east", context: "us-admin", hosts: ["us.meet.school.example"], turn: { host: "turn-us.school.example", publicIp: "198.51.100.20" } };
const TWO_REGIONS = {
    "jitsi:clusters": { eu: EU, us: US },
    "jitsi:shards": [{ name: "shard-0", cluster: "eu" }, { name: "shard-1", cluster: "us" }],
};

/** production (or two regions of it) with tls.dns01 and, when given, its credential as a secret setting. */
function withDns01(settings: Dns01Settings | undefined, credential?: string, base: StackConfig = production(), extra: Record<string, unknown> = {}): StackConfig {
    return withConfig(base, { "jitsi:tls": { ...productionTls(), dns01: settings }, ...(credential ? { [KEY]: credential } : {}), ...extra }, credential ? [KEY] : []);
}

const problems = (raw: Record<string, unknown>) => parseConfig(raw).problems;
const clusterOf = (urn: string) => /(?:^|\$)jitsi:cluster:([a-z0-9-]+)\$/.exec(urn)?.[1];
const issuers = (run: Run) => run.resources.filter((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer");

describe("dns01: settings", () => {
    const base = { hosts: ["meet.school.example"], tls: { acmeEmail: "ops@school.example" }, turn: { host: "turn.school.example", publicIp: "198.51.100.1" } };
    const withTls = (tls: Record<string, unknown>, extra: Record<string, unknown> = {}) => problems({ ...base, tls: { ...base.tls, ...tls }, ...extra });

    it("accepts each provider with its own settings", () => {
        for (const settings of Object.values(SETTINGS)) assert.deepStrictEqual(withTls({ dns01: settings }), [], settings.provider);
        assert.deepStrictEqual(withTls({ dns01: { provider: "cloudDNS", project: "example.com:legacy-project" } }), []);
        assert.deepStrictEqual(withTls({ dns01: { provider: "rfc2136", nameserver: "ns1.school.example", tsigKeyName: "acme", tsigAlgorithm: "HMACSHA512" } }), []);
    });

    it("names a provider it does not configure, and the ones it does", () => {
        assert.deepStrictEqual(withTls({ dns01: { provider: "godaddy" } }), [
            'jitsi:tls.dns01.provider = "godaddy": must be one of cloudflare, route53, cloudDNS, rfc2136 (cert-manager\'s own DNS-01 solvers this stack configures)',
        ]);
        assert.deepStrictEqual(withTls({ dns01: { cloudflare: {} } }), [
            "jitsi:tls.dns01.provider = (missing): must be one of cloudflare, route53, cloudDNS, rfc2136 (cert-manager's own DNS-01 solvers this stack configures)",
            "jitsi:tls.dns01.cloudflare = {}: unknown setting; allowed here: provider, region, hostedZoneID, role, accessKeyID, project, hostedZoneName, nameserver, tsigKeyName, tsigAlgorithm, cnameStrategy",
        ]);
    });

    it("refuses another provider's settings and names the missing ones", () => {
        assert.deepStrictEqual(withTls({ dns01: { provider: "cloudflare", region: "us-east-1" } }), [
            'jitsi:tls.dns01.region = "us-east-1": is a setting of provider route53, not of cloudflare; cloudflare takes no other setting (its credential is the secret setting acmeDns01Credential)',
        ]);
        assert.deepStrictEqual(withTls({ dns01: { provider: "cloudDNS" } }), ["jitsi:tls.dns01.project = (missing): is required with provider cloudDNS"]);
        assert.deepStrictEqual(withTls({ dns01: { provider: "rfc2136", nameserver: "192.0.2.53" } }), ["jitsi:tls.dns01.tsigKeyName = (missing): is required with provider rfc2136"]);
    });

    it("refuses a zone, a server, a key or an account in a form the provider cannot take", () => {
        assert.deepStrictEqual(withTls({ dns01: { provider: "route53", hostedZoneID: "/hostedzone/Z0123456789", region: "Frankfurt", accessKeyID: "ASIAIOSFODNN7EXAMPLE" } }), [
            'jitsi:tls.dns01.region = "Frankfurt": must be an AWS region such as us-east-1',
            'jitsi:tls.dns01.hostedZoneID = "/hostedzone/Z0123456789": must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ, as the console shows it (without /hostedzone/)',
            'jitsi:tls.dns01.accessKeyID = "ASIAIOSFODNN7EXAMPLE": must be a long-term access key id such as AKIAIOSFODNN7EXAMPLE (AKIA and 16 letters or digits; temporary ASIA... keys need a session token cert-manager cannot take)',
        ]);
        assert.deepStrictEqual(withTls({ dns01: { provider: "cloudDNS", project: "school-dns", hostedZoneName: "school.example" } }), [
            "jitsi:tls.dns01.hostedZoneName = \"school.example\": must be a Cloud DNS managed zone's name such as example-org: lower-case letters, digits and '-', starting with a letter; school.example looks like the zone's DNS name, give its name in Cloud DNS (gcloud dns managed-zones list)",
        ]);
        // net.SplitHostPort refuses a bare IPv6 address (cert-manager internal/apis/certmanager/validation/util/nameserver.go:45-53).
        const server = "must be host or host:port, the host an IPv4 address, an IPv6 address in brackets or a DNS name, such as 192.0.2.53:53, [2001:db8::53]:53 or ns1.example.org";
        assert.deepStrictEqual(withTls({ dns01: { provider: "rfc2136", nameserver: "2001:db8::53", tsigKeyName: "acme key", tsigAlgorithm: "hmac-sha256" } }), [
            `jitsi:tls.dns01.nameserver = "2001:db8::53": ${server}`,
            "jitsi:tls.dns01.tsigKeyName = \"acme key\": must be the TSIG key's name as the server's key statement names it, such as acme-update or acme.example.org.",
            'jitsi:tls.dns01.tsigAlgorithm = "hmac-sha256": must be one of HMACSHA256, HMACSHA512, HMACSHA1, HMACMD5, the key\'s algorithm on the server',
        ]);
        assert.deepStrictEqual(withTls({ dns01: { provider: "rfc2136", nameserver: "192.0.2.53:70000", tsigKeyName: "acme" } }), ['jitsi:tls.dns01.nameserver = "192.0.2.53:70000": must have a port from 1 to 65535']);
    });

    it("refuses one pinned zone for names that cannot share a zone (a regional host under another domain)", () => {
        // hostedZoneID / hostedZoneName is used for every name (cert-manager v1.19.4 pkg/issuer/acme/dns/route53/route53.go:317-320,
        // clouddns/clouddns.go:244-247), and the solver takes hosts and each cluster's regional hosts.
        const two = { clusters: { eu: { ...EU, hosts: ["eu.meet.school.example"] }, us: { ...US, hosts: ["us.meet.school.example"] } }, shards: [{ name: "shard-0", cluster: "eu" }, { name: "shard-1", cluster: "us" }] };
        const otherDomain = { ...base, hosts: ["meet.example.org"], ...two };
        assert.deepStrictEqual(problems({ ...otherDomain, tls: { ...base.tls, dns01: { provider: "route53", hostedZoneID: "Z0123456789ABCDEFGHIJ" } } }), [
            'jitsi:tls.dns01.hostedZoneID = "Z0123456789ABCDEFGHIJ": names one zone for every name solved over DNS-01, but meet.example.org and eu.meet.school.example (cluster eu\'s Ingress) cannot be in one zone; leave hostedZoneID unset (cert-manager then finds each name\'s zone), or give the names one parent domain',
        ]);
        assert.deepStrictEqual(problems({ ...otherDomain, tls: { ...base.tls, dns01: { provider: "cloudDNS", project: "school-dns", hostedZoneName: "school-example" } } }), [
            'jitsi:tls.dns01.hostedZoneName = "school-example": names one zone for every name solved over DNS-01, but meet.example.org and eu.meet.school.example (cluster eu\'s Ingress) cannot be in one zone; leave hostedZoneName unset (cert-manager then finds each name\'s zone), or give the names one parent domain',
        ]);
        assert.deepStrictEqual(problems({ ...otherDomain, tls: { ...base.tls, dns01: { provider: "route53" } } }), [], "unset: each name's zone is looked up");
        assert.deepStrictEqual(problems({ ...base, ...two, tls: { ...base.tls, dns01: { provider: "route53", hostedZoneID: "Z0123456789ABCDEFGHIJ" } } }), [], "one parent domain");
        assert.deepStrictEqual(problems({ ...base, hosts: ["meet.school.example", "meet.example.org"], tls: { ...base.tls, dns01: { provider: "route53", hostedZoneID: "Z0123456789ABCDEFGHIJ" } } }).length, 1, "without clusters too");
    });

    it("refuses DNS-01 without the stack's cert-manager, and the geo-DNS acknowledgement beside it", () => {
        assert.deepStrictEqual(withTls({ dns01: { provider: "cloudflare" } }, { ops: { certManager: { enabled: false } }, turn: { enabled: false } }), [
            'jitsi:tls.dns01 = {"provider":"cloudflare"}: must be unset while ops.certManager.enabled is false: the stack then makes no ClusterIssuer; give yours a DNS-01 solver',
        ]);
        assert.deepStrictEqual(withTls({ dns01: { provider: "cloudflare" }, http01UnderGeoDns: "acknowledged" }), [
            'jitsi:tls.http01UnderGeoDns = "acknowledged": must be unset while tls.dns01 is set: the stack\'s hosts are issued over DNS-01',
        ]);
        assert.deepStrictEqual(withTls({ http01UnderGeoDns: "yes" }), ['jitsi:tls.http01UnderGeoDns = "yes": must be acknowledged (or left out)']);
    });

    it("refuses several clusters on HTTP-01 alone, unless the operator acknowledges it; one cluster, or the user's own issuer, needs neither", () => {
        const two = { clusters: { eu: EU, us: US }, shards: [{ name: "shard-0", cluster: "eu" }, { name: "shard-1", cluster: "us" }] };
        assert.deepStrictEqual(withTls({}, two), [
            "jitsi:tls.dns01 = (missing): is required while clusters lists 2 (eu, us): under geo DNS Let's Encrypt validates hosts from several places, reaches regions that hold no challenge for the token, " +
                'and issuance and every renewal fail over HTTP-01 (docs/runbook.md "Several clusters, one room authority"); set a DNS-01 provider (cloudflare, route53, cloudDNS, rfc2136), ' +
                "or tls.http01UnderGeoDns: acknowledged if hosts resolve to one cluster at a time",
        ]);
        assert.deepStrictEqual(withTls({ http01UnderGeoDns: "acknowledged" }, two), []);
        assert.deepStrictEqual(withTls({ dns01: { provider: "route53" } }, two), []);
        assert.deepStrictEqual(withTls({}, { ...two, ops: { certManager: { enabled: false } }, turn: { enabled: false } }), []);
        assert.deepStrictEqual(withTls({}, { clusters: { eu: EU }, shards: 2 }), []);
    });
});

describe("dns01: the credential", function () {
    this.timeout(120_000);

    it("is required where the provider takes one, refused where it would not be used, and checked for the provider's form, shown only by its length", () => {
        assert.deepStrictEqual(dns01CredentialProblems(SETTINGS.cloudflare, undefined), [
            "jitsi:acmeDns01Credential = (missing): is required with tls.dns01.provider cloudflare: a Cloudflare API token with Zone:DNS:Edit on the zone; set it with 'pulumi config set --secret jitsi:acmeDns01Credential <value>'",
        ]);
        assert.deepStrictEqual(dns01CredentialProblems({ provider: "route53" }, undefined), [], "route53 without accessKeyID: the cluster's ambient AWS credentials");
        assert.deepStrictEqual(dns01CredentialProblems({ provider: "cloudDNS", project: "school-dns" }, undefined), [], "cloudDNS without a key: workload identity");
        assert.deepStrictEqual(dns01CredentialProblems({ provider: "route53" }, CREDENTIALS.route53), [
            "jitsi:acmeDns01Credential = (secret): tls.dns01.accessKeyID is not set, so route53 uses the cluster's ambient AWS credentials; give the key's id in tls.dns01.accessKeyID, or remove the credential",
        ]);
        assert.deepStrictEqual(dns01CredentialProblems(undefined, "left-over-token"), [
            "jitsi:acmeDns01Credential = (secret): tls.dns01 is not set; set it, or remove the credential with 'pulumi config rm jitsi:acmeDns01Credential'",
        ]);
        for (const [provider, credential] of Object.entries(CREDENTIALS)) assert.deepStrictEqual(dns01CredentialProblems(SETTINGS[provider as keyof typeof CREDENTIALS], credential), [], provider);
        const wrong: [keyof typeof CREDENTIALS, string, RegExp][] = [
            // cert-manager refuses a token no HTTP header carries (pkg/issuer/acme/dns/cloudflare/cloudflare.go:86-88).
            ["cloudflare", "token-with-a-newline\n", /\(secret, 21 characters\): must be a Cloudflare API token: printable ASCII without spaces or line breaks/],
            ["cloudflare", "0123456789abcdef0123456789abcdef01234", /is a Cloudflare Global API Key, which acts for the whole account; create an API token with Zone:DNS:Edit/],
            ["route53", "not-a-secret-key", /must be an AWS secret access key: 40 letters, digits, '\/' and '\+'/],
            ["cloudDNS", "/path/to/key.json", /must be a service account key as Google gives it \(JSON\)/],
            ["cloudDNS", JSON.stringify({ type: "authorized_user", client_id: "x" }), /must be a service account key: JSON with "type": "service_account", client_email and private_key/],
            // Decoded with base64.StdEncoding (pkg/issuer/acme/dns/rfc2136/tsig.go:96-98).
            ["rfc2136", "hmac-sha256:dGVzdA==", /must be the TSIG secret as the server's key statement holds it: padded base64/],
            ["rfc2136", "dGVzdA", /padded base64/],
        ];
        for (const [provider, credential, message] of wrong) {
            const found = dns01CredentialProblems(SETTINGS[provider], credential);
            assert.strictEqual(found.length, 1, `${provider}: ${found.join("; ")}`);
            assert.match(found[0], message);
            assert.ok(!found[0].includes(credential.trim()), "the message shows the credential");
        }
    });

    it("refuses a credential stored in plain text, and one that is missing, before anything is declared", async () => {
        const plain = await runProgram(withConfig(production(), { "jitsi:tls": { ...productionTls(), dns01: SETTINGS.cloudflare }, [KEY]: CREDENTIALS.cloudflare }));
        assert.match(plain.error?.message ?? "", /jitsi:acmeDns01Credential is stored in plain text; store it encrypted with 'pulumi config set --secret jitsi:acmeDns01Credential <value>'/);
        assert.deepStrictEqual(plain.resources, []);
        const missing = await runProgram(withDns01(SETTINGS.rfc2136));
        assert.match(missing.error?.message ?? "", /jitsi:acmeDns01Credential = \(missing\): is required with tls.dns01.provider rfc2136: the TSIG key's secret/);
        assert.deepStrictEqual(missing.resources, []);
    });
});

describe("dns01: the ClusterIssuers", function () {
    this.timeout(180_000);
    let two: Run;
    before(async () => {
        two = await runProgramOk(withDns01(SETTINGS.cloudflare, CREDENTIALS.cloudflare, withConfig(production(), TWO_REGIONS)));
    });

    it("solves every name of each cluster's Ingress over DNS-01 and keeps HTTP-01 for the rest (the TURN host), in every cluster", () => {
        for (const cluster of ["eu", "us"]) {
            const own = issuers(two).filter((r) => clusterOf(r.urn) === cluster);
            assert.deepStrictEqual(own.map((r) => r.inputs.metadata.name).sort(), ["letsencrypt-production", "letsencrypt-staging"]);
            const ingress = two.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress" && clusterOf(r.urn) === cluster)!.inputs;
            const served: string[] = ingress.spec.tls[0].hosts;
            assert.deepStrictEqual(served, ["meet.example.org", `${cluster}.meet.school.example`]);
            for (const issuer of own) {
                // A dnsNames match wins over a solver without a selector (cert-manager v1.19.4 pkg/util/solverpicker/solverpicker.go:58-111).
                assert.deepStrictEqual(issuer.inputs.spec.acme.solvers, [
                    { selector: { dnsNames: served }, dns01: { cloudflare: { apiTokenSecretRef: { name: DNS01_SECRET_NAME, key: "api-token" } } } },
                    { http01: { ingress: { ingressClassName: "nginx" } } },
                ]);
                assert.ok(issuer.dependsOn.includes(`kubernetes:core/v1:Secret::${DNS01_SECRET_NAME}`), "the issuer waits for its credential");
            }
            // The TURN certificate's name is in no selector: HTTP-01 through coturn's port-80 forwarder, as before.
            const turn = two.resources.find((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate" && clusterOf(r.urn) === cluster)!.inputs;
            assert.deepStrictEqual(turn.spec.dnsNames, [`turn-${cluster}.school.example`]);
            assert.ok(!served.includes(turn.spec.dnsNames[0]));
        }
    });

    it("writes the credential into cert-manager's namespace of each cluster, as a secret, and nowhere else", () => {
        const secrets = two.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && r.name === DNS01_SECRET_NAME);
        assert.deepStrictEqual(secrets.map((r) => [clusterOf(r.urn), r.provider]), [
            ["eu", "pulumi:providers:kubernetes::cluster-eu"],
            ["us", "pulumi:providers:kubernetes::cluster-us"],
        ]);
        for (const s of secrets) {
            // A ClusterIssuer's references are read in the cluster resource namespace, the chart's own (lib/acme.ts).
            assert.strictEqual(s.inputs.metadata.namespace, "cert-manager");
            assert.deepStrictEqual(s.inputs.stringData, { "api-token": CREDENTIALS.cloudflare });
            assert.deepStrictEqual(s.secretPaths, ["stringData"]);
        }
        const elsewhere = JSON.stringify([two.resources.filter((r) => !secrets.includes(r)).map((r) => r.inputs), two.outputs]);
        assert.ok(!elsewhere.includes(CREDENTIALS.cloudflare), "the credential appears outside its Secrets");
    });

    it("builds each provider's solver as cert-manager reads it, valid against the schemas, the credential only as a secret", async () => {
        const rendered: Obj[] = [];
        for (const [provider, settings] of Object.entries(SETTINGS)) {
            const credential = CREDENTIALS[provider as keyof typeof CREDENTIALS];
            const run = await runProgramOk(withDns01(settings, credential));
            const issuer = named(run, "ClusterIssuer", "letsencrypt-production");
            rendered.push(issuer);
            const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === DNS01_SECRET_NAME)!;
            assert.deepStrictEqual(secret.secretPaths, ["stringData"], provider);
            assert.ok(!JSON.stringify(run.resources.filter((r) => r !== secret).map((r) => r.inputs)).includes(credential), `${provider}: the credential leaked`);
            const [dns01, http01] = issuer.spec.acme.solvers;
            assert.deepStrictEqual(dns01.selector, { dnsNames: ["meet.example.org"] });
            assert.deepStrictEqual(http01, { http01: { ingress: { ingressClassName: "nginx" } } });
            const ref = (key: string) => ({ name: DNS01_SECRET_NAME, key });
            const expected: Record<string, Obj> = {
                cloudflare: { cloudflare: { apiTokenSecretRef: ref("api-token") } },
                route53: { route53: { region: "eu-central-1", hostedZoneID: "Z0123456789ABCDEFGHIJ", role: "arn:aws:iam::123456789012:role/dns01", accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKeySecretRef: ref("secret-access-key") } },
                cloudDNS: { cloudDNS: { project: "school-dns", hostedZoneName: "school-example", serviceAccountSecretRef: ref("key.json") } },
                // cert-manager's own default would be HMACMD5 (rfc2136.go:91-92); tsig-keygen's is hmac-sha256.
                rfc2136: { cnameStrategy: "Follow", rfc2136: { nameserver: "[2001:db8::53]:53", tsigKeyName: "acme-update.", tsigAlgorithm: "HMACSHA256", tsigSecretSecretRef: ref("tsig-secret") } },
            };
            assert.deepStrictEqual(dns01.dns01, expected[provider], provider);
        }
        // Ambient credentials: no Secret, no reference to one.
        const ambient = await runProgramOk(withDns01({ provider: "route53" }));
        assert.deepStrictEqual(named(ambient, "ClusterIssuer", "letsencrypt-staging").spec.acme.solvers[0].dns01, { route53: {} });
        assert.deepStrictEqual(objects(ambient, "Secret").filter((s) => s.metadata.name === DNS01_SECRET_NAME), []);
        rendered.push(named(ambient, "ClusterIssuer", "letsencrypt-staging"));

        assert.deepStrictEqual(await validateWithModels(rendered), []);
        assert.deepStrictEqual(findUnknownFields(rendered), []);
        const crd = certManagerCrd();
        if (crd) assert.deepStrictEqual(rendered.flatMap((o) => crdProblems(o, crd)), []);
        else if (process.env.CI) console.warn(`    cert-manager's source is not at ${CERT_MANAGER_GIT_DIR}: checked against the model package only`);
    });

    it("warns at every preview that Route 53 renewals of several clusters replace each other's record; not with one cluster or another provider", async () => {
        const route53: Dns01Settings = { provider: "route53", region: "eu-central-1" };
        const twoOnRoute53 = await runProgramOk(withDns01(route53, undefined, withConfig(production(), TWO_REGIONS)));
        assert.deepStrictEqual(twoOnRoute53.warnings.filter((w) => w.includes("route53")).length, 1);
        assert.match(twoOnRoute53.warnings.find((w) => w.includes("route53"))!, /^tls\.dns01\.provider route53 with 2 clusters \(eu, us\): .*replace each other's TXT record/);
        assert.deepStrictEqual(two.warnings.filter((w) => w.includes("TXT record")), []);
        const oneOnRoute53 = await runProgramOk(withDns01(route53, undefined));
        assert.deepStrictEqual(oneOnRoute53.warnings.filter((w) => w.includes("TXT record")), []);
    });

    it("leaves a stack without dns01 on HTTP-01 alone, with no credential Secret", async () => {
        const run = await runProgramOk(production());
        for (const issuer of objects(run, "ClusterIssuer")) assert.deepStrictEqual(issuer.spec.acme.solvers, [{ http01: { ingress: { ingressClassName: "nginx" } } }]);
        assert.deepStrictEqual(objects(run, "Secret").filter((s) => s.metadata.name === DNS01_SECRET_NAME), []);
    });
});

/** cert-manager's source at the pinned chart's tag, where a checkout of it is at hand (a bare git directory). */
const CERT_MANAGER_GIT_DIR = process.env.CERT_MANAGER_GIT_DIR ?? "/work/.mirror/cert-manager+cert-manager/repo";
const CERT_MANAGER_TAG = "v1.19.4";

function certManagerCrd(): Obj | undefined {
    const out = spawnSync("git", ["--git-dir", CERT_MANAGER_GIT_DIR, "show", `${CERT_MANAGER_TAG}:deploy/crds/cert-manager.io_clusterissuers.yaml`], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (out.status !== 0) return undefined;
    const crd = parse(out.stdout);
    return crd.spec.versions.find((v: Obj) => v.name === "v1").schema.openAPIV3Schema;
}

/**
 * What the API server would refuse or prune of `value` under a CRD's structural schema: wrong types,
 * missing required fields, values outside an enum, and unknown fields (pruned silently on a real cluster).
 */
function crdProblems(value: unknown, schema: Obj, at = ""): string[] {
    if (schema["x-kubernetes-preserve-unknown-fields"] || value === undefined) return [];
    const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value === "number" ? (Number.isInteger(value) ? "integer" : "number") : typeof value;
    if (schema.type && schema.type !== type && !(schema.type === "number" && type === "integer")) return [`${at || "."}: ${type}, the CRD wants ${schema.type}`];
    if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`];
    if (type === "array") return (value as unknown[]).flatMap((v, i) => crdProblems(v, schema.items ?? {}, `${at}[${i}]`));
    if (type !== "object") return [];
    const o = value as Obj;
    const missing = (schema.required ?? []).filter((k: string) => !(k in o)).map((k: string) => `${at}.${k}: required by the CRD`);
    return [
        ...missing,
        ...Object.entries(o).flatMap(([k, v]) => {
            const child = schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
            if (!child) return schema.properties ? [`${at}.${k}: unknown to the CRD (the API server prunes it)`] : [];
            return crdProblems(v, child, `${at}.${k}`);
        }),
    ];
}

describe("dns01: the CRD check itself", () => {
    it("finds an unknown field, a wrong type and a value outside an enum", function () {
        const crd = certManagerCrd();
        if (!crd) this.skip();
        const issuer = {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: "x" },
            spec: { acme: { server: "https://acme.example", privateKeySecretRef: { name: "k" }, solvers: [{ selector: { dnsNames: "meet.example.org" }, dns01: { cnameStrategy: "Always", route53: { hostedZoneId: "Z1" } } }] } },
        };
        assert.deepStrictEqual(crdProblems(issuer, crd!), [
            ".spec.acme.solvers[0].selector.dnsNames: string, the CRD wants array",
            '.spec.acme.solvers[0].dns01.cnameStrategy: "Always" is not one of None, Follow',
            ".spec.acme.solvers[0].dns01.route53.hostedZoneId: unknown to the CRD (the API server prunes it)",
        ]);
    });
});
