/**
 * One stack over several clusters (issue 28) under the mock engine: the settings and their messages,
 * every object sent to its own cluster's provider, every router knowing every shard and every other
 * router, adding a cluster touching only routers, and a stack without `clusters` declaring, byte for
 * byte, what the program declared before clusters existed.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../config/load";
import { kubeconfigProblems } from "../config/clusters";
import { Recorded, readStackFile, ROOT, Run, runProgram, runProgramOk, StackConfig, withConfig } from "./harness";
import { ACCESS_VARIANTS, allGatewaysVariant, GATEWAY_VARIANTS, visitorsVariant } from "./variants";

const EU = { region: "eu-west", context: "eu-admin", hosts: ["eu.meet.school.example"], turn: { host: "turn-eu.school.example", publicIp: "198.51.100.10" } };
const US = { region: "us-east", context: "us-admin", hosts: ["us.meet.school.example"], turn: { host: "turn-us.school.example", publicIp: "198.51.100.20" } };
const AP = { region: "ap-south", context: "ap-admin", hosts: ["ap.meet.school.example"], turn: { host: "turn-ap.school.example", publicIp: "198.51.100.30" } };

/** Several clusters need DNS-01 for the shared hosts (config/dns01.ts; test/dns01.test.ts tests it). */
const CLOUDFLARE_TOKEN = "cloudflare-api-token-value-0123456789abcdef";

function twoRegions(extra: Record<string, unknown> = {}): StackConfig {
    const production = readStackFile("production");
    return withConfig(production, {
        "jitsi:clusters": { eu: EU, us: US },
        "jitsi:shards": [{ name: "shard-0", cluster: "eu" }, { name: "shard-1", cluster: "eu" }, { name: "shard-2", cluster: "us" }, { name: "shard-3", cluster: "us" }],
        "jitsi:tls": { ...JSON.parse(production.values["jitsi:tls"]), dns01: { provider: "cloudflare" } },
        "jitsi:acmeDns01Credential": CLOUDFLARE_TOKEN,
        ...extra,
    }, ["jitsi:acmeDns01Credential"]);
}

const problems = (raw: Record<string, unknown>) => parseConfig(raw).problems;
const clusterOf = (r: Recorded) => /(?:^|\$)jitsi:cluster:([a-z0-9-]+)\$/.exec(r.urn)?.[1];
const haproxyCfgs = (run: Run) => run.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === "router");

