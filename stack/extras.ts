/** Parts a stack switches on: shared notes, the whiteboard, recording, and the load test. */
import * as k8s from "@pulumi/kubernetes";
import { Etherpad } from "../components/etherpad";
import { JibriPool } from "../components/jibriPool";
import { JitsiSecrets } from "../components/jitsiSecrets";
import { LoadTest } from "../components/loadTest";
import { Whiteboard } from "../components/whiteboard";
import { StackConfig } from "../config/schema";
import { Site } from "./site";

/** Stack-wide services every shard's web proxies to; web's nginx resolves their Services at start, so it waits for them. */
export function collaborationServices(site: Site): k8s.core.v1.Service[] {
    const { config, ns } = site;
    const etherpad = config.etherpad.enabled
        ? new Etherpad("etherpad", { namespace: ns, image: config.etherpad.image, resources: config.resources.etherpad, storage: config.etherpad.storage, storageClass: config.etherpad.storageClass })
        : undefined;
    const whiteboard = config.whiteboard.enabled
        ? new Whiteboard("whiteboard", { namespace: ns, image: config.whiteboard.image, resources: config.resources.whiteboard, monitoringNamespace: site.monitoringNamespace })
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

/** Selenium Grid and a jitsi-meet-torture Job against the stack's own URL, in a namespace of their own. */
export function loadTest(config: StackConfig, publicUrl: string): LoadTest | undefined {
    if (!config.loadTest.enabled) return undefined;
    return new LoadTest("loadtest", { settings: config.loadTest, namespace: config.namespaces.loadTest, instanceUrl: publicUrl });
}
