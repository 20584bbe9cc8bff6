import * as certmanager from "@pulumi/kubernetes-cert-manager";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import {
    acmeSolvers,
    CHART_DEFAULT,
    configChecksum,
    CERT_MANAGER_RELEASE,
    CHARTS,
    ChartRef,
    DNS01_SECRET_KEYS,
    DNS01_SECRET_NAME,
    Dns01Solving,
    ELASTIC_STACK_VERSION,
    HOST_AGENTS,
    OWNER_LABELS,
    KeptObjects,
    ownedNamespace,
    pinnedChart,
    pinnedRelease,
    PodSecurity,
    RELEASE_TIMEOUT_SECONDS,
    resourceRequirements,
} from "../lib";
import { INGRESS_CLASS } from "./roomRouter";

export const LETSENCRYPT_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-production": "https://acme-v02.api.letsencrypt.org/directory",
} as const;

export const ELASTICSEARCH_NAME = "logs";
export const KIBANA_NAME = "logs";
export const ILM_POLICY_NAME = "jitsi-logs";
export const DASHBOARD_VIEWER = "dashboard-viewer";
/** Helm release of ingress-nginx. */
export const INGRESS_NGINX_RELEASE = "ingress-nginx";

/** The controller's Service the ingress-nginx chart makes for a release (chart 4.15.1 fullname). */
export function ingressControllerService(release: string = INGRESS_NGINX_RELEASE): string {
    return `${release}-controller`;
}

/** The in-cluster HTTP address of this stack's ingress controller. */
export function ingressControllerAddress(namespace: string, clusterDomain: string): string {
    return `${ingressControllerService()}.${namespace}.svc.${clusterDomain}:80`;
}

export interface OpsStackArgs {
    ops: StackConfig["ops"];
    namespaces: StackConfig["namespaces"];
    acmeEmail?: string;
    /** DNS-01 for the Ingress's names (tls.dns01), with the provider's credential, a secret, when it takes one. */
    dns01?: Omit<Dns01Solving, "withCredential"> & { credential?: pulumi.Output<string> };
    /** The provider of kept objects: the logging namespace (lib/keptObjects.ts). */
    keptObjects: KeptObjects;
}

/**
 * What the cluster needs around Jitsi: cert-manager with Let's Encrypt issuers, the ingress-nginx
 * controller, metrics-server, optionally the Kubernetes dashboard (read-only), and logging through
 * ECK (Elasticsearch, Kibana, Filebeat) with an index lifecycle that deletes old logs. Each part is
 * switched per stack; every namespace is created here, and custom resources wait for their CRDs.
 */
export class OpsStack extends pulumi.ComponentResource {
    /** Resources that must exist before anything creates an Ingress or a Certificate. */
    readonly ingressReady: pulumi.Resource[] = [];
    /** cert-manager (its CRDs) and the issuers, for Certificates declared outside this stack part. */
    readonly certificatesReady: pulumi.Resource[] = [];
    /** The ingress-nginx Helm release, when this stack runs the controller: it owns the entry's LoadBalancer Service. */
    ingressNginxRelease?: k8s.helm.v3.Release;

    constructor(name: string, args: OpsStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:ops:OpsStack", name, {}, opts);
        const { ops, namespaces } = args;

        if (ops.certManager.enabled) this.certManager(namespaces.certManager, args.acmeEmail!, args.dns01);
        if (ops.ingressNginx.enabled) this.ingressNginx(namespaces.ingressNginx, ops.ingressNginx);
        if (ops.metricsServer.enabled) {
            const ns = namespaces.metricsServer === "kube-system" ? undefined : this.namespace(namespaces.metricsServer);
            // The one owner of the v1beta1.metrics.k8s.io APIService (prometheus-adapter does not register it).
            this.chart("metrics-server", CHARTS.metricsServer, namespaces.metricsServer, { apiService: { create: true } }, ns);
        }
        if (ops.dashboard.enabled) this.dashboard(namespaces.dashboard);
        if (ops.logging.enabled) this.logging(namespaces.eckOperator, namespaces.logging, ops.logging, args.keptObjects);

        this.registerOutputs({});
    }

    private namespace(name: string, podSecurity: PodSecurity = CHART_DEFAULT): k8s.core.v1.Namespace {
        return ownedNamespace(name, podSecurity, { parent: this });
    }

