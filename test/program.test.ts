/**
 * The whole program, run against each real stack file, checked on what would reach the cluster.
 */
import * as assert from "assert";
import { generatedSecret, readStackFile, Run, runProgram, runProgramOk, stackFile, withConfig } from "./harness";
import { routerLiveCommand, routerReadyCommand } from "../lib/haproxy";
import { containers, countBy, env, envValue, mainContainers, matches, named, objects, Obj, podTemplates } from "./objects";

const JITSI_TAG = /^ghcr\.io\/jitsi\/(web|prosody|jicofo|jvb):stable-\d+(-\d+)?$/;
const SECRET_NAMES = ["JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", "TURN_CREDENTIALS"];

function shardNames(file: Record<string, any>): string[] {
    const shards = file["jitsi:shards"];
    return typeof shards === "number" ? Array.from({ length: shards }, (_, i) => `shard-${i}`) : shards.map((s: Obj) => s.name);
}

for (const stack of ["development", "production"]) {
    describe(`program with Pulumi.${stack}.yaml`, function () {
        this.timeout(30_000);
        const file = stackFile(stack);
        const shards = shardNames(file);
        const jvb = file["jitsi:jvb"];
        let run: Run;

        before(async () => {
            run = await runProgramOk(readStackFile(stack), stack);
        });

        it("declares, per shard, prosody, jicofo and web Deployments, a JVB StatefulSet with its HPA and PDB, and one NodePort per possible JVB", () => {
            const perShard = countBy(
                objects(run).filter((o) => o.metadata.labels?.["app.kubernetes.io/instance"]),
                (o) => `${o.metadata.labels["app.kubernetes.io/instance"]} ${o.kind} ${o.metadata.labels["app.kubernetes.io/component"]}`,
            );
            const expected: Record<string, number> = {};
            for (const s of shards) {
                Object.assign(expected, {
                    [`${s} Deployment prosody`]: 1,
                    [`${s} Deployment jicofo`]: 1,
                    [`${s} Deployment web`]: 1,
                    [`${s} ConfigMap web`]: 1,
                    [`${s} Service prosody`]: 1,
                    // web's nginx reaches jicofo's /about/health through it (the router's check)
                    [`${s} Service jicofo`]: 1,
                    [`${s} Service web`]: 1,
                    [`${s} StatefulSet jvb`]: 1,
                    // the headless Service plus one NodePort Service per ordinal
                    [`${s} Service jvb`]: 1 + jvb.maxReplicas,
                    [`${s} HorizontalPodAutoscaler jvb`]: 1,
                    [`${s} PodDisruptionBudget jvb`]: 1,
                    [`${s} NetworkPolicy prosody`]: 1,
                    [`${s} NetworkPolicy web`]: 1,
                    [`${s} NetworkPolicy jicofo`]: 1,
                    [`${s} NetworkPolicy jvb`]: 1,
                });
            }
            assert.deepStrictEqual(perShard, expected);
            // Shared by the shards: credentials, the router (StatefulSet, 2 Services, ConfigMap, PDB, Ingress), TURN
            // (Deployment, Service, ConfigMap, Certificate), the bridges' node reader, the MonitoringStack's monitors,
            // and NetworkPolicies: default deny, ACME solvers, router, TURN.
            assert.deepStrictEqual(
                countBy(
                    objects(run).filter((o) => o.metadata.namespace === "jitsi" && !o.metadata.labels?.["app.kubernetes.io/instance"]),
                    (o) => o.kind,
                ),
                {
                    Secret: 1,
                    ConfigMap: 2,
                    Service: 3,
                    StatefulSet: 1,
                    Deployment: 1,
                    Certificate: 1,
                    ServiceAccount: 1,
                    PodDisruptionBudget: 1,
                    Ingress: 1,
                    PodMonitor: 5,
                    PrometheusRule: 1,
                    NetworkPolicy: 4,
                },
            );
        });

        it("gives every Service a selector that matches the pod template of a workload in its namespace", () => {
            const templates = podTemplates(run);
            for (const svc of objects(run, "Service")) {
                const { "statefulset.kubernetes.io/pod-name": podName, ...selector } = svc.spec.selector;
                const targets = templates.filter((t) => t.namespace === svc.metadata.namespace && matches(selector, t.labels));
                assert.strictEqual(targets.length, 1, `Service ${svc.metadata.name} selects ${targets.length} workloads`);
                if (podName !== undefined) {
                    // Set by the StatefulSet controller on each pod: `<statefulset>-<ordinal>`.
                    const sts = targets[0].workload;
                    assert.strictEqual(sts.kind, "StatefulSet");
                    const ordinal = Number(podName.slice(sts.metadata.name.length + 1));
                    assert.ok(podName.startsWith(`${sts.metadata.name}-`) && ordinal < jvb.maxReplicas, podName);
                }
                for (const port of svc.spec.ports) {
                    if (typeof port.targetPort === "number") {
                        const declared = targets[0].spec.containers.some((c: Obj) =>
                            (c.ports ?? []).some((p: Obj) => p.containerPort === port.targetPort && (p.protocol ?? "TCP") === (port.protocol ?? "TCP")),
                        );
                        // JVB media ports are chosen at start from the ordinal, and TURN's relay ports are a range: neither is declared.
                        const range = port.protocol === "UDP" && (svc.spec.type === "NodePort" || port.name.startsWith("relay-"));
                        assert.ok(declared || range, `${svc.metadata.name}: targetPort ${port.targetPort}/${port.protocol} not declared`);
                    }
                }
            }
        });

        it("exposes each JVB's UDP port as a NodePort of the same number, unique and in range, routed only to that pod on its node", () => {
            const nodePorts = objects(run, "Service").filter((s) => s.spec.type === "NodePort");
            assert.strictEqual(nodePorts.length, shards.length * jvb.maxReplicas);
            const seen = new Set<number>();
            for (const svc of nodePorts) {
                assert.strictEqual(svc.spec.externalTrafficPolicy, "Local");
                assert.strictEqual(svc.spec.ports.length, 1);
                const [port] = svc.spec.ports;
                assert.strictEqual(port.protocol, "UDP");
                assert.ok(port.nodePort >= 30000 && port.nodePort <= 32767, `${port.nodePort} outside NodePort range`);
                assert.ok(!seen.has(port.nodePort), `NodePort ${port.nodePort} used twice`);
                seen.add(port.nodePort);

                // What the selected pod listens on: its StatefulSet's base plus its ordinal (see the start command).
                const podName: string = svc.spec.selector["statefulset.kubernetes.io/pod-name"];
                const sts = objects(run, "StatefulSet").find((s) => podName.startsWith(`${s.metadata.name}-`))!;
                const container = sts.spec.template.spec.containers[0];
                assert.match(container.command.join(" "), /export JVB_PORT=\$\(\(JVB_PORT_BASE \+ \$\{HOSTNAME##\*-\}\)\)/);
                const jvbPort = Number(envValue(container, "JVB_PORT_BASE")) + Number(podName.split("-").pop());
                assert.strictEqual(port.nodePort, jvbPort);
                assert.strictEqual(port.port, jvbPort);
                assert.strictEqual(port.targetPort, jvbPort);
            }
            // The seed's layout: shard i starts at 30300 + 100 i.
            shards.forEach((s, i) => assert.ok(seen.has(30300 + 100 * i) && seen.has(30300 + 100 * i + jvb.maxReplicas - 1), s));
            assert.deepStrictEqual(
                Object.values(run.outputs.jvbUdpPorts).flat().sort(),
                [...seen].sort(),
                "the jvbUdpPorts output lists exactly the NodePorts",
            );
        });

        it("advertises each JVB's node ExternalIP, read at start by an init container holding the only, short-lived token", () => {
            for (const sts of objects(run, "StatefulSet").filter((s) => s.metadata.name.endsWith("-jvb"))) {
                const spec = sts.spec.template.spec;
                const [c] = spec.containers;
                // Not from the downward API: status.hostIP is the node's InternalIP.
                assert.strictEqual(env(c, "JVB_ADVERTISE_IPS"), undefined);
                assert.match(c.command.join(" "), /if \[ -s \/advertise\/ips \]; then export JVB_ADVERTISE_IPS="\$\(cat \/advertise\/ips\)"; fi;.*exec \/init/);
                assert.ok(c.volumeMounts.some((m: Obj) => m.mountPath === "/advertise"));
                assert.ok(!c.volumeMounts.some((m: Obj) => m.name === "node-reader-token"), "the bridge itself holds no token");

                const [init] = spec.initContainers;
                assert.strictEqual(init.image, c.image, "the jvb image brings curl and jq");
                const script = init.command.join(" ");
                assert.match(script, /https:\/\/kubernetes\.default\.svc\/api\/v1\/nodes\/\$\{NODE_NAME\}/);
                assert.match(script, /select\(\.type == "ExternalIP"\)/);
                assert.match(script, /> \/advertise\/ips/);
                assert.match(script, /exit 1/, "a node without ExternalIP stops the pod instead of advertising nothing");
                assert.deepStrictEqual(env(init, "NODE_NAME")?.valueFrom, { fieldRef: { fieldPath: "spec.nodeName" } });

                assert.strictEqual(spec.automountServiceAccountToken, false);
                assert.strictEqual(spec.serviceAccountName, "jvb-node-reader");
                const token = spec.volumes.find((v: Obj) => v.name === "node-reader-token").projected.sources;
                assert.deepStrictEqual(token[0], { serviceAccountToken: { path: "token", expirationSeconds: 600 } });
                assert.ok(envValue(c, "JVB_STUN_SERVERS"));
            }
            const role = objects(run, "ClusterRole").find((r) => r.metadata.name === "jitsi-jvb-node-reader")!;
            assert.deepStrictEqual(role.rules, [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }]);
            const binding = objects(run, "ClusterRoleBinding").find((b) => b.metadata.name === "jitsi-jvb-node-reader")!;
            assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "jvb-node-reader", namespace: "jitsi" }]);
        });

        it("sets requests and limits on every container, as the stack file says for its component", () => {
            const resources = file["jitsi:resources"];
            for (const { workload, container } of containers(run)) {
                assert.ok(container.resources?.requests?.cpu && container.resources?.requests?.memory, workload.metadata.name);
                assert.ok(container.resources?.limits?.cpu && container.resources?.limits?.memory, workload.metadata.name);
                const component = workload.metadata.labels["app.kubernetes.io/component"];
                if (resources[component] && container.name === component) {
                    assert.deepStrictEqual(
                        { requests: container.resources.requests, limits: container.resources.limits },
                        JSON.parse(JSON.stringify(resources[component])),
                        `${workload.metadata.name} resources`,
                    );
                }
            }
        });

        it("sizes the JVB heap to the container's memory limit", () => {
            const c = named(run, "StatefulSet", `${shards[0]}-jvb`).spec.template.spec.containers[0];
            const mi = { "1536Mi": 1536, "2Gi": 2048 }[c.resources.limits.memory as string]!;
            assert.strictEqual(envValue(c, "VIDEOBRIDGE_MAX_MEMORY"), `${Math.floor(mi * 0.75)}m`);
        });

        it("probes readiness and liveness of every container", () => {
            for (const { workload, container } of mainContainers(run)) {
                for (const probe of [container.readinessProbe, container.livenessProbe]) {
                    assert.ok(probe, `${workload.metadata.name}/${container.name} lacks a probe`);
                    if (probe.exec) {
                        // prosody answers /health to loopback only: the image's own script asks from inside. The router's
                        // readiness asks HAProxy's runtime socket whether the room table arrived (test/routerReadyLive.test.ts).
                        // Its liveness asks HAProxy on that socket, which a full router still serves.
                        const router = probe === container.readinessProbe ? routerReadyCommand() : routerLiveCommand();
                        const command = workload.metadata.name === "router" ? router : ["/usr/local/bin/healthcheck.sh"];
                        assert.deepStrictEqual(probe.exec.command, command, container.name);
                        continue;
                    }
                    const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
                    assert.ok((container.ports ?? []).some((p: Obj) => p.containerPort === port), `${container.name} probes undeclared port ${port}`);
                }
            }
        });

        it("runs the current rootless Jitsi images pinned to one tag, with writable emptyDirs on a read-only root", () => {
            const jitsi = mainContainers(run).filter(({ container }) => container.image.startsWith("ghcr.io/jitsi/"));
            assert.strictEqual(jitsi.length, shards.length * 4);
            assert.strictEqual(new Set(jitsi.map(({ container }) => container.image.split(":")[1])).size, 1);
            for (const { workload, container } of jitsi) {
                assert.match(container.image, JITSI_TAG);
                assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
                assert.strictEqual(container.securityContext.runAsNonRoot, true);
                const mounts = container.volumeMounts.map((m: Obj) => m.mountPath);
                for (const dir of ["/run", "/tmp", "/config"]) assert.ok(mounts.includes(dir), `${container.name} lacks ${dir}`);
                const volumes = workload.spec.template.spec.volumes;
                for (const m of container.volumeMounts.filter((m: Obj) => !m.readOnly)) {
                    assert.ok(volumes.find((v: Obj) => v.name === m.name)?.emptyDir, `${m.name} is not an emptyDir`);
                }
                assert.strictEqual(envValue(container, "S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES"), "1");
            }
            const web = named(run, "Deployment", `${shards[0]}-web`).spec.template.spec.containers[0];
            assert.deepStrictEqual(web.ports.map((p: Obj) => p.containerPort), [8000]);
            assert.strictEqual(envValue(web, "DISABLE_HTTPS"), "1");
            assert.strictEqual(envValue(web, "ENABLE_HTTP_REDIRECT"), "0");
            for (const { container } of jitsi) assert.strictEqual(env(container, "ENABLE_COLIBRI_WEBSOCKET"), undefined);
        });

        it("points every container of a shard at that shard's prosody, with the same XMPP domains", () => {
            for (const s of shards) {
                const shardContainers = mainContainers(run).filter(({ workload }) => workload.metadata.labels["app.kubernetes.io/instance"] === s);
                assert.strictEqual(shardContainers.length, 4);
                // Each image reads a different part of the shared settings (test/upstream.test.ts); whatever a
                // container is given must be the same as what the others are given.
                for (const name of ["XMPP_DOMAIN", "XMPP_AUTH_DOMAIN", "XMPP_MUC_DOMAIN", "XMPP_INTERNAL_MUC_DOMAIN", "XMPP_HIDDEN_DOMAIN", "XMPP_SERVER", "PUBLIC_URL"]) {
                    const values = new Set(shardContainers.map(({ container }) => envValue(container, name)).filter((v) => v !== undefined));
                    assert.strictEqual(values.size, 1, `${name} differs between the containers of ${s}`);
                }
                for (const { workload, container } of shardContainers) {
                    if (workload.metadata.labels["app.kubernetes.io/component"] !== "web") {
                        assert.strictEqual(envValue(container, "XMPP_SERVER"), `${s}-prosody`);
                    }
                }
                const prosodyC = named(run, "Deployment", `${s}-prosody`).spec.template.spec.containers[0];
                assert.strictEqual(envValue(prosodyC, "PUBLIC_URL"), `https://${file["jitsi:hosts"][0]}`);
                const web = named(run, "Deployment", `${s}-web`).spec.template.spec.containers[0];
                assert.strictEqual(envValue(web, "XMPP_BOSH_URL_BASE"), `http://${s}-prosody:5280`);
                const prosodySvc = named(run, "Service", `${s}-prosody`);
                // No component port: the image's prosody.cfg.lua sets `component_ports = { }` (docker-jitsi-meet stable-11146-2 prosody/rootfs/defaults/prosody.cfg.lua line 157).
                assert.deepStrictEqual(prosodySvc.spec.ports.map((p: Obj) => p.port).sort(), [5222, 5280]);
                const admitted = named(run, "NetworkPolicy", `${s}-prosody`).spec.ingress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port));
                assert.ok(!admitted.includes(5347), "prosody's policy admits the component port");
                const jicofo = named(run, "Deployment", `${s}-jicofo`).spec.template.spec.containers[0];
                const jvbC = named(run, "StatefulSet", `${s}-jvb`).spec.template.spec.containers[0];
                assert.strictEqual(envValue(jicofo, "JVB_BREWERY_MUC"), envValue(jvbC, "JVB_BREWERY_MUC"));
            }
        });

        it("hands credentials to containers only through secretKeyRefs to the one Secret, never in plain text", () => {
            const secret = named(run, "Secret", "jitsi-auth");
            assert.deepStrictEqual(Object.keys(secret.stringData).sort(), [...SECRET_NAMES].sort());
            const recorded = run.resources.find((r) => r.inputs === secret)!;
            assert.deepStrictEqual(recorded.secretPaths, ["stringData"], "the Secret's data reaches the provider as a Pulumi secret");
            const generated = Object.values<string>(secret.stringData);
            for (const value of generated) assert.match(value, /^generated-/);

            const needs: Record<string, string[]> = {
                prosody: SECRET_NAMES,
                jicofo: ["JICOFO_AUTH_PASSWORD"],
                jvb: ["JVB_AUTH_PASSWORD"],
                web: [],
            };
            for (const { workload, container } of mainContainers(run).filter(({ container }) => container.image.startsWith("ghcr.io/jitsi/"))) {
                const component = workload.metadata.labels["app.kubernetes.io/component"];
                const refs = (container.env ?? []).filter((e: Obj) => SECRET_NAMES.includes(e.name));
                assert.deepStrictEqual(refs.map((e: Obj) => e.name).sort(), [...needs[component]].sort(), component);
                for (const e of refs) assert.deepStrictEqual(e.valueFrom, { secretKeyRef: { name: "jitsi-auth", key: e.name } });
            }
            const everythingElse = JSON.stringify(objects(run).filter((o) => o.kind !== "Secret"));
            for (const value of generated) assert.ok(!everythingElse.includes(value), "a generated secret leaked outside the Secret");
            for (const cm of objects(run, "ConfigMap")) for (const n of SECRET_NAMES) assert.ok(!JSON.stringify(cm.data).includes(n));
        });

        it("autoscales JVBs on their own stress metric, scaling down slowly", () => {
            for (const s of shards) {
                const hpa = named(run, "HorizontalPodAutoscaler", `${s}-jvb`);
                assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "StatefulSet", name: `${s}-jvb` });
                assert.strictEqual(hpa.spec.minReplicas, jvb.minReplicas);
                assert.strictEqual(hpa.spec.maxReplicas, jvb.maxReplicas);
                assert.deepStrictEqual(hpa.spec.metrics, [
                    { type: "Pods", pods: { metric: { name: "jitsi_jvb_stress" }, target: { type: "AverageValue", averageValue: "600m" } } },
                ]);
                const down = hpa.spec.behavior.scaleDown;
                assert.ok(down.stabilizationWindowSeconds >= 600, "scale-down waits at least 10 minutes");
                assert.deepStrictEqual(down.policies, [{ type: "Pods", value: 1, periodSeconds: 600 }]);
                assert.strictEqual(named(run, "StatefulSet", `${s}-jvb`).spec.replicas, jvb.minReplicas);
            }
        });

        it("drains a JVB before it stops: REST shutdown enabled, preStop asks for a graceful shutdown and waits, grace period from the stack", () => {
            for (const s of shards) {
                const spec = named(run, "StatefulSet", `${s}-jvb`).spec.template.spec;
                assert.strictEqual(spec.terminationGracePeriodSeconds, jvb.drainGracePeriodSeconds);
                const c = spec.containers[0];
                assert.strictEqual(envValue(c, "COLIBRI_REST_ENABLED"), "true");
                assert.strictEqual(envValue(c, "SHUTDOWN_REST_ENABLED"), "true");
                const script = c.lifecycle.preStop.exec.command.join(" ");
                assert.match(script, /POST .*\{"graceful-shutdown": true\}.* http:\/\/127\.0\.0\.1:8080\/colibri\/shutdown/);
                assert.match(script, /while curl .*8080.*; do sleep \d+; done/);
                assert.deepStrictEqual(c.ports.find((p: Obj) => p.name === "metrics"), { name: "metrics", containerPort: 8080, protocol: "TCP" });
            }
        });

        it("limits voluntary disruption of JVBs and routers to one pod at a time", () => {
            for (const pdb of objects(run, "PodDisruptionBudget")) {
                assert.strictEqual(pdb.spec.maxUnavailable, 1);
                const targets = podTemplates(run).filter((t) => matches(pdb.spec.selector.matchLabels, t.labels));
                assert.strictEqual(targets.length, 1, pdb.metadata.name);
                assert.strictEqual(targets[0].workload.kind, "StatefulSet");
            }
        });

        it("replaces prosody and jicofo instead of rolling them, since neither can run twice", () => {
            for (const s of shards) {
                assert.deepStrictEqual(named(run, "Deployment", `${s}-prosody`).spec.strategy, { type: "Recreate" });
                assert.deepStrictEqual(named(run, "Deployment", `${s}-jicofo`).spec.strategy, { type: "Recreate" });
                assert.strictEqual(named(run, "Deployment", `${s}-web`).spec.strategy.rollingUpdate.maxUnavailable, 0);
            }
        });

        it("routes rooms through at least two peered HAProxy replicas with one backend per shard, on its web Service", () => {
            const cfg: string = named(run, "ConfigMap", "router-config").data["haproxy.cfg"];
            const rooms = cfg.slice(cfg.indexOf("\nbackend shards\n") + 1).split("\n\n")[0];
            const servers = [...rooms.matchAll(/^\s+server (\S+) (\S+):(\d+) id (\d+)/gm)].map((m) => ({ name: m[1], host: m[2], port: +m[3], id: +m[4] }));
            assert.deepStrictEqual(
                servers,
                shards.map((s, i) => ({ name: s, host: `${s}-web.jitsi.svc.cluster.local`, port: 80, id: i + 1 })),
            );
            for (const s of shards) assert.strictEqual(named(run, "Service", `${s}-web`).spec.ports[0].port, 80);
            assert.match(cfg, /stick-table type string .* peers router/);
            // A room's shard is stored by its first request only; a failing shard drains (test/router.test.ts runs both).
            // Unless the entry names a shard the router does not have (a removed one's): every shard's id is listed.
            assert.match(rooms, new RegExp(`stick match var\\(txn\\.room\\)\n\\s+stick store-request var\\(txn\\.room\\) unless \\{ var\\(txn\\.room\\),table_server_id\\(shards\\) -m int ${servers.map((s) => s.id).join(" ")} \\}`));
            assert.match(rooms, /option httpchk GET \/about\/health\n\s+http-check disable-on-404/);
            const sts = named(run, "StatefulSet", "router");
            assert.ok(sts.spec.replicas >= 2);
            assert.strictEqual(sts.spec.serviceName, "router-peers");
            assert.strictEqual(named(run, "Service", "router-peers").spec.publishNotReadyAddresses, true);
            assert.match(sts.spec.template.spec.containers[0].image, /^haproxy:\d+\.\d+\.\d+$/);
        });

        it("serves every host over TLS from the configured cert-manager issuer, through the router", () => {
            const ingress = named(run, "Ingress", "jitsi");
            const hosts: string[] = file["jitsi:hosts"];
            assert.strictEqual(ingress.spec.ingressClassName, "nginx");
            assert.strictEqual(ingress.metadata.annotations["cert-manager.io/cluster-issuer"], file["jitsi:tls"].issuer);
            assert.deepStrictEqual(ingress.spec.tls, [{ hosts, secretName: "jitsi-tls" }]);
            assert.deepStrictEqual(ingress.spec.rules.map((r: Obj) => r.host), hosts);
            for (const rule of ingress.spec.rules) {
                assert.deepStrictEqual(rule.http.paths[0].backend, { service: { name: "router", port: { name: "http" } } });
            }
            assert.deepStrictEqual(named(run, "Service", "router").spec.ports.map((p: Obj) => p.name), ["http"]);
        });

        it("outputs the public URL and the capacity the stack is sized for", () => {
            assert.strictEqual(run.outputs.url, `https://${file["jitsi:hosts"][0]}`);
            const cores = Number(String(file["jitsi:resources"].jvb.limits.cpu).replace(/m$/, "")) / (String(file["jitsi:resources"].jvb.limits.cpu).endsWith("m") ? 1000 : 1);
            const perJvb = Math.floor(cores * 4);
            assert.deepStrictEqual(
                { ...run.outputs.capacity, assumption: undefined },
                {
                    participantsPerJvb: perJvb,
                    participantsAtMinReplicas: shards.length * jvb.minReplicas * perJvb,
                    participantsAtMaxReplicas: shards.length * jvb.maxReplicas * perJvb,
                    // Relay is on: one meeting may spread over every bridge its shard scales to.
                    largestMeeting: jvb.maxReplicas * perJvb,
                    assumption: undefined,
                },
            );
        });
    });
}

