/**
 * Helm hooks, per chart and pinned version, and how the program serves each (issue 24 points 1 and 2).
 *
 * helm.v4.Chart renders a chart the way `helm template --no-hooks` does and applies what is left: every
 * template annotated `helm.sh/hook` is dropped (pulumi/pulumi-kubernetes
 * provider/pkg/provider/helm/v4/chart.go: `cmd.DisableHooks = true`, line 225 at v4.32.0 and line 230 at
 * the mirror's newest commit 94977969d, whose `includeHooks` the 4.34.2 SDK in node_modules also has: it
 * only works in renderYamlToDirectory mode, where nothing is applied). helm.v3.Release runs a real
 * `helm install`, hooks included (provider/pkg/provider/helm_release.go: `client.DisableHooks =
 * newRelease.DisableWebhooks`, false unless asked).
 *
 * So a chart whose hooks make something its pods need must be a Release, and a helm.v4.Chart is only
 * allowed where the values the program passes switch every hook template off (each guard below is the
 * template's own `if`, read at the tag). The table is keyed by chart@version: bumping a version in
 * lib/charts.ts fails here until the new version's templates are read again.
 *
 * CRDs the rest of the cluster shares are never deleted by this stack: charts bringing them are Releases
 * too. Helm installs a chart's crds/ only where absent and never deletes them, and leaves templated CRDs
 * annotated `helm.sh/resource-policy: keep` on uninstall; a later install under the same fixed release
 * name adopts them again. (A helm.v4.Chart's CRDs cannot come back: retained, they would make the next
 * create fail, because the 4.34.2 provider refuses to create over an existing object unless
 * upsertExistingObjects is set: provider/pkg/await/await.go, "The resource already exists in the cluster".)
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CERT_MANAGER_RELEASE, CHARTS, ChartRef, RELEASE_TIMEOUT_SECONDS } from "../lib/charts";
import { INGRESS_NGINX_RELEASE } from "../components/opsStack";
import { KPS_FULLNAME } from "../components/monitoringStack";
import { readStackFile, Recorded, Run, runProgram, runProgramOk, withConfig } from "./harness";

const V4_CHART = "kubernetes:helm.sh/v4:Chart";
const RELEASE = "kubernetes:helm.sh/v3:Release";
/** @pulumi/kubernetes-cert-manager 0.2.0: a component whose provider makes one helm.v3.Release
 *  (pulumi/pulumi-kubernetes-cert-manager provider/pkg/provider/chart.go with pulumi-go-helmbase:
 *  `helmv3.NewRelease(ctx, name+"-helm", ...)`, release name from helmOptions.name, else generated). */
const CERT_MANAGER = "kubernetes-cert-manager:index:CertManager";

type Values = Record<string, any>;
/** A value as the chart sees it: the program's, else the chart's default from values.yaml. */
function value(values: Values, path: string, chartDefault: unknown): unknown {
    let v: any = values;
    for (const key of path.split(".")) {
        if (v === null || typeof v !== "object" || !(key in v)) return chartDefault;
        v = v[key];
    }
    return v;
}

interface HookTemplate {
    /** The template file, as named in the chart at the pinned tag. */
    file: string;
    /** Its helm.sh/hook annotation. */
    hook: string;
    /** The template's guard: does it render with these values? */
    renders(values: Values): boolean;
}

interface ChartFacts {
    /** What was read, where. */
    source: string;
    hooks: HookTemplate[];
    /** A hook makes something the chart's own pods mount (the install never finishes without it). */
    hookMakesPodInput?: string;
    /** The chart brings CRDs other software in the cluster may use. */
    sharedCrds?: string;
    /** How the program installs it. */
    installedAs: "helm.v3.Release" | "helm.v4.Chart";
}

/** ingress-nginx 4.15.1: every job-patch template is guarded by
 *  `and admissionWebhooks.enabled admissionWebhooks.patch.enabled (not admissionWebhooks.certManager.enabled)`. */
