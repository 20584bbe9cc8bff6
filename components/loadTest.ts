import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import {
    denyIngressByDefault,
    FETCH_TORTURE,
    fromPods,
    ingressPolicy,
    LOAD_TEST_IMAGES,
    loadTestLabels,
    malleusScript,
    OWNER_LABELS,
    ownedNamespace,
    RESTRICTED,
    tcp,
    resourceRequirements,
    restrictedSecurityContext,
    SELENIUM_PORTS,
    TORTURE_RESOURCE_PATH,
} from "../lib";

export const HUB_NAME = "selenium-hub";
export const LOAD_TEST_JOB = "loadtest";
/** uid of `seluser` in the Selenium images. */
export const SELENIUM_UID = 1200;
const RUNNER_UID = 1000;

export interface LoadTestArgs {
    settings: StackConfig["loadTest"];
    namespace: string;
    /** The stack's own public URL: the test goes through DNS, TLS, ingress, router, shards and bridges. */
    instanceUrl: string;
}

const labelsOf = loadTestLabels;

/**
 * jitsi-meet-torture against this stack from inside the cluster: a Selenium Grid (hub plus Chrome
 * nodes, sized from config) and a Job that runs the Malleus test with the configured number of
 * conferences, participants and duration. All of it lives in its own namespace and disappears when
 * the load test is switched off again. Results: `kubectl -n <ns> logs job/loadtest` (last lines `LOADTEST ...`).
 */
export class LoadTest extends pulumi.ComponentResource {
    readonly logsCommand: string;

