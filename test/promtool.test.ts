/**
 * The alerts, the dashboard's queries and prometheus-adapter's rules, proven by Prometheus' own tool:
 * `promtool check rules` on the PrometheusRule the program renders, every query parsed as promtool
 * parses a rule (the adapter's placeholders filled in as the adapter fills them), and a
 * `promtool test rules` unit test per alert: it fires on the failure it names, only after its `for`,
 * with the labels and text the notification carries, and stays silent on healthy series and on a
 * bridge that is merely draining. Needs Debian's `prometheus` package (.ci/run installs it).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { runProgramOk, withConfig } from "./harness";
import { commandPath } from "./loopback";
import { named, Obj } from "./objects";
import { ACCESS_VARIANTS, EVERY_GATEWAY } from "./variants";

const installed = commandPath("promtool") !== undefined;

function promtool(...args: string[]): { status: number | null; output: string } {
    const r = spawnSync("promtool", args, { encoding: "utf8", timeout: 60_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** prometheus-adapter fills <<.Series>>, <<.LabelMatchers>> and <<.GroupBy>> for each request (docs/config.md). */
function fillAdapterTemplate(query: string, series: string): string {
    return query
        .replaceAll("<<.Series>>", series)
        .replaceAll("<<.LabelMatchers>>", 'namespace="jitsi",pod=~"shard-0-jvb-0|shard-0-jvb-1"')
        .replaceAll("<<.GroupBy>>", "pod");
}

/** A rule's annotation as Prometheus expands it for these labels and value (the templates the rules use). */
function expand(template: string, labels: Record<string, string>, value: number): string {
    return template
        .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l) => labels[l] ?? "")
        .replace(/\{\{ \$value \| humanizePercentage \}\}/g, `${Math.round(value * 100)}%`);
}