function ingressNginxPatch(values: Values): boolean {
    const w = "controller.admissionWebhooks";
    return value(values, `${w}.enabled`, true) === true && value(values, `${w}.patch.enabled`, true) === true && value(values, `${w}.certManager.enabled`, false) !== true;
}
/** kube-prometheus-stack 88.5.3: every operator job-patch template is guarded by
 *  `and prometheusOperator.enabled admissionWebhooks.enabled admissionWebhooks.patch.enabled (not certManager.enabled)`. */
function kpsPatch(values: Values): boolean {
    const w = "prometheusOperator.admissionWebhooks";
    return (
        value(values, "prometheusOperator.enabled", true) === true &&
        value(values, `${w}.enabled`, true) === true &&
        value(values, `${w}.patch.enabled`, true) === true &&
        value(values, `${w}.certManager.enabled`, false) !== true
    );
}

const FACTS: Record<string, ChartFacts> = {
    // kubernetes/ingress-nginx at helm-chart-4.15.1, charts/ingress-nginx/templates/admission-webhooks/job-patch/.
    // controller-deployment.yaml:235-238 mounts Secret <fullname>-admission (volume webhook-cert) whenever
    // admissionWebhooks.enabled (values.yaml: true); job-createSecret.yaml (pre-install,pre-upgrade) is what
    // makes it, and job-patchWebhook.yaml (post-install,post-upgrade) writes the caBundle into
    // validating-webhook.yaml's ValidatingWebhookConfiguration (failurePolicy Fail, no caBundle of its own).
    "ingress-nginx@4.15.1": {
        source: "kubernetes/ingress-nginx helm-chart-4.15.1 charts/ingress-nginx",
        hooks: [
            { file: "templates/admission-webhooks/job-patch/clusterrole.yaml", hook: "pre-install,pre-upgrade,post-install,post-upgrade", renders: ingressNginxPatch },
            { file: "templates/admission-webhooks/job-patch/clusterrolebinding.yaml", hook: "pre-install,pre-upgrade,post-install,post-upgrade", renders: ingressNginxPatch },
            { file: "templates/admission-webhooks/job-patch/job-createSecret.yaml", hook: "pre-install,pre-upgrade", renders: ingressNginxPatch },
            { file: "templates/admission-webhooks/job-patch/job-patchWebhook.yaml", hook: "post-install,post-upgrade", renders: ingressNginxPatch },
            // also guarded by admissionWebhooks.patch.networkPolicy.enabled (values.yaml: false)
            { file: "templates/admission-webhooks/job-patch/networkpolicy.yaml", hook: "pre-install,pre-upgrade,post-install,post-upgrade", renders: (v) => ingressNginxPatch(v) && value(v, "controller.admissionWebhooks.patch.networkPolicy.enabled", false) === true },
            { file: "templates/admission-webhooks/job-patch/role.yaml", hook: "pre-install,pre-upgrade,post-install,post-upgrade", renders: ingressNginxPatch },
            { file: "templates/admission-webhooks/job-patch/rolebinding.yaml", hook: "pre-install,pre-upgrade,post-install,post-upgrade", renders: ingressNginxPatch },
            { file: "templates/admission-webhooks/job-patch/serviceaccount.yaml", hook: "pre-install,pre-upgrade,post-install,post-upgrade", renders: ingressNginxPatch },
        ],
        hookMakesPodInput: "Secret ingress-nginx-admission, mounted by the controller (job-createSecret.yaml)",
        installedAs: "helm.v3.Release",
    },
    // prometheus-community/helm-charts at kube-prometheus-stack-88.5.3, charts/kube-prometheus-stack.
    // templates/prometheus-operator/deployment.yaml:182-218 mounts Secret <fullname>-admission (tls-secret)
    // whenever prometheusOperator.tls.enabled (values.yaml: true), and only job-createSecret.yaml makes it.
    // The crds subchart's crds/crd-*.yaml (monitoring.coreos.com, 10 CRDs) carry no keep annotation: Helm
    // never deletes crds/ anyway. Subcharts kube-state-metrics-8.4.0 and prometheus-node-exporter-4.56.1
    // (same repository, their tags) have no hook; grafana 12.11.1 (grafana-community/helm-charts, not
    // mirrored) was not read: whatever hooks it has, Helm runs them, the chart being a Release.
    "kube-prometheus-stack@88.5.3": {
        source: "prometheus-community/helm-charts kube-prometheus-stack-88.5.3 charts/kube-prometheus-stack",
        hooks: [
            // charts/crds/templates/upgrade/*: guarded by crds.upgradeJob.enabled (values.yaml: false)
            ...["clusterrole.yaml", "clusterrolebinding.yaml", "crds.yaml", "job.yaml", "serviceaccount.yaml"].map((f) => ({
                file: `charts/crds/templates/upgrade/${f}`,
                hook: "pre-install,pre-upgrade,pre-rollback",
                renders: (v: Values) => value(v, "crds.upgradeJob.enabled", false) === true,
            })),
            // also guarded by prometheusOperator.networkPolicy.enabled (values.yaml: false) and its flavor
            ...["ciliumnetworkpolicy-createSecret.yaml", "networkpolicy-createSecret.yaml"].map((f) => ({
                file: `templates/prometheus-operator/admission-webhooks/job-patch/${f}`,
                hook: "pre-install,pre-upgrade",
                renders: (v: Values) => kpsPatch(v) && value(v, "prometheusOperator.networkPolicy.enabled", false) === true,
            })),
            ...["ciliumnetworkpolicy-patchWebhook.yaml", "networkpolicy-patchWebhook.yaml"].map((f) => ({
                file: `templates/prometheus-operator/admission-webhooks/job-patch/${f}`,
                hook: "post-install,post-upgrade",
                renders: (v: Values) => kpsPatch(v) && value(v, "prometheusOperator.networkPolicy.enabled", false) === true,
            })),
            ...["clusterrole.yaml", "clusterrolebinding.yaml", "role.yaml", "rolebinding.yaml", "serviceaccount.yaml"].map((f) => ({
                file: `templates/prometheus-operator/admission-webhooks/job-patch/${f}`,
                hook: "pre-install,pre-upgrade,post-install,post-upgrade",
                renders: kpsPatch,
            })),
            { file: "templates/prometheus-operator/admission-webhooks/job-patch/job-createSecret.yaml", hook: "pre-install,pre-upgrade", renders: kpsPatch },
            { file: "templates/prometheus-operator/admission-webhooks/job-patch/job-patchWebhook.yaml", hook: "post-install,post-upgrade", renders: kpsPatch },
        ],
        hookMakesPodInput: "Secret kube-prometheus-stack-admission, mounted by the Prometheus Operator (job-createSecret.yaml)",
        sharedCrds: "monitoring.coreos.com, charts/crds/crds/ (Helm installs them where absent and never deletes them)",
        installedAs: "helm.v3.Release",
    },
    // prometheus-community/helm-charts at prometheus-adapter-5.3.0, charts/prometheus-adapter/templates: no hook.
    "prometheus-adapter@5.3.0": { source: "prometheus-community/helm-charts prometheus-adapter-5.3.0", hooks: [], installedAs: "helm.v4.Chart" },
    // kubernetes-sigs/metrics-server at metrics-server-helm-chart-3.13.0, charts/metrics-server/templates: no
    // hook; its certificate is made by metrics-server itself (values.yaml tls.type: metrics-server).
    "metrics-server@3.13.0": { source: "kubernetes-sigs/metrics-server metrics-server-helm-chart-3.13.0", hooks: [], installedAs: "helm.v4.Chart" },
    // kubernetes/dashboard at kubernetes-dashboard-7.13.0: its own templates have no hook. Its enabled
    // subchart kong 2.46.0 (Kong/charts, read at commit 0861d30, not at the tag) has hooks only in
    // migrations-pre-upgrade.yaml / migrations-post-upgrade.yaml, guarded by `env.database != "off"`; kong's
    // default is "off" (DB-less) and the dashboard's values.yaml does not change it. templates/tests are
    // `helm.sh/hook: test`, which no install runs.
    "kubernetes-dashboard@7.13.0": {
        source: "kubernetes/dashboard kubernetes-dashboard-7.13.0 charts/kubernetes-dashboard; kong 2.46.0",
        hooks: [
            { file: "charts/kong/templates/migrations-pre-upgrade.yaml", hook: "pre-upgrade", renders: (v) => value(v, "kong.env.database", "off") !== "off" },
            { file: "charts/kong/templates/migrations-post-upgrade.yaml", hook: "post-upgrade", renders: (v) => value(v, "kong.env.database", "off") !== "off" },
        ],
        installedAs: "helm.v4.Chart",
    },
    // elastic/cloud-on-k8s at v3.4.1, deploy/eck-operator: no hook (templates/tests is .helmignore'd). The
    // operator makes its own webhook certificate into the Secret templates/webhook.yaml creates empty.
    // charts/eck-operator-crds/templates/all-crds.yaml: every CRD annotated helm.sh/resource-policy: keep.
    "eck-operator@3.4.1": {
        source: "elastic/cloud-on-k8s v3.4.1 deploy/eck-operator",
        hooks: [],
        sharedCrds: "*.k8s.elastic.co, charts/eck-operator-crds/templates/all-crds.yaml (resource-policy: keep)",
        installedAs: "helm.v3.Release",
    },
    // cert-manager/cert-manager at v1.19.4, deploy/charts/cert-manager: the startupapicheck Job, its
    // Role/RoleBinding and ServiceAccount are post-install hooks by values.yaml (startupapicheck.jobAnnotations,
    // .rbac.annotations, .serviceAccount.annotations: helm.sh/hook: post-install); it checks the webhook
    // answers before the install counts as done. templates/crd-*.yaml carry helm.sh/resource-policy: keep
    // under crds.keep (values.yaml: true; _helpers.tpl refuses installCRDs without it).
    "cert-manager@v1.19.4": {
        source: "cert-manager/cert-manager v1.19.4 deploy/charts/cert-manager",
        hooks: ["startupapicheck-job.yaml", "startupapicheck-rbac.yaml", "startupapicheck-serviceaccount.yaml"].map((f) => ({
            file: `templates/${f}`,
            hook: "post-install",
            renders: (v: Values) => value(v, "startupapicheck.enabled", true) === true,
        })),
        sharedCrds: "cert-manager.io, acme.cert-manager.io: templates/crd-*.yaml (resource-policy: keep)",
        installedAs: "helm.v3.Release",
    },
};

