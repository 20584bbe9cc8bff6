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
import { parse } from "yaml";
import { configChecksum, PEER_TLS_DIR, remoteShardTls, WEB_TLS_ENV, webClientVerifyNginxConf } from "../lib";
import { CLUSTER_DATASOURCES_FILE, CLUSTER_DATASOURCES_SECRET, remoteDatasources } from "../lib/prometheusGateway";
import { checkAll } from "../policy/invariants";
import { generatedPem, generatedSecret, Recorded, readStackFile, ROOT, Run, runProgram, runProgramOk, StackConfig, withConfig } from "./harness";
import { envValue } from "./objects";
import { ACCESS_VARIANTS, allGatewaysVariant, GATEWAY_VARIANTS, REGION_EU, REGION_US, twoRegionsVariant, visitorsVariant } from "./variants";

const EU = REGION_EU;
const US = REGION_US;
const AP = { region: "ap-south", context: "ap-admin", hosts: ["ap.meet.school.example"], turn: { host: "turn-ap.school.example", publicIp: "198.51.100.30" } };
const twoRegions = twoRegionsVariant;


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
        // A cluster or shard named ca: its certificate's resources would take its CA's URN (stack/certificates.ts).
        assert.deepStrictEqual(problems({ ...base, clusters: { ca: EU, us: US }, shards: [{ name: "ca", cluster: "ca" }, { name: "s", cluster: "us" }] }), [
            `jitsi:clusters.ca = "ca": must not be ca while clusters is set: the cluster's certificate would be named router-peers-ca like the stack's router-peers CA; choose another name`,
            `jitsi:shards[0].name = "ca": must not be ca while clusters is set: the shard's certificate would be named shard-web-ca like the stack's shard-web CA; choose another name`,
        ]);
        assert.deepStrictEqual(problems({ ...base, shards: [{ name: "ca" }] }), []);
    });

    it("keeps the fixed NodePorts of the Services other clusters reach below the bridges' ports, and routers within them", () => {
        const one = [{ name: "s", cluster: "eu", index: 3 }];
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: EU }, shards: one, jvb: { udpBasePort: 30019 } }), [
            "jitsi:jvb.udpBasePort = 30019: must be above 30019 while clusters is set: the Services the other clusters reach take fixed NodePorts " +
                "30000-30019 (shard 3's web at 30019), below the bridges' ports; raise jvb.udpBasePort or use lower shard numbers",
        ]);
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: EU }, shards: one, jvb: { udpBasePort: 30020 } }), []);
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: EU }, shards: one, router: { replicas: 9 } }), [
            "jitsi:router.replicas = 9: must be at most 8 while clusters is set: each router pod's peers port is a fixed NodePort at the bottom of nodePortRange (30000-30007)",
        ]);
        // A range too narrow for them: no jvb.udpBasePort could help (it must lie in the range), so the range is named.
        assert.deepStrictEqual(problems({ ...base, clusters: { eu: EU }, shards: one, nodePortRange: { min: 30000, max: 30015 }, jvb: { udpBasePort: 30005, maxReplicas: 2 } }), [
            "jitsi:nodePortRange.max = 30015: must be above 30019 while clusters is set: the Services the other clusters reach take fixed NodePorts " +
                "30000-30019 (shard 3's web at 30019) and the bridges' ports lie above them; widen nodePortRange or use lower shard numbers",
            'jitsi:shards = [{"name":"s","index":3,"drain":false,"cluster":"eu"}]: need JVB UDP ports up to 30306, beyond the NodePort range 30000-30015; ' +
                "lower jvb.udpBasePort, jvb.portStridePerShard or jvb.maxReplicas, or widen nodePortRange",
        ]);
        // Without clusters nothing of this applies.
        assert.deepStrictEqual(problems({ ...base, shards: [{ name: "s", index: 3 }], jvb: { udpBasePort: 30000 }, router: { replicas: 9 } }), []);
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
            const servers = [...shards.matchAll(/^ {4}server (\S+) (\S+) id (\d+) .*$/gm)].map((m) => ({ name: m[1], address: m[2], id: Number(m[3]), backup: / backup /.test(m[0]), line: m[0] }));
            assert.deepStrictEqual(servers.map((s) => `${s.name}#${s.id}${s.backup ? " backup" : ""}`).sort(),
                cluster === "eu" ? ["shard-0#1", "shard-1#2", "shard-2#3 backup", "shard-3#4 backup"] : ["shard-0#1 backup", "shard-1#2 backup", "shard-2#3", "shard-3#4"]);
            // The other region's shards over TLS, verified against the shard-web CA and each shard's own name, with the
            // routers' client certificate, checks included (lib/shardWebTls.ts); the own region's in plain HTTP as before.
            const pages = cfg.slice(cfg.indexOf("\nbackend pages"));
            for (const s of servers) {
                const inPages = pages.split("\n").find((l) => l.startsWith(`    server ${s.name} `))!;
                if (s.backup) {
                    assert.match(s.address, /^192\.0\.2\.\d+:443$/, s.line);
                    const tls = ` ${remoteShardTls(s.name)} `;
                    assert.ok(s.line.includes(tls) && inPages.includes(tls), s.line);
                    // The shard's name as SNI too: from HAProxy 3.3 an unset SNI is the request's Host, which is then what is verified (lib/shardWebTls.ts).
                    assert.strictEqual(remoteShardTls(s.name), `ssl sni str(${s.name}-web-regional) check-sni ${s.name}-web-regional crt ${PEER_TLS_DIR}/shard-web-client.pem ca-file ${PEER_TLS_DIR}/shard-web-ca.crt verify required verifyhost ${s.name}-web-regional`);
                } else {
                    assert.strictEqual(s.address, `${s.name}-web.jitsi.svc.cluster.local:80`);
                    assert.ok(!/ ssl /.test(s.line) && !/ ssl /.test(inPages), s.line);
                }
            }
            // A room whose entry names any of the four is never stored anew (lib/haproxy.ts: an unknown shard's entry is).
            assert.match(cfg, /table_server_id\(shards\) -m int 1 2 3 4 \}/);
            assert.match(cfg, new RegExp(`http-request set-header X-Proxy-Region ${cluster === "eu" ? "eu-west" : "us-east"}\n`));
            const other = cluster === "eu" ? "us" : "eu";
            assert.strictEqual(cm.inputs.data["remote-peers.cfg"], `    server ${other}-router-0 192.0.2.169:10000\n    server ${other}-router-1 192.0.2.170:10000\n`);
            assert.match(cm.inputs.data["entrypoint.sh"], /bind :10000 \$tls"\n {2}echo " {4}default-server \$tls"/);
            assert.match(cm.inputs.data["entrypoint.sh"], /tls="ssl crt \$PEER_TLS_DIR\/peer.pem ca-file \$PEER_TLS_DIR\/ca.crt verify required"/);
        }
        // One CA per purpose for all clusters, its key never in plain text in an object; the routers' Secret also
        // holds their client certificate for the other clusters' shards and the shard-web CA.
        const secrets = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "router-peers-tls");
        assert.strictEqual(secrets.length, 2);
        // One CA per purpose: the routers' peers, the shards' web, the Prometheus gateways (stack/monitoringClusters.ts).
        for (const s of secrets) {
            assert.deepStrictEqual(s.secretPaths, ["stringData"]);
            const cluster = clusterOf(s)!;
            assert.deepStrictEqual(s.inputs.stringData, {
                "peer.pem": `${generatedPem("CERTIFICATE", `router-peers-${cluster}`)}${generatedPem("PRIVATE KEY", `router-peers-${cluster}`)}`,
                "ca.crt": `${generatedPem("CERTIFICATE", `router-peers-ca`)}`,
                "shard-web-client.pem": `${generatedPem("CERTIFICATE", `shard-web-routers.${cluster}`)}${generatedPem("PRIVATE KEY", `shard-web-routers.${cluster}`)}`,
                "shard-web-ca.crt": `${generatedPem("CERTIFICATE", `shard-web-ca`)}`,
            });
        }
        assert.deepStrictEqual(run.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert").map((r) => r.name).sort(), ["monitoring-ca", "router-peers-ca", "shard-web-ca"]);
        const client = run.resources.find((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert" && r.name === "shard-web-routers.eu")!;
        assert.deepStrictEqual(client.inputs.allowedUses, ["digital_signature", "key_encipherment", "client_auth"]);
        // HAProxy (uid 99, gid 99) reads the Secret's 0440 files through the pod's fsGroup (without it they are root's).
        for (const set of run.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "router")) {
            const pod = set.inputs.spec.template.spec;
            const mode = pod.volumes.find((v: any) => v.name === "peers-tls").secret.defaultMode;
            assert.strictEqual(mode & 0o004, 0, "not world-readable");
            assert.strictEqual(pod.securityContext?.fsGroup, pod.containers[0].securityContext.runAsGroup);
        }
        // A renewed certificate restarts the routers (HAProxy reads it at start).
        for (const cm of cfgs) {
            const cluster = clusterOf(cm)!;
            const set = run.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "router" && clusterOf(r) === cluster)!;
            assert.deepStrictEqual(set.inputs.spec.template.metadata.annotations, configChecksum(cm.inputs.data["haproxy.cfg"], cm.inputs.data["remote-peers.cfg"], cm.inputs.data["entrypoint.sh"],
                `${generatedPem("CERTIFICATE", `router-peers-${cluster}`)}${generatedPem("CERTIFICATE", `shard-web-routers.${cluster}`)}`));
        }
    });

    it("opens each shard's web to the other clusters' routers on its TLS port only, through a LoadBalancer with the cluster's annotations", async () => {
        const annotated = await runProgramOk(withConfig(twoRegions(), { "jitsi:clusters": { eu: { ...EU, serviceAnnotations: { "networking.gke.io/load-balancer-type": "Internal" } }, us: US } }));
        const svc = annotated.resources.find((r) => r.type === "kubernetes:core/v1:Service" && r.name === "shard-0-web-regional")!;
        assert.strictEqual(svc.provider, "pulumi:providers:kubernetes::cluster-eu");
        assert.deepStrictEqual(svc.inputs.metadata.annotations, { "networking.gke.io/load-balancer-type": "Internal" });
        const deployment = annotated.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "shard-0-web")!.inputs;
        const web = deployment.spec.template.spec.containers[0];
        const tlsPort = web.ports.find((p: any) => p.name === "https").containerPort;
        const plainPort = web.ports.find((p: any) => p.name === "http").containerPort;
        // web/rootfs/defaults/default:17 (stable-11146-2): the HTTPS server's port.
        assert.strictEqual(tlsPort, 8443);
        assert.deepStrictEqual(svc.inputs.spec.ports, [{ name: "https", port: 443, targetPort: tlsPort, nodePort: 30016, protocol: "TCP" }]);
        const policy = annotated.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "shard-0-web-regional")!;
        assert.deepStrictEqual(policy.inputs.spec.ingress, [{ ports: [{ protocol: "TCP", port: tlsPort }] }]);
        // Web's plain port stays its own cluster's router's only.
        const own = annotated.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "shard-0-web")!;
        assert.deepStrictEqual(own.inputs.spec.ingress.map((i: any) => i.ports), [[{ protocol: "TCP", port: plainPort }]]);
        assert.ok(own.inputs.spec.ingress[0].from.length > 0);
        // The image's HTTPS server on (scripts/config:10, default:15), no HSTS (ssl.conf:26), no redirect of the plain server (default:8).
        for (const e of [...WEB_TLS_ENV, { name: "ENABLE_HTTP_REDIRECT", value: "0" }]) assert.strictEqual(envValue(web, e.name), e.value, e.name);
        // Its certificate where scripts/config:88 copies it from, a writable /storage for the copy (scripts/config:14),
        // and the client-certificate requirement among the nginx-custom files meet.conf:44 includes.
        const mounts = Object.fromEntries(web.volumeMounts.map((m: any) => [m.mountPath, `${m.name}:${m.subPath ?? ""}`]));
        assert.strictEqual(mounts["/config/keys/cert.crt"], "regional-tls:cert.crt");
        assert.strictEqual(mounts["/config/keys/cert.key"], "regional-tls:cert.key");
        assert.strictEqual(mounts["/config/keys/client-ca.crt"], "regional-tls:client-ca.crt");
        assert.strictEqual(mounts["/config/nginx-custom/regional-tls.conf"], "custom-config:regional-tls.conf");
        assert.strictEqual(mounts["/storage"], "storage:");
        const volumes = Object.fromEntries(deployment.spec.template.spec.volumes.map((v: any) => [v.name, v]));
        assert.deepStrictEqual(volumes["regional-tls"].secret, { secretName: "shard-0-web-tls", defaultMode: 0o640 });
        assert.ok(volumes.storage.emptyDir);
        const config = annotated.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === "shard-0-web-config")!.inputs.data;
        assert.strictEqual(config["regional-tls.conf"], webClientVerifyNginxConf());
        assert.match(config["regional-tls.conf"], /^ssl_client_certificate \/config\/keys\/client-ca\.crt;\nssl_verify_client on;$/m);
        // The image copies the certificate at start: a renewed one restarts web (its text is in the checksum).
        assert.deepStrictEqual(deployment.spec.template.metadata.annotations, configChecksum(config["custom-config.js"], config["shard-health.conf"], config["visitors.conf"] ?? "",
            ...(config["etherpad.conf"] ? [config["etherpad.conf"]] : []), config["regional-tls.conf"], `${generatedPem("CERTIFICATE", `shard-web-shard-0`)}`));
        // The shard's certificate: server use only, its own name (what the routers' verifyhost requires), from the shard-web CA; key only in a secret.
        const cert = annotated.resources.find((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert" && r.name === "shard-web-shard-0")!;
        assert.deepStrictEqual(cert.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth"]);
        assert.strictEqual(cert.inputs.caCertPem, `${generatedPem("CERTIFICATE", `shard-web-ca`)}`);
        const request = annotated.resources.find((r) => r.type === "tls:index/certRequest:CertRequest" && r.name === "shard-web-shard-0")!;
        assert.deepStrictEqual(request.inputs.dnsNames, ["shard-0-web-regional"]);
        const secret = annotated.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "shard-0-web-tls")!;
        assert.strictEqual(secret.provider, "pulumi:providers:kubernetes::cluster-eu");
        assert.deepStrictEqual(secret.secretPaths, ["stringData"]);
        assert.deepStrictEqual(secret.inputs.stringData, {
            "cert.crt": `${generatedPem("CERTIFICATE", `shard-web-shard-0`)}`,
            "cert.key": `${generatedPem("PRIVATE KEY", `shard-web-shard-0`)}`,
            "client-ca.crt": `${generatedPem("CERTIFICATE", `shard-web-ca`)}`,
        });
        // No private key outside a secret path of a Kubernetes object.
        for (const r of annotated.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            const open = JSON.parse(JSON.stringify(r.inputs));
            for (const p of r.secretPaths) {
                const keys = p.split(".");
                const holder = keys.slice(0, -1).reduce((o: any, k) => o?.[k], open);
                if (holder) delete holder[keys.at(-1)!];
            }
            assert.doesNotMatch(JSON.stringify(open), /mock private key/, `${r.type}::${r.name}`);
        }
        const peer = annotated.resources.find((r) => r.type === "kubernetes:core/v1:Service" && r.name === "router-peer-1" && clusterOf(r) === "eu")!;
        assert.strictEqual(peer.inputs.spec.selector["statefulset.kubernetes.io/pod-name"], "router-1");
    });

    it("gives the Services other clusters reach fixed NodePorts in Kubernetes' static band, none a bridge's", () => {
        for (const cluster of ["eu", "us"]) {
            const services = run.resources.filter((r) => r.type === "kubernetes:core/v1:Service" && clusterOf(r) === cluster);
            const fixed = services.flatMap((r) => (r.inputs.spec.ports ?? []).filter((p: any) => p.nodePort !== undefined).map((p: any) => ({ service: r.name, port: p.nodePort, type: r.inputs.spec.type })));
            // Every LoadBalancer Service the program declares for other clusters fixes its NodePort; none is left to chance.
            const open = services.filter((r) => r.inputs.spec.type === "LoadBalancer" && /-regional$|^router-peer-/.test(r.name) && r.inputs.spec.ports.some((p: any) => p.nodePort === undefined));
            assert.deepStrictEqual(open.map((r) => r.name), []);
            const bridges = fixed.filter((f) => f.type === "NodePort").map((f) => f.port);
            const crossCluster = fixed.filter((f) => f.type === "LoadBalancer");
            assert.ok(crossCluster.length >= 3, `${cluster}: ${JSON.stringify(crossCluster)}`);
            // Kubernetes keeps the bottom 86 ports of 30000-32767 for fixed allocation (calculateRangeOffset: 2768 / 32).
            assert.ok(crossCluster.every((f) => f.port >= 30000 && f.port < 30000 + 86), JSON.stringify(crossCluster));
            assert.ok(crossCluster.every((f) => f.port < Math.min(...bridges)), JSON.stringify(crossCluster));
            const all = fixed.map((f) => f.port);
            assert.strictEqual(new Set(all).size, all.length, `${cluster}: a NodePort twice`);
        }
        const peer = (cluster: string, name: string) => run.resources.find((r) => r.name === name && r.type === "kubernetes:core/v1:Service" && clusterOf(r) === cluster)!.inputs.spec.ports[0].nodePort;
        // Fixed by the pod's ordinal: the same numbers in every cluster, each cluster its own nodes.
        assert.deepStrictEqual([peer("eu", "router-peer-0"), peer("eu", "router-peer-1"), peer("us", "router-peer-1")], [30000, 30001, 30001]);
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
        // A preview reads nothing (a read needs its cluster even in a preview: one region down would fail it);
        // with no deployment before, the address is not known yet.
        assert.deepStrictEqual(run.reads.filter((r) => r.type === "kubernetes:core/v1:Service"), []);
        assert.strictEqual(clusters.us.entryAddress, undefined);
        assert.deepStrictEqual(clusters.us.entryHosts, ["us.meet.school.example"]);
        assert.strictEqual(clusters.us.turn.address, "198.51.100.20");
        assert.deepStrictEqual(Object.keys(clusters.us.jvbUdpPorts), ["shard-2", "shard-3"]);
        assert.strictEqual(clusters.eu.grafanaUrl, "https://eu.meet.school.example/grafana");
        assert.ok(run.secretOutputs.includes("grafanaAdminPasswords"));
    });

    it("reads the entry address at pulumi up in each cluster after its release, and shows the recorded one in a preview or while a cluster is skipped", async () => {
        // `pulumi up` refuses the placeholders of the stack files (config/load.ts): real names and addresses here.
        const EU_REAL = { ...EU, hosts: ["eu.meet.school.de"], turn: { host: "turn-eu.school.de", publicIp: "145.253.7.1" } };
        const US_REAL = { ...US, hosts: ["us.meet.school.de"], turn: { host: "turn-us.school.de", publicIp: "145.253.7.2" } };
        const real = (us: object = US_REAL) => withConfig(twoRegions(), {
            "jitsi:hosts": ["meet.school.de"],
            "jitsi:turn": { host: "turn.school.de", publicIp: "145.253.7.3" },
            "jitsi:tls": { issuer: "letsencrypt-production", acmeEmail: "ops@school.de", dns01: { provider: "cloudflare" } },
            "jitsi:clusters": { eu: EU_REAL, us },
        });
        const up = await runProgramOk(real(), "test", { preview: false });
        // The Service the release made, in that cluster, by an id from the release's status: the read follows the release.
        assert.deepStrictEqual(up.reads.filter((r) => r.type === "kubernetes:core/v1:Service").map((r) => [r.id, r.provider]), [
            ["ingress-nginx/ingress-nginx-controller", "pulumi:providers:kubernetes::cluster-eu"],
            ["ingress-nginx/ingress-nginx-controller", "pulumi:providers:kubernetes::cluster-us"],
        ]);
        assert.match(up.outputs.clusters.us.entryAddress, /^192\.0\.2\.\d+$/);
        const last = { clusters: { eu: { entryAddress: "203.0.113.7" }, us: { entryAddress: "203.0.113.8" } } };
        const preview = await runProgramOk(twoRegions(), "test", { previousOutputs: last });
        assert.deepStrictEqual(preview.reads.filter((r) => r.type === "kubernetes:core/v1:Service"), []);
        assert.deepStrictEqual([preview.outputs.clusters.eu.entryAddress, preview.outputs.clusters.us.entryAddress], ["203.0.113.7", "203.0.113.8"]);
        // us unreachable and skipped: its read would come back empty; eu is still read.
        const skipped = await runProgramOk(real({ ...US_REAL, skipWhileUnreachable: true }), "test", { preview: false, previousOutputs: last });
        assert.deepStrictEqual(skipped.reads.filter((r) => r.type === "kubernetes:core/v1:Service").map((r) => r.provider), ["pulumi:providers:kubernetes::cluster-eu"]);
        assert.strictEqual(skipped.outputs.clusters.us.entryAddress, "203.0.113.8");
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
        // The routers, and each Grafana's data sources, which now name ap's Prometheus gateway (stack/monitoringClusters.ts).
        assert.deepStrictEqual(changed.sort(), [
            "eu:kubernetes:apps/v1:StatefulSet::router", "eu:kubernetes:core/v1:ConfigMap::router", "eu:kubernetes:core/v1:Secret::grafana-cluster-datasources",
            "us:kubernetes:apps/v1:StatefulSet::router", "us:kubernetes:core/v1:ConfigMap::router", "us:kubernetes:core/v1:Secret::grafana-cluster-datasources",
        ]);
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

describe("clusters: one place to see all shards (each Grafana, every cluster's Prometheus)", function () {
    this.timeout(180_000);
    let three: Run;
    const THREE = { "jitsi:clusters": { eu: EU, us: US, ap: AP }, "jitsi:shards": [{ name: "shard-0", cluster: "eu" }, { name: "shard-1", cluster: "us" }, { name: "shard-2", cluster: "ap" }] };
    const inCluster = (run: Run, cluster: string, type: string, name: string) => {
        const found = run.resources.filter((r) => r.type === type && r.name === name && clusterOf(r) === cluster);
        assert.strictEqual(found.length, 1, `${cluster}: ${type}::${name}`);
        return found[0];
    };
    const gatewayKinds = (run: Run) => run.resources.filter((r) => r.type === "jitsi:monitoring:PrometheusGateway" || r.name === CLUSTER_DATASOURCES_SECRET || r.name.startsWith("monitoring-"));
    before(async () => {
        three = await runProgramOk(withConfig(twoRegions(), THREE));
    });

    it("gives each cluster's Grafana a data source per other cluster, through that cluster's gateway, its key only in a Secret", () => {
        const all = ["eu", "us", "ap"];
        const region: Record<string, string> = { eu: EU.region, us: US.region, ap: AP.region };
        for (const cluster of all) {
            const secret = inCluster(three, cluster, "kubernetes:core/v1:Secret", CLUSTER_DATASOURCES_SECRET);
            assert.strictEqual(secret.provider, `pulumi:providers:kubernetes::cluster-${cluster}`);
            // Where and how Grafana's datasource sidecar finds it: its own namespace, label grafana_datasource="1", Secrets too
            // (kube-prometheus-stack 88.5.3 values.yaml:1557,1597-1598; grafana chart 12.11.1 values.yaml:1303,1311,1315, read by
            // templates/_pod.tpl:893,905,916; its ClusterRole reads secrets: templates/clusterrole.yaml:16).
            assert.strictEqual(secret.inputs.metadata.namespace, "monitoring");
            assert.strictEqual(secret.inputs.metadata.labels.grafana_datasource, "1");
            assert.deepStrictEqual(secret.secretPaths, ["stringData"]);
            const file = parse(secret.inputs.stringData[CLUSTER_DATASOURCES_FILE]);
            assert.strictEqual(file.apiVersion, 1);
            const others = all.filter((c) => c !== cluster);
            assert.deepStrictEqual(file.datasources.map((d: any) => d.name), others.map((o) => `Prometheus ${o} (region ${region[o]})`));
            for (const [i, other] of others.entries()) {
                const ds = file.datasources[i];
                const gateway = inCluster(three, other, "kubernetes:core/v1:Service", "prometheus-gateway");
                assert.strictEqual(gateway.inputs.spec.type, "LoadBalancer");
                assert.strictEqual(ds.url, `https://${three.outputs.clusters[other].prometheusGateway}:${gateway.inputs.spec.ports[0].port}`);
                assert.match(ds.url, /^https:\/\/192\.0\.2\.\d+:9443$/);
                assert.deepStrictEqual([ds.type, ds.uid, ds.access, ds.isDefault], ["prometheus", `prometheus-${other}`, "proxy", false]);
                // grafana-plugin-sdk-go backend/http_settings.go parseHTTPSettings: serverName is read only with tlsAuth or tlsAuthWithCACert.
                assert.deepStrictEqual(ds.jsonData, { httpMethod: "POST", timeInterval: "30s", tlsAuth: true, tlsAuthWithCACert: true, tlsSkipVerify: false, serverName: `prometheus-gateway.${other}.jitsi.internal`,
                    manageAlerts: false, allowAsRecordingRulesTarget: false });
                assert.deepStrictEqual(ds.secureJsonData, {
                    tlsCACert: generatedPem("CERTIFICATE", "monitoring-ca"),
                    tlsClientCert: generatedPem("CERTIFICATE", `monitoring-${cluster}-grafana`),
                    tlsClientKey: generatedPem("PRIVATE KEY", `monitoring-${cluster}-grafana`),
                });
                // The gateway's certificate names what Grafana checks, for server use only; Grafana's for client use only; both from the monitoring CA.
                const serverCert = three.resources.find((r) => r.type === "tls:index/certRequest:CertRequest" && r.name === `monitoring-${other}-gateway`)!;
                assert.deepStrictEqual(serverCert.inputs.dnsNames, [ds.jsonData.serverName]);
            }
            const signed = (name: string) => three.resources.find((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert" && r.name === name)!.inputs;
            assert.deepStrictEqual(signed(`monitoring-${cluster}-grafana`).allowedUses, ["digital_signature", "key_encipherment", "client_auth"]);
            assert.deepStrictEqual(signed(`monitoring-${cluster}-gateway`).allowedUses, ["digital_signature", "key_encipherment", "server_auth"]);
            assert.strictEqual(signed(`monitoring-${cluster}-grafana`).caCertPem, generatedPem("CERTIFICATE", "monitoring-ca"));
            // The gateway verifies its clients against the monitoring CA, not the routers' peers CA.
            const tls = inCluster(three, cluster, "kubernetes:core/v1:Secret", "prometheus-gateway-tls");
            assert.deepStrictEqual(tls.secretPaths, ["stringData"]);
            assert.deepStrictEqual(tls.inputs.stringData, {
                "server.pem": generatedPem("CERTIFICATE", `monitoring-${cluster}-gateway`) + generatedPem("PRIVATE KEY", `monitoring-${cluster}-gateway`),
                "ca.crt": generatedPem("CERTIFICATE", "monitoring-ca"),
            });
        }
        // No private key of the stack's CAs or certificates outside a Secret's secret data: not in a ConfigMap, not in the chart's values.
        const keys = three.resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey").map((r) => generatedSecret(r.name));
        // Three CAs (router peers, shard web, monitoring); per cluster a peer, a routers' web client, a gateway and a Grafana certificate; per shard a web certificate.
        const shardCount = three.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && /^shard-\d+-web$/.test(r.name)).length;
        assert.strictEqual(keys.length, 3 + 3 * 4 + shardCount);
        for (const r of three.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "kubernetes:core/v1:Secret")) {
            const text = JSON.stringify(r.inputs);
            assert.deepStrictEqual(keys.filter((k) => text.includes(k)), [], `${r.type}::${r.name} (${clusterOf(r)})`);
        }
        // The chart's values leave the datasource sidecar as verified above (on, label grafana_datasource, Secrets too).
        for (const release of three.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "kube-prometheus-stack")) {
            assert.strictEqual(release.inputs.values.grafana.sidecar.datasources, undefined);
        }
    });

    it("runs each gateway as the router runs HAProxy: the pinned image, non-root, read-only, probed, two pods, a budget, open on its TLS port only", () => {
        for (const cluster of ["eu", "us", "ap"]) {
            const deployment = inCluster(three, cluster, "kubernetes:apps/v1:Deployment", "prometheus-gateway").inputs;
            const router = inCluster(three, cluster, "kubernetes:apps/v1:StatefulSet", "router").inputs.spec.template.spec.containers[0];
            const pod = deployment.spec.template.spec;
            const c = pod.containers[0];
            assert.strictEqual(deployment.metadata.namespace, "jitsi");
            assert.strictEqual(deployment.spec.replicas, 2);
            assert.strictEqual(c.image, router.image);
            assert.deepStrictEqual(c.securityContext, router.securityContext);
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            // The Secret's files are group-readable only: the pod's fsGroup is HAProxy's group.
            assert.strictEqual(pod.securityContext.fsGroup, c.securityContext.runAsGroup);
            assert.strictEqual(pod.volumes.find((v: any) => v.name === "tls").secret.defaultMode, 0o440);
            assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
            const healthPort = c.ports.find((p: any) => p.name === "health").containerPort;
            assert.deepStrictEqual([c.readinessProbe.httpGet, c.livenessProbe.httpGet], [{ path: "/healthz", port: healthPort }, { path: "/healthz", port: healthPort }]);
            const https = c.ports.find((p: any) => p.name === "https").containerPort;
            const cfg: string = inCluster(three, cluster, "kubernetes:core/v1:ConfigMap", "prometheus-gateway").inputs.data["haproxy.cfg"];
            assert.match(cfg, new RegExp(`bind :${https} ssl crt /usr/local/etc/haproxy-tls/server.pem ca-file /usr/local/etc/haproxy-tls/ca.crt verify required\n`));
            assert.match(cfg, new RegExp(`bind :${healthPort}\n`));
            // The Prometheus Service prometheus-adapter reads too (components/monitoringStack.ts), by the name that resolves everywhere.
            assert.match(cfg, /server prometheus kube-prometheus-stack-prometheus\.monitoring\.svc\.cluster\.local:9090 /);
            const svc = inCluster(three, cluster, "kubernetes:core/v1:Service", "prometheus-gateway").inputs;
            assert.deepStrictEqual(svc.spec.ports.map((p: any) => [p.port, p.targetPort]), [[https, https]]);
            assert.deepStrictEqual(svc.spec.selector, deployment.spec.selector.matchLabels);
            const policy = inCluster(three, cluster, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "prometheus-gateway").inputs;
            assert.deepStrictEqual(policy.spec.podSelector.matchLabels, deployment.spec.selector.matchLabels);
            assert.deepStrictEqual(policy.spec.ingress, [{ ports: [{ protocol: "TCP", port: https }] }]);
            const budget = inCluster(three, cluster, "kubernetes:policy/v1:PodDisruptionBudget", "prometheus-gateway").inputs;
            assert.deepStrictEqual([budget.spec.maxUnavailable, budget.spec.selector.matchLabels], [1, deployment.spec.selector.matchLabels]);
        }
        // With the cluster's annotations, as its other LoadBalancer Services.
        assert.deepStrictEqual(three.resources.filter((r) => r.name === "prometheus-gateway" && r.type === "kubernetes:core/v1:Service").map((r) => r.inputs.metadata.annotations), [{}, {}, {}]);
    });

    it("writes a load balancer's IPv6 address in brackets and a cloud's host name as it is", () => {
        const urls = remoteDatasources([
            { cluster: "eu", region: "eu-west", address: "2001:db8::7" },
            { cluster: "us", region: "us-east", address: "a1b2.elb.us-east-1.amazonaws.com" },
        ], { cert: "c", key: "k", ca: "a" }).datasources.map((d) => new URL(d.url));
        assert.deepStrictEqual(urls.map((u) => [u.hostname, u.port]), [["[2001:db8::7]", "9443"], ["a1b2.elb.us-east-1.amazonaws.com", "9443"]]);
    });

    it("keeps every policy invariant in each cluster", () => {
        for (const cluster of ["eu", "us", "ap"]) {
            const objs = three.resources.filter((r) => r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string" && clusterOf(r) === cluster).map((r) => r.inputs);
            assert.deepStrictEqual(checkAll(objs), [], cluster);
        }
    });

    it("lets each cluster's Jitsi dashboard switch between the clusters' Prometheus; with one cluster it stays on the chart's", async () => {
        const dashboard = (run: Run, cluster?: string) =>
            JSON.parse(run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === "jitsi-dashboard" && clusterOf(r) === cluster)!.inputs.data["jitsi.json"]);
        const eu = dashboard(three, "eu");
        assert.deepStrictEqual(eu.templating.list.map((v: any) => [v.name, v.type, v.query, v.current.value]), [["datasource", "datasource", "prometheus", "prometheus"]]);
        assert.deepStrictEqual([...new Set(eu.panels.map((p: any) => p.datasource.uid))], ["${datasource}"]);
        const single = dashboard(await runProgramOk(readStackFile("production")));
        assert.deepStrictEqual(single.templating.list, []);
        assert.deepStrictEqual([...new Set(single.panels.map((p: any) => p.datasource.uid))], ["prometheus"]);
    });

    it("outputs each cluster's gateway address, and builds gateways only with another cluster's Grafana to read them", async () => {
        for (const cluster of ["eu", "us", "ap"]) assert.match(three.outputs.clusters[cluster].prometheusGateway, /^192\.0\.2\.\d+$/);
        const off = await runProgramOk(withConfig(twoRegions(), { ...THREE, "jitsi:monitoring": { enabled: false } }));
        assert.deepStrictEqual(gatewayKinds(off).map((r) => r.name), []);
        assert.strictEqual(off.outputs.clusters.eu.prometheusGateway, undefined);
        const one = await runProgramOk(withConfig(twoRegions(), { "jitsi:clusters": { eu: EU }, "jitsi:shards": [{ name: "shard-0", cluster: "eu" }] }));
        assert.deepStrictEqual(gatewayKinds(one).map((r) => r.name), []);
        assert.ok(one.resources.some((r) => r.type === "jitsi:monitoring:MonitoringStack"));
        const none = await runProgramOk(readStackFile("production"));
        assert.deepStrictEqual(gatewayKinds(none).map((r) => r.name), []);
        assert.ok(gatewayKinds(three).length > 0);
    });
});

/**
 * The program at the commit before clusters existed, run on the same configurations as this tree: the
 * objects it declares (types, names, inputs, secrets, dependencies, parents, delete options) must be
 * the same, byte for byte, for every stack file and variant. Skipped where that commit is not in the
 * repository (a shallow clone).
 */
const BEFORE_CLUSTERS = "2fd0005";

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
