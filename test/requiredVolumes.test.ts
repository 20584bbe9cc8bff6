/**
 * Nothing waits on itself: every volume a pod cannot start without (a Secret, ConfigMap, projected
 * source or claim that is not optional) has a creator, and that creator does not need the pod to run.
 * A kubelet does not start a container while a required volume's object is missing (the pod stays in
 * ContainerCreating), so a creator that needs the pod is a deadlock on an empty cluster: what the TURN
 * pod's certificate was until its volume became optional (issue 24, point 3).
 *
 * Creators: an object the program declares (Pulumi creates it before the workload that refers to it);
 * a cert-manager Certificate (the Secret appears once the ACME HTTP-01 challenge is answered: cert-manager
 * v1.19.4 pkg/issuer/acme/http/ingress.go:174-193 puts a solver Ingress of the issuer's class for the
 * challenged host, answered by a solver pod on port 8089 behind a NodePort Service, pod.go:212 and
 * service.go:122, and Let's Encrypt asks port 80 of the address the host resolves to); Kubernetes itself
 * (kube-root-ca.crt, published into every namespace by kube-controller-manager's root-ca-cert-publisher).
 * Pods of the charts (ingress-nginx, cert-manager, the operators) are the charts' own: their hooks and
 * webhook Secrets are held by the chart tests.
 */
import * as assert from "assert";
import { matches, podTemplates } from "../policy/invariants";
import { readStackFile, runProgramOk } from "./harness";
import { objects, Obj } from "./objects";
import { ACCESS_VARIANTS, GATEWAY_VARIANTS, STACK_VARIANTS } from "./variants";

/** What Let's Encrypt reaches on port 80 of every Jitsi host: ingress-nginx's LoadBalancer (a chart's pods). */
const INGRESS_CONTROLLER = "chart ingress-nginx (controller)";
const CERT_MANAGER = "chart cert-manager";

interface Template {
    pod: string;
    namespace: string;
    labels: Record<string, string>;
    spec: Obj;
}

interface Row {
    pod: string;
    volume: string;
    /** `Kind name` of the object the volume needs. */
    source: string;
    required: boolean;
    creator: string;
    /** Pods and parts the creator needs running before the object exists. */
    needs: string[];
}

