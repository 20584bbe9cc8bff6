/**
 * One Grafana for every cluster's Prometheus (docs/decisions.md, "One place to see all shards: a data
 * source per cluster, through an mTLS gateway"): each cluster's Prometheus stays plain HTTP inside its
 * cluster, and a small HAProxy in front of it is the only way in from another cluster. It terminates TLS
 * with a certificate of the stack's `monitoring` CA, admits only clients with a certificate of that CA
 * (`verify required`: the other clusters' Grafanas), and passes only Prometheus' read-only query API.
 * Every other path (the admin API, `/-/reload` and `/-/quit`, which the operator switches on, federate,
 * the UI) is refused by the gateway itself.
 */
import { HTTP_PROXY_BASE } from "./haproxy";

/** The gateway's TLS port (container and LoadBalancer) and its health port (the kubelet's probes). */
export const PROMETHEUS_GATEWAY_PORTS = { https: 9443, health: 8405 } as const;
export const PROMETHEUS_GATEWAY_NAME = "prometheus-gateway";
/** Where its pods mount the server certificate (cert + key, one PEM) and the CA its clients must carry. */
export const PROMETHEUS_GATEWAY_TLS_DIR = "/usr/local/etc/haproxy-tls";
export const PROMETHEUS_GATEWAY_TLS_FILES = { certAndKey: "server.pem", ca: "ca.crt" } as const;
/** Connections per gateway pod: a few Grafanas, each a handful of keep-alive connections. */
export const PROMETHEUS_GATEWAY_MAXCONN = 256;

/**
 * The read-only part of Prometheus' HTTP API that Grafana's Prometheus data source uses: queries,
 * exemplars, series, label names and values, metadata, and the build info it reads the version from
 * (prometheus web/api/v1/api.go Register). Matched on the raw path, before any decoding: a path that is
 * written any other way (encoded, with dot segments, doubled slashes) is refused. Label names are
 * Prometheus' legacy characters, which is also how Grafana escapes UTF-8 names (`U__...`).
 */
export const PROMETHEUS_READ_PATH = "^/api/v1/(query|query_range|query_exemplars|series|labels|label/[A-Za-z0-9_]+/values|metadata|status/buildinfo)$";

/**
 * The name Grafana checks the gateway's certificate against (jsonData.serverName): fixed per cluster
 * and a DNS SAN of its certificate, because the load balancer's address (an IP or a cloud host name) is
 * known only after it exists. `.internal` is reserved for private use; nothing resolves it.
 */
export function gatewayServerName(cluster: string): string {
    return `${PROMETHEUS_GATEWAY_NAME}.${cluster}.jitsi.internal`;
}

export interface GatewayListen {
    https: number;
    health: number;
    /** HAProxy's `bind` address for both ports; empty: every address (in the pod). */
    address?: string;
}

/**
 * haproxy.cfg of a gateway in front of `prometheus` (host:port, the Prometheus Service of its cluster).
 * Only GET and POST (Grafana sends queries as POST: httpMethod) on PROMETHEUS_READ_PATH reach it; the rest
 * is answered 403 by HAProxy. A client without a certificate of the CA in `tlsDir` does not complete the
 * TLS handshake.
 */
export function prometheusGatewayConfig(prometheus: { host: string; port: number }, listen: GatewayListen = PROMETHEUS_GATEWAY_PORTS, tlsDir = PROMETHEUS_GATEWAY_TLS_DIR): string {
    const at = listen.address ?? "";
    const tls = `ssl crt ${tlsDir}/${PROMETHEUS_GATEWAY_TLS_FILES.certAndKey} ca-file ${tlsDir}/${PROMETHEUS_GATEWAY_TLS_FILES.ca} verify required`;
    return [
        "global",
        "    log stdout format raw local0 info",
        `    maxconn ${PROMETHEUS_GATEWAY_MAXCONN}`,
        "    ssl-default-bind-options ssl-min-ver TLSv1.2",
        "",
        ...HTTP_PROXY_BASE,
        "    timeout connect 5s",
        // Prometheus gives a query 2 minutes (--query.timeout default); Grafana's own timeout is shorter.
        "    timeout client 150s",
        "    timeout server 150s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 30s",
        "",
        "frontend health",
        `    bind ${at}:${listen.health}`,
        "    http-request return status 200 content-type text/plain string ok if { path /healthz }",
        "    http-request deny deny_status 404",
        "",
        "frontend prometheus-api",
        `    bind ${at}:${listen.https} ${tls}`,
        "    http-request deny deny_status 405 unless METH_GET || METH_POST",
        `    http-request deny deny_status 403 unless { path -m reg ${PROMETHEUS_READ_PATH} }`,
        // The client's certificate is the only credential; nothing it sends about itself goes on.
        "    http-request del-header Authorization",
        "    default_backend prometheus",
        "",
        "backend prometheus",
        `    server prometheus ${prometheus.host}:${prometheus.port} check inter 10s resolvers cluster init-addr last,libc,none`,
        "",
    ].join("\n");
}

