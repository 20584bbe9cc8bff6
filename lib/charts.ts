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

/** The Helm release name cert-manager is installed under: fixed, so that a second install adopts the CRDs the first kept. */
export const CERT_MANAGER_RELEASE = "cert-manager";
/** How long Helm may take for one release, hooks and waits included (the provider's default is 300 s). */
export const RELEASE_TIMEOUT_SECONDS = 900;

/**
 * A chart without hooks or cluster-shared CRDs, at its pinned version, rendered by `helm.v4.Chart`: it
 * appears in `pulumi preview` object by object, and a resource that depends on it waits for all of them.
 * helm.v4.Chart renders without hooks (pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go:
 * `cmd.DisableHooks = true`); test/chartHooks.test.ts holds, per chart version, that none is needed. Its
 * release name is set to the resource name, fixed.
 */
export function pinnedChart(
    name: string,
    ref: ChartRef,
    namespace: string,
    values: Record<string, unknown>,
    opts: pulumi.ComponentResourceOptions,
): k8s.helm.v4.Chart {
    return new k8s.helm.v4.Chart(name, { name, chart: ref.chart, version: ref.version, repositoryOpts: { repo: ref.repo }, namespace, values }, opts);
}

/**
 * A chart installed as a real Helm release (`helm.v3.Release`), for charts that need their hooks run or
 * bring CRDs the rest of the cluster shares. Helm runs the hooks in order; it installs the chart's
 * `crds/` only where absent and never deletes them, and keeps templated CRDs annotated
 * `helm.sh/resource-policy: keep`, which a later install under the same fixed name adopts again. The
 * namespace is made by the caller (no createNamespace), Helm waits for the release's workloads (no
 * skipAwait) and a failed install stays for inspection (no atomic: it would uninstall); the provider records
 * it as created but not initialized (helm_release.go: partialError), so the next `pulumi up` upgrades it.
 * Helm's install order (pkg/action/install.go at v3.20, the provider's go.mod): crds/ (those already present
 * skipped), pre-install hooks, the objects (adopting those annotated with this release's name), the wait,
 * post-install hooks.
 */
export function pinnedRelease(
    name: string,
    ref: ChartRef,
    namespace: string,
    values: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name,
            chart: ref.chart,
            version: ref.version,
            repositoryOpts: { repo: ref.repo },
            namespace,
            values,
            createNamespace: false,
            atomic: false,
            skipAwait: false,
            timeout: RELEASE_TIMEOUT_SECONDS,
        },
        opts,
    );
}
