/** Parts a stack switches on: shared notes, the whiteboard, recording, phones, captions, and the load test. */
import * as k8s from "@pulumi/kubernetes";
import { Etherpad } from "../components/etherpad";
import { JibriPool } from "../components/jibriPool";
import { JigasiPool } from "../components/jigasiPool";
import { ROUTER_NAME } from "../components/roomRouter";
import { VoskServer } from "../components/voskServer";
import { JitsiSecrets } from "../components/jitsiSecrets";
import { LoadTest } from "../components/loadTest";
import { Whiteboard } from "../components/whiteboard";
import { StackConfig, stackVoskImage } from "../config/schema";
import { JigasiEnvArgs, serviceUrl } from "../lib";
import { Site } from "./site";

/** Stack-wide services every shard's web proxies to; web's nginx resolves their Services at start, so it waits for them. */
export function collaborationServices(site: Site): k8s.core.v1.Service[] {
    const { config, ns } = site;
    const etherpad = config.etherpad.enabled
        ? new Etherpad("etherpad", { namespace: ns, image: config.etherpad.image, resources: config.resources.etherpad, storage: config.etherpad.storage, storageClass: config.etherpad.storageClass, keptObjects: site.keptObjects }, site.opts)
        : undefined;
    const whiteboard = config.whiteboard.enabled
        ? new Whiteboard("whiteboard", { namespace: ns, image: config.whiteboard.image, resources: config.resources.whiteboard, monitoringNamespace: site.monitoringNamespace }, site.opts)
        : undefined;
    return [etherpad?.service, whiteboard?.service].filter((s): s is k8s.core.v1.Service => s !== undefined);
}

/** One Jibri pool that every shard's prosody knows. */
export function recording(site: Site, secrets: JitsiSecrets): JibriPool | undefined {
    const { config } = site;
    if (!config.jibri.enabled) return undefined;
    return new JibriPool("jibri", {
        namespace: site.ns,
        settings: config.jibri,
        resources: config.resources.jibri,
        imageTag: config.imageTag,
        shards: config.shards.map((s) => s.name),
        publicUrl: site.publicUrl,
        timezone: config.timezone,
        untrustedCertificate: config.tls.issuer === "letsencrypt-staging",
        monitoringNamespace: site.monitoringNamespace,
    }, { dependsOn: [secrets] });
}

/** What a gateway of either mode shares: every shard's brewery, and the router its calls' connections go through. */
function gatewayEnv(site: Site): Omit<JigasiEnvArgs, "mode" | "monitored" | "memoryLimit"> {
    const { config } = site;
    return {
        shards: config.shards.map((s) => s.name),
        publicUrl: site.publicUrl,
        timezone: config.timezone,
        routerUrl: serviceUrl(ROUTER_NAME, site.namespaceName, config.clusterDomain, 80),
        auth: { enabled: config.auth.type !== "anonymous", guests: config.auth.guests },
    };
}

/** Phones: one SIP gateway pool that every shard's jicofo can send a call to. */
export function phones(site: Site, secrets: JitsiSecrets): JigasiPool | undefined {
    const { config } = site;
    const { jigasi } = config;
    if (!jigasi.enabled) return undefined;
    return new JigasiPool("jigasi", {
        namespace: site.ns,
        env: { ...gatewayEnv(site), mode: "sip", sip: { ...jigasi.sip, uri: jigasi.sip.uri!, dialOut: jigasi.dialOut.enabled, healthCheckSipUri: jigasi.healthCheckSipUri } },
        replicas: jigasi.replicas,
        resources: config.resources.jigasi,
        imageTag: config.imageTag,
        drainGracePeriodSeconds: jigasi.drainGracePeriodSeconds,
        monitoringNamespace: site.monitoringNamespace,
    }, { dependsOn: [secrets] });
}

/** Captions: the transcriber pool, and the Vosk server it streams to unless the stack names its own. */
export function captions(site: Site, secrets: JitsiSecrets): JigasiPool | undefined {
    const { config } = site;
    const t = config.transcription;
    if (!t.enabled) return undefined;
    const voskImage = stackVoskImage(t);
    // Unpinned only in a preview: `pulumi up` refuses alphacep's latest (config/load.ts).
    const vosk = voskImage
        ? new VoskServer("vosk", { namespace: site.ns, namespaceName: site.namespaceName, image: voskImage, resources: config.resources.vosk, clusterDomain: config.clusterDomain })
        : undefined;
    return new JigasiPool("transcriber", {
        namespace: site.ns,
        env: { ...gatewayEnv(site), mode: "transcriber", transcriber: { backend: t.backend, url: t.url ?? vosk!.url, save: t.saveTranscripts, whisperKeyName: t.whisper.keyName } },
        replicas: t.replicas,
        resources: config.resources.transcriber,
        imageTag: config.imageTag,
        // A transcriber asked to stop waits for the captioned meetings it serves.
        drainGracePeriodSeconds: config.jigasi.drainGracePeriodSeconds,
        transcripts: t.saveTranscripts ? { storage: t.storage, storageClass: t.storageClass } : undefined,
        monitoringNamespace: site.monitoringNamespace,
    }, { dependsOn: [secrets] });
}

/** Selenium Grid and a jitsi-meet-torture Job against the stack's own URL, in a namespace of their own. */
export function loadTest(config: StackConfig, publicUrl: string): LoadTest | undefined {
    if (!config.loadTest.enabled) return undefined;
    return new LoadTest("loadtest", { settings: config.loadTest, namespace: config.namespaces.loadTest, instanceUrl: publicUrl });
}
