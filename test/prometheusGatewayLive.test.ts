/**
 * The Prometheus gateway (components/prometheusGateway.ts) on loopback: a real Prometheus (Debian's) with
 * a tiny configuration, in front of it the real HAProxy with the configuration the program renders (the
 * recorded ConfigMap of a two-region stack, only its addresses and the certificates' directory
 * substituted), run as the gateway container runs (its uid, its capabilities, the Secret's files as the
 * kubelet mounts them with the pod's fsGroup), and curl as the other clusters' Grafana: the certificates
 * as the program issues them (stack/certificates.ts: ECDSA P-256, the monitoring CA, the gateway's with
 * its server name as DNS SAN for server use, Grafana's for client use), made with openssl. Needs
 * haproxy, prometheus, openssl and curl (.ci/debian-packages).
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { CLUSTER_DATASOURCES_FILE, CLUSTER_DATASOURCES_SECRET } from "../lib/prometheusGateway";
import { Recorded, Run, runProgramOk } from "./harness";
import { twoRegionsVariant } from "./variants";
import { commandPath, freePort, get, startHaproxy, tailLogs, waitFor, haproxyPath, requireCommands } from "./loopback";
import { asContainer, cannotRunAsPod } from "./podProcess";

describe("the Prometheus gateway on a real HAProxy in front of a real Prometheus, with mutual TLS", function () {
    this.timeout(120_000);
    let dir: string;
    let haproxy: string;
    let prometheus: string;
    const running: ChildProcess[] = [];
    const ports = { prometheus: 0, https: 0, health: 0 };
    /** What the eu gateway is rendered with, and what us's Grafana is told about it. */
    let gateway: { cfg: string; container: any; pod: any; tlsFiles: string[] };
    let serverName: string;

    const logs = () => tailLogs(dir, 20);

    before(async function () {
        requireCommands(this, ["haproxy", "prometheus", "openssl", "curl"], "the live gateway tests");
        haproxy = haproxyPath()!;
        prometheus = commandPath("prometheus")!;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "prometheus-gateway-"));
        fs.chmodSync(dir, 0o755);

        const run: Run = await runProgramOk(twoRegionsVariant());
        const inEu = (type: string, name: string): Recorded => run.resources.find((r) => r.type === type && r.name === name && r.urn.startsWith("jitsi:cluster:eu$"))!;
        const deployment = inEu("kubernetes:apps/v1:Deployment", "prometheus-gateway").inputs;
        gateway = {
            cfg: inEu("kubernetes:core/v1:ConfigMap", "prometheus-gateway").inputs.data["haproxy.cfg"],
            container: deployment.spec.template.spec.containers[0],
            pod: deployment.spec.template.spec,
            tlsFiles: Object.keys(inEu("kubernetes:core/v1:Secret", "prometheus-gateway-tls").inputs.stringData),
        };
        const usDatasources = run.resources.find((r) => r.name === CLUSTER_DATASOURCES_SECRET && r.urn.startsWith("jitsi:cluster:us$"))!;
        serverName = parse(usDatasources.inputs.stringData[CLUSTER_DATASOURCES_FILE]).datasources[0].jsonData.serverName;

        issueCertificates();

        ports.prometheus = await freePort();
        fs.writeFileSync(path.join(dir, "prometheus.yml"), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ["127.0.0.1:${ports.prometheus}"]\n`);
        // The admin API and lifecycle on (the operator turns lifecycle on: prometheus-operator v0.93.0
        // pkg/prometheus/promcfg.go:1246), so that what the gateway refuses would work without it.
        const log = fs.openSync(path.join(dir, "prometheus.log"), "a");
        const prom = spawn(prometheus, [
            `--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`,
            `--web.listen-address=127.0.0.1:${ports.prometheus}`, "--web.enable-admin-api", "--web.enable-lifecycle",
        ], { stdio: ["ignore", log, log] });
        fs.closeSync(log);
        running.push(prom);
        await waitFor("Prometheus to have scraped itself", async () => /"result":\[\{/.test((await get(ports.prometheus, "/api/v1/query?query=up")).body), logs);

        ports.https = await freePort();
        ports.health = await freePort();
        const https = gateway.container.ports.find((p: any) => p.name === "https").containerPort;
        const health = gateway.container.ports.find((p: any) => p.name === "health").containerPort;
        const tlsMount = gateway.container.volumeMounts.find((m: any) => m.name === "tls").mountPath;
        // Only the addresses and the certificates' directory differ from what the pod runs.
        const cfg = gateway.cfg
            .replace(`bind :${https} `, `bind 127.0.0.1:${ports.https} `)
            .replace(`bind :${health}\n`, `bind 127.0.0.1:${ports.health}\n`)
            .split(tlsMount).join(path.join(dir, "tls"))
            .replace(/server prometheus \S+:9090 /, `server prometheus 127.0.0.1:${ports.prometheus} `);
        assert.notStrictEqual(cfg, gateway.cfg);
        fs.writeFileSync(path.join(dir, "gateway.cfg"), cfg);
        const asPod = cannotRunAsPod() === undefined ? asContainer(gateway.container) : undefined;
        if (!asPod) console.warn(`    ${cannotRunAsPod()}: HAProxy runs as this user, not as the gateway pod's`);
        mountTlsSecret(asPod !== undefined);
        await startHaproxy(haproxy, { dir, name: "gateway", files: [path.join(dir, "gateway.cfg")], statsPort: ports.health, started: running, logs, prefix: asPod });
    });

    after(() => {
        for (const p of running) p.kill("SIGKILL");
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });

    /** A CA, and certificates signed by it with the program's key usages (stack/certificates.ts allowedUses). */
    function issueCertificates(): void {
        const ca = (name: string, cn: string) =>
            ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "1", "-subj", `/CN=${cn}`,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        const issue = (name: string, by: string, use: "serverAuth" | "clientAuth", dns?: string) => {
            ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
            const ext = `keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${use}\n${dns ? `subjectAltName=DNS:${dns}\n` : ""}`;
            fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
            ssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${by}.crt`, "-CAkey", `${by}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "1", "-extfile", `${name}.ext`);
        };
        ca("monitoring-ca", "jitsi monitoring CA");
        issue("eu-gateway", "monitoring-ca", "serverAuth", serverName);
        issue("us-grafana", "monitoring-ca", "clientAuth");
        // The routers' peers CA: another purpose of the same stack (stack/clusters.ts peerCertificates).
        ca("router-peers-ca", "jitsi router peers CA");
        issue("us-router", "router-peers-ca", "clientAuth");
    }

    /** The gateway's Secret as the kubelet mounts it for this pod: owned by root, its group the pod's fsGroup, defaultMode. */
    function mountTlsSecret(asPod: boolean): void {
        const tls = path.join(dir, "tls");
        fs.mkdirSync(tls);
        fs.chmodSync(tls, 0o755);
        const volume = gateway.pod.volumes.find((v: any) => v.name === "tls").secret;
        assert.deepStrictEqual([...gateway.tlsFiles].sort(), ["ca.crt", "server.pem"]);
        const contents: Record<string, string> = {
            "server.pem": fs.readFileSync(path.join(dir, "eu-gateway.crt"), "utf8") + fs.readFileSync(path.join(dir, "eu-gateway.key"), "utf8"),
            "ca.crt": fs.readFileSync(path.join(dir, "monitoring-ca.crt"), "utf8"),
        };
        for (const file of gateway.tlsFiles) {
            const at = path.join(tls, file);
            fs.writeFileSync(at, contents[file]);
            fs.chmodSync(at, volume.defaultMode);
            if (asPod) fs.chownSync(at, 0, gateway.pod.securityContext.fsGroup);
        }
    }

    /** curl as Grafana calls a data source: to the server name it was given (resolved to the gateway), with this client certificate. */
    function curl(urlPath: string, o: { cert?: string; method?: string; data?: string[]; pathAsIs?: boolean; tls?: "1.2" | "1.3" } = {}): { code: number; status: string; body: string; stderr: string } {
        const args = [
            "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
            ...(o.tls ? [`--tlsv${o.tls}`, "--tls-max", o.tls] : []),
            "--cacert", path.join(dir, "monitoring-ca.crt"),
            "--resolve", `${serverName}:${ports.https}:127.0.0.1`,
            ...(o.cert ? ["--cert", path.join(dir, `${o.cert}.crt`), "--key", path.join(dir, `${o.cert}.key`)] : []),
            ...(o.method ? ["-X", o.method] : []),
            ...(o.data ?? []).flatMap((d) => ["--data-urlencode", d]),
            ...(o.pathAsIs ? ["--path-as-is"] : []),
            `https://${serverName}:${ports.https}${urlPath}`,
        ];
        const out = spawnSync("curl", args, { encoding: "utf8" });
        const lines = out.stdout.split("\n");
        return { code: out.status ?? -1, status: lines.pop() ?? "", body: lines.join("\n"), stderr: out.stderr };
    }

    it("answers the other clusters' Grafana with Prometheus' data: queries (GET and POST), ranges, labels, series, metadata, version", () => {
        const query = curl("/api/v1/query", { cert: "us-grafana", data: ["query=up"] });
        assert.strictEqual(query.code, 0, query.stderr);
        assert.strictEqual(query.status, "200", query.body);
        const result = JSON.parse(query.body);
        assert.strictEqual(result.status, "success");
        assert.deepStrictEqual(result.data.result.map((r: any) => [r.metric.job, r.value[1]]), [["prometheus", "1"]]);
        const now = Math.floor(Date.now() / 1000);
        for (const p of [
            "/api/v1/query?query=up", `/api/v1/query_range?query=up&start=${now - 60}&end=${now}&step=5`, "/api/v1/labels", "/api/v1/label/job/values",
            "/api/v1/series?match[]=up", "/api/v1/metadata", "/api/v1/status/buildinfo", `/api/v1/query_exemplars?query=up&start=${now - 60}&end=${now}`,
        ]) {
            const res = curl(p.replace("[]", "%5B%5D"), { cert: "us-grafana" });
            assert.deepStrictEqual([res.code, res.status], [0, "200"], `${p}: ${res.stderr}${res.body}`);
            assert.strictEqual(JSON.parse(res.body).status, "success", p);
        }
        assert.deepStrictEqual(JSON.parse(curl("/api/v1/label/job/values", { cert: "us-grafana" }).body).data, ["prometheus"]);
    });

    it("does not complete the TLS handshake without a client certificate, with another CA's, or with the gateway's own server certificate", () => {
        for (const cert of [undefined, "us-router", "eu-gateway"]) {
            for (const tls of ["1.2", "1.3"] as const) {
                const who = `${cert ?? "no certificate"}, TLS ${tls}`;
                const res = curl("/api/v1/query?query=up", { cert, tls });
                assert.notStrictEqual(res.code, 0, `${who}: curl succeeded: ${res.status} ${res.body}`);
                assert.strictEqual(res.status, "000", `${who}: got an HTTP answer`);
                if (tls === "1.2") {
                    // The server refuses inside the handshake, before the client may send anything: curl reads its alert.
                    assert.match(res.stderr, /alert|certificate|handshake|SSL/i, who);
                } else {
                    // TLS 1.3: the server judges the client's certificate after the client's Finished (RFC 8446 4.4.2.4), and
                    // curl sends its request right behind it. HAProxy answers with an alert and closes; a request that
                    // arrives after the close makes the kernel reset the connection, and the reset may reach curl before
                    // it read the alert. HAProxy 3.2 reads a new connection at once (no wait for the poller) and closed
                    // first 20 times in 20 here, 2.6 in none: curl then says "reset" or "getpeername() failed" (55, 56)
                    // instead of the alert (56). Either way the connection was made, and broken by the gateway before any answer.
                    assert.ok([35, 55, 56].includes(res.code), `${who}: curl exit ${res.code}: ${res.stderr}`);
                }
            }
        }
        // The server's name is checked too: a Grafana told another cluster's name refuses this gateway.
        const wrongName = spawnSync("curl", ["-sS", "--max-time", "10", "--cacert", path.join(dir, "monitoring-ca.crt"), "--cert", path.join(dir, "us-grafana.crt"), "--key", path.join(dir, "us-grafana.key"),
            "--resolve", `prometheus-gateway.ap.jitsi.internal:${ports.https}:127.0.0.1`, `https://prometheus-gateway.ap.jitsi.internal:${ports.https}/api/v1/query?query=up`], { encoding: "utf8" });
        assert.notStrictEqual(wrongName.status, 0);
        assert.match(wrongName.stderr, /certificate|subject|name/i);
    });

    it("refuses the admin API, lifecycle, federation, the UI, other methods and disguised paths, which Prometheus itself would serve", async () => {
        const refused: [string, { method?: string; data?: string[]; pathAsIs?: boolean }, string][] = [
            ["/api/v1/admin/tsdb/delete_series?match%5B%5D=up", { method: "POST" }, "403"],
            ["/api/v1/admin/tsdb/snapshot", { method: "POST" }, "403"],
            ["/federate?match%5B%5D=up", {}, "403"],
            ["/-/reload", { method: "POST" }, "403"],
            ["/-/quit", { method: "POST" }, "403"],
            ["/api/v1/status/config", {}, "403"],
            ["/api/v1/targets", {}, "403"],
            // What Grafana would ask of an alerting or recording rules source: its data sources say neither (manageAlerts, allowAsRecordingRulesTarget).
            ["/api/v1/rules", {}, "403"],
            ["/api/v1/alerts", {}, "403"],
            ["/api/v1/write", { method: "POST" }, "403"],
            ["/graph", {}, "403"],
            ["/api/v1/query?query=up", { method: "PUT" }, "405"],
            ["/api/v1/query?query=up", { method: "DELETE" }, "405"],
            // Go decodes the path before Prometheus routes it: this is the admin API to Prometheus, not a query.
            ["/api/v1/%61dmin/tsdb/delete_series?match%5B%5D=up", { method: "POST" }, "403"],
            ["/api/v1/query/../admin/tsdb/delete_series?match%5B%5D=up", { method: "POST", pathAsIs: true }, "403"],
            ["/api/v1/label/..%2F..%2Fadmin%2Ftsdb%2Fdelete_series/values", { method: "POST" }, "403"],
            ["//api/v1/query?query=up", { pathAsIs: true }, "403"],
        ];
        for (const [p, o, status] of refused) {
            const res = curl(p, { cert: "us-grafana", ...o });
            assert.deepStrictEqual([res.code, res.status], [0, status], `${o.method ?? "GET"} ${p}: ${res.stderr}${res.body}`);
        }
        // What they would do without the gateway: the same Prometheus serves the admin API and federation.
        const direct = (p: string, method = "GET") => new Promise<number>((resolve, reject) => {
            const req = require("http").request({ host: "127.0.0.1", port: ports.prometheus, path: p, method, agent: false }, (res: any) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode));
            });
            req.on("error", reject);
            req.end();
        });
        assert.strictEqual(await direct("/federate?match%5B%5D=up"), 200);
        assert.strictEqual(await direct("/api/v1/%61dmin/tsdb/clean_tombstones", "POST"), 204);
        // And the data is still there.
        assert.match(curl("/api/v1/query?query=up", { cert: "us-grafana" }).body, /"job":"prometheus"/);
    });
});
