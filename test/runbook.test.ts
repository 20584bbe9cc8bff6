/**
 * Every stack-file edit docs/runbook.md (and README.md's and docs/configuration.md's command blocks) tells an operator to make, applied to the shipped stack files
 * as the runbook writes it, with what the runbook says the following `pulumi preview` shows checked
 * against the program: what is created, updated and deleted (and that nothing else changes), which
 * shards the preview says lose their meetings, and that no live shard's UDP ports move unless the
 * recipe says so.
 *
 * The runbook's own lines are the input: each `pulumi config set` command is parsed and applied with
 * the CLI's `--path` rules, each ```yaml block replaces the stack-file keys it names. A recipe here
 * names the runbook section and the lines it enacts; every such line of the runbook must belong to
 * a recipe here, so a new recipe cannot go untested.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT, Run, runProgram, runProgramOk, StackConfig, stackFile } from "./harness";
import { objects, Obj } from "./objects";

/** The docs that tell an operator to edit a stack file. */
const DOCS = ["docs/runbook.md", "README.md", "docs/configuration.md"];
const read = (doc: string) => fs.readFileSync(path.join(ROOT, doc), "utf8");

/** The text of a `## ` or `### ` section of a doc, up to the next heading of any level. */
function section(title: string, doc = "docs/runbook.md"): string {
    const text = read(doc);
    const start = text.indexOf(`\n${title}\n`);
    assert.ok(start >= 0, `${doc} has no section "${title}"`);
    const rest = text.slice(start + title.length + 2);
    const end = rest.search(/\n#{2,3} /);
    return end < 0 ? rest : rest.slice(0, end);
}

/** A stack file's `config:` as an object, to edit the way an operator does. */
type StackFile = Record<string, any>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** Values the runbook leaves to the operator (`<...>`, `$(...)`), filled in as an operator would. */
const FILLED_IN: Record<string, string> = {
    "<the static address reserved for TURN>": "85.10.20.30",
    "<the static address you reserved>": "85.10.20.30",
    "'<the account password>'": "sip-account-password",
    "'...'": "smtp-account-password",
    "<password>": "sip-account-password",
    "<new password>": "new-sip-account-password",
    '"$(openssl rand -hex 16)"': "0123456789abcdef0123456789abcdef",
    '"$(openssl rand -hex 32)"': "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    '"$(openssl rand -base64 18)"': "aGVsbG8gd29ybGQgMTIz",
    "'<a Cloudflare API token: Zone:DNS:Edit on the zone>'": "cloudflare-api-token-0123456789abcdefghij",
    "<the hosted zone's ID>": "Z0123456789ABCDEFGHIJ",
    // Set in the same block: NS=monitoring; P=kube-prometheus-stack-prometheus; SIZE=200Gi
    $SIZE: "200Gi",
};

/** `jitsi:a.b[0]["c.d"]` as the Pulumi CLI reads a `--path`: the key, then object keys and list indices. */
function pulumiPath(text: string): { key: string; steps: (string | number)[] } {
    const key = /^[^.[]+/.exec(text)![0];
    const steps: (string | number)[] = [];
    for (const m of text.slice(key.length).matchAll(/\.([^.[]+)|\[(\d+)\]|\["([^"]+)"\]/g)) steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
    return { key, steps };
}

/** Applies one `pulumi config set` line of the runbook; returns whether it sets a secret. */
function configSet(file: StackFile, line: string): { key: string; secret: boolean } {
    let rest = line.slice(line.indexOf("pulumi config set") + "pulumi config set".length).trim();
    for (const [placeholder, value] of Object.entries(FILLED_IN)) rest = rest.split(placeholder).join(value);
    rest = rest.replace(/\s+(#|&&).*$/, "");
    const tokens = [...rest.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
    const flags = tokens.filter((t) => t.startsWith("--"));
    const [name, raw, ...extra] = tokens.filter((t) => !t.startsWith("--"));
    assert.deepStrictEqual(extra, [], `cannot read "${line}"`);
    assert.ok(raw !== undefined && !/[<>$]/.test(raw), `"${line}": fill in ${raw} in FILLED_IN`);
    if (!flags.includes("--path")) {
        file[name] = raw;
        return { key: name, secret: flags.includes("--secret") };
    }
    // With --path the CLI stores true/false and integers as YAML booleans and numbers.
    const value = raw === "true" ? true : raw === "false" ? false : /^-?\d+$/.test(raw) ? Number(raw) : raw;
    const { key, steps } = pulumiPath(name);
    if (steps.length === 0) file[key] = value;
    else {
        let target = (file[key] ??= typeof steps[0] === "number" ? [] : {});
        for (let i = 0; i < steps.length - 1; i++) target = target[steps[i]] ??= typeof steps[i + 1] === "number" ? [] : {};
        target[steps[steps.length - 1]] = value;
    }
    return { key, secret: flags.includes("--secret") };
}

/** What the program reads from an edited stack file: structured values as JSON, as the CLI hands them over. */
function asConfig(file: StackFile, secretKeys: string[]): StackConfig {
    const values = Object.fromEntries(Object.entries(file).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return { values, secretKeys };
}

const kinds = (run: Run) => new Map(objects(run).map((o) => [`${o.kind} ${o.metadata.namespace ?? "-"}/${o.metadata.name}`, o]));

/** What `pulumi preview` would list between two runs, by Kubernetes kind, namespace and name. */
function changes(before: Run, after: Run): { created: string[]; updated: string[]; deleted: string[] } {
    const [a, b] = [kinds(before), kinds(after)];
    return {
        created: [...b.keys()].filter((k) => !a.has(k)).sort(),
        deleted: [...a.keys()].filter((k) => !b.has(k)).sort(),
        updated: [...b.keys()].filter((k) => a.has(k) && JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k))).sort(),
    };
}

const restartWarnings = (run: Run) => run.warnings.filter((w) => /this update restarts its prosody and jicofo/.test(w));
const restartedShards = (run: Run) => restartWarnings(run).map((w) => w.split(" ")[0]);

interface Step {
    /** The runbook lines this step enacts, exactly as written (`pulumi config set` lines, or the first line of a yaml block). */
    lines: string[];
    /** A stack-file edit the runbook says in words (a comment), not in a command. */
    edit?: (file: StackFile) => void;
    /** What the runbook says the preview shows, checked. `previous` is the last step's run. */
    claims: (c: ReturnType<typeof changes>, after: Run, previous: Run) => void;
}

interface Recipe {
    /** docs/runbook.md unless said. */
    doc?: string;
    section: string;
    /** Which of a section's recipes, where it has several. */
    variant?: string;
    /** The stack files it is applied to. */
    stacks: string[];
    /** What the stack file is like before the recipe (a setting the section assumes). */
    setup?: (file: StackFile) => void;
    setupSecrets?: string[];
    /** As `pulumi up` runs it (the placeholders refused); else as `pulumi preview`. */
    deploy?: boolean;
    steps: Step[];
}

const isShard = (shard: string) => (k: string) => new RegExp(`^\\S+ jitsi/${shard}(-|$)`).test(k);
const ROUTER = ["ConfigMap jitsi/router-config", "StatefulSet jitsi/router"];
/** The UDP ports of every shard that is in both runs are where they were. */
function portsStay(previous: Run, after: Run, except: string[] = []): void {
    for (const [shard, ports] of Object.entries<number[]>(previous.outputs.jvbUdpPorts)) {
        if (shard in after.outputs.jvbUdpPorts && !except.includes(shard)) assert.deepStrictEqual(after.outputs.jvbUdpPorts[shard].slice(0, ports.length), ports, `${shard}'s UDP ports moved`);
    }
}
const onlySecret = (name: string) => (c: ReturnType<typeof changes>, after: Run, previous: Run) => {
    assert.deepStrictEqual(c, { created: [], deleted: [], updated: [`Secret jitsi/${name}`] });
    assert.deepStrictEqual(restartWarnings(after), []);
    portsStay(previous, after);
};

/** The SIP account as README.md and the runbook both set it. */
const SIP_ACCOUNT = [
    "pulumi config set --path 'jitsi:jigasi.enabled' true",
    "pulumi config set --path 'jitsi:jigasi.sip.uri' 4930123456@sip.your-provider.net",
    "pulumi config set --path 'jitsi:jigasi.sip.server' sip.your-provider.net",
];

/** Phones switched on: the gateways are created, and every shard's signalling restarts (the preview names both). */
function phonesOn(c: ReturnType<typeof changes>, after: Run, previous: Run): void {
    assert.deepStrictEqual(restartedShards(after), ["shard-0", "shard-1"]);
    assert.ok(c.created.includes("StatefulSet jitsi/jigasi"));
    assert.deepStrictEqual(c.deleted, []);
    portsStay(previous, after);
}

/** The placeholders replaced, as README.md and the runbook both say it (each in its own words for the address). */
function firstDeploy(doc: string, section: string, addressPlaceholder: string): Recipe {
    const lines = [
        "pulumi config set --path 'jitsi:hosts[0]' meet.your-domain.org",
        "pulumi config set --path 'jitsi:tls.acmeEmail' you@your-domain.org",
        "pulumi config set --path 'jitsi:turn.host' turn.your-domain.org",
        `pulumi config set --path 'jitsi:turn.publicIp' ${addressPlaceholder}`,
    ];
    // `pulumi up` refuses the shipped placeholders (the test checks that first) and takes these (the run must succeed).
    const claims = (_c: unknown, after: Run) => {
        assert.strictEqual(after.outputs.url, "https://meet.your-domain.org");
        assert.strictEqual(after.outputs.turn.address, FILLED_IN[addressPlaceholder]);
    };
    return { doc, section, stacks: ["production", "development"], deploy: true, steps: [{ lines, claims }] };
}

/**
 * The production stack file over two clusters that ran on HTTP-01 with the operator's word
 * (tls.http01UnderGeoDns), as the runbook's "Certificates under geo DNS" starts from.
 */
function twoClustersOnHttp01(file: StackFile): void {
    file["jitsi:clusters"] = {
        eu: { region: "eu-west", context: "eu", hosts: ["eu.meet.example.org"], turn: { host: "turn-eu.example.org", publicIp: "198.51.100.10" } },
        us: { region: "us-east", context: "us", hosts: ["us.meet.example.org"], turn: { host: "turn-us.example.org", publicIp: "198.51.100.20" } },
    };
    file["jitsi:shards"] = [{ name: "shard-0", cluster: "eu" }, { name: "shard-1", cluster: "us" }];
    file["jitsi:tls"].http01UnderGeoDns = "acknowledged";
}

/** "in each cluster, the two ClusterIssuers updated and, with a credential, the Secret acme-dns01-credential created; nothing of Jitsi changes". */
function dns01On(provider: string, credential: boolean) {
    return (c: ReturnType<typeof changes>, after: Run) => {
        assert.deepStrictEqual(c, {
            created: credential ? ["Secret cert-manager/acme-dns01-credential"] : [],
            updated: ["ClusterIssuer -/letsencrypt-production", "ClusterIssuer -/letsencrypt-staging"],
            deleted: [],
        });
        assert.deepStrictEqual(restartWarnings(after), []);
        // One change per cluster: changes() keys by kind and name, which both clusters share.
        const issuers = objects(after, "ClusterIssuer");
        assert.strictEqual(issuers.length, 4);
        for (const issuer of issuers) assert.ok(issuer.spec.acme.solvers[0].dns01[provider], JSON.stringify(issuer.spec.acme.solvers));
        assert.strictEqual(objects(after, "Secret").filter((s) => s.metadata.name === "acme-dns01-credential").length, credential ? 2 : 0);
    };
}
/** "A stack that ran with tls.http01UnderGeoDns: acknowledged drops it in the same change". */
const dropAcknowledgement = (f: StackFile) => delete f["jitsi:tls"].http01UnderGeoDns;

const RECIPES: Recipe[] = [
    firstDeploy("docs/runbook.md", "## First deploy", "<the static address reserved for TURN>"),
    {
        section: "## Adding a shard",
        stacks: ["production", "development"],
        steps: [
            {
                lines: ["  jitsi:shards:\n    - name: shard-0\n    - name: shard-1\n    - name: shard-2"],
                // "shard-2's resources created; router ConfigMap and StatefulSet updated; nothing else"
                claims: (c, after, previous) => {
                    assert.ok(c.created.length > 10 && c.created.every(isShard("shard-2")), c.created.join(", "));
                    assert.deepStrictEqual(c.updated, ROUTER);
                    assert.deepStrictEqual(c.deleted, []);
                    assert.deepStrictEqual(restartWarnings(after), []);
                    portsStay(previous, after);
                    // "production's file: 30500-30505; development's: 30500-30501"
                    const ports: number[] = after.outputs.jvbUdpPorts["shard-2"];
                    const said = /shard-2's new UDP ports \(production's file: (\d+)-(\d+); development's: (\d+)-(\d+)\)/.exec(section("## Adding a shard"))!;
                    const [first, last] = after.outputs.url.includes("meet-dev") ? [said[3], said[4]] : [said[1], said[2]];
                    assert.deepStrictEqual([ports[0], ports[ports.length - 1]], [Number(first), Number(last)]);
                },
            },
        ],
    },
    {
        section: "## Resizing JVBs",
        stacks: ["production"],
        steps: [
            {
                lines: ["pulumi config set --path jitsi:jvb.maxReplicas 8"],
                // "new NodePort Services for the new ordinals, their ports in the bridges' NetworkPolicy, the HPA's maxReplicas"
                claims: (c, after, previous) => {
                    assert.deepStrictEqual(c.created, ["shard-0", "shard-1"].flatMap((s) => [6, 7].map((n) => `Service jitsi/${s}-jvb-${n}`)).sort());
                    assert.deepStrictEqual(c.updated, ["shard-0", "shard-1"].flatMap((s) => [`HorizontalPodAutoscaler jitsi/${s}-jvb`, `NetworkPolicy jitsi/${s}-jvb`]).sort());
                    assert.deepStrictEqual(c.deleted, []);
                    assert.deepStrictEqual(restartWarnings(after), []);
                    portsStay(previous, after);
                },
            },
        ],
    },
    {
        section: "## Rotating the generated secrets",
        stacks: ["production"],
        // "Pods read the Secret only when they start": the update changes the Secret, no pod.
        steps: [{ lines: ['# or: pulumi config set --secret jitsi:jvbAuthPassword "$(openssl rand -hex 16)" && pulumi up'], claims: onlySecret("jitsi-auth") }],
    },
    {
        section: "## Rotating the JWT secret",
        stacks: ["production"],
        setup: (f) => {
            f["jitsi:auth"] = { type: "jwt", jwt: { appId: "portal" } };
            f["jitsi:jwtAppSecret"] = "the-old-secret-0123456789";
        },
        setupSecrets: ["jitsi:jwtAppSecret"],
        // "updates the jitsi-auth Secret; running pods keep the old key"
        steps: [{ lines: ['pulumi config set --secret jitsi:jwtAppSecret "$(openssl rand -hex 32)"'], claims: onlySecret("jitsi-auth") }],
    },
    {
        section: "## Adding an internal user",
        stacks: ["production"],
        setup: (f) => {
            f["jitsi:auth"] = { type: "internal", users: ["alice"] };
            f["jitsi:internalUserPasswords"] = { alice: "alice-password" };
        },
        setupSecrets: ["jitsi:internalUserPasswords"],
        steps: [
            {
                lines: [`pulumi config set --secret --path 'jitsi:internalUserPasswords["mrs.smith"]' "$(openssl rand -base64 18)"`],
                // Said in a comment: add the name to auth.users.
                edit: (f) => f["jitsi:auth"].users.push("mrs.smith"),
                // "updates the jitsi-internal-users Secret; no pod restarts"
                claims: onlySecret("jitsi-internal-users"),
            },
        ],
    },
    {
        section: "## Recording nodes",
        stacks: ["production"],
        steps: [
            {
                lines: ["  jitsi:jibri:\n    enabled: true"],
                claims: (c, after, previous) => {
                    assert.deepStrictEqual(objects(after, "StatefulSet").find((s) => s.metadata.name === "jibri")!.spec.template.spec.nodeSelector, { "jitsi.example.org/recording": "true" });
                    // "switching recording on restarts every shard's prosody and jicofo"
                    assert.deepStrictEqual(restartedShards(after), ["shard-0", "shard-1"]);
                    assert.deepStrictEqual(c.deleted, []);
                    portsStay(previous, after);
                },
            },
        ],
    },
    {
        section: "## Connect a SIP provider",
        stacks: ["production"],
        steps: [
            {
                lines: [
                    ...SIP_ACCOUNT,
                    "pulumi config set --path 'jitsi:jigasi.sip.transport' TCP",
                    "pulumi config set --path 'jitsi:jigasi.sip.defaultRoom' reception",
                    "pulumi config set --secret jitsi:jigasiSipPassword '<password>'",
                ],
                // "names the shards whose meetings the switch ends"
                claims: phonesOn,
            },
            {
                lines: ["pulumi config set --path 'jitsi:jigasi.dialOut.enabled' true", "pulumi config set --path 'jitsi:jigasi.dialOut.acceptTollFraudRisk' true"],
                // "It restarts every shard's jicofo (ends their meetings) unless captions are on."
                claims: (c, after, previous) => {
                    assert.deepStrictEqual(restartedShards(after), ["shard-0", "shard-1"]);
                    assert.ok(c.updated.includes("Deployment jitsi/shard-0-jicofo") && c.updated.includes("Deployment jitsi/shard-1-jicofo"), c.updated.join(", "));
                    assert.deepStrictEqual([c.created, c.deleted], [[], []]);
                    portsStay(previous, after);
                },
            },
        ],
    },
    {
        section: "## Rotate the SIP password",
        stacks: ["production"],
        setup: (f) => {
            f["jitsi:jigasi"] = { enabled: true, sip: { uri: "4930123456@sip.your-provider.net" } };
            f["jitsi:jigasiSipPassword"] = "old-sip-password";
        },
        setupSecrets: ["jitsi:jigasiSipPassword"],
        // "updates the jitsi-auth Secret only"
        steps: [{ lines: ["pulumi config set --secret jitsi:jigasiSipPassword '<new password>'"], claims: onlySecret("jitsi-auth") }],
    },
    {
        section: "## TURN certificate and secret rotation",
        stacks: ["production"],
        steps: [{ lines: ['# or your own: pulumi config set --secret jitsi:turnSharedSecret "$(openssl rand -hex 32)" && pulumi up'], claims: onlySecret("jitsi-auth") }],
    },
    {
        section: "### Rotation (preferred: no shard restarts with meetings on it)",
        stacks: ["production"],
        steps: [
            {
                lines: ["  jitsi:shards:\n    - { name: shard-0, drain: true }"],
                // "creates shard-2 and shard-3; updates only the router (ConfigMap, StatefulSet); no restart warning"
                claims: (c, after, previous) => {
                    assert.ok(c.created.every((k) => isShard("shard-2")(k) || isShard("shard-3")(k)) && c.created.some(isShard("shard-3")), c.created.join(", "));
                    assert.deepStrictEqual(c.updated, ROUTER);
                    assert.deepStrictEqual(c.deleted, []);
                    assert.deepStrictEqual(restartWarnings(after), []);
                    portsStay(previous, after);
                },
            },
            {
                lines: [],
                // "wait until shard-0 and shard-1 show 0 conferences (query above), then remove both from the list"
                edit: (f) => (f["jitsi:shards"] = f["jitsi:shards"].slice(2)),
                // "deletes shard-0 and shard-1; nothing of shard-2 or shard-3 changes"
                claims: (c, after, previous) => {
                    assert.ok(c.deleted.every((k) => isShard("shard-0")(k) || isShard("shard-1")(k)) && c.deleted.some(isShard("shard-1")), c.deleted.join(", "));
                    assert.deepStrictEqual(c.created, []);
                    assert.deepStrictEqual(c.updated, ROUTER);
                    portsStay(previous, after);
                },
            },
            {
                lines: ["pulumi config set jitsi:imageTag stable-NEW   # and remove imageTag from each shard in the stack file"],
                edit: (f) => f["jitsi:shards"].forEach((s: Obj) => delete s.imageTag),
                // "only Jibri changes (if it runs); no restart warning for the shards"
                claims: (c, after) => {
                    assert.deepStrictEqual(c, { created: [], updated: [], deleted: [] });
                    assert.deepStrictEqual(restartWarnings(after), []);
                },
            },
        ],
    },
    {
        section: "### In place (one shard at a time)",
        stacks: ["production"],
        steps: [
            {
                lines: ["# 1. drain:      - { name: shard-0, drain: true }"],
                edit: (f) => (f["jitsi:shards"][0].drain = true),
                // "only the router rolls"
                claims: (c, after) => {
                    assert.deepStrictEqual(c, { created: [], updated: ROUTER, deleted: [] });
                    assert.deepStrictEqual(restartWarnings(after), []);
                },
            },
            {
                lines: ["# 3. change it:  - { name: shard-0, drain: true, imageTag: stable-NEW }"],
                edit: (f) => (f["jitsi:shards"][0].imageTag = "stable-NEW"),
                // '"shard-0 is drained; this update restarts its prosody and jicofo ..." and no other shard'
                claims: (c, after, previous) => {
                    assert.deepStrictEqual(restartWarnings(after), ["shard-0 is drained; this update restarts its prosody and jicofo, which ends the meetings still on it."]);
                    assert.ok(c.updated.every(isShard("shard-0")), c.updated.join(", "));
                    portsStay(previous, after);
                },
            },
            {
                lines: ["# 4. undrain:    - { name: shard-0, imageTag: stable-NEW }"],
                edit: (f) => delete f["jitsi:shards"][0].drain,
                claims: (c, after) => {
                    assert.deepStrictEqual(c, { created: [], updated: ROUTER, deleted: [] });
                    assert.deepStrictEqual(restartWarnings(after), []);
                },
            },
        ],
    },
    {
        section: "### Certificates under geo DNS",
        variant: "Cloudflare",
        stacks: ["production"],
        setup: twoClustersOnHttp01,
        steps: [
            {
                lines: ["pulumi config set --path 'jitsi:tls.dns01.provider' cloudflare", "pulumi config set --secret jitsi:acmeDns01Credential '<a Cloudflare API token: Zone:DNS:Edit on the zone>'"],
                edit: dropAcknowledgement,
                claims: dns01On("cloudflare", true),
            },
        ],
    },
    {
        section: "### Certificates under geo DNS",
        variant: "Route 53",
        stacks: ["production"],
        setup: twoClustersOnHttp01,
        steps: [
            {
                lines: ["pulumi config set --path 'jitsi:tls.dns01.provider' route53", "pulumi config set --path 'jitsi:tls.dns01.hostedZoneID' <the hosted zone's ID>"],
                edit: dropAcknowledgement,
                claims: dns01On("route53", false),
            },
        ],
    },
    firstDeploy("README.md", "## Deploy in five steps", "<the static address you reserved>"),
    {
        doc: "README.md",
        section: "## Phones and captions",
        stacks: ["production"],
        steps: [
            {
                lines: [
                    ...SIP_ACCOUNT,
                    "pulumi config set --secret jitsi:jigasiSipPassword '<the account password>'",
                ],
                // "Switching phones or captions on or off restarts every shard's prosody and jicofo"
                claims: phonesOn,
            },
        ],
    },
    {
        doc: "docs/configuration.md",
        section: "### Reaching the tools",
        stacks: ["production"],
        steps: [
            {
                lines: [
                    "pulumi config set --path 'jitsi:monitoring.alerts.receivers.email.to' oncall@your-domain.org",
                    "pulumi config set --path 'jitsi:monitoring.alerts.receivers.email.from' alerts@your-domain.org",
                    "pulumi config set --path 'jitsi:monitoring.alerts.receivers.email.smarthost' smtp.your-domain.org:587",
                    "pulumi config set --path 'jitsi:monitoring.alerts.receivers.email.username' alerts",
                    "pulumi config set --secret jitsi:alertEmailPassword '...'",
                    "pulumi config set --path 'jitsi:monitoring.alerts.receivers.chat.channel' '#jitsi'",
                    "pulumi config set --secret jitsi:alertChatWebhookUrl 'https://chat.your-domain.org/hooks/...'",
                ],
                // Receivers are Alertmanager's business: no Jitsi pod changes, no meeting ends.
                claims: (c, after, previous) => {
                    assert.deepStrictEqual(restartWarnings(after), []);
                    assert.ok(c.created.length + c.updated.length > 0);
                    assert.ok([...c.created, ...c.updated, ...c.deleted].every((k) => !/ jitsi\//.test(k)), [...c.created, ...c.updated].join(", "));
                    portsStay(previous, after);
                },
            },
        ],
    },
    {
        section: "## Grow Prometheus' volumes",
        stacks: ["production"],
        steps: [
            {
                lines: ["pulumi config set --path 'jitsi:monitoring.prometheus.storage' $SIZE"],
                // "the preview still warns (it cannot see the steps above)"; nothing of Jitsi changes.
                claims: (c, after, previous) => {
                    assert.ok(after.warnings.some((w) => /Prometheus/.test(w) && /200Gi/.test(w)), after.warnings.join("\n"));
                    assert.deepStrictEqual(restartWarnings(after), []);
                    assert.ok([...c.created, ...c.updated, ...c.deleted].every((k) => !/ jitsi\//.test(k)), [...c.created, ...c.updated].join(", "));
                    portsStay(previous, after);
                },
            },
        ],
    },
    {
        section: "## Sizing a large event",
        stacks: ["production"],
        steps: [
            {
                lines: [
                    "pulumi config set --path 'jitsi:visitors.enabled' true",
                    "pulumi config set --path 'jitsi:visitors.maxParticipants' 30",
                    "pulumi config set --path 'jitsi:visitors.nodesPerShard' 4",
                    "pulumi config set --path 'jitsi:jvb.maxReplicas' 32",
                ],
                // "names the shards whose meetings this ends"; no live shard's ports move.
                claims: (c, after, previous) => {
                    assert.deepStrictEqual(restartedShards(after), ["shard-0", "shard-1"]);
                    assert.deepStrictEqual(c.deleted, []);
                    portsStay(previous, after);
                    assert.strictEqual(after.outputs.jvbUdpPorts["shard-1"].length, 32);
                    assert.ok(after.outputs.capacity.largestEvent.visitors > 0);
                },
            },
        ],
    },
];

/** The runbook lines a step names, each found in its section; a yaml block's lines parsed as the stack-file keys they set. */
function apply(file: StackFile, recipe: Recipe, step: Step, secrets: Set<string>): void {
    const text = section(recipe.section, recipe.doc);
    for (const line of step.lines) {
        assert.ok(text.includes(line), `${recipe.doc ?? "docs/runbook.md"}, ${recipe.section} no longer says:\n${line}`);
        if (line.includes("pulumi config set")) {
            const { key, secret } = configSet(file, line);
            if (secret) secrets.add(key);
        } else if (line.startsWith("  jitsi:")) {
            const block = /```yaml\n([^]*?)```/.exec(text.slice(text.lastIndexOf("```yaml", text.indexOf(line))))![1];
            Object.assign(file, parse(block));
        }
    }
    step.edit?.(file);
}

describe("the runbook's recipes, applied to the shipped stack files", function () {
    this.timeout(120_000);

    for (const recipe of RECIPES) {
        for (const stack of recipe.stacks) {
            it(`${recipe.section.replace(/^#+ /, "")}${recipe.variant ? `, ${recipe.variant}` : ""} (${stack})`, async () => {
                const file = clone(stackFile(stack));
                recipe.setup?.(file);
                const secrets = new Set(recipe.setupSecrets ?? []);
                const opts = { preview: !recipe.deploy };
                if (recipe.deploy) {
                    const refused = await runProgram(asConfig(file, [...secrets]), stack, opts);
                    assert.match(String(refused.error), /placeholder/, "pulumi up should refuse the shipped placeholders");
                }
                let previous = recipe.deploy ? undefined : await runProgramOk(asConfig(file, [...secrets]), stack, opts);
                for (const step of recipe.steps) {
                    apply(file, recipe, step, secrets);
                    const after = await runProgramOk(asConfig(file, [...secrets]), stack, { ...opts, previousOutputs: previous?.outputs });
                    step.claims(previous ? changes(previous, after) : { created: [], updated: [], deleted: [] }, after, previous ?? after);
                    previous = after;
                }
            });
        }
    }

    for (const doc of DOCS) {
        it(`covers every stack-file edit of ${doc}: each \`pulumi config set\` and each yaml block belongs to a recipe above`, () => {
            const enacted = RECIPES.filter((r) => (r.doc ?? "docs/runbook.md") === doc).flatMap((r) => r.steps.flatMap((s) => s.lines));
            const text = read(doc);
            const commands = [...text.matchAll(/```bash\n([^]*?)```/g)].flatMap((m) => m[1].split("\n")).filter((l) => /pulumi config set /.test(l));
            assert.ok(doc !== "docs/runbook.md" || commands.length > 20, `only ${commands.length} commands found`);
            for (const line of commands) assert.ok(enacted.some((e) => e.includes(line.trim()) || line.includes(e)), `${doc}: no recipe in test/runbook.test.ts applies\n${line}`);
            for (const [, block] of text.matchAll(/```yaml\n([^]*?)```/g)) {
                if (!/^\s*jitsi:/m.test(block)) continue;
                assert.ok(enacted.some((e) => block.includes(e)), `${doc}: no recipe in test/runbook.test.ts applies the yaml block\n${block}`);
            }
        });
    }
});