describe("program with stack variations", function () {
    this.timeout(30_000);
    const production = readStackFile("production");

    it("pins every pod of a shard that names a zone to that zone, and leaves other shards free", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:shards": [{ name: "shard-0", zone: "eu-1a" }, { name: "shard-1" }] }));
        for (const t of podTemplates(run)) {
            const shard = t.labels["app.kubernetes.io/instance"];
            const terms = t.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
            if (shard === "shard-0") {
                assert.deepStrictEqual(terms, [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["eu-1a"] }] }]);
            } else {
                assert.strictEqual(terms, undefined, t.workload.metadata.name);
            }
        }
    });

    it("scales JVBs on CPU when monitoring is off, since no stress metric is served then", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:monitoring": { enabled: false } }));
        for (const hpa of objects(run, "HorizontalPodAutoscaler")) {
            assert.deepStrictEqual(hpa.spec.metrics, [
                { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
            ]);
        }
    });

    it("advertises configured public IPs instead of the node's address, and needs no node reader then", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, publicIps: ["203.0.113.7", "203.0.113.8"] } }));
        const spec = named(run, "StatefulSet", "shard-0-jvb").spec.template.spec;
        assert.deepStrictEqual(env(spec.containers[0], "JVB_ADVERTISE_IPS"), { name: "JVB_ADVERTISE_IPS", value: "203.0.113.7,203.0.113.8" });
        assert.strictEqual(spec.initContainers, undefined);
        assert.strictEqual(spec.serviceAccountName, undefined);
        assert.deepStrictEqual(objects(run, "ClusterRole").filter((r) => r.metadata.name.includes("node-reader")), []);
    });

    it("advertises the node's InternalIP (status.hostIP) only when private addresses are explicitly allowed", async () => {
        const run = await runProgramOk(
            withConfig(production, { "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, advertise: "nodeIP", allowPrivateAddresses: true } }),
        );
        const spec = named(run, "StatefulSet", "shard-0-jvb").spec.template.spec;
        assert.deepStrictEqual(env(spec.containers[0], "JVB_ADVERTISE_IPS")?.valueFrom, { fieldRef: { fieldPath: "status.hostIP" } });
        assert.strictEqual(spec.initContainers, undefined);
    });

    it("uses credentials from the encrypted stack config instead of generating them", async () => {
        const run = await runProgram(
            withConfig(production, { "jitsi:jvbAuthPassword": "from-config-123" }, ["jitsi:jvbAuthPassword"]),
        );
        const secret = named(run, "Secret", "jitsi-auth");
        assert.strictEqual(secret.stringData.JVB_AUTH_PASSWORD, "from-config-123");
        assert.strictEqual(secret.stringData.JICOFO_AUTH_PASSWORD, generatedSecret("jitsi-auth-jicofoAuthPassword"));
        const generators = run.resources
            .filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.startsWith("jitsi-auth"))
            .map((r) => r.name);
        assert.deepStrictEqual(generators.sort(), ["jitsi-auth-jicofoAuthPassword", "jitsi-auth-turnSharedSecret"]);
    });
});
