/**
 * Who may meet and what a meeting offers: the program run over a stack for each auth type and over
 * production with every extra on (test/variants.ts), checked on what would reach the cluster.
 */
import * as assert from "assert";
import { memoryBytes, SECRET_ENV } from "../lib";
import { generatedSecret, Run, runProgramOk } from "./harness";
import { containers, env, envValue, mainContainers, matches, named, objects, Obj } from "./objects";
import { ACCESS_VARIANTS, JWT_SECRET, USER_PASSWORDS } from "./variants";

/** The monitoring namespace's Prometheus server pods only (labels of prometheus-operator v0.93 makeSelectorLabels). */
const PROMETHEUS_PEER = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
    podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kube-prometheus-stack-prometheus" } },
};

const SECRET_VARS: string[] = Object.values(SECRET_ENV);

/** The env of each shard's main container of a component, by shard. */
function shardContainers(run: Run, component: "prosody" | "jicofo" | "web"): Obj[] {
    return objects(run, "Deployment")
        .filter((d) => d.metadata.labels["app.kubernetes.io/component"] === component)
        .map((d) => d.spec.template.spec.containers[0]);
}

/** name -> value of the variables in `names`, absent ones left out. */
function values(container: Obj, names: string[]): Record<string, string> {
    return Object.fromEntries(names.filter((n) => env(container, n)).map((n) => [n, envValue(container, n) ?? "(from secret)"]));
}

const PROSODY_VARS = ["ENABLE_AUTH", "AUTH_TYPE", "ENABLE_GUESTS", "JWT_APP_ID", "JWT_ACCEPTED_ISSUERS", "JWT_ACCEPTED_AUDIENCES", "JWT_APP_SECRET", "ENABLE_LOBBY", "ENABLE_BREAKOUT_ROOMS", "ENABLE_RECORDING"];
const JICOFO_VARS = ["ENABLE_AUTH", "AUTH_TYPE", "ENABLE_GUESTS", "JWT_APP_ID", "ENABLE_RECORDING"];
const WEB_VARS = ["ENABLE_AUTH", "AUTH_TYPE", "ENABLE_GUESTS", "ENABLE_BREAKOUT_ROOMS", "ENABLE_RECORDING", "ETHERPAD_URL_BASE", "WHITEBOARD_COLLAB_SERVER_URL_BASE", "WHITEBOARD_ENABLED"];

const EXPECTED: Record<keyof typeof ACCESS_VARIANTS, { prosody: Record<string, string>; jicofo: Record<string, string>; web: Record<string, string> }> = {
    anonymous: {
        prosody: { ENABLE_AUTH: "false", ENABLE_LOBBY: "true", ENABLE_BREAKOUT_ROOMS: "true", ENABLE_RECORDING: "false" },
        jicofo: { ENABLE_AUTH: "false", ENABLE_RECORDING: "false" },
        web: { ENABLE_AUTH: "false", ENABLE_BREAKOUT_ROOMS: "true", ENABLE_RECORDING: "false" },
    },
    internal: {
        prosody: { ENABLE_AUTH: "true", AUTH_TYPE: "internal", ENABLE_GUESTS: "true", ENABLE_LOBBY: "false", ENABLE_BREAKOUT_ROOMS: "true", ENABLE_RECORDING: "false" },
        jicofo: { ENABLE_AUTH: "true", AUTH_TYPE: "internal", ENABLE_RECORDING: "false" },
        web: { ENABLE_AUTH: "true", ENABLE_GUESTS: "true", ENABLE_BREAKOUT_ROOMS: "true", ENABLE_RECORDING: "false" },
    },
    jwt: {
        prosody: {
            ENABLE_AUTH: "true",
            AUTH_TYPE: "jwt",
            ENABLE_GUESTS: "false",
            JWT_APP_ID: "school-portal",
            JWT_ACCEPTED_ISSUERS: "portal,lms",
            JWT_ACCEPTED_AUDIENCES: "jitsi",
            JWT_APP_SECRET: "(from secret)",
            ENABLE_LOBBY: "true",
            ENABLE_BREAKOUT_ROOMS: "true",
            ENABLE_RECORDING: "false",
        },
        jicofo: { ENABLE_AUTH: "true", AUTH_TYPE: "jwt", ENABLE_RECORDING: "false" },
        web: { ENABLE_AUTH: "true", ENABLE_GUESTS: "false", ENABLE_BREAKOUT_ROOMS: "true", ENABLE_RECORDING: "false" },
    },
    "all extras": {
        prosody: {
            ENABLE_AUTH: "true",
            AUTH_TYPE: "jwt",
            ENABLE_GUESTS: "true",
            JWT_APP_ID: "school-portal",
            JWT_APP_SECRET: "(from secret)",
            ENABLE_LOBBY: "true",
            ENABLE_BREAKOUT_ROOMS: "false",
            ENABLE_RECORDING: "true",
        },
        jicofo: { ENABLE_AUTH: "true", AUTH_TYPE: "jwt", ENABLE_RECORDING: "true" },
        web: {
            ENABLE_AUTH: "true",
            ENABLE_GUESTS: "true",
            ENABLE_BREAKOUT_ROOMS: "false",
            ENABLE_RECORDING: "true",
            ETHERPAD_URL_BASE: "http://etherpad.jitsi.svc.cluster.local:9001",
            WHITEBOARD_COLLAB_SERVER_URL_BASE: "http://whiteboard.jitsi.svc.cluster.local:3000",
        },
    },
};

