/**
 * What talks to what: the flows the rendered NetworkPolicies admit, against a table of flows the
 * system needs (must be allowed) and flows nobody should have (must be denied), per stack file.
 * Pod Security levels of the namespaces are checked by the `pod-security-levels` invariant.
 */
import * as assert from "assert";
import { readStackFile, runProgramOk, withConfig } from "./harness";
import { allowed, Endpoint, Pod, podOf } from "./flows";
import { objects, Obj } from "./objects";
import { ACCESS_VARIANTS, GATEWAY_VARIANTS, visitorsVariant } from "./variants";

interface Flow {
    what: string;
    from: Endpoint;
    to: Endpoint;
    port: number;
    protocol?: "TCP" | "UDP";
}

const INTERNET: Endpoint = { ip: "198.51.100.20" };
const INTERNET6: Endpoint = { ip: "2001:db8::20" };
const INGRESS_CONTROLLER: Pod = { namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } };
/**
 * The MonitoringStack's Prometheus server pod, labelled as the Prometheus Operator labels it (v0.93.0, which
 * kube-prometheus-stack 88.5.3 pins as v0.93.1: pkg/prometheus/server/operator.go makeSelectorLabels and
 * pkg/prometheus/server/statefulset.go, where the shard label is added), for the chart's Prometheus object
 * `kube-prometheus-stack-prometheus` (templates/_helpers.tpl "kube-prometheus-stack.prometheus.crname").
 */