/** Another cluster's gateway as one Grafana data source. */
export interface RemotePrometheus {
    cluster: string;
    region: string;
    /** Its LoadBalancer's address (IP or host name). */
    address: string;
}

/** The data source's uid: the dashboards' variable and links refer to it. */
export function remoteDatasourceUid(cluster: string): string {
    return `prometheus-${cluster}`;
}

export function remoteDatasourceName(r: Pick<RemotePrometheus, "cluster" | "region">): string {
    return `Prometheus ${r.cluster} (region ${r.region})`;
}

function urlHost(address: string): string {
    return address.includes(":") ? `[${address}]` : address;
}

/**
 * Grafana's data source provisioning file (apiVersion 1) for the other clusters' Prometheus, each through
 * its gateway: the client certificate and key and the CA go in secureJsonData, which Grafana stores
 * encrypted; jsonData only says to use them and which name the gateway's certificate carries (field names:
 * grafana-plugin-sdk-go backend/http_settings.go parseHTTPSettings; grafana pkg/services/datasources/service/
 * datasource.go dsTLSOptions). `prune`: a data source of a cluster that is removed is deleted too.
 */
export function remoteDatasources(remotes: RemotePrometheus[], client: { cert: string; key: string; ca: string }) {
    return {
        apiVersion: 1,
        prune: true,
        datasources: remotes.map((r) => ({
            name: remoteDatasourceName(r),
            type: "prometheus",
            uid: remoteDatasourceUid(r.cluster),
            access: "proxy",
            url: `https://${urlHost(r.address)}:${PROMETHEUS_GATEWAY_PORTS.https}`,
            isDefault: false,
            editable: false,
            jsonData: {
                // As the chart's own Prometheus data source (kube-prometheus-stack 88.5.3 templates/grafana/configmaps-datasources.yaml).
                httpMethod: "POST",
                timeInterval: "30s",
                tlsAuth: true,
                tlsAuthWithCACert: true,
                tlsSkipVerify: false,
                serverName: gatewayServerName(r.cluster),
                // The gateway passes no rules API and no remote write: without these Grafana's Alerting pages would ask
                // it for /api/v1/rules (manageAlerts unset counts as on) and offer it as a recording rules target
                // (grafana public/app/features/alerting/unified/utils/datasource.ts at 014fd73: getRulesDataSources,
                // isDataSourceManagingAlerts, isDataSourceAllowedAsRecordingRulesTarget), and show a 403 for each cluster.
                manageAlerts: false,
                allowAsRecordingRulesTarget: false,
            },
            secureJsonData: { tlsCACert: client.ca, tlsClientCert: client.cert, tlsClientKey: client.key },
        })),
    };
}

/**
 * The label Grafana's datasource sidecar loads Secrets and ConfigMaps by, in Grafana's namespace
 * (kube-prometheus-stack 88.5.3 values.yaml grafana.sidecar.datasources: enabled, label
 * grafana_datasource, labelValue "1"; grafana chart 12.11.1 values.yaml sidecar.datasources.resource
 * "both" and searchNamespace null: Secrets too, in its own namespace).
 */
export const GRAFANA_DATASOURCE_LABELS = { grafana_datasource: "1" } as const;
/** The Secret with the other clusters' data sources, and its file in Grafana's provisioning folder. */
export const CLUSTER_DATASOURCES_SECRET = "grafana-cluster-datasources";
export const CLUSTER_DATASOURCES_FILE = "jitsi-clusters.yaml";
