/**
 * The Jitsi namespace and what every part declared in it shares: its name, the public URL, where
 * Prometheus and the ingress controller run. Created first; every other part takes it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JitsiSecrets } from "../components/jitsiSecrets";
import { StackConfig } from "../config/schema";
import { KeptObjects, admitAcmeSolvers, denyIngressByDefault, JitsiSecretKey, ownedNamespace, RESTRICTED } from "../lib";

export interface Site {
    config: StackConfig;
    namespace: k8s.core.v1.Namespace;
    /** The namespace's name as an output, so that objects in it wait for it. */
    ns: pulumi.Output<string>;
    namespaceName: string;
    publicUrl: string;
    /** Prometheus's namespace while monitoring is on: metrics ports admit it. */
    monitoringNamespace?: string;
    /** Where the ingress controller runs: this stack's ingress-nginx, or the user's controller under that namespace name. */
    ingressNamespace: string;
    /** The namespaces and claims kept when their part goes off, and their provider (lib/keptObjects.ts). */
    keptObjects: KeptObjects;
    /** The cluster every part of this site is declared in, among several (stack/clusters.ts); unset with one cluster. */
    opts?: pulumi.ComponentResourceOptions;
}

/** The restricted, default-deny Jitsi namespace, admitting cert-manager's HTTP-01 solvers from the ingress controller. */
export function jitsiSite(config: StackConfig, keptObjects: KeptObjects, opts?: pulumi.ComponentResourceOptions): Site {
    const namespaceName = config.namespaces.jitsi;
    const namespace = ownedNamespace(namespaceName, RESTRICTED, opts);
    denyIngressByDefault("jitsi", namespace, opts);
    const ingressNamespace = config.namespaces.ingressNginx;
    admitAcmeSolvers("jitsi", namespace, ingressNamespace, opts);
    return {
        config,
        namespace,
        ns: namespace.metadata.name,
        namespaceName,
        publicUrl: `https://${config.hosts[0]}`,
        monitoringNamespace: config.monitoring.enabled ? config.namespaces.monitoring : undefined,
        ingressNamespace,
        keptObjects,
        opts,
    };
}

/** The credentials this stack's parts use, from `--secret` settings or generated. */
export function jitsiSecrets(site: Site): JitsiSecrets {
    const { config } = site;
    return new JitsiSecrets("jitsi-auth", {
        namespace: site.ns,
        keys: secretKeys(config),
        internalUsers: config.auth.type === "internal" ? config.auth.users : undefined,
    }, site.opts);
}

function secretKeys(config: StackConfig): JitsiSecretKey[] {
    return [
        "jicofoAuthPassword",
        "jvbAuthPassword",
        ...(config.turn.enabled ? (["turnSharedSecret"] as const) : []),
        ...(config.auth.type === "jwt" ? (["jwtAppSecret"] as const) : []),
        ...(config.jibri.enabled ? (["jibriXmppPassword", "jibriRecorderPassword"] as const) : []),
        ...(config.jigasi.enabled || config.transcription.enabled ? (["jigasiXmppPassword"] as const) : []),
        ...(config.jigasi.enabled ? (["jigasiSipPassword"] as const) : []),
        ...(config.transcription.enabled ? (["jigasiTranscriberPassword"] as const) : []),
        ...(config.transcription.enabled && config.transcription.backend === "whisper" ? (["jigasiWhisperPrivateKey"] as const) : []),
    ];
}
