/**
 * OpsStack and MonitoringStack, through the whole program with each stack file and with parts
 * switched off. Helm charts and cert-manager appear under mocks with their inputs only, so those
 * are what is checked.
 */
import * as assert from "assert";
import { Recorded, readStackFile, Run, runProgram, runProgramOk, stackFile, withConfig } from "./harness";
import { matches, named, objects, Obj, podTemplates } from "./objects";
import { ACCESS_VARIANTS, ALL_RECEIVERS, RECEIVER_SECRETS } from "./variants";

const CHART = "kubernetes:helm.sh/v4:Chart";
/** Charts whose hooks must run or whose CRDs the cluster shares are Helm releases (test/chartHooks.test.ts). */
const RELEASE = "kubernetes:helm.sh/v3:Release";
const CERT_MANAGER = "kubernetes-cert-manager:index:CertManager";

function charts(run: Run): Record<string, Obj> {
    return Object.fromEntries(run.resources.filter((r) => r.type === CHART || r.type === RELEASE).map((r) => [r.name, r.inputs]));
}

function resource(run: Run, type: string, name: string): Recorded {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.strictEqual(found.length, 1, `${type} ${name}`);
    return found[0];
}

/** Objects of API groups the cluster gets from CRDs, not from Kubernetes itself. */
function customResources(run: Run): Recorded[] {
    const builtIn = /^(v1|(apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io)\/\w+)$/;
    return run.resources.filter((r) => r.type.startsWith("kubernetes:") && typeof r.inputs.apiVersion === "string" && !builtIn.test(r.inputs.apiVersion));
}

