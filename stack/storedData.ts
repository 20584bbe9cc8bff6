/**
 * The volumes this stack's configuration keeps data on, as the `storedData` output records them for
 * the next preview (lib/storedData.ts compares). Claim names are those the owners give them.
 */
import { JIBRI_STATEFULSET } from "../components/jibriPool";
import { KPS_FULLNAME } from "../components/monitoringStack";
import { ELASTICSEARCH_NAME, elasticsearchNodeSets } from "../components/opsStack";
import { StackConfig } from "../config/schema";
import { ETHERPAD_SERVICE, StoredData } from "../lib";

/** The transcriber pool's StatefulSet (stack/extras.ts captions(): JigasiPool component "transcriber"). */
const TRANSCRIBER_STATEFULSET = "transcriber";
/** The Prometheus resource kube-prometheus-stack makes (templates/prometheus/prometheus.yaml: `<fullname>-prometheus`). */
const PROMETHEUS_NAME = `${KPS_FULLNAME}-prometheus`;

export function storedData(config: StackConfig): StoredData {
    const data: StoredData = {};
    const { monitoring, namespaces } = config;
    if (monitoring.enabled) {
        // prometheus-operator v0.93.0 pkg/prometheus/common.go:189 VolumeName `<prefixed name>-db`, PrefixedName
        // `prometheus-<name>`; the StatefulSet of shard 0 is `prometheus-<name>`, and a claim `<template>-<set>-<i>`.
        const prefixed = `prometheus-${PROMETHEUS_NAME}`;
        data.prometheus = {
            holds: "Prometheus' metrics",
            namespace: namespaces.monitoring,
            claims: `${prefixed}-db-${prefixed}-<i>`,
            count: monitoring.prometheus.replicas,
            size: monitoring.prometheus.storage,
            sizeKey: "monitoring.prometheus.storage",
            switchKey: "monitoring.enabled",
            owner: "prometheus-operator",
            partNamespace: true,
        };
        // grafana chart templates/pvc.yaml: the claim is named like the chart's fullname, `<release>-grafana`.
        data.grafana = {
            holds: "Grafana's database (users, edited dashboards)",
            namespace: namespaces.monitoring,
            claims: `${KPS_FULLNAME}-grafana`,
            count: 1,
            size: monitoring.grafana.storage,
            sizeKey: "monitoring.grafana.storage",
            switchKey: "monitoring.enabled",
            owner: "claim",
            partNamespace: true,
        };
    }
    if (config.ops.logging.enabled) {
        for (const nodeSet of elasticsearchNodeSets(config.ops.logging)) {
            const name = nodeSet.name as string;
            // cloud-on-k8s v3.4.1: StatefulSet `<es>-es-<node set>`, claim template `elasticsearch-data`.
            data[`elasticsearch/${name}`] = {
                holds: `Elasticsearch's logs (node set ${name})`,
                namespace: namespaces.logging,
                claims: `elasticsearch-data-${ELASTICSEARCH_NAME}-es-${name}-<i>`,
                count: nodeSet.count as number,
                size: (nodeSet.volumeClaimTemplates as any)[0].spec.resources.requests.storage,
                sizeKey: name === "master" ? "(master nodes: 5Gi, fixed)" : "ops.logging.storage",
                switchKey: "ops.logging.enabled",
                owner: "eck",
                partNamespace: true,
            };
        }
    }
    if (config.etherpad.enabled) {
        data.etherpad = {
            holds: "Etherpad's pads",
            namespace: namespaces.jitsi,
            claims: `${ETHERPAD_SERVICE}-pads`,
            count: 1,
            size: config.etherpad.storage,
            sizeKey: "etherpad.storage",
            switchKey: "etherpad.enabled",
            owner: "claim",
            partNamespace: false,
        };
    }
    if (config.auth.type === "internal") {
        for (const shard of config.shards) {
            data[`accounts/${shard.name}`] = {
                holds: `${shard.name}'s prosody accounts`,
                namespace: namespaces.jitsi,
                claims: `${shard.name}-prosody-data`,
                count: 1,
                size: config.auth.storage,
                sizeKey: "auth.storage",
                switchKey: 'auth.type "internal" (or the shard)',
                owner: "claim",
                partNamespace: false,
            };
        }
    }
    if (config.jibri.enabled) {
        data.recordings = {
            holds: "Jibri's recordings not yet finalized",
            namespace: namespaces.jitsi,
            claims: `recordings-${JIBRI_STATEFULSET}-<i>`,
            count: config.jibri.replicas.max,
            size: config.jibri.storage,
            sizeKey: "jibri.storage",
            switchKey: "jibri.enabled",
            owner: "statefulset",
            partNamespace: false,
        };
    }
    if (config.transcription.enabled && config.transcription.saveTranscripts) {
        data.transcripts = {
            holds: "saved transcripts",
            namespace: namespaces.jitsi,
            claims: `transcripts-${TRANSCRIBER_STATEFULSET}-<i>`,
            count: config.transcription.replicas,
            size: config.transcription.storage,
            sizeKey: "transcription.storage",
            switchKey: "transcription.saveTranscripts",
            owner: "statefulset",
            partNamespace: false,
        };
    }
    return data;
}