const key = (ref: ChartRef) => `${ref.chart}@${ref.version}`;

/** Pinned charts with no fact table for their exact version. */
function unread(charts: Record<string, ChartRef>): string[] {
    return Object.values(charts).map(key).filter((k) => !FACTS[k]);
}

interface Install {
    chart: string;
    version: string;
    releaseName: string;
    values: Values;
    installedAs: ChartFacts["installedAs"];
    recorded: Recorded;
}

/** Every chart the program installs, however it does. */
function installs(run: Run): Install[] {
    return run.resources.flatMap((r): Install[] => {
        if (r.type === V4_CHART || r.type === RELEASE) {
            const i = r.inputs;
            return [{ chart: i.chart, version: i.version, releaseName: i.name, values: i.values ?? {}, installedAs: r.type === RELEASE ? "helm.v3.Release" : "helm.v4.Chart", recorded: r }];
        }
        if (r.type === CERT_MANAGER) {
            const h = r.inputs.helmOptions;
            return [{ chart: CHARTS.certManager.chart, version: h.version, releaseName: h.name, values: { startupapicheck: r.inputs.startupapicheck ?? {} }, installedAs: "helm.v3.Release", recorded: r }];
        }
        return [];
    });
}

const production = readStackFile("production");
const VARIANTS = {
    development: readStackFile("development"),
    production,
    "production with the dashboard": withConfig(production, { "jitsi:ops": { ...JSON.parse(production.values["jitsi:ops"]), dashboard: { enabled: true } } }),
};