const JVB = (pod: string, shard: string) => ({ namespace: "jitsi", pod, container: "jvb", shard, job: "jitsi/jitsi-jvb" });
const series = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`;

interface AlertCase {
    alert: string;
    input: { series: string; values: string }[];
    /** Minutes: before the failure's `for` is over, no alert; after it, exactly these. */
    quietUntil: string;
    firesAt: string;
    fires: { labels: Record<string, string>; value: number }[];
}

/** A shard's prosody or jicofo without an available pod from minute 2, another shard's fine. */
function deploymentDown(alert: string, failing: string, healthy: string): AlertCase {
    const replicas = (deployment: string) => series("kube_deployment_status_replicas_available", { namespace: "jitsi", deployment });
    return {
        alert,
        input: [
            { series: replicas(failing), values: "1 1 0x10" },
            { series: replicas(healthy), values: "1x12" },
        ],
        quietUntil: "3m",
        firesAt: "5m",
        fires: [{ labels: { namespace: "jitsi", deployment: failing }, value: 0 }],
    };
}

describe("alerts and queries checked by promtool", function () {
    this.timeout(120_000);
    let dir: string;
    let rules: Obj[];
    let rulesFile: string;
    let run: Awaited<ReturnType<typeof runProgram>>;

    before(async function () {
        if (!installed) {
            console.log("      promtool not installed (apt-get install prometheus): skipping the promtool checks");
            this.skip();
        }
        // Every optional part on: Jibri's adapter rule, the whiteboard, the stack's own coturn, the gateways.
        run = await runProgramOk(withConfig(ACCESS_VARIANTS["all extras"](), { ...EVERY_GATEWAY, "jitsi:visitors": { enabled: true, allowAnonymous: true } }, ["jitsi:jigasiSipPassword"]));
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
        const rule = named(run, "PrometheusRule", "jitsi");
        rules = rule.spec.groups[0].rules;
        rulesFile = path.join(dir, "rules.yml");
        // A PrometheusRule's spec is a Prometheus rules file.
        fs.writeFileSync(rulesFile, stringify({ groups: rule.spec.groups }));
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("passes promtool check rules as rendered", () => {
        const r = promtool("check", "rules", rulesFile);
        assert.strictEqual(r.status, 0, r.output);
        assert.match(r.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
    });

    it("has queries promtool parses: every dashboard panel, and the adapter's series and metrics queries as the adapter fills them", () => {
        const dashboard = JSON.parse(named(run, "ConfigMap", "jitsi-dashboard").data["jitsi.json"]);
        const adapter = run.resources.find((r) => r.name === "prometheus-adapter")!.inputs.values.rules.custom as Obj[];
        const queries = [
            ...dashboard.panels.map((p: Obj) => p.targets[0].expr as string),
            ...adapter.flatMap((r) => [r.seriesQuery as string, fillAdapterTemplate(r.metricsQuery, r.name.as)]),
        ];
        assert.ok(queries.length >= 12 && adapter.length === 2, `${queries.length} queries, ${adapter.length} adapter rules`);
        const file = path.join(dir, "queries.yml");
        fs.writeFileSync(file, stringify({ groups: [{ name: "queries", rules: queries.map((expr, i) => ({ record: `query:check_${i}`, expr })) }] }));
        const r = promtool("check", "rules", file);
        assert.strictEqual(r.status, 0, r.output);
        // And a broken one is caught: the check can fail.
        fs.writeFileSync(file, stringify({ groups: [{ name: "q", rules: [{ record: "query:broken", expr: "sum by (shard (x)" }] }] }));
        assert.notStrictEqual(promtool("check", "rules", file).status, 0);
    });

    const cases: AlertCase[] = [
        deploymentDown("JitsiProsodyDown", "shard-0-prosody", "shard-1-prosody"),
        deploymentDown("JitsiJicofoDown", "shard-1-jicofo", "shard-0-jicofo"),
        {
            alert: "JitsiJvbUnhealthy",
            input: [
                // Fails its own health check from minute 2.
                { series: series("jitsi_jvb_healthy", JVB("shard-0-jvb-0", "shard-0")), values: "1 1 0x15" },
                { series: series("up", JVB("shard-0-jvb-0", "shard-0")), values: "1x17" },
                // Healthy.
                { series: series("jitsi_jvb_healthy", JVB("shard-0-jvb-1", "shard-0")), values: "1x17" },
                { series: series("up", JVB("shard-0-jvb-1", "shard-0")), values: "1x17" },
                // Draining: shutting down gracefully, healthy and scraped until it exits.
                { series: series("jitsi_jvb_healthy", JVB("shard-1-jvb-0", "shard-1")), values: "1x17" },
                { series: series("jitsi_jvb_graceful_shutdown", JVB("shard-1-jvb-0", "shard-1")), values: "0 0 1x15" },
                { series: series("up", JVB("shard-1-jvb-0", "shard-1")), values: "1x17" },
            ],
            quietUntil: "6m",
            firesAt: "8m",
            fires: [{ labels: JVB("shard-0-jvb-0", "shard-0"), value: 0 }],
        },
        {
            alert: "JitsiJvbStressHigh",
            input: [
                { series: series("jitsi_jvb_stress", JVB("shard-0-jvb-0", "shard-0")), values: "0.5 0.5 0.9x15" },
                { series: series("jitsi_jvb_stress", JVB("shard-0-jvb-1", "shard-0")), values: "0.5x17" },
                // Draining with its last meetings: high stress, but nothing to scale for.
                { series: series("jitsi_jvb_stress", JVB("shard-1-jvb-0", "shard-1")), values: "0.5 0.5 0.95x15" },
                { series: series("jitsi_jvb_graceful_shutdown", JVB("shard-1-jvb-0", "shard-1")), values: "0 0 1x15" },
                { series: series("jitsi_jvb_graceful_shutdown", JVB("shard-0-jvb-0", "shard-0")), values: "0x17" },
            ],
            quietUntil: "6m",
            firesAt: "8m",
            fires: [{ labels: JVB("shard-0-jvb-0", "shard-0"), value: 0.9 }],
        },
        {
            alert: "JitsiJvbAutoscalerAtMaximum",
            input: [
                { series: series("kube_horizontalpodautoscaler_status_current_replicas", { namespace: "jitsi", horizontalpodautoscaler: "shard-0-jvb" }), values: "2 2 6x30" },
                { series: series("kube_horizontalpodautoscaler_spec_max_replicas", { namespace: "jitsi", horizontalpodautoscaler: "shard-0-jvb" }), values: "6x32" },
                { series: series("kube_horizontalpodautoscaler_status_current_replicas", { namespace: "jitsi", horizontalpodautoscaler: "shard-1-jvb" }), values: "3x32" },
                { series: series("kube_horizontalpodautoscaler_spec_max_replicas", { namespace: "jitsi", horizontalpodautoscaler: "shard-1-jvb" }), values: "6x32" },
            ],
            quietUntil: "16m",
            firesAt: "18m",
            fires: [{ labels: { namespace: "jitsi", horizontalpodautoscaler: "shard-0-jvb" }, value: 6 }],
        },
        {
            alert: "JitsiTurnDown",
            input: [{ series: series("up", { namespace: "jitsi", pod: "turn-abc", container: "coturn", job: "jitsi/jitsi-turn" }), values: "1 1 0x15" }],
            quietUntil: "6m",
            firesAt: "8m",
            fires: [{ labels: { namespace: "jitsi", pod: "turn-abc", container: "coturn", job: "jitsi/jitsi-turn" }, value: 0 }],
        },
        {
            alert: "JitsiJigasiUnregistered",
            input: [
                // Its provider refuses the account from minute 2 (jigasi answers 503, so readiness fails).
                { series: series("kube_pod_container_status_ready", { namespace: "jitsi", pod: "jigasi-0", container: "jigasi" }), values: "1 1 0x15" },
                { series: series("kube_pod_container_status_ready", { namespace: "jitsi", pod: "jigasi-1", container: "jigasi" }), values: "1x17" },
                // A transcriber is never "unregistered": not this alert's business.
                { series: series("kube_pod_container_status_ready", { namespace: "jitsi", pod: "transcriber-0", container: "transcriber" }), values: "0x17" },
            ],
            quietUntil: "6m",
            firesAt: "8m",
            fires: [{ labels: { namespace: "jitsi", pod: "jigasi-0", container: "jigasi" }, value: 0 }],
        },
        {
            alert: "JitsiIceFailuresRising",
            input: [
                // 2 failed ICE sessions a minute on shard-0 from minute 2; none on shard-1.
                { series: series("jitsi_jvb_ice_failed_total", JVB("shard-0-jvb-0", "shard-0")), values: "0 0 0+2x30" },
                { series: series("jitsi_jvb_ice_failed_total", JVB("shard-1-jvb-0", "shard-1")), values: "5x32" },
            ],
            quietUntil: "10m",
            firesAt: "20m",
            fires: [{ labels: { shard: "shard-0" }, value: 28 }],
        },
    ];

    it("has a unit test for every alert", () => {
        assert.deepStrictEqual(cases.map((c) => c.alert).sort(), rules.map((r) => r.alert).sort());
    });

    for (const c of cases) {
        it(`${c.alert}: fires on its failure after its 'for', with the notification's labels and text, and not on healthy or draining series`, () => {
            const rule = rules.find((r) => r.alert === c.alert)!;
            const expected = c.fires.map((f) => ({
                exp_labels: { ...f.labels, alertname: c.alert, severity: rule.labels.severity },
                exp_annotations: Object.fromEntries(Object.entries(rule.annotations as Record<string, string>).map(([k, v]) => [k, expand(v, f.labels, f.value)])),
            }));
            const test = {
                rule_files: [rulesFile],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: c.input,
                        alert_rule_test: [
                            { eval_time: c.quietUntil, alertname: c.alert, exp_alerts: [] },
                            { eval_time: c.firesAt, alertname: c.alert, exp_alerts: expected },
                        ],
                    },
                ],
            };
            const file = path.join(dir, `${c.alert}.test.yml`);
            fs.writeFileSync(file, stringify(test));
            const r = promtool("test", "rules", file);
            assert.strictEqual(r.status, 0, r.output);
        });
    }

    it("fires JitsiTurnDown when coturn's target is gone altogether, not only down", () => {
        const rule = rules.find((r) => r.alert === "JitsiTurnDown")!;
        const labels = { namespace: "jitsi", container: "coturn" };
        const test = {
            rule_files: [rulesFile],
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    input_series: [{ series: series("up", { namespace: "jitsi", pod: "turn-abc", container: "coturn" }), values: "1 1 _x20" }],
                    alert_rule_test: [
                        { eval_time: "1m", alertname: "JitsiTurnDown", exp_alerts: [] },
                        {
                            // Prometheus keeps a series 5 minutes after its last sample; then absent() holds, for 5 more.
                            eval_time: "16m",
                            alertname: "JitsiTurnDown",
                            exp_alerts: [
                                {
                                    exp_labels: { ...labels, alertname: "JitsiTurnDown", severity: rule.labels.severity },
                                    exp_annotations: Object.fromEntries(Object.entries(rule.annotations as Record<string, string>).map(([k, v]) => [k, expand(v, labels, 1)])),
                                },
                            ],
                        },
                    ],
                },
            ],
        };
        const file = path.join(dir, "turn-absent.test.yml");
        fs.writeFileSync(file, stringify(test));
        const r = promtool("test", "rules", file);
        assert.strictEqual(r.status, 0, r.output);
    });
});