/** Every pod template the program declares: its workloads, and the pod templates of the operators' resources. */
function templates(objs: Obj[]): Template[] {
    const id = (o: Obj, suffix = "") => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}${suffix}`;
    const fromWorkloads = podTemplates(objs).map((t) => ({ pod: id(t.workload), namespace: t.namespace, labels: t.labels, spec: t.spec }));
    const fromOperators: Template[] = [];
    for (const o of objs) {
        const add = (pt: Obj | undefined, suffix = "") =>
            pt && fromOperators.push({ pod: id(o, suffix), namespace: o.metadata.namespace, labels: pt.metadata?.labels ?? {}, spec: pt.spec ?? {} });
        if (o.kind === "Beat") add(o.spec.daemonSet?.podTemplate ?? o.spec.deployment?.podTemplate);
        if (o.kind === "Kibana") add(o.spec.podTemplate);
        if (o.kind === "Elasticsearch") for (const n of o.spec.nodeSets) add(n.podTemplate, ` node set ${n.name}`);
    }
    return [...fromWorkloads, ...fromOperators];
}

/** The pods behind each LoadBalancer Service that takes port 80 itself (the TURN address): they answer HTTP-01 there. */
function port80Answerers(objs: Obj[], all: Template[]): Map<string, string[]> {
    const byNamespace = new Map<string, string[]>();
    for (const svc of objs.filter((o) => o.kind === "Service" && o.spec?.type === "LoadBalancer")) {
        if (!(svc.spec.ports ?? []).some((p: Obj) => p.port === 80)) continue;
        const pods = all.filter((t) => t.namespace === svc.metadata.namespace && matches(svc.spec.selector, t.labels)).map((t) => t.pod);
        byNamespace.set(svc.spec.loadBalancerIP ?? svc.metadata.name, pods);
    }
    return byNamespace;
}

/** The table: one row per Secret, ConfigMap, projected source or claim a pod template mounts. */
function requiredVolumeTable(objs: Obj[]): Row[] {
    const all = templates(objs);
    const declared = (kind: string, ns: string, name: string) => objs.some((o) => o.kind === kind && o.metadata?.namespace === ns && o.metadata?.name === name);
    // coturn's realm is the TURN host (lib/turn.ts turnServerConfig); its Service carries the TURN address.
    const turnConf: string | undefined = objs.find((o) => o.kind === "ConfigMap" && o.data?.["turnserver.conf"])?.data["turnserver.conf"];
    const turnHost = turnConf?.match(/^realm=(.*)$/m)?.[1];
    const turnAddress = turnConf?.match(/^external-ip=(.*)$/m)?.[1];
    const answerers = port80Answerers(objs, all);

    function creatorOf(kind: string, ns: string, name: string): { creator: string; needs: string[] } | undefined {
        if (kind === "ConfigMap" && name === "kube-root-ca.crt") return { creator: "Kubernetes (root-ca-cert-publisher)", needs: [] };
        if (declared(kind, ns, name)) return { creator: `declared ${kind}`, needs: [] };
        const cert = kind === "Secret" && objs.find((o) => o.kind === "Certificate" && o.metadata.namespace === ns && o.spec?.secretName === name);
        if (cert) {
            const needs = new Set([CERT_MANAGER]);
            for (const host of cert.spec.dnsNames) {
                if (host === turnHost && turnAddress) for (const pod of answerers.get(turnAddress) ?? []) needs.add(pod);
                else needs.add(INGRESS_CONTROLLER);
            }
            return { creator: `cert-manager Certificate ${cert.metadata.name} (HTTP-01)`, needs: [...needs] };
        }
        return undefined;
    }

    const rows: Row[] = [];
    for (const t of all) {
        for (const v of t.spec.volumes ?? []) {
            const sources: [string, string, boolean][] = [];
            if (v.secret) sources.push(["Secret", v.secret.secretName, !v.secret.optional]);
            if (v.configMap) sources.push(["ConfigMap", v.configMap.name, !v.configMap.optional]);
            if (v.persistentVolumeClaim) sources.push(["PersistentVolumeClaim", v.persistentVolumeClaim.claimName, true]);
            for (const s of v.projected?.sources ?? []) {
                if (s.secret) sources.push(["Secret", s.secret.name, !s.secret.optional]);
                if (s.configMap) sources.push(["ConfigMap", s.configMap.name, !s.configMap.optional]);
            }
            for (const [kind, name, required] of sources) {
                const made = creatorOf(kind, t.namespace, name);
                rows.push({ pod: t.pod, volume: v.name, source: `${kind} ${name}`, required, creator: made?.creator ?? "NOBODY", needs: made?.needs ?? [] });
            }
        }
    }
    return rows;
}

/** Rows that would keep their pod waiting forever: no creator, or a creator that needs the pod itself. */
function waitsOnItself(rows: Row[]): string[] {
    return rows
        .filter((r) => r.required && (r.creator === "NOBODY" || r.needs.includes(r.pod)))
        .map((r) => `${r.pod}: volume ${r.volume} (${r.source}) ${r.creator === "NOBODY" ? "is created by nobody this program knows" : `comes from ${r.creator}, which needs ${r.pod} to run`}`);
}

describe("nothing waits on itself: who creates each volume a pod needs", function () {
    this.timeout(300_000);

    for (const stack of ["production", "development"]) it(`Pulumi.${stack}.yaml: the table of every pod's Secret, ConfigMap, projected and claim volumes`, async () => {
        const rows = requiredVolumeTable(objects(await runProgramOk(readStackFile(stack))));
        const show = (r: Row) => `${r.pod} | ${r.volume} | ${r.source} | ${r.required ? "required" : "optional"} | ${r.creator} | ${r.needs.join(", ") || "-"}`;
        const sharded = (pattern: string) => ["shard-0", "shard-1"].map((s) => pattern.replace(/<shard>/g, s));
        assert.deepStrictEqual(rows.map(show).sort(), [
            ...sharded("Deployment jitsi/<shard>-web | custom-config | ConfigMap <shard>-web-config | required | declared ConfigMap | -"),
            "StatefulSet jitsi/router | config | ConfigMap router-config | required | declared ConfigMap | -",
            // The certificate's challenge comes in through this very pod (its port-80 forwarder): optional, or it deadlocks.
            "Deployment jitsi/turn | tls | Secret turn-tls | optional | cert-manager Certificate turn-tls (HTTP-01) | chart cert-manager, Deployment jitsi/turn",
            "Deployment jitsi/turn | config | ConfigMap turn-config | required | declared ConfigMap | -",
            ...sharded("StatefulSet jitsi/<shard>-jvb | node-reader-token | ConfigMap kube-root-ca.crt | required | Kubernetes (root-ca-cert-publisher) | -"),
            "Beat logging/filebeat | ilm | ConfigMap filebeat-ilm | required | declared ConfigMap | -",
        ].sort());
        assert.deepStrictEqual(waitsOnItself(rows), []);
    });

    it("finds the deadlock the TURN pod had: its certificate's challenge needs the pod that requires it", async () => {
        const objs = objects(await runProgramOk(readStackFile("production")));
        const turn = objs.find((o) => o.kind === "Deployment" && o.metadata.name === "turn")!;
        delete turn.spec.template.spec.volumes.find((v: Obj) => v.name === "tls").secret.optional;
        assert.deepStrictEqual(waitsOnItself(requiredVolumeTable(objs)), [
            "Deployment jitsi/turn: volume tls (Secret turn-tls) comes from cert-manager Certificate turn-tls (HTTP-01), which needs Deployment jitsi/turn to run",
        ]);
        // And an undeclared required volume fails too.
        turn.spec.template.spec.volumes.push({ name: "stray", secret: { secretName: "made-by-hand" } });
        assert.match(waitsOnItself(requiredVolumeTable(objs)).join("\n"), /volume stray \(Secret made-by-hand\) is created by nobody this program knows/);
    });

    const variants: Record<string, () => Promise<Obj[]>> = {
        ...STACK_VARIANTS,
        ...Object.fromEntries(
            Object.entries({ ...GATEWAY_VARIANTS, ...ACCESS_VARIANTS }).map(([name, config]) => [name, async () => objects(await runProgramOk(config()))]),
        ),
    };
    for (const [name, variant] of Object.entries(variants)) {
        it(`every required volume has a creator that does not need its pod (${name})`, async () => {
            const rows = requiredVolumeTable(await variant());
            assert.ok(rows.some((r) => r.required), "the walk found no volume at all");
            assert.deepStrictEqual(waitsOnItself(rows), []);
        });
    }
});