describe("Helm hooks and CRDs per chart at its pinned version", function () {
    this.timeout(60_000);

    it("has a fact table, read from the chart's templates, for every pinned chart version", () => {
        assert.deepStrictEqual(unread(CHARTS), []);
        // and none for a version no longer pinned
        const pinned = new Set(Object.values(CHARTS).map(key));
        assert.deepStrictEqual(Object.keys(FACTS).filter((k) => !pinned.has(k)), []);
    });

    it("fails for a chart bumped in lib/charts.ts until its templates are read again", () => {
        const bumped = { ...CHARTS, ingressNginx: { ...CHARTS.ingressNginx, version: "4.15.2" } };
        assert.deepStrictEqual(unread(bumped), ["ingress-nginx@4.15.2"]);
    });

    it("states in the table a way for every hook that makes a pod's input, and for every shared CRD, to be served", () => {
        for (const [k, facts] of Object.entries(FACTS)) {
            if (facts.hookMakesPodInput || facts.sharedCrds) assert.strictEqual(facts.installedAs, "helm.v3.Release", k);
        }
    });

    for (const [variant, config] of Object.entries(VARIANTS)) {
        describe(`with ${variant}`, () => {
            let run: Run;
            before(async () => {
                run = await runProgramOk(config, variant === "development" ? "development" : "production");
            });

            it("installs each chart the way its table says", () => {
                const seen = installs(run);
                assert.ok(seen.length >= 6, "the stack installs its charts");
                for (const i of seen) {
                    const facts = FACTS[`${i.chart}@${i.version}`];
                    assert.ok(facts, `no hook table for ${i.chart}@${i.version}`);
                    assert.strictEqual(i.installedAs, facts.installedAs, `${i.chart}@${i.version}`);
                }
            });

            it("renders no hook template through helm.v4.Chart, which would drop it", () => {
                for (const i of installs(run).filter((i) => i.installedAs === "helm.v4.Chart")) {
                    const dropped = FACTS[`${i.chart}@${i.version}`].hooks.filter((h) => h.renders(i.values)).map((h) => h.file);
                    assert.deepStrictEqual(dropped, [], `${i.chart}@${i.version}: hooks helm.v4.Chart would drop`);
                }
            });

            it("keeps the hooks that make the admission Secrets on: Helm runs them", () => {
                const byChart = Object.fromEntries(installs(run).map((i) => [i.chart, i]));
                for (const chart of ["ingress-nginx", "kube-prometheus-stack"]) {
                    const i = byChart[chart];
                    const createSecret = FACTS[`${i.chart}@${i.version}`].hooks.find((h) => h.file.endsWith("job-createSecret.yaml"))!;
                    assert.ok(createSecret.renders(i.values), `${chart}: job-createSecret.yaml is switched off, and nothing else makes the Secret`);
                }
            });

            it("installs every release under a fixed name, waiting for it, never uninstalling a failed one", () => {
                const names = Object.fromEntries(installs(run).map((i) => [i.chart, i.releaseName]));
                assert.strictEqual(names["cert-manager"], CERT_MANAGER_RELEASE);
                assert.strictEqual(run.resources.find((r) => r.type === CERT_MANAGER)!.inputs.helmOptions.timeout, RELEASE_TIMEOUT_SECONDS);
                assert.strictEqual(names["ingress-nginx"], INGRESS_NGINX_RELEASE);
                assert.strictEqual(names["kube-prometheus-stack"], KPS_FULLNAME);
                assert.strictEqual(names["eck-operator"], "eck-operator");
                for (const i of installs(run)) {
                    assert.match(i.releaseName ?? "", /^[a-z0-9-]+$/, `${i.chart}: release name`);
                    if (i.recorded.type !== RELEASE) continue;
                    const r = i.recorded.inputs;
                    assert.strictEqual(r.name, i.recorded.name, `${i.chart}: the release is named as the resource`);
                    assert.strictEqual(r.skipAwait, false);
                    assert.strictEqual(r.atomic, false);
                    // The program makes each namespace (with its pod-security labels) before the release.
                    assert.strictEqual(r.createNamespace, false);
                    assert.ok(i.recorded.dependsOn.includes(`kubernetes:core/v1:Namespace::${r.namespace}`), `${i.chart} waits for its namespace`);
                    assert.strictEqual(r.timeout, RELEASE_TIMEOUT_SECONDS);
                }
            });

            it("keeps the CRDs the cluster shares: installed by Helm releases, under charts that keep them", () => {
                for (const i of installs(run)) {
                    const facts = FACTS[`${i.chart}@${i.version}`];
                    if (!facts.sharedCrds) continue;
                    assert.strictEqual(i.installedAs, "helm.v3.Release", i.chart);
                }
                // No CRD is a Pulumi object of this stack, which a deletion would take with it.
                assert.deepStrictEqual(run.resources.filter((r) => r.inputs?.kind === "CustomResourceDefinition").map((r) => r.name), []);
                const kps = installs(run).find((i) => i.chart === "kube-prometheus-stack")!;
                assert.strictEqual(kps.values.crds.enabled, true);
                // the preview job that would force-apply CRDs is not asked for
                assert.strictEqual(value(kps.values, "crds.upgradeJob.enabled", false), false);
                assert.strictEqual(installs(run).find((i) => i.chart === "eck-operator")!.values.installCRDs, true);
                // cert-manager's templated CRDs carry keep only through installCRDs/crds.keep (chart default true)
                const certManager = run.resources.find((r) => r.type === CERT_MANAGER)!.inputs;
                assert.strictEqual(certManager.installCRDs, true);
                assert.strictEqual(certManager.crds, undefined);
            });

            it("orders the first deploy: namespaces, cert-manager and its issuers and ingress-nginx, then monitoring, then what they serve", () => {
                const deps = (type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name)!.dependsOn;
                const ingress = deps("kubernetes:networking.k8s.io/v1:Ingress", "router");
                assert.ok(ingress.includes(`${RELEASE}::${INGRESS_NGINX_RELEASE}`), "the Jitsi Ingress waits for ingress-nginx's admission webhook");
                // Grafana's Ingress comes with kube-prometheus-stack: the release waits for the controller too.
                const kps = deps(RELEASE, KPS_FULLNAME);
                assert.ok(kps.includes(`${RELEASE}::${INGRESS_NGINX_RELEASE}`));
                for (const issuer of ["letsencrypt-staging", "letsencrypt-production"]) {
                    assert.ok(deps("kubernetes:cert-manager.io/v1:ClusterIssuer", issuer).includes(`${CERT_MANAGER}::cert-manager`));
                }
                // Nothing in ingress-nginx's install waits for what waits for it.
                const ingressNginx = run.resources.find((r) => r.type === RELEASE && r.name === INGRESS_NGINX_RELEASE)!;
                assert.deepStrictEqual(ingressNginx.dependsOn, [`kubernetes:core/v1:Namespace::${ingressNginx.inputs.namespace}`]);
            });
        });
    }
});