for (const stack of ["development", "production"]) {
    describe(`ops and monitoring with Pulumi.${stack}.yaml`, function () {
        this.timeout(30_000);
        const file = stackFile(stack);
        let run: Run;

        before(async () => {
            run = await runProgramOk(readStackFile(stack), stack);
        });

        it("installs cert-manager, ingress-nginx, metrics-server, ECK logging and the kube-prometheus stack, and not the dashboard", () => {
            assert.deepStrictEqual(Object.keys(charts(run)).sort(), [
                "eck-operator",
                "ingress-nginx",
                "kube-prometheus-stack",
                "metrics-server",
                "prometheus-adapter",
            ]);
            assert.strictEqual(run.resources.filter((r) => r.type === CERT_MANAGER).length, 1);
            assert.deepStrictEqual(objects(run, "ClusterIssuer").map((o) => o.metadata.name).sort(), ["letsencrypt-production", "letsencrypt-staging"]);
            assert.deepStrictEqual(objects(run, "ClusterRoleBinding").map((o) => o.metadata.name).sort(), ["filebeat", "jitsi-jvb-node-reader"]);
        });

        it("pins every chart to an exact version from its project's repository", () => {
            for (const [name, chart] of Object.entries(charts(run))) {
                assert.match(chart.version, /^v?\d+\.\d+\.\d+$/, name);
                assert.match(chart.repositoryOpts.repo, /^https:\/\//, name);
            }
            const cm = run.resources.find((r) => r.type === CERT_MANAGER)!.inputs;
            assert.match(cm.helmOptions.version, /^v\d+\.\d+\.\d+$/);
            for (const es of [...objects(run, "Elasticsearch"), ...objects(run, "Kibana"), ...objects(run, "Beat")]) {
                assert.match(es.spec.version, /^\d+\.\d+\.\d+$/);
            }
        });

        it("creates every namespace it deploys into, and each custom resource after the chart that brings its CRD", () => {
            const created = new Set(objects(run, "Namespace").map((o) => o.metadata.name));
            const used = [
                ...objects(run).map((o) => o.metadata.namespace),
                ...Object.values(charts(run)).map((c) => c.namespace),
                run.resources.find((r) => r.type === CERT_MANAGER)!.inputs.helmOptions.namespace,
            ].filter((ns) => ns !== undefined && ns !== "kube-system");
            for (const ns of used) assert.ok(created.has(ns), `namespace ${ns} is not created`);

            const crdSource: Record<string, string> = {
                "cert-manager.io": `${CERT_MANAGER}::cert-manager`,
                "elasticsearch.k8s.elastic.co": `${RELEASE}::eck-operator`,
                "kibana.k8s.elastic.co": `${RELEASE}::eck-operator`,
                "beat.k8s.elastic.co": `${RELEASE}::eck-operator`,
                "monitoring.coreos.com": `${RELEASE}::kube-prometheus-stack`,
            };
            const custom = customResources(run);
            assert.ok(custom.length >= 10);
            for (const r of custom) {
                const group = r.inputs.apiVersion.split("/")[0];
                assert.ok(crdSource[group], `unexpected API group ${group}`);
                assert.ok(r.dependsOn.includes(crdSource[group]), `${r.inputs.kind} ${r.name} does not wait for ${crdSource[group]}`);
            }
        });

        it("issues certificates from the configured issuer on every Ingress, Let's Encrypt over HTTP-01 through nginx", () => {
            const issuer = file["jitsi:tls"].issuer;
            assert.strictEqual(named(run, "Ingress", "jitsi").metadata.annotations["cert-manager.io/cluster-issuer"], issuer);
            // One certificate per host: Grafana's Ingress orders none and is served with the Jitsi Ingress's.
            const grafanaIngress = charts(run)["kube-prometheus-stack"].values.grafana.ingress;
            assert.strictEqual(grafanaIngress.annotations, undefined);
            assert.strictEqual(grafanaIngress.tls, undefined);
            assert.deepStrictEqual(grafanaIngress.hosts, [named(run, "Ingress", "jitsi").spec.tls[0].hosts[0]]);
            for (const ci of objects(run, "ClusterIssuer")) {
                assert.strictEqual(ci.spec.acme.email, file["jitsi:tls"].acmeEmail);
                assert.deepStrictEqual(ci.spec.acme.solvers, [{ http01: { ingress: { ingressClassName: "nginx" } } }]);
                assert.match(ci.spec.acme.server, ci.metadata.name.endsWith("staging") ? /acme-staging-v02/ : /\/\/acme-v02/);
            }
            // The Jitsi Ingress waits for the controller's admission webhook and for the issuers.
            const ingress = resource(run, "kubernetes:networking.k8s.io/v1:Ingress", "router");
            assert.ok(ingress.dependsOn.includes(`${RELEASE}::ingress-nginx`));
            assert.ok(ingress.dependsOn.includes(`kubernetes:cert-manager.io/v1:ClusterIssuer::${issuer}`));
        });

        it("runs ingress-nginx as a LoadBalancer that keeps client addresses, sized per stack", () => {
            const controller = charts(run)["ingress-nginx"].values.controller;
            assert.strictEqual(controller.service.type, "LoadBalancer");
            assert.strictEqual(controller.service.externalTrafficPolicy, "Local");
            assert.strictEqual(controller.ingressClassResource.name, "nginx");
            assert.strictEqual(controller.replicaCount, file["jitsi:ops"]?.ingressNginx?.replicas ?? 1);
        });

        it("sizes Prometheus, Alertmanager and Grafana as the stack file says", () => {
            const values = charts(run)["kube-prometheus-stack"].values;
            const monitoring = file["jitsi:monitoring"];
            const spec = values.prometheus.prometheusSpec;
            assert.strictEqual(spec.retention, monitoring.prometheus.retention);
            assert.strictEqual(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, monitoring.prometheus.storage);
            assert.strictEqual(spec.replicas, monitoring.prometheus.replicas ?? 1);
            assert.strictEqual(values.alertmanager.alertmanagerSpec.replicas, monitoring.alertmanager?.replicas ?? 1);
            if (monitoring.prometheus.resources) assert.deepStrictEqual(spec.resources, monitoring.prometheus.resources);
        });

        it("serves Grafana under /grafana with the host's one certificate, a persistent volume it is recreated on, and a generated admin password kept secret", () => {
            const grafana = charts(run)["kube-prometheus-stack"].values.grafana;
            const host = file["jitsi:hosts"][0];
            assert.deepStrictEqual(grafana.persistence, {
                enabled: true,
                type: "pvc",
                size: file["jitsi:monitoring"].grafana?.storage ?? "5Gi",
                accessModes: ["ReadWriteOnce"],
                // Kept on uninstall: grafana chart templates/pvc.yaml puts persistence.annotations on the claim.
                annotations: { "helm.sh/resource-policy": "keep" },
            });
            assert.strictEqual(grafana["grafana.ini"].server.root_url, `https://${host}/grafana`);
            assert.strictEqual(grafana["grafana.ini"].server.serve_from_sub_path, true);
            assert.strictEqual(grafana.ingress.path, "/grafana");
            assert.deepStrictEqual(named(run, "Ingress", "jitsi").spec.tls, [{ hosts: file["jitsi:hosts"], secretName: "jitsi-tls" }]);
            // Recreate: the ReadWriteOnce volume cannot attach to a new pod on another node while the old pod runs.
            assert.deepStrictEqual(grafana.deploymentStrategy, { type: "Recreate" });

            const secret = named(run, "Secret", grafana.admin.existingSecret);
            assert.strictEqual(secret.metadata.namespace, "monitoring");
            assert.ok(secret.stringData[grafana.admin.passwordKey]);
            const recorded = run.resources.find((r) => r.inputs === secret)!;
            assert.deepStrictEqual(recorded.secretPaths, ["stringData"]);
            const password: string = secret.stringData["admin-password"];
            const elsewhere = JSON.stringify(run.resources.filter((r) => r !== recorded && r.type !== "random:index/randomPassword:RandomPassword").map((r) => r.inputs));
            assert.ok(!elsewhere.includes(password), "the Grafana password appears outside its Secret");
            assert.strictEqual(run.outputs.grafanaUrl, `https://${host}/grafana`);
        });

        it("serves the JVB autoscalers' metric from prometheus-adapter under exactly the name the HPAs ask for", () => {
            const rules = charts(run)["prometheus-adapter"].values.rules;
            const served: string[] = rules.custom.map((r: Obj) => r.name.as);
            const wanted = objects(run, "HorizontalPodAutoscaler").flatMap((h) => h.spec.metrics.filter((m: Obj) => m.type === "Pods").map((m: Obj) => m.pods.metric.name));
            assert.ok(wanted.length > 0);
            for (const name of wanted) assert.ok(served.includes(name), `HPA metric ${name} is not served`);
            const rule = rules.custom.find((r: Obj) => r.name.as === wanted[0]);
            assert.ok(rule.seriesQuery.startsWith(`${wanted[0]}{`));
            assert.match(rule.metricsQuery, /^avg\(/);
            assert.strictEqual(rules.default, false);
            assert.strictEqual(charts(run)["prometheus-adapter"].values.prometheus.url, "http://kube-prometheus-stack-prometheus.monitoring.svc");
        });

        it("leaves the resource metrics API to metrics-server alone", () => {
            assert.strictEqual(charts(run)["metrics-server"].values.apiService.create, true);
            assert.strictEqual(charts(run)["prometheus-adapter"].values.rules.resource, undefined);
        });

        it("scrapes JVB, jicofo, prosody, router and TURN metrics through PodMonitors in the namespaces Prometheus watches", () => {
            const monitors = objects(run, "PodMonitor");
            assert.deepStrictEqual(monitors.map((m) => m.metadata.name).sort(), ["jitsi-jicofo", "jitsi-jvb", "jitsi-prosody", "jitsi-router", "jitsi-turn"]);
            for (const m of monitors) {
                const targets = podTemplates(run).filter((t) => t.namespace === m.metadata.namespace && matches(m.spec.selector.matchLabels, t.labels));
                assert.ok(targets.length > 0, `${m.metadata.name} selects no pods`);
                for (const endpoint of m.spec.podMetricsEndpoints) {
                    assert.strictEqual(endpoint.path, "/metrics");
                    for (const t of targets) {
                        assert.ok(t.spec.containers[0].ports.some((p: Obj) => p.name === endpoint.port), `${t.workload.metadata.name} has no port ${endpoint.port}`);
                    }
                }
            }
            const jvbPort = named(run, "StatefulSet", "shard-0-jvb").spec.template.spec.containers[0].ports.find((p: Obj) => p.name === "metrics");
            assert.strictEqual(jvbPort.containerPort, 8080);
            const prosody = named(run, "Deployment", "shard-0-prosody").spec.template.spec.containers[0];
            assert.ok(prosody.env.some((e: Obj) => e.name === "PROSODY_ENABLE_METRICS" && e.value === "true"));
            const selector = charts(run)["kube-prometheus-stack"].values.prometheus.prometheusSpec.podMonitorNamespaceSelector;
            assert.deepStrictEqual(selector.matchExpressions[0].values.sort(), ["jitsi", "monitoring"]);
        });

        it("alerts on a shard's prosody or jicofo down, an unhealthy JVB, high stress, the HPA at its maximum, ICE failures and TURN down", () => {
            const rules = named(run, "PrometheusRule", "jitsi").spec.groups[0].rules;
            const byName = Object.fromEntries(rules.map((r: Obj) => [r.alert, r]));
            assert.deepStrictEqual(Object.keys(byName).sort(), [
                "JitsiIceFailuresRising",
                "JitsiJicofoDown",
                "JitsiJvbAutoscalerAtMaximum",
                "JitsiJvbStressHigh",
                "JitsiJvbUnhealthy",
                "JitsiProsodyDown",
                "JitsiTurnDown",
            ]);
            assert.strictEqual(byName.JitsiJvbStressHigh.expr, 'jitsi_jvb_stress{namespace="jitsi"} > 0.8 unless on (namespace, pod) jitsi_jvb_graceful_shutdown{namespace="jitsi"} == 1');
            assert.strictEqual(byName.JitsiJvbStressHigh.for, "5m");
            assert.match(byName.JitsiJvbAutoscalerAtMaximum.expr, /kube_horizontalpodautoscaler_status_current_replicas.*>= kube_horizontalpodautoscaler_spec_max_replicas/);
            assert.match(byName.JitsiProsodyDown.expr, /deployment=~"\.\+-prosody"/);
            assert.match(byName.JitsiIceFailuresRising.expr, /increase\(jitsi_jvb_ice_failed_total/);
            // coturn's container name, which the PodMonitor's targets carry as `container`.
            const coturn = named(run, "Deployment", "turn").spec.template.spec.containers[0];
            assert.strictEqual(byName.JitsiTurnDown.expr, `up{namespace="jitsi", container="${coturn.name}"} == 0 or absent(up{namespace="jitsi", container="${coturn.name}"})`);
        });

        it("provisions the Jitsi dashboard: conferences and participants per shard from jicofo, stress per JVB, JVB replicas per shard, bitrate", () => {
            const cm = named(run, "ConfigMap", "jitsi-dashboard");
            assert.strictEqual(cm.metadata.labels.grafana_dashboard, "1");
            assert.strictEqual(cm.metadata.namespace, "monitoring");
            const dashboard = JSON.parse(cm.data["jitsi.json"]);
            const exprs = dashboard.panels.map((p: Obj) => p.targets[0].expr).join("\n");
            for (const metric of ["jitsi_jvb_local_endpoints", "jitsi_jvb_conferences", "jitsi_jvb_stress", "kube_statefulset_status_replicas_ready", "jitsi_jvb_outgoing_bitrate"]) {
                assert.ok(exprs.includes(metric), metric);
            }
            // What an operator watches while a drained shard empties: by shard, the label jicofo's PodMonitor adds.
            assert.ok(exprs.includes('sum by (shard) (jitsi_jicofo_conferences{namespace="jitsi"})'));
            assert.ok(exprs.includes('sum by (shard) (jitsi_jicofo_participants_current{namespace="jitsi"})'));
            const jicofoMonitor = named(run, "PodMonitor", "jitsi-jicofo");
            assert.deepStrictEqual(jicofoMonitor.spec.podMetricsEndpoints[0].relabelings[0].targetLabel, "shard");
        });

        it("ships all container logs to Elasticsearch, deletes them after the configured days, and keeps Kibana internal", () => {
            const logging = file["jitsi:ops"].logging;
            const es = named(run, "Elasticsearch", "logs");
            const sets = Object.fromEntries(es.spec.nodeSets.map((s: Obj) => [s.name, s]));
            if (logging.masterNodes) {
                assert.strictEqual(sets.master.count, logging.masterNodes);
                assert.deepStrictEqual(sets.master.config["node.roles"], ["master"]);
                assert.strictEqual(sets.data.count, logging.dataNodes);
                assert.ok(!sets.data.config["node.roles"].includes("master"));
            } else {
                assert.deepStrictEqual(Object.keys(sets), ["default"]);
            }
            const dataSet = sets.data ?? sets.default;
            assert.strictEqual(dataSet.volumeClaimTemplates[0].spec.resources.requests.storage, logging.storage);

            const policy = JSON.parse(named(run, "ConfigMap", "filebeat-ilm").data["policy.json"]);
            // Age counts from the daily rollover, so the delete comes a day before the retention runs out.
            assert.strictEqual(policy.policy.phases.delete.min_age, `${logging.retentionDays - 1}d`);
            assert.strictEqual(policy.policy.phases.hot.actions.rollover.max_age, "1d");
            const beat = named(run, "Beat", "filebeat");
            assert.strictEqual(beat.spec.type, "filebeat");
            assert.strictEqual(beat.spec.config["setup.ilm.policy_file"], "/usr/share/filebeat/ilm/policy.json");
            const mounts = beat.spec.daemonSet.podTemplate.spec.containers[0].volumeMounts;
            assert.ok(mounts.some((m: Obj) => m.mountPath === "/usr/share/filebeat/ilm"));
            assert.ok(mounts.some((m: Obj) => m.mountPath === "/var/log/containers"));
            assert.ok(!objects(run, "Ingress").some((i) => i.metadata.namespace === "logging"), "Kibana must not be exposed");
            assert.strictEqual(named(run, "Kibana", "logs").spec.http.service.spec.type, "ClusterIP");
        });
    });
}

describe("ops and monitoring switched per stack", function () {
    this.timeout(30_000);
    const production = readStackFile("production");

    it("creates none of them when every part is off, and scales JVBs on CPU", async () => {
        const run = await runProgramOk(
            withConfig(production, {
                "jitsi:ops": { certManager: { enabled: false }, ingressNginx: { enabled: false }, metricsServer: { enabled: false }, logging: { enabled: false } },
                "jitsi:monitoring": { enabled: false },
                "jitsi:turn": { enabled: false },
            }),
        );
        assert.deepStrictEqual(charts(run), {});
        assert.strictEqual(run.resources.filter((r) => r.type === CERT_MANAGER).length, 0);
        assert.deepStrictEqual(customResources(run), []);
        assert.deepStrictEqual(objects(run, "Namespace").map((o) => o.metadata.name), ["jitsi"]);
        const prosody = named(run, "Deployment", "shard-0-prosody").spec.template.spec.containers[0];
        assert.ok(!prosody.env.some((e: Obj) => e.name === "PROSODY_ENABLE_METRICS"));
        assert.strictEqual(run.outputs.grafanaUrl, undefined);
    });

    it("leaves the resource metrics API alone when metrics-server is off, since managed clusters bring their own", async () => {
        // prometheus-adapter 5.3.0 creates the APIService v1beta1.metrics.k8s.io whenever rules.resource is set
        // (templates/resource-metrics-apiservice.yaml); GKE and AKS own that APIService already.
        const run = await runProgramOk(withConfig(production, { "jitsi:ops": { metricsServer: { enabled: false } } }));
        assert.strictEqual(charts(run)["metrics-server"], undefined);
        assert.strictEqual(charts(run)["prometheus-adapter"].values.rules.resource, undefined);
    });

    it("lets prometheus-adapter serve resource metrics when asked to, with node metrics labelled by node", async () => {
        const run = await runProgramOk(
            withConfig(production, { "jitsi:ops": { metricsServer: { enabled: false } }, "jitsi:monitoring": { ...stackFile("production")["jitsi:monitoring"], serveResourceMetrics: true } }),
        );
        const resource = charts(run)["prometheus-adapter"].values.rules.resource;
        assert.ok(resource.cpu.containerQuery && resource.memory.containerQuery);
        assert.deepStrictEqual(resource.cpu.resources.overrides.node, { resource: "node" });
        // The adapter's node query matches on `node`, which node-exporter's monitor now adds from the pod's node.
        const relabel = charts(run)["kube-prometheus-stack"].values["prometheus-node-exporter"].prometheus.monitor.relabelings;
        assert.deepStrictEqual(relabel, [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" }]);
    });

    it("refuses to let prometheus-adapter serve resource metrics next to metrics-server", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:monitoring": { serveResourceMetrics: true } }));
        assert.match(String(run.error?.message), /jitsi:monitoring\.serveResourceMetrics = true: must be false while ops\.metricsServer\.enabled is true/);
        assert.deepStrictEqual(run.resources, []);
    });

    it("gives the dashboard's login user read-only access, never cluster-admin", async () => {
        const run = await runProgramOk(withConfig(production, { "jitsi:ops": { dashboard: { enabled: true } } }));
        assert.strictEqual(charts(run)["kubernetes-dashboard"].namespace, "kubernetes-dashboard");
        const binding = named(run, "ClusterRoleBinding", "dashboard-viewer");
        assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" });
        assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "dashboard-viewer", namespace: "kubernetes-dashboard" }]);
        for (const b of objects(run, "ClusterRoleBinding")) assert.notStrictEqual(b.roleRef.name, "cluster-admin");
    });

    for (const [why, turn] of [
        ["TURN is off", { enabled: false }],
        ["TURN is external", { external: { host: "turn.provider.example", tlsPort: 443 } }],
    ] as const) {
        it(`neither scrapes nor alerts on a coturn the stack does not run (${why}), so no alert fires for ever`, async () => {
            const run = await runProgramOk(
                withConfig(production, { "jitsi:turn": turn, "jitsi:turnSharedSecret": "configured-turn-secret" }, ["jitsi:turnSharedSecret"]),
            );
            assert.strictEqual(objects(run, "Deployment").filter((d) => d.metadata.name === "turn").length, 0);
            assert.ok(!objects(run, "PodMonitor").some((m) => m.metadata.name === "jitsi-turn"));
            const rules = named(run, "PrometheusRule", "jitsi").spec.groups[0].rules;
            assert.deepStrictEqual(rules.filter((r: Obj) => /coturn|Turn/.test(`${r.alert} ${r.expr}`)), []);
        });
    }

    it("alerts on `absent(...)` only of containers the stack runs, with every optional part on or off", async () => {
        for (const config of [production, ACCESS_VARIANTS["all extras"](), withConfig(production, { "jitsi:turn": { enabled: false } })]) {
            const run = await runProgramOk(config);
            const running = new Set(podTemplates(run).flatMap((t) => t.spec.containers.map((c: Obj) => c.name)));
            for (const rule of named(run, "PrometheusRule", "jitsi").spec.groups[0].rules) {
                for (const [, container] of rule.expr.matchAll(/absent\([^)]*container="([^"]+)"/g)) {
                    assert.ok(running.has(container), `${rule.alert} waits for container ${container}, which this stack does not run`);
                }
            }
        }
    });

    it("orders every certificate from the issuer the stack chooses", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:tls": { issuer: "letsencrypt-staging", acmeEmail: "ops@school.example" } }));
        assert.strictEqual(named(run, "Ingress", "jitsi").metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-staging");
        assert.strictEqual(named(run, "Certificate", "turn-tls").spec.issuerRef.name, "letsencrypt-staging");
    });
});