describe("clusters: settings", () => {
    // Several clusters need DNS-01 (or the operator's word): Route 53 with ambient credentials takes no secret.
    const base = { hosts: ["meet.school.example"], tls: { acmeEmail: "ops@school.example", dns01: { provider: "route53" } }, turn: { host: "turn.school.example", publicIp: "198.51.100.1" } };

    it("requires each shard's cluster once there are several, and refuses one that is not listed", () => {
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: EU, us: US }, shards: [{ name: "shard-0", cluster: "eu" }, { name: "shard-1" }, { name: "shard-2", cluster: "ap" }] }), [
            "jitsi:shards[1].cluster = (missing): is required while clusters lists 2 (eu, us): name the cluster shard shard-1 runs in",
            'jitsi:shards[2].cluster = "ap": must be one of clusters (eu, us)',
        ]);
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: EU, us: US }, shards: 2 }), [
            "jitsi:shards = 2: must be a list of {name, cluster} while clusters lists 2 (eu, us): each shard runs in one",
        ]);
        assert.deepStrictEqual(problems({ ...base, shards: [{ name: "shard-0", cluster: "eu" }] }), [
            'jitsi:shards[0].cluster = "eu": names a cluster, but clusters is not set: add it under clusters.<name> with its region',
        ]);
        // One cluster: shards need not name it.
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: EU }, shards: 2 }), []);
    });

    it("keeps shard numbers unique across clusters", () => {
        const found = problems({ ...base, clusters: { eu: EU, us: US }, shards: [{ name: "a", cluster: "eu", index: 3 }, { name: "b", cluster: "us", index: 3 }] });
        assert.strictEqual(found.length, 1);
        assert.match(found[0], /^jitsi:shards\[1\]\.index = 3: b has the number of a/);
    });

    it("names a bad region or cluster name, a shared coturn, and pools that would span clusters", () => {
        assert.deepStrictEqual(problems({ ...base, clusters: { "Europe": { region: "eu" } } }), ['jitsi:clusters.Europe = "Europe": Invalid key in record']);
        assert.ok(problems({ ...base, clusters: { eu: { region: "Europe West" } } }).includes('jitsi:clusters.eu.region = "Europe West": must be a region name of lower-case letters, digits and \'-\', such as eu-west'));
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: { region: "eu" }, us: { region: "us" } }, shards: [{ name: "s", cluster: "eu" }] }), [
            "jitsi:clusters.us.turn.host = (missing): must differ from cluster eu's (turn.school.example): each cluster runs its own coturn; set clusters.<name>.turn.host on each",
            "jitsi:clusters.us.turn.publicIp = (missing): must differ from cluster eu's (198.51.100.1): each cluster runs its own coturn; set clusters.<name>.turn.publicIp on each",
        ]);
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: EU, us: US }, shards: [{ name: "s", cluster: "eu" }], jibri: { enabled: true } }), [
            "jitsi:jibri.enabled = true: must be false while clusters lists more than one: one jibri pool would serve shards in several clusters, which is not built yet (docs/decisions.md)",
        ]);
    });

    it("takes each cluster's kubeconfig from the secret map, or its context, never both, and names only clusters", () => {
        const clusters = { eu: { ...EU, context: undefined, serviceAnnotations: {}, skipWhileUnreachable: false }, us: { ...US, serviceAnnotations: {}, skipWhileUnreachable: false } };
        assert.deepStrictEqual(kubeconfigProblems(clusters, undefined), [
            `jitsi:clusterKubeconfigs.eu = (missing): cluster eu needs its kubeconfig (a secret) or clusters.eu.context; set it with 'pulumi config set --secret --path "jitsi:clusterKubeconfigs.<name>" "$(cat <kubeconfig file>)"'`,
        ]);
        assert.deepStrictEqual(kubeconfigProblems(clusters, JSON.stringify({ eu: "apiVersion: v1", us: "apiVersion: v1", ap: "x" })), [
            "jitsi:clusterKubeconfigs.us = (secret): contradicts clusters.us.context (us-admin): give one of the two",
            "jitsi:clusterKubeconfigs.ap = (secret): ap is not in clusters; add it there or remove the kubeconfig",
        ]);
        assert.deepStrictEqual(kubeconfigProblems(clusters, JSON.stringify({ eu: "apiVersion: v1" })), []);
    });

    it("refuses a kubeconfig stored in plain text, and hands a secret one to the provider as a secret", async () => {
        const plain = await runProgram(withConfig(twoRegions(), { "jitsi:clusters": { eu: { ...EU, context: undefined }, us: US }, "jitsi:clusterKubeconfigs": { eu: "apiVersion: v1 # eu" } }));
        assert.match(plain.error?.message ?? "", /jitsi:clusterKubeconfigs is stored in plain text/);
        const run = await runProgramOk(withConfig(twoRegions(), { "jitsi:clusters": { eu: { ...EU, context: undefined }, us: US }, "jitsi:clusterKubeconfigs": { eu: "apiVersion: v1 # eu" } }, ["jitsi:clusterKubeconfigs"]));
        const eu = run.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "cluster-eu")!;
        assert.strictEqual(eu.inputs.kubeconfig, "apiVersion: v1 # eu");
        assert.ok(eu.secretPaths.includes("kubeconfig"), "the kubeconfig reaches the provider as a secret");
        const us = run.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "cluster-us")!;
        assert.strictEqual(us.inputs.context, "us-admin");
        assert.strictEqual(us.inputs.kubeconfig, undefined);
        assert.strictEqual(us.inputs.clusterIdentifier, "us");
        assert.strictEqual(us.inputs.skipUpdateUnreachable, undefined);
        const down = await runProgramOk(withConfig(twoRegions(), { "jitsi:clusters": { eu: EU, us: { ...US, skipWhileUnreachable: true } } }));
        assert.strictEqual(down.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "cluster-us")!.inputs.skipUpdateUnreachable, "true");
        assert.strictEqual(down.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "kept-objects-us")!.inputs.skipUpdateUnreachable, "true");
        const keptEu = run.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "kept-objects-eu")!;
        assert.ok(keptEu.secretPaths.includes("kubeconfig"), "the kept-objects provider gets its cluster's kubeconfig, as a secret");
    });
});

