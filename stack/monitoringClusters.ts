/**
 * One place to see all shards (docs/decisions.md, "One place to see all shards"): each cluster keeps its
 * own Prometheus and Grafana, and every Grafana gets one data source per other cluster, reached through
 * that cluster's Prometheus gateway (components/prometheusGateway.ts) with mutual TLS from the stack's
 * `monitoring` CA. Built only where there is another Grafana to read a gateway: two clusters or more,
 * monitoring on.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { PrometheusGateway } from "../components/prometheusGateway";
import {
    prometheusGatewayNodePort,
    CLUSTER_DATASOURCES_FILE,
    CLUSTER_DATASOURCES_SECRET,
    gatewayServerName,
    GRAFANA_DATASOURCE_LABELS,
    OWNER_LABELS,
    PROMETHEUS_GATEWAY_NAME,
    RemotePrometheus,
    remoteDatasources,
} from "../lib";
import { StackAuthority } from "./certificates";
import type { ClusterParts } from "./clusters";
import { loadBalancerAddress } from "./clusters";

/** Each monitored cluster's gateway (its address in `prometheusGateway`), then each Grafana's data sources of the others. */
export function monitorAcrossClusters(parts: ClusterParts[]): void {
    const monitored = parts.filter((p) => p.monitoring !== undefined);
    if (monitored.length < 2) return;
    // Its own CA: a router peer's certificate (another CA) opens no gateway, a Grafana's opens no peer session.
    const authority = new StackAuthority("monitoring", "jitsi monitoring CA");
    const gateways = monitored.map((part) => {
        const name = part.cluster.clusterName;
        const cert = authority.issue(`${name}-gateway`, `${name} prometheus gateway`, ["server_auth"], [gatewayServerName(name)]);
        const gateway = new PrometheusGateway(PROMETHEUS_GATEWAY_NAME, {
            namespace: part.site.ns,
            monitoringNamespace: part.config.namespaces.monitoring,
            clusterDomain: part.config.clusterDomain,
            image: part.config.router.image,
            tls: cert,
            serviceAnnotations: part.spec.serviceAnnotations,
            nodePort: prometheusGatewayNodePort(part.config.nodePortRange),
        }, { ...part.cluster.opts, dependsOn: [part.monitoring!] });
        part.prometheusGateway = loadBalancerAddress(gateway.service);
        return { part, address: part.prometheusGateway };
    });
    for (const { part } of gateways) {
        const name = part.cluster.clusterName;
        const client = authority.issue(`${name}-grafana`, `${name} grafana`, ["client_auth"]);
        const others = gateways.filter((g) => g.part !== part);
        // A gateway whose address is not assigned yet (a preview of its first deployment; `pulumi up` waits for it) is left out.
        const remotes = pulumi.all(others.map((o) => o.address)).apply((addresses) =>
            others.flatMap((o, i): RemotePrometheus[] => (addresses[i] ? [{ cluster: o.part.cluster.clusterName, region: o.part.spec.region, address: addresses[i]! }] : [])),
        );
        const file = pulumi.all([remotes, client.certPem, client.keyPem, client.ca]).apply(([r, cert, key, ca]) => stringify(remoteDatasources(r, { cert, key, ca })));
        // A Secret, not the chart's values: the chart renders its data sources into a ConfigMap.
        new k8s.core.v1.Secret(CLUSTER_DATASOURCES_SECRET, {
            metadata: { name: CLUSTER_DATASOURCES_SECRET, namespace: part.config.namespaces.monitoring, labels: { ...OWNER_LABELS, ...GRAFANA_DATASOURCE_LABELS } },
            type: "Opaque",
            stringData: { [CLUSTER_DATASOURCES_FILE]: pulumi.secret(file) },
        }, { ...part.cluster.opts, dependsOn: [part.monitoring!] });
    }
}