const PROMETHEUS_NAME = "kube-prometheus-stack-prometheus";
const PROMETHEUS: Pod = {
    namespace: "monitoring",
    labels: {
        "app.kubernetes.io/managed-by": "prometheus-operator",
        "app.kubernetes.io/name": "prometheus",
        "app.kubernetes.io/instance": PROMETHEUS_NAME,
        "operator.prometheus.io/name": PROMETHEUS_NAME,
        "operator.prometheus.io/shard": "0",
        prometheus: PROMETHEUS_NAME,
    },
};
/** Grafana beside it (grafana chart 12.11.1 templates/_helpers.tpl grafana.selectorLabels, release kube-prometheus-stack). */
const GRAFANA: Pod = { namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kube-prometheus-stack" } };
/** Any other pod of the monitoring namespace: Alertmanager, an exporter, prometheus-adapter, a plugin's helper. */
const MONITORING_POD: Pod = { namespace: "monitoring", labels: { "app.kubernetes.io/name": "alertmanager", alertmanager: "kube-prometheus-stack-alertmanager" } };
/** A pod labelled like Prometheus in another namespace: the namespace and the pod must both match. */
const PROMETHEUS_ELSEWHERE: Pod = { namespace: "default", labels: PROMETHEUS.labels };
const STRANGER: Pod = { namespace: "default", labels: { app: "anything" } };
/** A pod somebody started in the jitsi namespace by hand: a namespace is no trust boundary by itself. */
const INTRUDER: Pod = { namespace: "jitsi", labels: { run: "debug" } };

function flows(run: Obj[]) {
    const router = podOf(run, "StatefulSet", "router");
    const web = (s: string) => podOf(run, "Deployment", `${s}-web`);
    const prosody = (s: string) => podOf(run, "Deployment", `${s}-prosody`);
    const jicofo = (s: string) => podOf(run, "Deployment", `${s}-jicofo`);
    const jvb = (s: string, k: number) => podOf(run, "StatefulSet", `${s}-jvb`, { "statefulset.kubernetes.io/pod-name": `${s}-jvb-${k}` });
    const turn = podOf(run, "Deployment", "turn");
    const solver: Pod = { namespace: "jitsi", labels: { "acme.cert-manager.io/http01-solver": "true" }, ports: { http: 8089 } };
    return { router, web, prosody, jicofo, jvb, turn, solver };
}

for (const stack of ["development", "production"]) {
    describe(`what talks to what, with Pulumi.${stack}.yaml`, function () {
        this.timeout(30_000);
        let objs: Obj[];
        let jvbPorts: Record<string, number[]>;
        let p: ReturnType<typeof flows>;

        before(async () => {
            const run = await runProgramOk(readStackFile(stack), stack);
            objs = objects(run);
            jvbPorts = run.outputs.jvbUdpPorts;
            p = flows(objs);
        });

        const mustAllow = (): Flow[] => {
            const [first0, last0] = [jvbPorts["shard-0"][0], jvbPorts["shard-0"].at(-1)!];
            return [
                { what: "ingress controller -> router HTTP", from: INGRESS_CONTROLLER, to: p.router, port: 8080 },
                { what: "router -> shard-0 web", from: p.router, to: p.web("shard-0"), port: 8000 },
                { what: "router -> shard-1 web", from: p.router, to: p.web("shard-1"), port: 8000 },
                { what: "router replica -> its peer's table port", from: p.router, to: p.router, port: 10000 },
                { what: "web -> its prosody (BOSH, WebSocket)", from: p.web("shard-0"), to: p.prosody("shard-0"), port: 5280 },
                { what: "jicofo -> its prosody", from: p.jicofo("shard-0"), to: p.prosody("shard-0"), port: 5222 },
                { what: "web -> its jicofo's health (the router's check of the shard)", from: p.web("shard-1"), to: p.jicofo("shard-1"), port: 8888 },
                { what: "bridge -> its prosody", from: p.jvb("shard-1", 0), to: p.prosody("shard-1"), port: 5222 },
                { what: "client -> bridge media, first port", from: INTERNET, to: p.jvb("shard-0", 0), port: first0, protocol: "UDP" },
                { what: "client -> bridge media, last port", from: INTERNET6, to: p.jvb("shard-0", 0), port: last0, protocol: "UDP" },
                { what: "bridge -> bridge of its shard (relay)", from: p.jvb("shard-0", 0), to: p.jvb("shard-0", 1), port: first0 + 1, protocol: "UDP" },
                // The initiating bridge's ICE port for a relay is ephemeral (ice4j binds port 0: lib/relay.ts).
                { what: "bridge -> its shard's relay initiator, first ephemeral port", from: p.jvb("shard-0", 1), to: p.jvb("shard-0", 0), port: 32768, protocol: "UDP" },
                { what: "bridge -> its shard's relay initiator, last ephemeral port", from: p.jvb("shard-1", 0), to: p.jvb("shard-1", 1), port: 60999, protocol: "UDP" },
                { what: "Prometheus -> bridge metrics", from: PROMETHEUS, to: p.jvb("shard-0", 0), port: 8080 },
                { what: "Prometheus -> prosody metrics", from: PROMETHEUS, to: p.prosody("shard-0"), port: 5280 },
                { what: "Prometheus -> jicofo metrics", from: PROMETHEUS, to: p.jicofo("shard-0"), port: 8888 },
                { what: "Prometheus -> router stats", from: PROMETHEUS, to: p.router, port: 8404 },
                { what: "Prometheus -> coturn metrics", from: PROMETHEUS, to: p.turn, port: 9641 },
                { what: "client -> TURN over UDP", from: INTERNET, to: p.turn, port: 3478, protocol: "UDP" },
                { what: "client -> TURN over TCP", from: INTERNET, to: p.turn, port: 3478 },
                { what: "client -> TURNS (443 on the load balancer)", from: INTERNET6, to: p.turn, port: 5349 },
                { what: "Let's Encrypt -> TURN's ACME forwarder", from: INTERNET, to: p.turn, port: 8080 },
                { what: "bridge -> TURN relay port", from: { ip: "203.0.113.7" }, to: p.turn, port: 49160, protocol: "UDP" },
                { what: "TURN -> a bridge's public address", from: p.turn, to: { ip: "203.0.113.7" }, port: first0, protocol: "UDP" },
                { what: "TURN -> a bridge's pod (its NodePort translated in the cluster)", from: p.turn, to: p.jvb("shard-1", 0), port: jvbPorts["shard-1"][0], protocol: "UDP" },
                { what: "bridge pod -> TURN relay port (load balancer address translated in the cluster)", from: p.jvb("shard-0", 1), to: p.turn, port: 49199, protocol: "UDP" },
                { what: "TURN -> DNS", from: p.turn, to: { ip: "10.96.0.10" }, port: 53, protocol: "UDP" },
                { what: "TURN's forwarder -> ingress controller", from: p.turn, to: INGRESS_CONTROLLER, port: 80 },
                { what: "ingress controller -> cert-manager HTTP-01 solver", from: INGRESS_CONTROLLER, to: p.solver, port: 8089 },
            ];
        };

        const mustDeny = (): Flow[] => [
            { what: "pod in another namespace -> bridge REST (shutdown, drain)", from: STRANGER, to: p.jvb("shard-0", 0), port: 8080 },
            { what: "foreign pod in the jitsi namespace -> bridge REST", from: INTRUDER, to: p.jvb("shard-0", 1), port: 8080 },
            { what: "internet -> bridge REST", from: INTERNET, to: p.jvb("shard-0", 0), port: 8080 },
            { what: "internet -> a bridge's ephemeral ports", from: INTERNET, to: p.jvb("shard-0", 0), port: 40000, protocol: "UDP" },
            { what: "another shard's bridge -> a bridge's ephemeral ports", from: p.jvb("shard-1", 0), to: p.jvb("shard-0", 0), port: 40000, protocol: "UDP" },
            { what: "another shard's web -> prosody", from: p.web("shard-1"), to: p.prosody("shard-0"), port: 5222 },
            { what: "another shard's bridge -> prosody", from: p.jvb("shard-1", 0), to: p.prosody("shard-0"), port: 5222 },
            { what: "pod in another namespace -> prosody", from: STRANGER, to: p.prosody("shard-0"), port: 5222 },
            { what: "foreign pod in the jitsi namespace -> prosody", from: INTRUDER, to: p.prosody("shard-0"), port: 5280 },
            { what: "Prometheus -> prosody's XMPP port", from: PROMETHEUS, to: p.prosody("shard-0"), port: 5222 },
            { what: "internet -> web, around the router", from: INTERNET, to: p.web("shard-0"), port: 8000 },
            { what: "pod in another namespace -> web", from: STRANGER, to: p.web("shard-1"), port: 8000 },
            { what: "pod in another namespace -> router", from: STRANGER, to: p.router, port: 8080 },
            { what: "internet -> router peers port", from: INTERNET, to: p.router, port: 10000 },
            { what: "pod in another namespace -> jicofo", from: STRANGER, to: p.jicofo("shard-0"), port: 8888 },
            { what: "another shard's web -> jicofo", from: p.web("shard-1"), to: p.jicofo("shard-0"), port: 8888 },
            { what: "the router -> jicofo, around web", from: p.router, to: p.jicofo("shard-0"), port: 8888 },
            { what: "internet -> coturn metrics", from: INTERNET, to: p.turn, port: 9641 },
            { what: "internet -> TURN on a port it does not serve", from: INTERNET, to: p.turn, port: 22 },
            { what: "TURN -> prosody (relaying into the cluster)", from: p.turn, to: p.prosody("shard-0"), port: 5222 },
            { what: "TURN -> a bridge's REST port", from: p.turn, to: p.jvb("shard-0", 0), port: 8080 },
            { what: "bridge pod -> TURN metrics", from: p.jvb("shard-0", 0), to: p.turn, port: 9641 },
            { what: "TURN -> cloud metadata", from: p.turn, to: { ip: "169.254.169.254" }, port: 80 },
            { what: "TURN -> a private address", from: p.turn, to: { ip: "10.0.0.5" }, port: 5222 },
            { what: "TURN -> a pod address in the carrier-grade NAT range", from: p.turn, to: { ip: "100.64.3.4" }, port: 8080 },
            { what: "internet -> ACME solver directly", from: INTERNET, to: p.solver, port: 8089 },
            // Metrics ports share their listener with control APIs: only the Prometheus server reaches them.
            { what: "Grafana -> bridge REST (colibri: shutdown, drain)", from: GRAFANA, to: p.jvb("shard-0", 0), port: 8080 },
            { what: "another monitoring pod -> bridge REST", from: MONITORING_POD, to: p.jvb("shard-1", 0), port: 8080 },
            { what: "Prometheus-labelled pod in another namespace -> bridge REST", from: PROMETHEUS_ELSEWHERE, to: p.jvb("shard-0", 0), port: 8080 },
            { what: "Grafana -> router stats", from: GRAFANA, to: p.router, port: 8404 },
            { what: "another monitoring pod -> router stats", from: MONITORING_POD, to: p.router, port: 8404 },
            { what: "Grafana -> jicofo REST", from: GRAFANA, to: p.jicofo("shard-0"), port: 8888 },
            { what: "another monitoring pod -> prosody HTTP", from: MONITORING_POD, to: p.prosody("shard-0"), port: 5280 },
            { what: "Grafana -> coturn metrics", from: GRAFANA, to: p.turn, port: 9641 },
        ];

        it("admits every flow the system needs", () => {
            const denied = mustAllow().filter((f) => !allowed(objs, f.from, f.to, f.port, f.protocol));
            assert.deepStrictEqual(denied.map((f) => f.what), []);
        });

        it("admits nothing else: bridges' REST port, prosody, web, router, jicofo and TURN's way into the cluster are closed, metrics ports to all but Prometheus", () => {
            const open = mustDeny().filter((f) => allowed(objs, f.from, f.to, f.port, f.protocol));
            assert.deepStrictEqual(open.map((f) => f.what), []);
        });

        it("takes its ports from the same constants as the Services and containers", () => {
            // Every port a Service of the jitsi namespace exposes is admitted from somewhere by a policy.
            for (const svc of objs.filter((o) => o.kind === "Service" && o.metadata.namespace === "jitsi")) {
                const target = objs.find(
                    (w) =>
                        ["Deployment", "StatefulSet"].includes(w.kind) &&
                        w.metadata.namespace === "jitsi" &&
                        Object.entries<string>(svc.spec.selector).every(([k, v]) => k === "statefulset.kubernetes.io/pod-name" || w.spec.template.metadata.labels[k] === v),
                )!;
                const pod = podOf(objs, target.kind, target.metadata.name, { "statefulset.kubernetes.io/pod-name": `${target.metadata.name}-0` });
                for (const port of svc.spec.ports) {
                    const n = typeof port.targetPort === "number" ? port.targetPort : port.port;
                    const sources = [INTERNET, INGRESS_CONTROLLER, PROMETHEUS, p.router, p.web("shard-0"), p.jicofo("shard-0"), p.jvb("shard-0", 0), p.jvb("shard-1", 0), p.web("shard-1"), p.jicofo("shard-1")];
                    assert.ok(
                        sources.some((s) => allowed(objs, s, pod, n, port.protocol ?? "TCP")),
                        `${svc.metadata.name} port ${port.name} (${n}/${port.protocol}) is admitted from nowhere`,
                    );
                }
            }
        });
    });
}

describe("what talks to what, without monitoring", function () {
    this.timeout(30_000);

    it("closes every metrics port when no Prometheus runs", async () => {
        const run = await runProgramOk(withConfig(readStackFile("production"), { "jitsi:monitoring": { enabled: false } }));
        const objs = objects(run);
        const p = flows(objs);
        for (const [to, port] of [[p.jvb("shard-0", 0), 8080], [p.prosody("shard-0"), 5280], [p.jicofo("shard-0"), 8888], [p.router, 8404], [p.turn, 9641]] as const) {
            assert.ok(!allowed(objs, PROMETHEUS, to, port), `monitoring namespace still reaches port ${port}`);
        }
    });
});

describe("what talks to what, with every extra on (Etherpad, whiteboard, Jibri)", function () {
    this.timeout(30_000);
    let objs: Obj[];
    let jvbPorts: Record<string, number[]>;
    let p: ReturnType<typeof flows> & { etherpad: Pod; whiteboard: Pod; jibri: Pod };

    before(async () => {
        const run = await runProgramOk(ACCESS_VARIANTS["all extras"]());
        objs = objects(run);
        jvbPorts = run.outputs.jvbUdpPorts;
        p = {
            ...flows(objs),
            etherpad: podOf(objs, "Deployment", "etherpad"),
            whiteboard: podOf(objs, "Deployment", "whiteboard"),
            jibri: podOf(objs, "StatefulSet", "jibri", { "statefulset.kubernetes.io/pod-name": "jibri-0" }),
        };
    });

    it("admits every flow the extras need", () => {
        const needed: Flow[] = [
            { what: "shard-0 web -> Etherpad", from: p.web("shard-0"), to: p.etherpad, port: 9001 },
            { what: "shard-1 web -> Etherpad", from: p.web("shard-1"), to: p.etherpad, port: 9001 },
            { what: "shard-1 web -> whiteboard", from: p.web("shard-1"), to: p.whiteboard, port: 3000 },
            { what: "Jibri -> shard-0 prosody (client)", from: p.jibri, to: p.prosody("shard-0"), port: 5222 },
            { what: "Jibri -> shard-1 prosody (client)", from: p.jibri, to: p.prosody("shard-1"), port: 5222 },
            { what: "Prometheus -> Jibri metrics", from: PROMETHEUS, to: p.jibri, port: 2222 },
            // Chrome receives the meeting from the bridge: its packets leave the Jibri's pod address, which an
            // ipBlock never matches on Cilium (the flow table's ipBlocks match only endpoints outside the cluster).
            { what: "Jibri -> shard-0 bridge media (first port)", from: p.jibri, to: p.jvb("shard-0", 0), port: jvbPorts["shard-0"][0], protocol: "UDP" },
            { what: "Jibri -> shard-1 bridge media (last port)", from: p.jibri, to: p.jvb("shard-1", 1), port: jvbPorts["shard-1"].at(-1)!, protocol: "UDP" },
            // lib-jitsi-meet offers TURN/TCP for the bridge connection (strophe.jingle.js, jvbIceConfig).
            { what: "Jibri -> TURN over TCP (load balancer address translated to coturn's pod)", from: p.jibri, to: p.turn, port: 3478 },
            { what: "Jibri -> TURNS (443 on the load balancer)", from: p.jibri, to: p.turn, port: 5349 },
            { what: "Jibri -> TURN over UDP", from: p.jibri, to: p.turn, port: 3478, protocol: "UDP" },
            { what: "Prometheus -> whiteboard metrics", from: PROMETHEUS, to: p.whiteboard, port: 9090 },
        ];
        assert.deepStrictEqual(needed.filter((f) => !allowed(objs, f.from, f.to, f.port, f.protocol)).map((f) => f.what), []);
    });

    it("admits nothing else to them: no way around web, no component port for Jibri, no way into a Jibri", () => {
        const closed: Flow[] = [
            { what: "internet -> Etherpad, around web", from: INTERNET, to: p.etherpad, port: 9001 },
            { what: "router -> Etherpad, around web", from: p.router, to: p.etherpad, port: 9001 },
            { what: "foreign pod in the jitsi namespace -> Etherpad", from: INTRUDER, to: p.etherpad, port: 9001 },
            { what: "pod in another namespace -> whiteboard", from: STRANGER, to: p.whiteboard, port: 3000 },
            { what: "web -> whiteboard metrics", from: p.web("shard-0"), to: p.whiteboard, port: 9090 },
            { what: "Jibri -> prosody's component port", from: p.jibri, to: p.prosody("shard-0"), port: 5347 },
            // The prosody image listens on no component port (component_ports = { }); each shard part uses one port.
            { what: "web -> its prosody's component port", from: p.web("shard-0"), to: p.prosody("shard-0"), port: 5347 },
            { what: "web -> its prosody's c2s port", from: p.web("shard-0"), to: p.prosody("shard-0"), port: 5222 },
            { what: "Jibri -> prosody's HTTP port", from: p.jibri, to: p.prosody("shard-1"), port: 5280 },
            { what: "web -> Jibri's API", from: p.web("shard-0"), to: p.jibri, port: 2222 },
            { what: "foreign pod in the jitsi namespace -> Jibri's internal API", from: INTRUDER, to: p.jibri, port: 3333 },
            { what: "internet -> Jibri", from: INTERNET, to: p.jibri, port: 2222 },
            { what: "Jibri -> a bridge's REST port (shutdown, drain)", from: p.jibri, to: p.jvb("shard-0", 0), port: 8080 },
            { what: "Jibri -> a bridge's ephemeral ports", from: p.jibri, to: p.jvb("shard-0", 0), port: 40000, protocol: "UDP" },
            { what: "Jibri -> coturn metrics", from: p.jibri, to: p.turn, port: 9641 },
            { what: "Jibri -> coturn's relay ports (only bridges answer there)", from: p.jibri, to: p.turn, port: 49160, protocol: "UDP" },
            { what: "foreign pod in the jitsi namespace -> bridge media (pod address)", from: INTRUDER, to: p.jvb("shard-0", 0), port: jvbPorts["shard-0"][0], protocol: "UDP" },
            { what: "foreign pod in the jitsi namespace -> TURN (pod address)", from: INTRUDER, to: p.turn, port: 3478 },
            // Jibri's API (2222) starts recordings and streams to any RTMP URL: Prometheus's pods alone read its metrics there.
            { what: "Grafana -> Jibri's API", from: GRAFANA, to: p.jibri, port: 2222 },
            { what: "another monitoring pod -> Jibri's API", from: MONITORING_POD, to: p.jibri, port: 2222 },
            { what: "Prometheus-labelled pod in another namespace -> Jibri's API", from: PROMETHEUS_ELSEWHERE, to: p.jibri, port: 2222 },
            { what: "Grafana -> whiteboard metrics", from: GRAFANA, to: p.whiteboard, port: 9090 },
        ];
        assert.deepStrictEqual(closed.filter((f) => allowed(objs, f.from, f.to, f.port, f.protocol)).map((f) => f.what), []);
    });
});

describe("what talks to what, with visitors", function () {
    this.timeout(30_000);
    let objs: Obj[];
    let p: ReturnType<typeof flows> & { visitor: (shard: string, index: number) => Pod };

    before(async () => {
        const run = await runProgramOk(visitorsVariant());
        objs = objects(run);
        p = { ...flows(objs), visitor: (shard, index) => podOf(objs, "Deployment", `${shard}-visitors-${index}`) };
    });

    it("admits every flow visitors need, within the shard", () => {
        const needed: Flow[] = [
            { what: "main prosody -> its visitor node (s2s)", from: p.prosody("shard-0"), to: p.visitor("shard-0", 1), port: 5269 },
            { what: "visitor node -> its main prosody (s2s)", from: p.visitor("shard-1", 0), to: p.prosody("shard-1"), port: 5269 },
            { what: "jicofo -> its visitor node (c2s, as focus)", from: p.jicofo("shard-0"), to: p.visitor("shard-0", 0), port: 5222 },
            { what: "web -> its visitor node (visitors' BOSH and WebSocket)", from: p.web("shard-1"), to: p.visitor("shard-1", 1), port: 5280 },
        ];
        assert.deepStrictEqual(needed.filter((f) => !allowed(objs, f.from, f.to, f.port, f.protocol)).map((f) => f.what), []);
    });

    it("admits nothing across shards, nothing from outside, and visitor nodes nothing but s2s", () => {
        const denied: Flow[] = [
            { what: "shard-0 visitor node -> shard-1 prosody", from: p.visitor("shard-0", 0), to: p.prosody("shard-1"), port: 5269 },
            { what: "shard-1 prosody -> shard-0 visitor node", from: p.prosody("shard-1"), to: p.visitor("shard-0", 0), port: 5269 },
            { what: "shard-1 jicofo -> shard-0 visitor node", from: p.jicofo("shard-1"), to: p.visitor("shard-0", 1), port: 5222 },
            { what: "shard-1 web -> shard-0 visitor node", from: p.web("shard-1"), to: p.visitor("shard-0", 0), port: 5280 },
            { what: "visitor node -> its prosody's c2s", from: p.visitor("shard-0", 0), to: p.prosody("shard-0"), port: 5222 },
            { what: "visitor node -> its prosody's component port", from: p.visitor("shard-0", 0), to: p.prosody("shard-0"), port: 5347 },
            { what: "internet -> visitor node BOSH, around the router", from: INTERNET, to: p.visitor("shard-0", 0), port: 5280 },
            { what: "router -> visitor node, around web", from: p.router, to: p.visitor("shard-0", 0), port: 5280 },
            { what: "pod in another namespace -> visitor node", from: STRANGER, to: p.visitor("shard-1", 0), port: 5222 },
            { what: "web -> visitor node's s2s", from: p.web("shard-0"), to: p.visitor("shard-0", 0), port: 5269 },
        ];
        assert.deepStrictEqual(denied.filter((f) => allowed(objs, f.from, f.to, f.port, f.protocol)).map((f) => f.what), []);
    });
});

describe("what talks to what, with phones and captions (Jigasi, transcriber, Vosk)", function () {
    this.timeout(30_000);
    let objs: Obj[];
    let jvbPorts: Record<string, number[]>;
    let p: ReturnType<typeof flows> & { jigasi: Pod; transcriber: Pod; vosk: Pod };

    before(async () => {
        const run = await runProgramOk(withConfig(GATEWAY_VARIANTS["SIP only"](), { "jitsi:transcription": { enabled: true } }));
        objs = objects(run);
        jvbPorts = run.outputs.jvbUdpPorts;
        p = {
            ...flows(objs),
            jigasi: podOf(objs, "StatefulSet", "jigasi", { "statefulset.kubernetes.io/pod-name": "jigasi-0" }),
            transcriber: podOf(objs, "StatefulSet", "transcriber", { "statefulset.kubernetes.io/pod-name": "transcriber-0" }),
            vosk: podOf(objs, "Deployment", "vosk"),
        };
    });

    it("admits every flow a call and a caption need", () => {
        const media = jvbPorts["shard-1"][0];
        const needed: Flow[] = [
            { what: "Jigasi -> shard-0 prosody (control: the brewery)", from: p.jigasi, to: p.prosody("shard-0"), port: 5222 },
            { what: "Jigasi -> shard-1 prosody (control: the brewery)", from: p.jigasi, to: p.prosody("shard-1"), port: 5222 },
            { what: "transcriber -> shard-1 prosody (control: the brewery)", from: p.transcriber, to: p.prosody("shard-1"), port: 5222 },
            { what: "Jigasi -> router (a call's conference, BOSH ?room=)", from: p.jigasi, to: p.router, port: 8080 },
            { what: "transcriber -> router (a caption's conference, BOSH ?room=)", from: p.transcriber, to: p.router, port: 8080 },
            { what: "Jigasi -> shard-1 bridge media (private candidate)", from: p.jigasi, to: p.jvb("shard-1", 0), port: media, protocol: "UDP" },
            { what: "transcriber -> shard-1 bridge media (private candidate)", from: p.transcriber, to: p.jvb("shard-1", 0), port: media, protocol: "UDP" },
            { what: "transcriber -> Vosk", from: p.transcriber, to: p.vosk, port: 2700 },
            { what: "Prometheus -> Jigasi metrics", from: PROMETHEUS, to: p.jigasi, port: 8788 },
            { what: "Prometheus -> transcriber metrics", from: PROMETHEUS, to: p.transcriber, port: 8788 },
        ];
        assert.deepStrictEqual(needed.filter((f) => !allowed(objs, f.from, f.to, f.port, f.protocol)).map((f) => f.what), []);
    });

    it("admits nothing else: no way into a gateway, Vosk for the transcribers alone, no component port", () => {
        const closed: Flow[] = [
            { what: "internet -> Jigasi's API", from: INTERNET, to: p.jigasi, port: 8788 },
            { what: "internet -> Jigasi's RTP range", from: INTERNET, to: p.jigasi, port: 20000, protocol: "UDP" },
            { what: "foreign pod in the jitsi namespace -> Jigasi's shutdown API", from: INTRUDER, to: p.jigasi, port: 8788 },
            { what: "web -> transcriber", from: p.web("shard-0"), to: p.transcriber, port: 8788 },
            { what: "Jigasi -> Vosk (only transcribers stream audio)", from: p.jigasi, to: p.vosk, port: 2700 },
            { what: "web -> Vosk", from: p.web("shard-0"), to: p.vosk, port: 2700 },
            { what: "internet -> Vosk", from: INTERNET, to: p.vosk, port: 2700 },
            { what: "pod in another namespace -> Vosk", from: STRANGER, to: p.vosk, port: 2700 },
            { what: "Jigasi -> prosody's component port", from: p.jigasi, to: p.prosody("shard-0"), port: 5347 },
            { what: "Jigasi -> prosody's HTTP port, around the router", from: p.jigasi, to: p.prosody("shard-1"), port: 5280 },
            { what: "transcriber -> web, around the router", from: p.transcriber, to: p.web("shard-0"), port: 8000 },
            { what: "Jigasi -> jicofo", from: p.jigasi, to: p.jicofo("shard-0"), port: 8888 },
            { what: "foreign pod in the jitsi namespace -> router", from: INTRUDER, to: p.router, port: 8080 },
            // Jigasi's REST (8788) adds call-control accounts (/configure/call-control-muc/add), then dials any number.
            { what: "Grafana -> Jigasi's REST", from: GRAFANA, to: p.jigasi, port: 8788 },
            { what: "another monitoring pod -> Jigasi's REST", from: MONITORING_POD, to: p.jigasi, port: 8788 },
            { what: "Prometheus-labelled pod in another namespace -> Jigasi's REST", from: PROMETHEUS_ELSEWHERE, to: p.jigasi, port: 8788 },
            { what: "another monitoring pod -> transcriber's REST", from: MONITORING_POD, to: p.transcriber, port: 8788 },
        ];
        assert.deepStrictEqual(closed.filter((f) => allowed(objs, f.from, f.to, f.port, f.protocol)).map((f) => f.what), []);
    });
});

describe("what talks to what, with the load test's browsers in the cluster", function () {
    this.timeout(30_000);
    let objs: Obj[];
    let jvbPorts: Record<string, number[]>;
    let p: ReturnType<typeof flows> & { browser: Pod; hub: Pod };

    before(async () => {
        const run = await runProgramOk(withConfig(readStackFile("production"), { "jitsi:loadTest": { enabled: true, seleniumNodes: 2, sessionsPerNode: 4 } }));
        objs = objects(run);
        jvbPorts = run.outputs.jvbUdpPorts;
        p = { ...flows(objs), browser: podOf(objs, "Deployment", "selenium-node-chrome"), hub: podOf(objs, "Deployment", "selenium-hub") };
    });

    it("lets its Chrome nodes send media to the bridges and allocate on coturn by pod, as any participant", () => {
        const needed: Flow[] = [
            { what: "load-test browser -> shard-0 bridge media", from: p.browser, to: p.jvb("shard-0", 0), port: jvbPorts["shard-0"][0], protocol: "UDP" },
            { what: "load-test browser -> shard-1 bridge media", from: p.browser, to: p.jvb("shard-1", 1), port: jvbPorts["shard-1"].at(-1)!, protocol: "UDP" },
            { what: "load-test browser -> TURN over TCP", from: p.browser, to: p.turn, port: 3478 },
            { what: "load-test browser -> TURNS", from: p.browser, to: p.turn, port: 5349 },
        ];
        assert.deepStrictEqual(needed.filter((f) => !allowed(objs, f.from, f.to, f.port, f.protocol)).map((f) => f.what), []);
    });

    it("admits nothing else of the load test: not its hub, not a bridge's REST port", () => {
        const closed: Flow[] = [
            { what: "Selenium hub -> bridge media", from: p.hub, to: p.jvb("shard-0", 0), port: jvbPorts["shard-0"][0], protocol: "UDP" },
            { what: "load-test browser -> bridge REST", from: p.browser, to: p.jvb("shard-0", 0), port: 8080 },
            { what: "load-test browser -> prosody", from: p.browser, to: p.prosody("shard-0"), port: 5222 },
            { what: "load-test browser -> coturn metrics", from: p.browser, to: p.turn, port: 9641 },
        ];
        assert.deepStrictEqual(closed.filter((f) => allowed(objs, f.from, f.to, f.port, f.protocol)).map((f) => f.what), []);
    });
});
