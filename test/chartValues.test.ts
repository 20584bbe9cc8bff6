/**
 * Upstream is the truth for Helm values too: every values key the program passes must exist in its
 * chart at the pinned version. The table below was written from each chart's values.yaml at that
 * version (or, where noted, from the template that reads a key values.yaml leaves out). Bumping a chart
 * in lib/charts.ts fails here until its keys are checked again and the table gets the new version.
 * `x.*` admits anything below x: free-form maps (annotations, resources, grafana.ini, adapter rules).
 */
import * as assert from "assert";
import { CHARTS } from "../lib/charts";
import { readStackFile, Recorded, runProgramOk, withConfig } from "./harness";
import { ALL_RECEIVERS, RECEIVER_SECRETS } from "./variants";

const KNOWN_KEYS: Record<string, string[]> = {
    // kubernetes/ingress-nginx, charts/ingress-nginx/values.yaml at helm-chart-4.15.1
    "ingress-nginx@4.15.1": [
        "controller.replicaCount",
        "controller.ingressClassResource.name",
        "controller.ingressClassResource.default",
        "controller.resources.*",
        "controller.service.type",
        "controller.service.externalTrafficPolicy",
        "controller.service.annotations.*",
        "controller.metrics.enabled",
        // templates/controller-poddisruptionbudget.yaml: a PDB only when replicas > 1.
        "controller.minAvailable",
        "controller.allowSnippetAnnotations",
    ],
    // kubernetes-sigs/metrics-server, charts/metrics-server/values.yaml at metrics-server-helm-chart-3.13.0
    "metrics-server@3.13.0": ["apiService.create"],
    // kubernetes/dashboard, charts/kubernetes-dashboard at kubernetes-dashboard-7.13.0: the program passes no values.
    "kubernetes-dashboard@7.13.0": [],
    // elastic/cloud-on-k8s, deploy/eck-operator/values.yaml at v3.4.1
    "eck-operator@3.4.1": ["installCRDs"],
    // prometheus-community/helm-charts at kube-prometheus-stack-88.5.3: charts/kube-prometheus-stack/values.yaml,
    // its subcharts grafana 12.11.1 (grafana-community/helm-charts) and prometheus-node-exporter 4.56.1.
    "kube-prometheus-stack@88.5.3": [
        "fullnameOverride",
        "crds.enabled",
        "prometheusOperator.prometheusInstanceNamespaces",
        "prometheusOperator.alertmanagerInstanceNamespaces",
        "prometheusOperator.alertmanagerConfigNamespaces",
        "prometheusOperator.thanosRulerInstanceNamespaces",
        "prometheus.prometheusSpec.replicas",
        "prometheus.prometheusSpec.retention",
        "prometheus.prometheusSpec.resources.*",
        "prometheus.prometheusSpec.storageSpec.*",
        // values.yaml:4223 (under prometheus.prometheusSpec), read by templates/prometheus/prometheus.yaml:308.
        "prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy.whenDeleted",
        "prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy.whenScaled",
        "prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues",
        "prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues",
        "prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues",
        "prometheus.prometheusSpec.podMonitorNamespaceSelector.*",
        "prometheus.prometheusSpec.serviceMonitorNamespaceSelector.*",
        "prometheus.prometheusSpec.ruleNamespaceSelector.*",
        "alertmanager.alertmanagerSpec.replicas",
        "alertmanager.alertmanagerSpec.alertmanagerConfiguration.*",
        "prometheus-node-exporter.prometheus.monitor.relabelings",
        "grafana.admin.existingSecret",
        "grafana.admin.userKey",
        "grafana.admin.passwordKey",
        "grafana.persistence.enabled",
        "grafana.persistence.type",
        "grafana.persistence.size",
        "grafana.persistence.accessModes",
        // grafana chart templates/pvc.yaml: `with .Values.persistence.annotations` on the claim.
        "grafana.persistence.annotations.*",
        "grafana.deploymentStrategy.*",
        "grafana.grafana.ini.*",
        "grafana.ingress.enabled",
        // grafana templates/ingress.yaml reads it; values.yaml leaves it out.
        "grafana.ingress.ingressClassName",
        "grafana.ingress.hosts",
        "grafana.ingress.path",
        "grafana.ingress.pathType",
        "grafana.sidecar.dashboards.enabled",
        "grafana.sidecar.dashboards.label",
        "grafana.sidecar.dashboards.labelValue",
    ],
    // prometheus-community/helm-charts, charts/prometheus-adapter/values.yaml at prometheus-adapter-5.3.0
    "prometheus-adapter@5.3.0": [
        "prometheus.url",
        "prometheus.port",
        "rules.default",
        "rules.custom",
        "rules.external",
        // templates/configmap.yaml and resource-metrics-apiservice.yaml read it; values.yaml leaves it out.
        "rules.resource.*",
    ],
};

/** Dotted paths of every leaf the values set; maps under a `.*` entry count as one leaf. */
function paths(values: unknown, known: string[], prefix = ""): string[] {
    if (values === null || typeof values !== "object" || Array.isArray(values)) return [prefix];
    if (known.includes(`${prefix}.*`)) return [`${prefix}.*`];
    return Object.entries(values).flatMap(([k, v]) => paths(v, known, prefix ? `${prefix}.${k}` : k));
}

function chartsOf(resources: Recorded[]) {
    return resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart" || r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs);
}

describe("chart values against the charts at their pinned versions", function () {
    this.timeout(30_000);

    it("has a verified key table for every pinned chart", () => {
        for (const [name, ref] of Object.entries(CHARTS)) {
            if (name === "certManager") continue; // typed by @pulumi/kubernetes-cert-manager's own inputs
            assert.ok(KNOWN_KEYS[`${ref.chart}@${ref.version}`], `no key table for ${ref.chart}@${ref.version}: check its values.yaml and add one`);
        }
    });

    const production = readStackFile("production");
    const variants = {
        development: readStackFile("development"),
        production,
        "production with every part on": withConfig(
            production,
            {
                "jitsi:ops": { metricsServer: { enabled: false }, dashboard: { enabled: true }, ingressNginx: { replicas: 2, serviceAnnotations: { a: "b" } } },
                "jitsi:monitoring": { serveResourceMetrics: true, alerts: { receivers: ALL_RECEIVERS } },
                ...RECEIVER_SECRETS,
            },
            Object.keys(RECEIVER_SECRETS),
        ),
    };
    for (const [name, config] of Object.entries(variants)) {
        it(`passes only keys each chart has (${name})`, async () => {
            const run = await runProgramOk(config);
            const unknown: string[] = [];
            assert.ok(chartsOf(run.resources).length >= 4, "the stack installs its charts");
            for (const chart of chartsOf(run.resources)) {
                const known = KNOWN_KEYS[`${chart.chart}@${chart.version}`];
                assert.ok(known, `no key table for ${chart.chart}@${chart.version}`);
                for (const p of paths(chart.values ?? {}, known).filter((p) => p !== "")) {
                    if (!known.includes(p)) unknown.push(`${chart.chart}@${chart.version}: ${p}`);
                }
            }
            assert.deepStrictEqual(unknown, []);
        });
    }

    it("catches a key the chart does not have", () => {
        // What the program passed before: ingress-nginx 4.15.1 has no controller.podDisruptionBudget.
        const values = { controller: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } } };
        const known = KNOWN_KEYS["ingress-nginx@4.15.1"];
        assert.deepStrictEqual(paths(values, known).filter((p) => !known.includes(p)), [
            "controller.podDisruptionBudget.enabled",
            "controller.podDisruptionBudget.minAvailable",
        ]);
    });
});