describe("alerts reach people, and the charts' settings take effect", function () {
    this.timeout(30_000);
    const production = readStackFile("production");

    it("sends alerts by e-mail, webhook and chat through an AlertmanagerConfig whose credentials stay in a Secret", async () => {
        const run = await runProgramOk(
            withConfig(production, { "jitsi:monitoring": { alerts: { receivers: ALL_RECEIVERS } }, ...RECEIVER_SECRETS }, Object.keys(RECEIVER_SECRETS)),
        );
        const values = charts(run)["kube-prometheus-stack"].values;
        const config = named(run, "AlertmanagerConfig", values.alertmanager.alertmanagerSpec.alertmanagerConfiguration.name);
        assert.strictEqual(config.metadata.namespace, "monitoring", "the global AlertmanagerConfig lives in Alertmanager's namespace");
        assert.strictEqual(config.spec.route.receiver, "jitsi");
        const receiver = config.spec.receivers.find((r: Obj) => r.name === "jitsi");
        assert.deepStrictEqual(receiver.emailConfigs[0].authPassword, { name: "alertmanager-receivers", key: "email-password" });
        assert.strictEqual(receiver.emailConfigs[0].to, "oncall@school.example");
        assert.strictEqual(receiver.emailConfigs[0].requireTLS, true);
        assert.deepStrictEqual(receiver.webhookConfigs[0].urlSecret, { name: "alertmanager-receivers", key: "webhook-url" });
        assert.deepStrictEqual(receiver.slackConfigs[0].apiURL, { name: "alertmanager-receivers", key: "chat-url" });
        assert.strictEqual(receiver.slackConfigs[0].channel, "#jitsi");
        // Watchdog fires always, by design; it goes nowhere.
        assert.deepStrictEqual(config.spec.route.routes, [{ receiver: "null", matchers: [{ name: "alertname", value: "Watchdog|InfoInhibitor", matchType: "=~" }] }]);

        const secret = named(run, "Secret", "alertmanager-receivers");
        assert.deepStrictEqual(secret.stringData, {
            "email-password": "smtp-password-value",
            "webhook-url": "https://hooks.example/alert-token-value",
            "chat-url": "https://chat.example/hooks/chat-token-value",
        });
        const recorded = run.resources.find((r) => r.inputs === secret)!;
        assert.deepStrictEqual(recorded.secretPaths, ["stringData"]);
        const elsewhere = JSON.stringify(run.resources.filter((r) => r !== recorded).map((r) => r.inputs));
        for (const value of Object.values(RECEIVER_SECRETS)) assert.ok(!elsewhere.includes(value), "a receiver credential leaked");
    });

    it("keeps the chart's own Alertmanager configuration when no receiver is set", async () => {
        const run = await runProgram(production);
        assert.strictEqual(charts(run)["kube-prometheus-stack"].values.alertmanager.alertmanagerSpec.alertmanagerConfiguration, undefined);
        assert.deepStrictEqual(objects(run, "AlertmanagerConfig"), []);
    });

    it("refuses a receiver whose credential is missing, naming the secret setting", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:monitoring": { alerts: { receivers: { chat: {} } } } }));
        assert.match(String(run.error?.message), /jitsi:alertChatWebhookUrl = \(missing\): is required with monitoring\.alerts\.receivers\.chat/);
        assert.deepStrictEqual(run.resources, []);
    });

    it("scrapes ingress-nginx's metrics Service, and asks the chart for a disruption budget by the key it has", async () => {
        const run = await runProgram(production);
        const controller = charts(run)["ingress-nginx"].values.controller;
        assert.strictEqual(controller.metrics.enabled, true);
        assert.strictEqual(controller.minAvailable, 1);
        assert.strictEqual(controller.podDisruptionBudget, undefined);
        const monitor = named(run, "ServiceMonitor", "ingress-nginx");
        assert.strictEqual(monitor.metadata.namespace, "monitoring");
        assert.deepStrictEqual(monitor.spec.namespaceSelector, { matchNames: ["ingress-nginx"] });
        assert.deepStrictEqual(monitor.spec.endpoints.map((e: Obj) => e.port), ["metrics"]);
        const watched = charts(run)["kube-prometheus-stack"].values.prometheus.prometheusSpec.serviceMonitorNamespaceSelector.matchExpressions[0].values;
        assert.ok(watched.includes(monitor.metadata.namespace), "Prometheus picks up ServiceMonitors from the monitor's namespace");
    });

    it("restarts Filebeat when the retention changes, since it loads its lifecycle policy only at start", async () => {
        const annotation = async (days: number) => {
            const run = await runProgram(withConfig(production, { "jitsi:ops": { ...stackFile("production")["jitsi:ops"], logging: { ...stackFile("production")["jitsi:ops"].logging, retentionDays: days } } }));
            return named(run, "Beat", "filebeat").spec.daemonSet.podTemplate.metadata.annotations["jitsi-pulumi/config-sha256"];
        };
        const [a, b] = [await annotation(14), await annotation(30)];
        assert.match(a, /^[0-9a-f]{64}$/);
        assert.notStrictEqual(a, b);
    });
});