describe("clusters: the program over two regions", function () {
    this.timeout(120_000);
    let run: Run;
    before(async () => {
        run = await runProgramOk(twoRegions());
    });

    it("sends every Kubernetes object to its own cluster's explicit provider, none to the default one, with unique URNs", () => {
        const kube = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.deepStrictEqual(kube.filter((r) => !r.provider).map((r) => `${r.type}::${r.name}`), []);
        // The kept namespaces and claims (lib/keptObjects.ts) go through their cluster's kept-objects provider, the rest through its own.
        const keptObjects = kube.filter((r) => r.retainOnDelete);
        assert.deepStrictEqual([...new Set(keptObjects.map((r) => `${r.type}::${r.name}`))].sort(), ["kubernetes:core/v1:Namespace::logging", "kubernetes:core/v1:Namespace::monitoring"]);
        for (const r of kube) {
            const provider = r.retainOnDelete ? `kept-objects-${clusterOf(r)}` : `cluster-${clusterOf(r)}`;
            assert.strictEqual(r.provider, `pulumi:providers:kubernetes::${provider}`, `${r.type}::${r.name} (${r.urn})`);
        }
        // Each kept-objects provider reaches its cluster as the cluster's own provider does (kubeconfig or context), with upsert on.
        const providers = run.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        assert.deepStrictEqual(providers.map((r) => r.name).sort(), ["cluster-eu", "cluster-us", "kept-objects-eu", "kept-objects-us"]);
        for (const cluster of ["eu", "us"]) {
            const own = providers.find((r) => r.name === `cluster-${cluster}`)!.inputs;
            const kept = providers.find((r) => r.name === `kept-objects-${cluster}`)!.inputs;
            assert.deepStrictEqual([kept.kubeconfig, kept.context, kept.clusterIdentifier], [own.kubeconfig, own.context, own.clusterIdentifier], cluster);
            assert.deepStrictEqual([kept.upsertExistingObjects, kept.enableServerSideApply, kept.enablePatchForce], ["true", "true", "true"], cluster);
        }
        const urns = run.resources.map((r) => r.urn);
        assert.deepStrictEqual(urns.filter((u, i) => urns.indexOf(u) !== i), []);
        // Each shard's objects, its bridges' included, are in its cluster.
        for (const [shard, cluster] of [["shard-0", "eu"], ["shard-1", "eu"], ["shard-2", "us"], ["shard-3", "us"]]) {
            const own = kube.filter((r) => r.urn.includes(`jitsi:shard:Shard$`) && r.name.startsWith(`${shard}-`));
            assert.ok(own.some((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === `${shard}-jvb`));
            assert.deepStrictEqual([...new Set(own.map(clusterOf))], [cluster], shard);
        }
        // Each cluster has its own ops parts, router, TURN and monitoring.
        for (const cluster of ["eu", "us"]) {
            const components = run.resources.filter((r) => clusterOf(r) === cluster).map((r) => r.type);
            for (const t of ["jitsi:ops:OpsStack", "jitsi:routing:RoomRouter", "jitsi:turn:Turn", "jitsi:monitoring:MonitoringStack"]) assert.ok(components.includes(t), `${cluster} runs ${t}`);
        }
    });

    it("gives every router every shard (its region's active, the others' as backups) and every other router as a TLS peer", () => {
        const cfgs = haproxyCfgs(run);
        assert.strictEqual(cfgs.length, 2);
        for (const cm of cfgs) {
            const cluster = clusterOf(cm)!;
            const cfg: string = cm.inputs.data["haproxy.cfg"];
            const shards = cfg.slice(cfg.indexOf("\nbackend shards"), cfg.indexOf("\nbackend pages"));
            const servers = [...shards.matchAll(/^ {4}server (\S+) (\S+) id (\d+) .*$/gm)].map((m) => ({ name: m[1], id: Number(m[3]), backup: / backup /.test(m[0]) }));
            assert.deepStrictEqual(servers.map((s) => `${s.name}#${s.id}${s.backup ? " backup" : ""}`).sort(),
                cluster === "eu" ? ["shard-0#1", "shard-1#2", "shard-2#3 backup", "shard-3#4 backup"] : ["shard-0#1 backup", "shard-1#2 backup", "shard-2#3", "shard-3#4"]);
            // A room whose entry names any of the four is never stored anew (lib/haproxy.ts: an unknown shard's entry is).
            assert.match(cfg, /table_server_id\(shards\) -m int 1 2 3 4 \}/);
            assert.match(cfg, new RegExp(`http-request set-header X-Proxy-Region ${cluster === "eu" ? "eu-west" : "us-east"}\n`));
            const other = cluster === "eu" ? "us" : "eu";
            assert.strictEqual(cm.inputs.data["remote-peers.cfg"], `    server ${other}-router-0 192.0.2.169:10000\n    server ${other}-router-1 192.0.2.170:10000\n`);
            assert.match(cm.inputs.data["entrypoint.sh"], /bind :10000 \$tls"\n {2}echo " {4}default-server \$tls"/);
            assert.match(cm.inputs.data["entrypoint.sh"], /tls="ssl crt \$PEER_TLS_DIR\/peer.pem ca-file \$PEER_TLS_DIR\/ca.crt verify required"/);
        }
        // One CA for all clusters, its key never in plain text in an object.
        const secrets = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "router-peers-tls");
        assert.strictEqual(secrets.length, 2);
        for (const s of secrets) assert.deepStrictEqual(s.secretPaths, ["stringData"]);
        assert.deepStrictEqual(run.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert").map((r) => r.name), ["router-peers-ca"]);
    });

    it("opens each shard's web to the other clusters' routers on web's own port, through a LoadBalancer with the cluster's annotations", async () => {
        const annotated = await runProgramOk(withConfig(twoRegions(), { "jitsi:clusters": { eu: { ...EU, serviceAnnotations: { "networking.gke.io/load-balancer-type": "Internal" } }, us: US } }));
        const svc = annotated.resources.find((r) => r.type === "kubernetes:core/v1:Service" && r.name === "shard-0-web-regional")!;
        assert.strictEqual(svc.provider, "pulumi:providers:kubernetes::cluster-eu");
        assert.deepStrictEqual(svc.inputs.metadata.annotations, { "networking.gke.io/load-balancer-type": "Internal" });
        const web = annotated.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "shard-0-web")!.inputs.spec.template.spec.containers[0];
        const port = web.ports.find((p: any) => p.name === "http").containerPort;
        assert.strictEqual(svc.inputs.spec.ports[0].targetPort, port);
        const policy = annotated.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "shard-0-web-regional")!;
        assert.deepStrictEqual(policy.inputs.spec.ingress, [{ ports: [{ protocol: "TCP", port }] }]);
        const peer = annotated.resources.find((r) => r.type === "kubernetes:core/v1:Service" && r.name === "router-peer-1" && clusterOf(r) === "eu")!;
        assert.strictEqual(peer.inputs.spec.selector["statefulset.kubernetes.io/pod-name"], "router-1");
    });

    it("tells the shards their region: jicofo's local region, web's deploymentInfo.region", () => {
        const env = (name: string, container: string) => run.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === name || r.type === "kubernetes:apps/v1:StatefulSet" && r.name === name)!
            .inputs.spec.template.spec.containers.find((c: any) => c.name === container).env;
        assert.deepStrictEqual(env("shard-2-jicofo", "jicofo").filter((e: any) => e.name === "JICOFO_OCTO_REGION"), [{ name: "JICOFO_OCTO_REGION", value: "us-east" }]);
        assert.deepStrictEqual(env("shard-0-web", "web").filter((e: any) => e.name === "DEPLOYMENTINFO_REGION"), [{ name: "DEPLOYMENTINFO_REGION", value: "eu-west" }]);
    });

    it("outputs per cluster its region, regional entry, TURN and bridge ports", () => {
        const { clusters } = run.outputs;
        assert.deepStrictEqual(Object.keys(clusters), ["eu", "us"]);
        assert.strictEqual(clusters.us.region, "us-east");
        assert.strictEqual(clusters.us.entryService, "ingress-nginx/ingress-nginx-controller");
        // The address is read back from the Service the release made, in that cluster, by an id taken from the
        // release's status: unknown until the release exists, and a read with an unknown id is skipped in a
        // preview (pulumi/pulumi pkg/resource/deploy/step.go, ReadStep.Apply), so a first preview passes.
        const entryReads = run.reads.filter((r) => r.type === "kubernetes:core/v1:Service");
        assert.deepStrictEqual(entryReads.map((r) => [r.id, r.provider]), [
            ["ingress-nginx/ingress-nginx-controller", "pulumi:providers:kubernetes::cluster-eu"],
            ["ingress-nginx/ingress-nginx-controller", "pulumi:providers:kubernetes::cluster-us"],
        ]);
        assert.match(clusters.us.entryAddress, /^192\.0\.2\.\d+$/);
        assert.deepStrictEqual(clusters.us.entryHosts, ["us.meet.school.example"]);
        assert.strictEqual(clusters.us.turn.address, "198.51.100.20");
        assert.deepStrictEqual(Object.keys(clusters.us.jvbUdpPorts), ["shard-2", "shard-3"]);
        assert.strictEqual(clusters.eu.grafanaUrl, "https://eu.meet.school.example/grafana");
        assert.ok(run.secretOutputs.includes("grafanaAdminPasswords"));
    });

    it("has no entry address to read where the stack does not run the ingress controller", async () => {
        const production = readStackFile("production");
        const own = await runProgramOk(withConfig(twoRegions(), {
            "jitsi:ops": { ...JSON.parse(production.values["jitsi:ops"]), ingressNginx: { enabled: false } },
            "jitsi:turn": { ...JSON.parse(production.values["jitsi:turn"]), acmeHttpTarget: "ingress.example.svc.cluster.local:80" },
        }));
        assert.deepStrictEqual(own.reads.filter((r) => r.type === "kubernetes:core/v1:Service"), []);
        assert.strictEqual(own.outputs.clusters.eu.entryAddress, undefined);
    });

    it("changes only the routers when a cluster with a new shard is added", async () => {
        const three = await runProgramOk(withConfig(twoRegions(), {
            "jitsi:clusters": { eu: EU, us: US, ap: AP },
            "jitsi:shards": [{ name: "shard-0", cluster: "eu" }, { name: "shard-1", cluster: "eu" }, { name: "shard-2", cluster: "us" }, { name: "shard-3", cluster: "us" }, { name: "shard-4", cluster: "ap" }],
        }));
        const before = new Map(run.resources.map((r) => [r.urn, r]));
        const changed = three.resources.filter((r) => before.has(r.urn) && JSON.stringify(r.inputs) !== JSON.stringify(before.get(r.urn)!.inputs)).map((r) => `${clusterOf(r)}:${r.type}::${r.name}`);
        assert.deepStrictEqual(changed.sort(), ["eu:kubernetes:apps/v1:StatefulSet::router", "eu:kubernetes:core/v1:ConfigMap::router", "us:kubernetes:apps/v1:StatefulSet::router", "us:kubernetes:core/v1:ConfigMap::router"]);
        const added = three.resources.filter((r) => !before.has(r.urn));
        assert.deepStrictEqual([...new Set(added.map((r) => clusterOf(r) ?? r.type))].sort(), ["ap", "jitsi:cluster:ap", "pulumi:providers:kubernetes", "tls:index/certRequest:CertRequest", "tls:index/locallySignedCert:LocallySignedCert", "tls:index/privateKey:PrivateKey"]);
        assert.deepStrictEqual(three.resources.filter((r) => !new Set(three.resources.map((x) => x.urn)).has(r.urn)), []);
        assert.deepStrictEqual(run.resources.filter((r) => !three.resources.some((x) => x.urn === r.urn)).map((r) => r.urn), [], "nothing is removed");
        // The router of eu now knows shard-4 as a backup and ap's routers as peers.
        const eu = haproxyCfgs(three).find((c) => clusterOf(c) === "eu")!;
        assert.match(eu.inputs.data["haproxy.cfg"], /server shard-4 \S+ id 5 check backup /);
        assert.match(eu.inputs.data["remote-peers.cfg"], /server ap-router-1 /);
    });
});

