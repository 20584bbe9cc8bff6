/**
 * The volumes this stack's configuration keeps data on, as the `storedData` output records them for
 * the next preview (lib/storedData.ts compares). Claim names are those the owners give them.
 */
import { JIBRI_STATEFULSET } from "../components/jibriPool";
import { KPS_FULLNAME } from "../components/monitoringStack";
import { ELASTICSEARCH_NAME, elasticsearchNodeSets } from "../components/opsStack";
import { StackConfig } from "../config/schema";
import { ETHERPAD_SERVICE, StoredData, VolumeSet } from "../lib";

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
            owner: "chart",
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
    // In the Jitsi namespace, which no switch removes: `owner` and `claims` are all that differ.
    const inJitsi = (v: Omit<VolumeSet, "namespace" | "partNamespace">): VolumeSet => ({ ...v, namespace: namespaces.jitsi, partNamespace: false });
    if (config.etherpad.enabled) {
        const { storage } = config.etherpad;
        data.etherpad = inJitsi({ holds: "Etherpad's pads", claims: `${ETHERPAD_SERVICE}-pads`, count: 1, size: storage, sizeKey: "etherpad.storage", switchKey: "etherpad.enabled", owner: "claim" });
    }
    if (config.auth.type === "internal") {
        for (const shard of config.shards) {
            data[`accounts/${shard.name}`] = inJitsi({
                holds: `${shard.name}'s prosody accounts`,
                claims: `${shard.name}-prosody-data`,
                count: 1,
                size: config.auth.storage,
                sizeKey: "auth.storage",
                switchKey: 'auth.type "internal" (or the shard)',
                owner: "claim",
            });
        }
    }
    if (config.jibri.enabled) {
        const { storage, replicas } = config.jibri;
        // Claims exist up to the highest replica that ever ran: the pool's maximum.
        data.recordings = inJitsi({ holds: "Jibri's recordings not yet finalized", claims: `recordings-${JIBRI_STATEFULSET}-<i>`, count: replicas.max, size: storage, sizeKey: "jibri.storage", switchKey: "jibri.enabled", owner: "statefulset" });
    }
    const t = config.transcription;
    if (t.enabled && t.saveTranscripts) {
        data.transcripts = inJitsi({ holds: "saved transcripts", claims: `transcripts-${TRANSCRIBER_STATEFULSET}-<i>`, count: t.replicas, size: t.storage, sizeKey: "transcription.storage", switchKey: "transcription.saveTranscripts", owner: "statefulset" });
    }
    return data;
}