describe("access: auth types, lobby, Etherpad, whiteboard, Jibri", function () {
    this.timeout(60_000);
    const runs: Partial<Record<keyof typeof ACCESS_VARIANTS, Run>> = {};
    const run = (name: keyof typeof ACCESS_VARIANTS) => runs[name]!;

    before(async () => {
        for (const name of Object.keys(ACCESS_VARIANTS) as (keyof typeof ACCESS_VARIANTS)[]) {
            const r = await runProgramOk(ACCESS_VARIANTS[name]());
            runs[name] = r;
        }
    });

    for (const variant of Object.keys(EXPECTED) as (keyof typeof EXPECTED)[]) {
        it(`sets the access variables of prosody, jicofo and web on every shard (${variant})`, () => {
            const expected = EXPECTED[variant];
            for (const [component, names] of [["prosody", PROSODY_VARS], ["jicofo", JICOFO_VARS], ["web", WEB_VARS]] as const) {
                const found = shardContainers(run(variant), component);
                assert.ok(found.length >= 1);
                for (const c of found) assert.deepStrictEqual(values(c, names), expected[component], `${variant} ${component}`);
            }
        });

        it(`hands every credential over by secretKeyRef only, and keeps its value out of every other object (${variant})`, () => {
            const r = run(variant);
            for (const { workload, container } of containers(r)) {
                for (const e of container.env ?? []) {
                    if (!SECRET_VARS.includes(e.name)) continue;
                    assert.strictEqual(e.value, undefined, `${workload.metadata.name}/${container.name} ${e.name} in plain text`);
                    assert.deepStrictEqual(e.valueFrom, { secretKeyRef: { name: "jitsi-auth", key: e.name } });
                }
            }
            const secrets = r.resources.filter((x) => x.inputs?.kind === "Secret");
            for (const s of secrets) assert.deepStrictEqual(s.secretPaths, ["stringData"], `${s.inputs.metadata.name} reaches the provider as a Pulumi secret`);
            const outsideSecrets = JSON.stringify(objects(r).filter((o) => o.kind !== "Secret"));
            for (const value of [JWT_SECRET, ...Object.values(USER_PASSWORDS)]) assert.ok(!outsideSecrets.includes(value), "a configured secret leaked");
            for (const s of secrets) {
                // Grafana's Secret also holds its user name, "admin", which is no credential and a common word.
                const credentials = Object.values<string>(s.inputs.stringData).filter((v) => v.length >= 12);
                for (const value of credentials) assert.ok(!outsideSecrets.includes(value), `a value of ${s.inputs.metadata.name} leaked`);
            }
        });
    }

    it("keeps every extra off in the default stacks: no accounts volume, Etherpad, whiteboard or Jibri", () => {
        const r = run("anonymous");
        for (const component of ["etherpad", "whiteboard", "jibri"]) {
            assert.deepStrictEqual(objects(r).filter((o) => o.metadata?.labels?.["app.kubernetes.io/component"] === component), [], component);
        }
        assert.deepStrictEqual(objects(r, "PersistentVolumeClaim"), []);
        assert.deepStrictEqual(Object.keys(named(r, "Secret", "jitsi-auth").stringData).sort(), ["JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", "TURN_CREDENTIALS"]);
        assert.ok(!mainContainers(r).some(({ container }) => container.name === "accounts"));
        // jicofo names pads at random on every stack (switching Etherpad on must not restart it); web closes no
        // Etherpad routes where it serves none.
        for (const jicofo of shardContainers(r, "jicofo")) assert.strictEqual(envValue(jicofo, "ENABLE_SHARED_DOCUMENT_RANDOM_NAME"), "true");
        for (const cm of objects(r, "ConfigMap")) assert.strictEqual(cm.data?.["etherpad.conf"], undefined, cm.metadata.name);
    });

    describe("jwt", () => {
        it("stores the configured JWT secret in the jitsi-auth Secret, never a generated one", () => {
            const secret = named(run("jwt"), "Secret", "jitsi-auth");
            assert.strictEqual(secret.stringData.JWT_APP_SECRET, JWT_SECRET);
            assert.ok(!run("jwt").resources.some((x) => x.type === "random:index/randomPassword:RandomPassword" && x.name.includes("jwt")));
        });
    });

    describe("internal accounts", () => {
        const prosody = (shard: string) => named(run("internal"), "Deployment", `${shard}-prosody`).spec.template.spec;

        it("keeps each shard's prosody data on a volume claim of its own, mounted where prosody stores accounts", () => {
            const claims = objects(run("internal"), "PersistentVolumeClaim");
            assert.deepStrictEqual(claims.map((c) => c.metadata.name).sort(), ["shard-0-prosody-data", "shard-1-prosody-data"]);
            assert.deepStrictEqual(claims[0].spec, { accessModes: ["ReadWriteOnce"], storageClassName: "fast-ssd", resources: { requests: { storage: "1Gi" } } });
            // A WaitForFirstConsumer claim binds only once prosody's pod is scheduled: `pulumi up` must not wait for it first.
            assert.strictEqual(claims[0].metadata.annotations["pulumi.com/skipAwait"], "true");
            const spec = prosody("shard-0");
            const data = spec.volumes.find((v: Obj) => v.name === "data");
            assert.deepStrictEqual(data, { name: "data", persistentVolumeClaim: { claimName: "shard-0-prosody-data" } });
            for (const c of spec.containers) {
                assert.ok(c.volumeMounts.some((m: Obj) => m.name === "data" && m.mountPath === "/var/lib/prosody"), c.name);
            }
            // ReadWriteOnce: the old pod must be gone before the new one mounts the claim.
            assert.strictEqual(named(run("internal"), "Deployment", "shard-0-prosody").spec.strategy.type, "Recreate");
        });

        it("runs the account sidecar with the users Secret, the service passwords by reference, and the prosody container's mounts", () => {
            const spec = prosody("shard-0");
            const [main, sidecar] = spec.containers;
            assert.strictEqual(sidecar.name, "accounts");
            assert.strictEqual(sidecar.image, main.image);
            for (const m of main.volumeMounts) assert.ok(sidecar.volumeMounts.some((s: Obj) => s.name === m.name && s.mountPath === m.mountPath), m.mountPath);
            assert.deepStrictEqual(sidecar.volumeMounts.find((m: Obj) => m.name === "users"), { name: "users", mountPath: "/users", readOnly: true });
            assert.deepStrictEqual(spec.volumes.find((v: Obj) => v.name === "users").secret.secretName, "jitsi-internal-users");
            assert.deepStrictEqual(
                sidecar.env.map((e: Obj) => e.name).sort(),
                ["JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", "JVB_AUTH_USER", "TZ", "XMPP_AUTH_DOMAIN", "XMPP_DOMAIN", "XMPP_HIDDEN_DOMAIN"],
            );
            assert.deepStrictEqual(sidecar.securityContext, main.securityContext);
            assert.ok(sidecar.resources.limits.memory && sidecar.resources.limits.cpu);
            assert.ok(sidecar.livenessProbe.exec, "a stuck sidecar is restarted");
            assert.strictEqual(sidecar.readinessProbe, undefined, "prosody's readiness must not wait on the sidecar");
        });

        it("keeps the passwords in a Secret keyed by user name, sent as a Pulumi secret", () => {
            const r = run("internal");
            const secret = named(r, "Secret", "jitsi-internal-users");
            assert.deepStrictEqual(secret.stringData, USER_PASSWORDS);
            assert.deepStrictEqual(r.resources.find((x) => x.inputs === secret)!.secretPaths, ["stringData"]);
        });
    });

    describe("all extras", () => {
        const r = () => run("all extras");

        it("routes web's /etherpad/ and /socket.io/ to Services that exist, on their ports, and starts web after them", () => {
            const web = shardContainers(r(), "web")[0];
            for (const [name, svcName] of [["ETHERPAD_URL_BASE", "etherpad"], ["WHITEBOARD_COLLAB_SERVER_URL_BASE", "whiteboard"]]) {
                const url = new URL(envValue(web, name)!);
                assert.strictEqual(url.hostname, `${svcName}.jitsi.svc.cluster.local`);
                const svc = named(r(), "Service", svcName);
                assert.deepStrictEqual(svc.spec.ports.map((p: Obj) => p.port), [Number(url.port)]);
                const pods = objects(r(), "Deployment").filter((d) => matches(svc.spec.selector, d.spec.template.metadata.labels));
                assert.strictEqual(pods.length, 1, svcName);
                assert.ok(pods[0].spec.template.spec.containers[0].ports.some((p: Obj) => p.containerPort === svc.spec.ports[0].targetPort));
            }
            for (const shard of ["shard-0", "shard-1"]) {
                const recorded = r().resources.find((x) => x.inputs?.kind === "Deployment" && x.inputs.metadata.name === `${shard}-web`)!;
                for (const svc of ["etherpad", "whiteboard"]) {
                    assert.ok(recorded.dependsOn.some((d) => d.endsWith(`kubernetes:core/v1:Service::${svc}`)), `${shard}-web waits for ${svc}`);
                }
            }
        });

        it("names each meeting's pad at random, and closes Etherpad's API, admin and start page on every shard's web", () => {
            // Else the pad is the room's name: whoever knows the room reads and edits /etherpad/p/<room>.
            for (const jicofo of shardContainers(r(), "jicofo")) assert.strictEqual(envValue(jicofo, "ENABLE_SHARED_DOCUMENT_RANDOM_NAME"), "true");
            for (const shard of ["shard-0", "shard-1"]) {
                const web = named(r(), "Deployment", `${shard}-web`).spec.template.spec.containers[0];
                assert.deepStrictEqual(web.volumeMounts.find((m: Obj) => m.subPath === "etherpad.conf"), {
                    name: "custom-config",
                    mountPath: "/config/nginx-custom/etherpad.conf",
                    subPath: "etherpad.conf",
                    readOnly: true,
                });
                assert.match(named(r(), "ConfigMap", `${shard}-web-config`).data["etherpad.conf"], /^if \(\$uri ~\* "\^\/etherpad\/\+\(api\|.*\|\$\)"\) \{ return 404; \}$/m);
            }
        });

        it("admits only web pods to Etherpad and the whiteboard, and Prometheus to the whiteboard's metrics", () => {
            const etherpad = named(r(), "NetworkPolicy", "etherpad").spec;
            assert.deepStrictEqual(etherpad.ingress, [
                { from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "jitsi-meet", "app.kubernetes.io/component": "web" } } }], ports: [{ protocol: "TCP", port: 9001 }] },
            ]);
            const whiteboard = named(r(), "NetworkPolicy", "whiteboard").spec;
            assert.deepStrictEqual(whiteboard.ingress[1], { from: [PROMETHEUS_PEER], ports: [{ protocol: "TCP", port: 9090 }] });
        });

        it("keeps Etherpad's pads on its volume, runs it as its own user on a read-only root, and probes /health", () => {
            const deployment = named(r(), "Deployment", "etherpad");
            assert.strictEqual(deployment.spec.strategy.type, "Recreate");
            const c = deployment.spec.template.spec.containers[0];
            assert.strictEqual(c.image, "etherpad/etherpad:2.5.3");
            assert.deepStrictEqual(c.volumeMounts.find((m: Obj) => m.name === "var"), { name: "var", mountPath: "/opt/etherpad-lite/var" });
            assert.strictEqual(named(r(), "PersistentVolumeClaim", "etherpad-pads").spec.resources.requests.storage, "5Gi");
            assert.strictEqual(c.securityContext.runAsUser, 5001);
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/health", port: 9001 });
            assert.strictEqual(envValue(c, "DB_TYPE"), "sqlite");
            assert.strictEqual(envValue(c, "TRUST_PROXY"), "true");
        });

        it("registers one Jibri pool with every shard's prosody, with both passwords by reference", () => {
            const sts = named(r(), "StatefulSet", "jibri");
            const c = sts.spec.template.spec.containers[0];
            assert.strictEqual(c.image, "ghcr.io/jitsi/jibri:stable-11146-2");
            assert.strictEqual(envValue(c, "XMPP_SERVER"), "shard-0-prosody:5222,shard-1-prosody:5222");
            for (const server of envValue(c, "XMPP_SERVER")!.split(",")) {
                const [host, port] = server.split(":");
                assert.ok(named(r(), "Service", host).spec.ports.some((p: Obj) => p.port === Number(port)));
            }
            assert.strictEqual(envValue(c, "PUBLIC_URL"), "https://meet.example.org");
            for (const name of ["JIBRI_XMPP_PASSWORD", "JIBRI_RECORDER_PASSWORD"]) {
                assert.deepStrictEqual(env(c, name)!.valueFrom, { secretKeyRef: { name: "jitsi-auth", key: name } });
            }
            const secret = named(r(), "Secret", "jitsi-auth");
            assert.strictEqual(secret.stringData.JIBRI_XMPP_PASSWORD, generatedSecret("jitsi-auth-jibriXmppPassword"));
            assert.strictEqual(secret.stringData.JIBRI_RECORDER_PASSWORD, generatedSecret("jitsi-auth-jibriRecorderPassword"));
            // Prosody registers the same two accounts.
            for (const prosody of shardContainers(r(), "prosody")) {
                for (const name of ["JIBRI_XMPP_PASSWORD", "JIBRI_RECORDER_PASSWORD"]) assert.deepStrictEqual(env(prosody, name), env(c, name));
            }
            // Production's certificate is a trusted one: Chrome keeps checking it.
            assert.strictEqual(env(c, "IGNORE_CERTIFICATE_ERRORS"), undefined);
        });

        it("schedules Jibris on the labelled nodes, with 2Gi of /dev/shm, a recordings volume each and a drain before stopping", () => {
            const sts = named(r(), "StatefulSet", "jibri");
            const spec = sts.spec.template.spec;
            assert.deepStrictEqual(spec.nodeSelector, { "jitsi.example.org/recording": "true" });
            assert.deepStrictEqual(spec.volumes.find((v: Obj) => v.name === "shm"), { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } });
            const c = spec.containers[0];
            assert.ok(c.volumeMounts.some((m: Obj) => m.name === "shm" && m.mountPath === "/dev/shm"));
            assert.ok(c.volumeMounts.some((m: Obj) => m.name === "recordings" && m.mountPath === "/storage"));
            assert.deepStrictEqual(sts.spec.volumeClaimTemplates[0].metadata.name, "recordings");
            assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "50Gi");
            // The copy in scripts/config takes regular files only: custom-jibri.conf must be a subPath mount.
            assert.deepStrictEqual(c.volumeMounts.find((m: Obj) => m.name === "custom-config"), {
                name: "custom-config",
                mountPath: "/config/custom-jibri.conf",
                subPath: "custom-jibri.conf",
                readOnly: true,
            });
            assert.match(named(r(), "ConfigMap", "jibri-config").data["custom-jibri.conf"], /jibri\.api\.http\.external-api-host = "0\.0\.0\.0"/);
            assert.match(c.lifecycle.preStop.exec.command[2], /gracefulShutdown/);
            assert.strictEqual(spec.terminationGracePeriodSeconds, 4 * 3600);
            assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
            assert.strictEqual(c.securityContext.privileged, undefined);
            // The memory limit leaves room for the 2Gi of /dev/shm, which counts against it.
            assert.strictEqual(c.resources.limits.memory, "4Gi");
        });

        it("gives Chrome the 2 GiB of /dev/shm the image checks for, as the kubelet sizes the tmpfs", () => {
            const spec = named(r(), "StatefulSet", "jibri").spec.template.spec;
            // The kubelet mounts a memory-backed emptyDir with size = min(sizeLimit, the pod's memory limit,
            // node allocatable) (kubernetes pkg/volume/emptydir/empty_dir.go, calculateEmptyDirMemorySize).
            const podLimit = spec.containers.reduce((sum: number, c: Obj) => sum + memoryBytes(c.resources.limits.memory), 0);
            const tmpfs = Math.min(memoryBytes(spec.volumes.find((v: Obj) => v.name === "shm").emptyDir.sizeLimit), podLimit);
            // scripts/config exits unless shm-check passes: statvfs("/dev/shm") total >= 2ULL << 30
            // (docker-jitsi-meet stable-11146-2 jibri/rootfs/etc/s6-overlay/scripts/config; saghul/shm-check v1.0.0 main.c).
            assert.ok(tmpfs >= 2 * 2 ** 30, `/dev/shm would be ${tmpfs} bytes`);
            assert.ok(podLimit > tmpfs, "nothing left for Chrome, ffmpeg and Java once /dev/shm fills");
        });

        it("scales the pool on the share of recording Jibris that the adapter serves, and scrapes them", () => {
            const hpa = named(r(), "HorizontalPodAutoscaler", "jibri");
            assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "StatefulSet", name: "jibri" });
            assert.strictEqual(hpa.spec.minReplicas, 1);
            assert.strictEqual(hpa.spec.maxReplicas, 4);
            assert.deepStrictEqual(hpa.spec.metrics, [{ type: "Pods", pods: { metric: { name: "jitsi_jibri_recording" }, target: { type: "AverageValue", averageValue: "700m" } } }]);
            const adapter = r().resources.find((x) => x.type.startsWith("kubernetes:helm.sh") && x.name.includes("prometheus-adapter"))!;
            assert.ok(adapter.inputs.values.rules.custom.some((rule: Obj) => rule.name.as === "jitsi_jibri_recording"));
            const monitor = objects(r(), "PodMonitor").find((m) => m.metadata.name === "jitsi-jibri")!;
            assert.deepStrictEqual(monitor.spec.selector.matchLabels, { "app.kubernetes.io/name": "jitsi-meet", "app.kubernetes.io/component": "jibri" });
            const port = monitor.spec.podMetricsEndpoints[0].port;
            const c = named(r(), "StatefulSet", "jibri").spec.template.spec.containers[0];
            assert.strictEqual(c.ports.find((p: Obj) => p.name === port).containerPort, 2222);
            assert.deepStrictEqual(named(r(), "NetworkPolicy", "jibri").spec.ingress, [
                { from: [PROMETHEUS_PEER], ports: [{ protocol: "TCP", port: 2222 }] },
            ]);
        });

        it("lets Jibris log in to each shard's prosody as clients, on the client port only", () => {
            for (const shard of ["shard-0", "shard-1"]) {
                const rules = named(r(), "NetworkPolicy", `${shard}-prosody`).spec.ingress;
                const jibri = rules.filter((rule: Obj) => rule.from.some((p: Obj) => p.podSelector?.matchLabels["app.kubernetes.io/component"] === "jibri"));
                assert.deepStrictEqual(jibri, [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "jitsi-meet", "app.kubernetes.io/component": "jibri" } } }], ports: [{ protocol: "TCP", port: 5222 }] }]);
            }
        });
    });

    it("runs a fixed Jibri pool without monitoring, and trusts a staging certificate in development", async () => {
        const { withConfig, readStackFile } = await import("./harness");
        const r2 = await runProgramOk(
            withConfig(readStackFile("development"), { "jitsi:jibri": { enabled: true, replicas: { min: 2, max: 2 } }, "jitsi:monitoring": { enabled: false } }),
        );
        const sts = named(r2, "StatefulSet", "jibri");
        assert.strictEqual(sts.spec.replicas, 2);
        assert.deepStrictEqual(objects(r2, "HorizontalPodAutoscaler").filter((h) => h.metadata.name === "jibri"), []);
        const c = sts.spec.template.spec.containers[0];
        assert.strictEqual(envValue(c, "JIBRI_ENABLE_PROMETHEUS"), "false");
        assert.strictEqual(envValue(c, "IGNORE_CERTIFICATE_ERRORS"), "true");
        assert.match(named(r2, "ConfigMap", "jibri-config").data["custom-jibri.conf"], /external-api-host = "127\.0\.0\.1"/);
        assert.deepStrictEqual(named(r2, "NetworkPolicy", "jibri").spec.ingress, []);
    });
});
