/**
 * The policy pack's invariants, over everything the program declares for each stack file, and each
 * one shown to catch the mistake it is about.
 */
import * as assert from "assert";
import { checkAll, DEFAULT_CONTEXT, INVARIANTS, Invariant, K8sObject } from "../policy/invariants";
import { STACK_VARIANTS } from "./variants";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe("invariants", function () {
    this.timeout(30_000);
    const variants = STACK_VARIANTS;

    for (const [name, load] of Object.entries(variants)) {
        it(`all hold for ${name}`, async () => {
            const objs = await load();
            assert.ok(objs.length > 40);
            assert.deepStrictEqual(checkAll(objs), []);
        });
    }

    describe("each catches what it is about", () => {
        let base: K8sObject[];
        before(async () => {
            base = await variants.production();
        });

        const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;
        const cases: { invariant: string; breakIt: (objs: K8sObject[]) => void; expect: RegExp }[] = [
            {
                invariant: "resources-and-pinned-images",
                breakIt: (o) => delete find(o, "Deployment", "shard-0-web").spec.template.spec.containers[0].resources.limits.memory,
                expect: /Deployment jitsi\/shard-0-web: container web has no memory limits/,
            },
            {
                invariant: "resources-and-pinned-images",
                breakIt: (o) => (find(o, "StatefulSet", "router").spec.template.spec.containers[0].image = "haproxy:latest"),
                expect: /image haproxy:latest is not pinned/,
            },
            {
                invariant: "service-selectors-match-pods",
                breakIt: (o) => (find(o, "Service", "shard-1-web").spec.selector["app.kubernetes.io/instance"] = "shard-9"),
                expect: /Service jitsi\/shard-1-web: selects no pod template/,
            },
            {
                invariant: "service-selectors-match-pods",
                breakIt: (o) => (find(o, "Service", "shard-0-jvb-1").spec.selector["statefulset.kubernetes.io/pod-name"] = "shard-1-jvb-1"),
                expect: /selects pod shard-1-jvb-1, which no StatefulSet it matches creates/,
            },
            {
                invariant: "ingress-backends-exist",
                breakIt: (o) => (find(o, "Ingress", "jitsi").spec.rules[0].http.paths[0].backend.service.port = { name: "https" }),
                expect: /Service router has no port https/,
            },
            {
                invariant: "references-exist",
                breakIt: (o) => (find(o, "Secret", "jitsi-auth").stringData = { JVB_AUTH_PASSWORD: "x".repeat(32) }),
                expect: /env JICOFO_AUTH_PASSWORD of prosody refers to Secret jitsi-auth key JICOFO_AUTH_PASSWORD/,
            },
            {
                invariant: "references-exist",
                breakIt: (o) => o.splice(o.indexOf(find(o, "ConfigMap", "router-config")), 1),
                expect: /volume config refers to ConfigMap router-config, which does not exist/,
            },
            {
                invariant: "references-exist",
                // Without its Certificate nothing writes the TURN server's TLS Secret; the volume is optional
                // (coturn waits for it), so the break is to make it required and take the Certificate away.
                breakIt: (o) => {
                    o.splice(o.indexOf(find(o, "Certificate", "turn-tls")), 1);
                    delete find(o, "Deployment", "turn").spec.template.spec.volumes.find((v: any) => v.name === "tls").secret.optional;
                },
                expect: /Deployment jitsi\/turn: volume tls refers to Secret turn-tls, which does not exist/,
            },
            {
                invariant: "node-ports-unique-in-range",
                breakIt: (o) => (find(o, "Service", "shard-1-jvb-0").spec.ports[0].nodePort = 30300),
                expect: /nodePort 30300 is also used by Service jitsi\/shard-0-jvb-0/,
            },
            {
                invariant: "node-ports-unique-in-range",
                breakIt: (o) => (find(o, "Service", "shard-1-jvb-0").spec.ports[0].nodePort = 40000),
                expect: /nodePort 40000 is outside 30000-32767/,
            },
            {
                invariant: "ports-in-range",
                breakIt: (o) => (find(o, "Deployment", "shard-0-web").spec.template.spec.containers[0].ports[0].containerPort = 80000),
                expect: /container web port 80000/,
            },
            {
                invariant: "no-secret-leaks",
                breakIt: (o) => {
                    const secret = find(o, "Secret", "jitsi-auth").stringData.JVB_AUTH_PASSWORD;
                    find(o, "ConfigMap", "router-config").data.leak = `password=${secret}`;
                },
                expect: /ConfigMap jitsi\/router-config: holds a secret value/,
            },
            {
                invariant: "no-secret-leaks",
                breakIt: (o) => {
                    const secret = find(o, "Secret", "jitsi-auth").stringData.JICOFO_AUTH_PASSWORD;
                    const env = find(o, "Deployment", "shard-0-jicofo").spec.template.spec.containers[0].env;
                    env.find((e: K8sObject) => e.name === "JICOFO_AUTH_PASSWORD").valueFrom = undefined;
                    env.find((e: K8sObject) => e.name === "JICOFO_AUTH_PASSWORD").value = secret;
                },
                expect: /env JICOFO_AUTH_PASSWORD of jicofo holds a secret value/,
            },
            {
                invariant: "restricted-pods",
                breakIt: (o) => (find(o, "StatefulSet", "shard-0-jvb").spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true),
                expect: /container jvb allows privilege escalation/,
            },
            {
                invariant: "restricted-pods",
                breakIt: (o) => (find(o, "StatefulSet", "router").spec.template.spec.containers[0].securityContext = {}),
                expect: /container haproxy may run as root/,
            },
            {
                // The defect coturn shipped with: all dropped, so the kernel refuses to execute turnserver (exit 126).
                invariant: "file-capabilities-kept",
                breakIt: (o) => (find(o, "Deployment", "turn").spec.template.spec.containers[0].securityContext.capabilities = { drop: ["ALL"] }),
                expect: /Deployment jitsi\/turn: container coturn drops NET_BIND_SERVICE, which coturn\/coturn:[^ ]+ needs to execute its binary/,
            },
            {
                invariant: "file-capabilities-kept",
                breakIt: (o) => (find(o, "StatefulSet", "router").spec.template.spec.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"]),
                expect: /StatefulSet jitsi\/router: container haproxy adds NET_BIND_SERVICE, which no binary of haproxy:[^ ]+ needs/,
            },
            {
                invariant: "prosody-isolated",
                breakIt: (o) => {
                    o.splice(o.indexOf(find(o, "NetworkPolicy", "shard-1-prosody")), 1);
                    o.splice(o.indexOf(find(o, "NetworkPolicy", "default-deny-ingress")), 1);
                },
                expect: /Deployment jitsi\/shard-1-prosody: no NetworkPolicy restricts who connects to prosody/,
            },
            {
                invariant: "prosody-isolated",
                breakIt: (o) => (find(o, "NetworkPolicy", "shard-0-prosody").spec.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/instance"] = "shard-1"),
                expect: /admits pods .*shard-1.*, not only shard shard-0's jicofo, jvb and web/,
            },
            {
                invariant: "prosody-isolated",
                breakIt: (o) => find(o, "NetworkPolicy", "shard-0-prosody").spec.ingress.find((r: K8sObject) => r.from.some((f: K8sObject) => f.namespaceSelector)).ports.push({ protocol: "TCP", port: 5222 }),
                expect: /admits Prometheus on more than the HTTP port/,
            },
            {
                invariant: "prosody-isolated",
                // The defect scrapedBy() shipped with: every pod of the monitoring namespace (Grafana, Alertmanager, exporters).
                breakIt: (o) => delete find(o, "NetworkPolicy", "shard-0-prosody").spec.ingress.find((r: K8sObject) => r.from.some((f: K8sObject) => f.namespaceSelector)).from[0].podSelector,
                expect: /admits every pod of namespace .*monitoring.*, not only the Prometheus server/,
            },
            {
                invariant: "prosody-isolated",
                breakIt: (o) => (find(o, "NetworkPolicy", "shard-0-prosody").spec.ingress.find((r: K8sObject) => r.from.some((f: K8sObject) => f.namespaceSelector)).from[0].podSelector.matchLabels["app.kubernetes.io/name"] = "grafana"),
                expect: /admits pods .*grafana.* of another namespace, not only the Prometheus server/,
            },
            {
                invariant: "prosody-isolated",
                // Jibris may log in as clients; the component port would let them act as a component.
                breakIt: (o) =>
                    find(o, "NetworkPolicy", "shard-0-prosody").spec.ingress.push({
                        from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "jitsi-meet", "app.kubernetes.io/component": "jibri" } } }],
                        ports: [{ protocol: "TCP", port: 5222 }, { protocol: "TCP", port: 5347 }],
                    }),
                expect: /admits pods .*jibri.*, not only shard shard-0's jicofo, jvb and web \(and Jibris and Jigasis on 5222, its visitor nodes on 5269\)/,
            },
            {
                invariant: "prosody-isolated",
                // Jigasi's transcribers log in as clients too, never on the HTTP port around the router.
                breakIt: (o) =>
                    find(o, "NetworkPolicy", "shard-0-prosody").spec.ingress.push({
                        from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "jitsi-meet", "app.kubernetes.io/component": "transcriber" } } }],
                        ports: [{ protocol: "TCP", port: 5280 }],
                    }),
                expect: /admits pods .*transcriber.*, not only shard shard-0's jicofo, jvb and web/,
            },
            {
                invariant: "prosody-isolated",
                // Another shard's visitor nodes may not federate with this prosody.
                breakIt: (o) =>
                    find(o, "NetworkPolicy", "shard-0-prosody").spec.ingress.push({
                        from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "jitsi-meet", "app.kubernetes.io/component": "visitors", "app.kubernetes.io/instance": "shard-1" } } }],
                        ports: [{ protocol: "TCP", port: 5269 }],
                    }),
                expect: /admits pods .*visitors.*shard-1.*, not only shard shard-0's/,
            },
            {
                invariant: "pod-security-levels",
                breakIt: (o) => (find(o, "Deployment", "turn").spec.template.spec.hostNetwork = true),
                expect: /Deployment jitsi\/turn: breaks restricted in namespace jitsi: uses host namespaces/,
            },
            {
                invariant: "pod-security-levels",
                breakIt: (o) => delete find(o, "StatefulSet", "shard-0-jvb").spec.template.spec.initContainers[0].securityContext.seccompProfile,
                expect: /StatefulSet jitsi\/shard-0-jvb: breaks restricted in namespace jitsi: container node-address sets no RuntimeDefault seccomp profile/,
            },
            {
                invariant: "pod-security-levels",
                breakIt: (o) => find(o, "Deployment", "shard-0-web").spec.template.spec.volumes.push({ name: "host", hostPath: { path: "/" } }),
                expect: /breaks restricted in namespace jitsi: volume host is a hostPath/,
            },
            {
                invariant: "namespace-peers-name-pods",
                // The defect scrapedBy() shipped with: every pod of the monitoring namespace reached the bridge's colibri REST.
                breakIt: (o) => delete find(o, "NetworkPolicy", "shard-0-jvb").spec.ingress.find((r: K8sObject) => (r.from ?? []).some((f: K8sObject) => f.namespaceSelector)).from[0].podSelector,
                expect: /NetworkPolicy jitsi\/shard-0-jvb: admits every pod of namespace .*monitoring.* to pods no Ingress serves/,
            },
            {
                invariant: "namespace-peers-name-pods",
                breakIt: (o) => delete find(o, "NetworkPolicy", "router").spec.ingress.find((r: K8sObject) => (r.from ?? []).some((f: K8sObject) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "prometheus")).from[0].podSelector.matchLabels["operator.prometheus.io/name"],
                expect: /NetworkPolicy jitsi\/router: admits pods .*prometheus.*, which does not name this stack's Prometheus object/,
            },
            {
                invariant: "owned-namespaces-isolated",
                breakIt: (o) => delete find(o, "Namespace", "jitsi").metadata.labels["pod-security.kubernetes.io/enforce"],
                expect: /Namespace jitsi: has no pod-security\.kubernetes\.io\/enforce level/,
            },
            {
                invariant: "owned-namespaces-isolated",
                breakIt: (o) => (find(o, "NetworkPolicy", "default-deny-ingress").spec.ingress = [{}]),
                expect: /Namespace jitsi: holds workloads but no NetworkPolicy denies ingress by default/,
            },
        ];

        for (const c of cases) {
            it(`${c.invariant}: ${c.expect.source.slice(0, 60)}`, () => {
                const invariant: Invariant = INVARIANTS.find((i) => i.name === c.invariant)!;
                assert.deepStrictEqual(invariant.check(base, DEFAULT_CONTEXT), [], "holds before the change");
                const broken = clone(base);
                c.breakIt(broken);
                const found = invariant.check(broken, DEFAULT_CONTEXT).map((v) => `${v.object}: ${v.message}`);
                assert.ok(found.some((line) => c.expect.test(line)), `got: ${JSON.stringify(found)}`);
            });
        }

        it("covers every invariant", () => {
            assert.deepStrictEqual([...new Set(cases.map((c) => c.invariant))].sort(), INVARIANTS.map((i) => i.name).sort());
        });
    });
});