    private chart(name: string, ref: ChartRef, namespace: string, values: Record<string, unknown>, ns?: pulumi.Resource): k8s.helm.v4.Chart {
        return pinnedChart(name, ref, namespace, values, { parent: this, dependsOn: ns ? [ns] : [] });
    }

    /** A chart whose hooks must run or whose CRDs the cluster shares: a Helm release (lib/charts.ts pinnedRelease). */
    private release(name: string, ref: ChartRef, namespace: string, values: Record<string, unknown>, ns: pulumi.Resource): k8s.helm.v3.Release {
        return pinnedRelease(name, ref, namespace, values, { parent: this, dependsOn: [ns] });
    }

    private certManager(namespace: string, email: string, dns01: OpsStackArgs["dns01"]): void {
        const ns = this.namespace(namespace);
        const certManager = new certmanager.CertManager(
            "cert-manager",
            {
                // Templated CRDs annotated helm.sh/resource-policy: keep (installCRDs requires crds.keep): an
                // uninstall leaves them, and the next install under the same release name adopts them.
                installCRDs: true,
                helmOptions: {
                    // Without a name the release is cert-manager-helm-<random>, and Helm refuses the kept CRDs
                    // to a new random name after a destroy or off/on.
                    name: CERT_MANAGER_RELEASE,
                    namespace,
                    timeout: RELEASE_TIMEOUT_SECONDS,
                    version: CHARTS.certManager.version,
                    repositoryOpts: { repo: CHARTS.certManager.repo },
                },
            },
            { parent: this, dependsOn: [ns] },
        );
        this.certificatesReady.push(certManager);
        // The DNS provider's credential, where the ClusterIssuers' secret references are read: cert-manager's own namespace.
        const credential = dns01?.credential
            ? new k8s.core.v1.Secret(
                  DNS01_SECRET_NAME,
                  {
                      metadata: { name: DNS01_SECRET_NAME, namespace, labels: { ...OWNER_LABELS } },
                      type: "Opaque",
                      stringData: { [DNS01_SECRET_KEYS[dns01.settings.provider]]: dns01.credential },
                  },
                  { parent: this, dependsOn: [ns] },
              )
            : undefined;
        const solvers = acmeSolvers(INGRESS_CLASS, dns01 && { settings: dns01.settings, dnsNames: dns01.dnsNames, withCredential: credential !== undefined });
        for (const [issuer, server] of Object.entries(LETSENCRYPT_SERVERS)) {
            const clusterIssuer = new k8s.apiextensions.CustomResource(
                issuer,
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "ClusterIssuer",
                    metadata: { name: issuer, labels: { ...OWNER_LABELS } },
                    spec: {
                        acme: {
                            email,
                            server,
                            privateKeySecretRef: { name: `${issuer}-account-key` },
                            solvers,
                        },
                    },
                },
                // The ClusterIssuer CRD comes with the chart.
                { parent: this, dependsOn: credential ? [certManager, credential] : [certManager] },
            );
            this.ingressReady.push(clusterIssuer);
            this.certificatesReady.push(clusterIssuer);
        }
    }

    private ingressNginx(namespace: string, settings: StackConfig["ops"]["ingressNginx"]): void {
        const ns = this.namespace(namespace);
        // A Helm release: the admission webhook's certificate Secret, which the controller mounts, is made
        // only by the chart's pre-install hook Job (test/chartHooks.test.ts).
        const release = this.release(INGRESS_NGINX_RELEASE, CHARTS.ingressNginx, namespace, {
            controller: {
                replicaCount: settings.replicas,
                ingressClassResource: { name: INGRESS_CLASS, default: true },
                resources: resourceRequirements(settings.resources),
                service: {
                    type: "LoadBalancer",
                    // Keeps the client's address visible to Jitsi and in the logs.
                    externalTrafficPolicy: "Local",
                    annotations: settings.serviceAnnotations,
                },
                // The metrics Service, scraped by the MonitoringStack's ServiceMonitor when monitoring is on.
                metrics: { enabled: true },
                // The chart makes a PodDisruptionBudget with this only above one replica (controller-poddisruptionbudget.yaml).
                minAvailable: 1,
                allowSnippetAnnotations: false,
            },
        }, ns);
        // Its admission webhook validates every Ingress; creating one before the controller runs fails.
        this.ingressReady.push(release);
        this.ingressNginxRelease = release;
    }

    private dashboard(namespace: string): void {
        const ns = this.namespace(namespace);
        this.chart("kubernetes-dashboard", CHARTS.dashboard, namespace, {}, ns);
        // Log in with a short-lived token of this account: `kubectl -n <ns> create token dashboard-viewer`.
        const viewer = new k8s.core.v1.ServiceAccount(
            DASHBOARD_VIEWER,
            { metadata: { name: DASHBOARD_VIEWER, namespace, labels: { ...OWNER_LABELS } } },
            { parent: this, dependsOn: [ns] },
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            DASHBOARD_VIEWER,
            {
                metadata: { name: DASHBOARD_VIEWER, labels: { ...OWNER_LABELS } },
                // The built-in read-only role: it cannot read Secrets or change anything.
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
                subjects: [{ kind: "ServiceAccount", name: viewer.metadata.name, namespace }],
            },
            { parent: this },
        );
    }

    private logging(operatorNamespace: string, namespace: string, settings: StackConfig["ops"]["logging"], keptObjects: KeptObjects): void {
        const operatorNs = this.namespace(operatorNamespace);
        // A Helm release: its CRDs (helm.sh/resource-policy: keep) outlive switching logging off, and come
        // back to the same release name when it is switched on again.
        const operator = this.release("eck-operator", CHARTS.eckOperator, operatorNamespace, { installCRDs: true }, operatorNs);
        // Filebeat reads every container's log files on the node: root and host paths. Kept when logging is
        // switched off or the stack destroyed: it holds Elasticsearch's volumes.
        // Switched on again, it is adopted with them.
        const ns = keptObjects.keep((o) => ownedNamespace(namespace, HOST_AGENTS, o), { parent: this });
        const crdsAndNamespace = { parent: this, dependsOn: [operator, ns] };

        new k8s.apiextensions.CustomResource(
            "elasticsearch",
            {
                apiVersion: "elasticsearch.k8s.elastic.co/v1",
                kind: "Elasticsearch",
                metadata: { name: ELASTICSEARCH_NAME, namespace, labels: { ...OWNER_LABELS } },
                spec: {
                    version: ELASTIC_STACK_VERSION,
                    nodeSets: elasticsearchNodeSets(settings),
                    // The claims outlive the Elasticsearch resource (no owner reference), so switching logging off keeps
                    // the logs; a scale-down still deletes a removed node's claims (cloud-on-k8s v3.4.1
                    // pkg/apis/elasticsearch/v1/elasticsearch_types.go:171, driver/stateful/pvc_owner.go).
                    volumeClaimDeletePolicy: "DeleteOnScaledownOnly",
                },
            },
            crdsAndNamespace,
        );

        new k8s.apiextensions.CustomResource(
            "kibana",
            {
                apiVersion: "kibana.k8s.elastic.co/v1",
                kind: "Kibana",
                metadata: { name: KIBANA_NAME, namespace, labels: { ...OWNER_LABELS } },
                spec: {
                    version: ELASTIC_STACK_VERSION,
                    count: 1,
                    elasticsearchRef: { name: ELASTICSEARCH_NAME },
                    // Reached by port-forward only; no Ingress.
                    http: { service: { spec: { type: "ClusterIP" } } },
                    podTemplate: { spec: { containers: [{ name: "kibana", resources: resourceRequirements(settings.kibana) }] } },
                },
            },
            crdsAndNamespace,
        );

        const policy = JSON.stringify(ilmPolicy(settings.retentionDays), null, 2);
        const ilm = new k8s.core.v1.ConfigMap(
            "filebeat-ilm",
            {
                metadata: { name: "filebeat-ilm", namespace, labels: { ...OWNER_LABELS } },
                data: { "policy.json": policy },
            },
            { parent: this, dependsOn: [ns] },
        );

        const account = new k8s.core.v1.ServiceAccount(
            "filebeat",
            { metadata: { name: "filebeat", namespace, labels: { ...OWNER_LABELS } } },
            { parent: this, dependsOn: [ns] },
        );
        // Filebeat reads pod and namespace metadata to label every log line.
        const role = new k8s.rbac.v1.ClusterRole(
            "filebeat",
            {
                metadata: { name: "filebeat", labels: { ...OWNER_LABELS } },
                rules: [{ apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["get", "list", "watch"] }],
            },
            { parent: this },
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            "filebeat",
            {
                metadata: { name: "filebeat", labels: { ...OWNER_LABELS } },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
            },
            { parent: this },
        );

        new k8s.apiextensions.CustomResource(
            "filebeat",
            {
                apiVersion: "beat.k8s.elastic.co/v1beta1",
                kind: "Beat",
                metadata: { name: "filebeat", namespace, labels: { ...OWNER_LABELS } },
                spec: {
                    type: "filebeat",
                    version: ELASTIC_STACK_VERSION,
                    elasticsearchRef: { name: ELASTICSEARCH_NAME },
                    kibanaRef: { name: KIBANA_NAME },
                    config: filebeatConfig(),
                    daemonSet: {
                        podTemplate: {
                            // Filebeat loads the policy only at start (setup.ilm): a new policy must restart it.
                            metadata: { annotations: configChecksum(policy) },
                            spec: {
                                serviceAccountName: account.metadata.name,
                                automountServiceAccountToken: true,
                                dnsPolicy: "ClusterFirstWithHostNet",
                                // Reading other containers' log files on the node needs root.
                                securityContext: { runAsUser: 0 },
                                containers: [
                                    {
                                        name: "filebeat",
                                        env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                                        resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "500m", memory: "400Mi" } },
                                        volumeMounts: [
                                            { name: "varlogcontainers", mountPath: "/var/log/containers", readOnly: true },
                                            { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
                                            { name: "ilm", mountPath: "/usr/share/filebeat/ilm", readOnly: true },
                                        ],
                                    },
                                ],
                                volumes: [
                                    { name: "varlogcontainers", hostPath: { path: "/var/log/containers" } },
                                    { name: "varlogpods", hostPath: { path: "/var/log/pods" } },
                                    { name: "ilm", configMap: { name: ilm.metadata.name } },
                                ],
                            },
                        },
                    },
                },
            },
            crdsAndNamespace,
        );
    }
}

