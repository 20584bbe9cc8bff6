/**
 * Third-party software, each from its project's official Helm chart at a pinned version.
 * Bump a version here, run `npm test` and `pulumi preview`, and read the chart's upgrade notes.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ChartRef {
    chart: string;
    version: string;
    repo: string;
}

export const CHARTS = {
    /** Installed through @pulumi/kubernetes-cert-manager, which wraps this chart. */
    certManager: { chart: "cert-manager", version: "v1.19.4", repo: "https://charts.jetstack.io" },
    ingressNginx: { chart: "ingress-nginx", version: "4.15.1", repo: "https://kubernetes.github.io/ingress-nginx" },
    metricsServer: { chart: "metrics-server", version: "3.13.0", repo: "https://kubernetes-sigs.github.io/metrics-server/" },
    dashboard: { chart: "kubernetes-dashboard", version: "7.13.0", repo: "https://kubernetes.github.io/dashboard/" },
    eckOperator: { chart: "eck-operator", version: "3.4.1", repo: "https://helm.elastic.co" },
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts" },
    prometheusAdapter: { chart: "prometheus-adapter", version: "5.3.0", repo: "https://prometheus-community.github.io/helm-charts" },
} as const satisfies Record<string, ChartRef>;

/** Elasticsearch, Kibana and Filebeat run this Elastic Stack version (managed by the ECK operator). */
export const ELASTIC_STACK_VERSION = "8.19.0";

/**
 * A chart at its pinned version. Helm v4 charts appear in `pulumi preview` object by object, and a
 * resource that depends on the chart waits for all of them (CRDs included).
 */
export function pinnedChart(
    name: string,
    ref: ChartRef,
    namespace: string,
    values: Record<string, unknown>,
    opts: pulumi.ComponentResourceOptions,
): k8s.helm.v4.Chart {
    return new k8s.helm.v4.Chart(name, { chart: ref.chart, version: ref.version, repositoryOpts: { repo: ref.repo }, namespace, values }, opts);
}
