/** The operations and monitoring stack around Jitsi: each is on or off per stack. */
import { MonitoringStack } from "../components/monitoringStack";
import { OpsStack } from "../components/opsStack";
import { StackConfig } from "../config/schema";
import { Site } from "./site";

/** cert-manager and its issuers, ingress-nginx, metrics-server, the dashboard and logging. */
export function opsStack(config: StackConfig): OpsStack {
    return new OpsStack("ops", { ops: config.ops, namespaces: config.namespaces, acmeEmail: config.tls.acmeEmail });
}

/** Prometheus, Alertmanager, Grafana, prometheus-adapter, and the monitors of the parts this stack runs. */
export function monitoringStack(site: Site, ops: OpsStack, runs: { turn: boolean }): MonitoringStack | undefined {
    const { config } = site;
    if (!config.monitoring.enabled) return undefined;
    return new MonitoringStack("monitoring", {
        monitoring: config.monitoring,
        namespaces: config.namespaces,
        host: config.hosts[0],
        ingressNginxNamespace: config.ops.ingressNginx.enabled ? config.namespaces.ingressNginx : undefined,
        jitsiNamespace: site.namespace,
        optional: { turn: runs.turn, jibri: config.jibri.enabled, whiteboard: config.whiteboard.enabled, visitors: config.visitors.enabled, jigasi: config.jigasi.enabled, transcription: config.transcription.enabled },
        dependsOn: ops.ingressReady,
    });
}