/** Dedicated masters when configured (production), otherwise nodes that are both master and data. */
export function elasticsearchNodeSets(settings: StackConfig["ops"]["logging"]): Record<string, unknown>[] {
    const nodeSet = (name: string, count: number, roles: string[], storage: string) => ({
        name,
        count,
        config: { "node.roles": roles, "node.store.allow_mmap": false },
        podTemplate: { spec: { containers: [{ name: "elasticsearch", resources: resourceRequirements(settings.elasticsearch) }] } },
        volumeClaimTemplates: [
            {
                apiVersion: "v1",
                kind: "PersistentVolumeClaim",
                metadata: { name: "elasticsearch-data" },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } },
            },
        ],
    });
    if (settings.masterNodes === 0) {
        return [nodeSet("default", settings.dataNodes, ["master", "data", "ingest"], settings.storage)];
    }
    return [
        nodeSet("master", settings.masterNodes, ["master"], "5Gi"),
        nodeSet("data", settings.dataNodes, ["data", "ingest"], settings.storage),
    ];
}

/**
 * Roll indices over daily and delete them so that no log line is older than `retentionDays`: the delete
 * phase's age counts from rollover, and an index rolls over a day after its first line, so the delete
 * comes one day earlier than the retention.
 */
export function ilmPolicy(retentionDays: number) {
    return {
        policy: {
            phases: {
                hot: { actions: { rollover: { max_age: "1d", max_primary_shard_size: "50gb" } } },
                delete: { min_age: `${retentionDays - 1}d`, actions: { delete: {} } },
            },
        },
    };
}

export function filebeatConfig() {
    return {
        "filebeat.autodiscover": {
            providers: [
                {
                    type: "kubernetes",
                    node: "${NODE_NAME}",
                    hints: { enabled: true, default_config: { type: "container", paths: ["/var/log/containers/*${data.kubernetes.container.id}.log"] } },
                },
            ],
        },
        processors: [{ add_cloud_metadata: {} }, { add_host_metadata: {} }],
        "setup.ilm.enabled": true,
        "setup.ilm.policy_name": ILM_POLICY_NAME,
        "setup.ilm.policy_file": "/usr/share/filebeat/ilm/policy.json",
        "setup.ilm.overwrite": true,
    };
}