    constructor(name: string, args: LoadTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jitsi:loadtest:LoadTest", name, {}, opts);
        const { settings, namespace } = args;
        const ns = ownedNamespace(namespace, RESTRICTED, { parent: this });
        denyIngressByDefault("loadtest", ns, { parent: this });
        const inNs = { parent: this, dependsOn: [ns] };

        const fetch = new k8s.core.v1.ConfigMap(
            "torture-fetch",
            { metadata: { name: "torture-fetch", namespace, labels: { ...OWNER_LABELS } }, data: { "fetch.sh": FETCH_TORTURE } },
            inNs,
        );
        const fetchVolume = { name: "fetch", configMap: { name: fetch.metadata.name } };
        const fetchInto = (dir: string, uid: number, mountPath: string, volume: string): k8s.types.input.core.v1.Container => ({
            name: "fetch-torture",
            image: LOAD_TEST_IMAGES.git,
            command: ["/bin/sh", "/fetch/fetch.sh", dir],
            env: [{ name: "HOME", value: "/tmp" }],
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            securityContext: restrictedSecurityContext(uid),
            volumeMounts: [
                { name: "fetch", mountPath: "/fetch", readOnly: true },
                { name: volume, mountPath },
                { name: "tmp", mountPath: "/tmp" },
            ],
        });

        new k8s.apps.v1.Deployment(
            HUB_NAME,
            {
                metadata: { name: HUB_NAME, namespace, labels: labelsOf("hub") },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labelsOf("hub") },
                    template: {
                        metadata: { labels: labelsOf("hub") },
                        spec: {
                            automountServiceAccountToken: false,
                            containers: [
                                {
                                    name: "hub",
                                    image: LOAD_TEST_IMAGES.hub,
                                    ports: Object.entries({ hub: SELENIUM_PORTS.hub, publish: SELENIUM_PORTS.publish, subscribe: SELENIUM_PORTS.subscribe })
                                        .map(([portName, containerPort]) => ({ name: portName, containerPort })),
                                    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
                                    securityContext: seleniumSecurityContext(),
                                    readinessProbe: { httpGet: { path: "/status", port: SELENIUM_PORTS.hub }, periodSeconds: 10 },
                                    livenessProbe: { httpGet: { path: "/status", port: SELENIUM_PORTS.hub }, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 6 },
                                },
                            ],
                        },
                    },
                },
            },
            inNs,
        );
        new k8s.core.v1.Service(
            HUB_NAME,
            {
                metadata: { name: HUB_NAME, namespace, labels: labelsOf("hub") },
                spec: {
                    selector: labelsOf("hub"),
                    ports: [
                        { name: "hub", port: SELENIUM_PORTS.hub, targetPort: SELENIUM_PORTS.hub },
                        { name: "publish", port: SELENIUM_PORTS.publish, targetPort: SELENIUM_PORTS.publish },
                        { name: "subscribe", port: SELENIUM_PORTS.subscribe, targetPort: SELENIUM_PORTS.subscribe },
                    ],
                },
            },
            inNs,
        );

        new k8s.apps.v1.Deployment(
            "selenium-node",
            {
                metadata: { name: "selenium-node-chrome", namespace, labels: labelsOf("node") },
                spec: {
                    replicas: settings.seleniumNodes,
                    selector: { matchLabels: labelsOf("node") },
                    template: {
                        metadata: { labels: labelsOf("node") },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: { fsGroup: SELENIUM_UID },
                            initContainers: [fetchInto(TORTURE_RESOURCE_PATH, SELENIUM_UID, TORTURE_RESOURCE_PATH, "media")],
                            containers: [
                                {
                                    name: "chrome",
                                    image: LOAD_TEST_IMAGES.node,
                                    env: [
                                        { name: "SE_EVENT_BUS_HOST", value: HUB_NAME },
                                        { name: "SE_EVENT_BUS_PUBLISH_PORT", value: String(SELENIUM_PORTS.publish) },
                                        { name: "SE_EVENT_BUS_SUBSCRIBE_PORT", value: String(SELENIUM_PORTS.subscribe) },
                                        { name: "SE_NODE_MAX_SESSIONS", value: String(settings.sessionsPerNode) },
                                        { name: "SE_NODE_OVERRIDE_MAX_SESSIONS", value: "true" },
                                    ],
                                    ports: [{ name: "node", containerPort: SELENIUM_PORTS.node }],
                                    resources: resourceRequirements(settings.nodeResources),
                                    securityContext: seleniumSecurityContext(),
                                    volumeMounts: [
                                        // Chrome needs a large shared memory segment for video.
                                        { name: "dshm", mountPath: "/dev/shm" },
                                        { name: "media", mountPath: TORTURE_RESOURCE_PATH, readOnly: true },
                                    ],
                                    readinessProbe: { httpGet: { path: "/status", port: SELENIUM_PORTS.node }, periodSeconds: 10 },
                                    livenessProbe: { httpGet: { path: "/status", port: SELENIUM_PORTS.node }, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 6 },
                                },
                            ],
                            volumes: [
                                fetchVolume,
                                { name: "media", emptyDir: { sizeLimit: "2Gi" } },
                                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                                { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } },
                            ],
                        },
                    },
                },
            },
            inNs,
        );

        const hubUrl = `http://${HUB_NAME}.${namespace}.svc:${SELENIUM_PORTS.hub}/wd/hub`;
        new k8s.batch.v1.Job(
            LOAD_TEST_JOB,
            {
                metadata: { name: LOAD_TEST_JOB, namespace, labels: labelsOf("runner") },
                spec: {
                    // One run per configuration: a failed load test is a result, not something to retry.
                    backoffLimit: 0,
                    // Bounded: grid start, Maven's first download, the test itself and some slack.
                    activeDeadlineSeconds: settings.durationSeconds + 3600,
                    template: {
                        metadata: { labels: labelsOf("runner") },
                        spec: {
                            restartPolicy: "Never",
                            automountServiceAccountToken: false,
                            securityContext: { fsGroup: RUNNER_UID },
                            initContainers: [fetchInto("/src", RUNNER_UID, "/src", "src")],
                            containers: [
                                {
                                    name: "malleus",
                                    image: LOAD_TEST_IMAGES.maven,
                                    command: ["/bin/bash", "-c", malleusScript({
                                        hubUrl,
                                        instanceUrl: args.instanceUrl,
                                        conferences: settings.conferences,
                                        participantsPerConference: settings.participantsPerConference,
                                        durationSeconds: settings.durationSeconds,
                                        roomPrefix: settings.roomPrefix,
                                    })],
                                    env: [
                                        { name: "HOME", value: "/tmp" },
                                        { name: "MAVEN_CONFIG", value: "/tmp/.m2" },
                                    ],
                                    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
                                    securityContext: restrictedSecurityContext(RUNNER_UID),
                                    volumeMounts: [
                                        { name: "src", mountPath: "/src" },
                                        { name: "m2", mountPath: "/m2" },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                fetchVolume,
                                { name: "src", emptyDir: { sizeLimit: "2Gi" } },
                                { name: "m2", emptyDir: { sizeLimit: "2Gi" } },
                                { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                            ],
                        },
                    },
                },
            },
            // Starting the test only makes sense once the grid exists; the script also waits for it to be ready.
            { ...inNs, deleteBeforeReplace: true },
        );

        // The grid's own flows: browsers and the runner talk to the hub, the hub drives the browsers.
        const admit = (component: "hub" | "node", spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
            new k8s.networking.v1.NetworkPolicy(
                `loadtest-${component}`,
                { metadata: { name: `selenium-${component}`, namespace, labels: labelsOf(component) }, spec },
                { parent: this, dependsOn: [ns] },
            );
        admit("hub", ingressPolicy(labelsOf("hub"), [
            { from: [fromPods(labelsOf("node"))], ports: [tcp(SELENIUM_PORTS.publish, SELENIUM_PORTS.subscribe), tcp(SELENIUM_PORTS.hub)] },
            { from: [fromPods(labelsOf("runner"))], ports: [tcp(SELENIUM_PORTS.hub)] },
        ]));
        admit("node", ingressPolicy(labelsOf("node"), [{ from: [fromPods(labelsOf("hub"))], ports: [tcp(SELENIUM_PORTS.node)] }]));

        this.logsCommand = `kubectl -n ${namespace} logs -f job/${LOAD_TEST_JOB}`;
        this.registerOutputs({ logsCommand: this.logsCommand });
    }
}

/**
 * The Selenium images write to their home and /opt/selenium at start, so their root file system stays
 * writable; everything else is restricted.
 */
function seleniumSecurityContext(): k8s.types.input.core.v1.SecurityContext {
    return { ...restrictedSecurityContext(SELENIUM_UID), readOnlyRootFilesystem: false };
}