describe("the ingress controller's load balancer", function () {
    this.timeout(60_000);

    // Helm's wait (pkg/kube/ready.go serviceReady, helm v3.20 as in the provider's go.mod) counts a
    // LoadBalancer Service ready only once status.loadBalancer.ingress is set, and install runs the
    // post-install hooks (ingress-nginx 4.15.1 job-patchWebhook.yaml: the webhook's caBundle) after the
    // wait (pkg/action/install.go). The prerequisites must say a LoadBalancer implementation is needed.
    it("is a prerequisite the README names, since pulumi up waits for its address", async () => {
        const run = await runProgramOk(readStackFile("production"), "production");
        const release = run.resources.find((r) => r.type === RELEASE && r.name === INGRESS_NGINX_RELEASE)!.inputs;
        assert.strictEqual(release.skipAwait, false);
        assert.strictEqual(release.values.controller.service.type, "LoadBalancer");
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        const prerequisites = readme.split("## Prerequisites")[1].split("\n## ")[0];
        assert.match(prerequisites, /Services of type LoadBalancer get an address/);
        assert.match(prerequisites, /`pulumi up` waits for the ingress controller's/);
    });
});

describe("a cluster that already runs one of the ops parts", function () {
    this.timeout(60_000);
    const production = readStackFile("production");

    it("refuses to take over the cluster's resource metrics API when the provider would create over existing objects", async () => {
        const upsert = withConfig(production, { "kubernetes:upsertExistingObjects": "true" });
        const run = await runProgram(upsert, "production");
        assert.ok(run.error, "the program refuses");
        assert.match(run.error!.message, /jitsi:ops\.metricsServer\.enabled is true while the Kubernetes provider's upsertExistingObjects is on/);
        assert.match(run.error!.message, /kubectl get apiservice v1beta1\.metrics\.k8s\.io/);
        assert.deepStrictEqual(run.resources.filter((r) => r.type.startsWith("kubernetes:")), [], "before anything is declared");
        // prometheus-adapter registering the same API is refused the same way.
        const adapter = withConfig(upsert, {
            "jitsi:ops": { ...JSON.parse(production.values["jitsi:ops"]), metricsServer: { enabled: false } },
            "jitsi:monitoring": { ...JSON.parse(production.values["jitsi:monitoring"]), serveResourceMetrics: true },
        });
        assert.match((await runProgram(adapter, "production")).error!.message, /jitsi:monitoring\.serveResourceMetrics is true/);
        // Neither registering it: nothing to take over.
        await runProgramOk(withConfig(upsert, { "jitsi:ops": { ...JSON.parse(production.values["jitsi:ops"]), metricsServer: { enabled: false } } }), "production");
    });

    it("scopes this stack's Prometheus Operator to its own namespace, so that it leaves another operator's instances alone", async () => {
        const run = await runProgramOk(production, "production");
        const kps = run.resources.find((r) => r.type === RELEASE && r.name === KPS_FULLNAME)!.inputs;
        const own = [kps.namespace];
        const operator = kps.values.prometheusOperator;
        for (const k of ["prometheusInstanceNamespaces", "alertmanagerInstanceNamespaces", "alertmanagerConfigNamespaces", "thanosRulerInstanceNamespaces"]) {
            assert.deepStrictEqual(operator[k], own, k);
        }
        // ...while it still reads monitors and rules wherever they live: prometheus-operator v0.93.0
        // pkg/prometheus/server/operator.go:280-346 watches ServiceMonitors, PodMonitors, Probes and
        // PrometheusRules in --namespaces (AllowList, all when unset), not in --prometheus-instance-namespaces;
        // the chart sets --namespaces only from prometheusOperator.namespaces (templates/prometheus-operator/deployment.yaml:77-87).
        assert.strictEqual(operator.namespaces, undefined, "prometheusOperator.namespaces would hide the jitsi namespace's monitors");
        assert.strictEqual(operator.denyNamespaces, undefined);
        const spec = kps.values.prometheus.prometheusSpec;
        const selectorOf: Record<string, any> = { PodMonitor: spec.podMonitorNamespaceSelector, ServiceMonitor: spec.serviceMonitorNamespaceSelector, PrometheusRule: spec.ruleNamespaceSelector };
        const monitors = run.resources.filter((r) => r.inputs?.kind in selectorOf);
        assert.ok(monitors.some((m) => m.inputs.metadata.namespace !== kps.namespace), "monitors outside the operator's namespace are part of the test");
        for (const m of monitors) {
            const values = selectorOf[m.inputs.kind].matchExpressions.find((e: any) => e.key === "kubernetes.io/metadata.name").values;
            assert.ok(values.includes(m.inputs.metadata.namespace), `${m.inputs.kind} ${m.inputs.metadata.name}: its namespace is selected by Prometheus`);
        }
        // the AlertmanagerConfig it must still see lives there
        const receivers = withConfig(production, {
            "jitsi:monitoring": { ...JSON.parse(production.values["jitsi:monitoring"]), alerts: { receivers: { webhook: {} } } },
            "jitsi:alertWebhookUrl": "https://hooks.example.org/x",
        }, ["jitsi:alertWebhookUrl"]);
        const withReceivers = await runProgramOk(receivers, "production");
        const config = withReceivers.resources.find((r) => r.inputs?.kind === "AlertmanagerConfig")!;
        assert.deepStrictEqual([config.inputs.metadata.namespace], own);
    });
});

/**
 * A deployment made before this version: Helm adopts an existing object only when its labels and
 * annotations name the installing release (helm pkg/action/validate.go checkOwnership:
 * app.kubernetes.io/managed-by=Helm, meta.helm.sh/release-name, meta.helm.sh/release-namespace), else
 * the install stops with "invalid ownership metadata" before it creates anything. The provider replaces
 * a Release whose name changes, the new one first (pulumi-kubernetes helm_release.go Diff: forceNewFields
 * ".name", DeleteBeforeReplace false): cert-manager's new fixed name meets CRDs annotated with the old
 * generated one. eck-operator's CRDs, kept by helm.v4.Chart (keep → RetainOnDelete, provider
 * helm/v4/chart.go preregister), carry no release annotation at all. The runbook must hand both over.
 */
describe("upgrading a deployment made before the fixed release names", function () {
    this.timeout(60_000);
    // The labels each chart's CRDs carry, whatever the release was called.
    const CRD_LABELS = {
        // cert-manager v1.19.4 deploy/charts/cert-manager/templates/_helpers.tpl:193-199 (cert-manager.crd-labels;
        // cert-manager.name is the chart name), used by every templates/crd-*.yaml.
        "cert-manager": { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "crds", "app.kubernetes.io/managed-by": "Helm" },
        // elastic/cloud-on-k8s v3.4.1 deploy/eck-operator/charts/eck-operator-crds/templates/all-crds.yaml:7-12
        // (eck-operator-crds.name is the subchart's name).
        "eck-operator": { "app.kubernetes.io/name": "eck-operator-crds", "app.kubernetes.io/managed-by": "Helm" },
    } as const;

    /** `kubectl annotate crd -l <selector> k=v ... --overwrite` commands in the runbook. */
    function annotateCommands(): { selector: Record<string, string>; annotations: Record<string, string> }[] {
        const runbook = fs.readFileSync(path.join(__dirname, "..", "docs", "runbook.md"), "utf8");
        return [...runbook.matchAll(/kubectl annotate crd -l (\S+) ((?:meta\.helm\.sh\/[a-z-]+=\S+ )+)--overwrite/g)].map((m) => ({
            selector: Object.fromEntries(m[1].split(",").map((kv) => kv.split("=") as [string, string])),
            annotations: Object.fromEntries(m[2].trim().split(" ").map((kv) => kv.split("=") as [string, string])),
        }));
    }
    /** The command whose selector matches the chart's CRDs under any release name. */
    function handOver(chart: keyof typeof CRD_LABELS) {
        const labels: Record<string, string> = CRD_LABELS[chart];
        return annotateCommands().find(
            (c) => Object.keys(c.selector).length > 0 && Object.entries(c.selector).every(([k, v]) => labels[k] === v) && "meta.helm.sh/release-name" in c.annotations,
        );
    }

    it("hands cert-manager's CRDs from the generated release name to the fixed one", () => {
        const command = handOver("cert-manager");
        assert.ok(command, "docs/runbook.md: no kubectl annotate for cert-manager's CRDs that matches them under the old release name");
        assert.strictEqual(command!.annotations["meta.helm.sh/release-name"], CERT_MANAGER_RELEASE);
    });

    it("says how a kube-prometheus-stack bump gets its new CRDs, which Helm never updates from crds/", () => {
        // kube-prometheus-stack-88.5.3 README.md:86 ("Upgrading Chart"): CRDs are not updated by Helm v3.
        const kps = FACTS[`${CHARTS.kubePrometheusStack.chart}@${CHARTS.kubePrometheusStack.version}`];
        assert.match(kps.sharedCrds ?? "", /crds\//);
        const upgrading = fs.readFileSync(path.join(__dirname, "..", "docs", "runbook.md"), "utf8").split("## Upgrading to a new version of this program")[1].split("\n## ")[0];
        assert.match(upgrading, /kube-prometheus-stack to a new\s+chart version needs its CRDs first/);
        assert.match(upgrading, /kubectl apply --server-side/);
    });

    it("gives the eck-operator CRDs kept by helm.v4.Chart the release's name and namespace", async () => {
        const run = await runProgramOk(readStackFile("production"), "production");
        const release = run.resources.find((r) => r.type === RELEASE && r.name === "eck-operator")!.inputs;
        const command = handOver("eck-operator");
        assert.ok(command, "docs/runbook.md: no kubectl annotate for the *.k8s.elastic.co CRDs");
        assert.strictEqual(command!.annotations["meta.helm.sh/release-name"], release.name);
        assert.strictEqual(command!.annotations["meta.helm.sh/release-namespace"], release.namespace);
    });
});