/**
 * The program at the commit before clusters existed, run on the same configurations as this tree: the
 * objects it declares (types, names, inputs, secrets, dependencies, parents, delete options) must be
 * the same, byte for byte, for every stack file and variant. Skipped where that commit is not in the
 * repository (a shallow clone).
 */
const BEFORE_CLUSTERS = "980762b";

describe("clusters: a stack without clusters", function () {
    this.timeout(300_000);

    it("declares exactly what the program declared before clusters existed, for every stack file and variant", function () {
        const found = spawnSync("git", ["cat-file", "-e", `${BEFORE_CLUSTERS}^{commit}`], { cwd: ROOT });
        if (found.status !== 0) {
            if (process.env.CI) console.warn(`    commit ${BEFORE_CLUSTERS} is not in this clone (shallow?): skipping the comparison`);
            this.skip();
        }
        const configs: Record<string, StackConfig> = {
            development: readStackFile("development"),
            production: readStackFile("production"),
            visitors: visitorsVariant(),
            "all gateways": allGatewaysVariant(),
            ...Object.fromEntries(Object.entries(ACCESS_VARIANTS).map(([k, v]) => [k, v()])),
            ...Object.fromEntries(Object.entries(GATEWAY_VARIANTS).map(([k, v]) => [k, v()])),
        };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "before-clusters-"));
        try {
            execFileSync("sh", ["-c", `git archive ${BEFORE_CLUSTERS} | tar -x -C '${dir}'`], { cwd: ROOT });
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
            const input = path.join(dir, "configs.json");
            fs.writeFileSync(input, JSON.stringify(configs));
            const script = path.join(dir, "record.js");
            fs.writeFileSync(script, RECORD_SCRIPT);
            const record = (tree: string) => {
                const out = spawnSync("node", ["-r", "ts-node/register/transpile-only", script, tree, input], { cwd: tree, encoding: "utf8", maxBuffer: 1 << 30 });
                assert.strictEqual(out.status, 0, out.stderr);
                return JSON.parse(out.stdout) as Record<string, unknown[]>;
            };
            const before = record(dir);
            const now = record(ROOT);
            assert.deepStrictEqual(Object.keys(now), Object.keys(configs));
            for (const name of Object.keys(configs)) {
                assert.ok(before[name].length > 50, `${name}: ${before[name].length} objects`);
                assert.strictEqual(JSON.stringify(now[name]), JSON.stringify(before[name]), `${name} differs from the program before clusters`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/** Runs a tree's own recorder on each configuration; prints what it recorded, in the fields every version of the recorder has. */
const RECORD_SCRIPT = `
const path = require("path");
const [tree, input] = process.argv.slice(2);
const { runProgram } = require(path.join(tree, "scripts", "recorder"));
const configs = require(input);
(async () => {
    const out = {};
    for (const [name, config] of Object.entries(configs)) {
        const stack = name === "development" ? "development" : "production";
        const run = await runProgram(config, stack);
        if (run.error) throw run.error;
        out[name] = run.resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs, secretPaths: r.secretPaths, dependsOn: r.dependsOn, parent: r.parent, retainOnDelete: r.retainOnDelete, protect: r.protect }));
    }
    process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;
