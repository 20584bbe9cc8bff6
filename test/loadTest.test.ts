/**
 * The optional load test and the capacity model, through the whole program.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { derivePlanningRatio, LOAD_TEST_RUNS, PARTICIPANTS_PER_JVB_CORE, TORTURE_COMMIT } from "../lib";
import { capacitySvg } from "../scripts/capacityPlot";
import { readStackFile, ROOT, runProgram, runProgramOk, withConfig } from "./harness";
import { named, objects, Obj, podTemplates } from "./objects";

describe("load test", function () {
    this.timeout(30_000);
    const production = readStackFile("production");
    const enabled = { enabled: true, seleniumNodes: 3, sessionsPerNode: 4, conferences: 3, participantsPerConference: 4, durationSeconds: 600 };

    it("creates nothing when it is off (the default)", async () => {
        for (const stack of ["development", "production"]) {
            const run = await runProgram(readStackFile(stack));
            assert.strictEqual(run.resources.filter((r) => r.type.startsWith("jitsi:loadtest")).length, 0);
            assert.ok(!objects(run).some((o) => o.metadata.namespace === "loadtest" || o.metadata.name === "loadtest"));
            assert.strictEqual(run.outputs.loadTestLogs, undefined);
        }
    });

    it("runs a Selenium grid and a torture Job, with the configured counts, against the stack's own URL, in its own namespace", async () => {
        const run = await runProgramOk(withConfig(production, { "jitsi:loadTest": enabled }));
        const own = objects(run).filter((o) => o.metadata.namespace === "loadtest");
        assert.deepStrictEqual(own.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
            "ConfigMap/torture-fetch",
            "Deployment/selenium-hub",
            "Deployment/selenium-node-chrome",
            "Job/loadtest",
            "NetworkPolicy/default-deny-ingress",
            "NetworkPolicy/selenium-hub",
            "NetworkPolicy/selenium-node",
            "Service/selenium-hub",
        ]);
        assert.ok(objects(run, "Namespace").some((n) => n.metadata.name === "loadtest"));

        const nodes = named(run, "Deployment", "selenium-node-chrome");
        assert.strictEqual(nodes.spec.replicas, 3);
        const chrome = nodes.spec.template.spec.containers[0];
        assert.deepStrictEqual(chrome.env.find((e: Obj) => e.name === "SE_NODE_MAX_SESSIONS"), { name: "SE_NODE_MAX_SESSIONS", value: "4" });
        assert.strictEqual(chrome.env.find((e: Obj) => e.name === "SE_EVENT_BUS_HOST").value, "selenium-hub");
        assert.ok(chrome.volumeMounts.some((m: Obj) => m.mountPath === "/usr/share/jitsi-meet-torture"));
        assert.strictEqual(nodes.spec.template.spec.volumes.find((v: Obj) => v.name === "dshm").emptyDir.medium, "Memory");

        const job = named(run, "Job", "loadtest");
        assert.strictEqual(job.spec.backoffLimit, 0);
        const script: string = job.spec.template.spec.containers[0].command[2];
        for (const expected of [
            "-Dorg.jitsi.malleus.conferences=3",
            "-Dorg.jitsi.malleus.participants=4",
            "-Dorg.jitsi.malleus.duration=600",
            "-Djitsi-meet.instance.url=https://meet.example.org",
            "-Dremote.address=http://selenium-hub.loadtest.svc:4444/wd/hub",
            "-Djitsi-meet.tests.toRun=MalleusJitsificus",
        ]) {
            assert.ok(script.includes(expected), expected);
        }
        assert.match(script, /echo "LOADTEST end .* result=/);
        const fetch = named(run, "ConfigMap", "torture-fetch").data["fetch.sh"];
        assert.ok(fetch.includes(TORTURE_COMMIT));
        assert.strictEqual(run.outputs.loadTestLogs, "kubectl -n loadtest logs -f job/loadtest");

        // Its own limits on every container, images pinned, and its Services select its pods.
        for (const t of podTemplates(run).filter((p) => p.namespace === "loadtest")) {
            for (const c of [...(t.spec.initContainers ?? []), ...t.spec.containers]) {
                assert.ok(c.resources.limits.cpu && c.resources.limits.memory, c.name);
                assert.match(c.image, /:[\w.-]+$/);
                assert.ok(!c.image.endsWith(":latest"));
            }
        }
    });

    it("writes a Job script and fetch script that the shell accepts", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:loadTest": enabled }));
        execFileSync("bash", ["-n", "-c", named(run, "Job", "loadtest").spec.template.spec.containers[0].command[2]]);
        execFileSync("sh", ["-n", "-c", named(run, "ConfigMap", "torture-fetch").data["fetch.sh"]]);
    });

    it("is torn down by switching it off again: the resources of the off state are the plain stack", async () => {
        const on = await runProgram(withConfig(production, { "jitsi:loadTest": enabled }));
        const off = await runProgram(withConfig(production, { "jitsi:loadTest": { ...enabled, enabled: false } }));
        const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
        const onlyOn = on.resources.filter((r) => !off.resources.some((o) => key(o) === key(r)));
        assert.ok(onlyOn.length > 0);
        for (const r of onlyOn) {
            const isLoadTest = r.type === "jitsi:loadtest:LoadTest" || r.inputs.metadata?.namespace === "loadtest" || r.inputs.metadata?.name === "loadtest";
            assert.ok(isLoadTest, `switching the load test off would also remove ${key(r)}`);
        }
    });

    it("refuses more browsers than the grid can run", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:loadTest": { ...enabled, conferences: 4 } }));
        assert.match(run.error!.message, /jitsi:loadTest\.participantsPerConference = 4: needs 16 browsers .* \(12\) can run/);
        assert.deepStrictEqual(run.resources, []);
    });
});

describe("capacity model", () => {
    it("plans with 4 participants per JVB core, the lowest healthy ratio for conferences of 8 or more", () => {
        assert.strictEqual(PARTICIPANTS_PER_JVB_CORE, 4);
        assert.strictEqual(derivePlanningRatio(), 4);
        // Without the 14-person run, the next lowest (8 participants on 1.9 cores) would give 4 as well;
        // without any large run held, there would be nothing to plan with.
        assert.strictEqual(derivePlanningRatio(LOAD_TEST_RUNS.filter((r) => r.participantsPerJvb !== 14)), 4);
        assert.strictEqual(derivePlanningRatio(LOAD_TEST_RUNS.filter((r) => r.conferenceSize >= 16)), 4);
    });

    it("gives both stack files the capacity the model predicts", async () => {
        const expected: Record<string, [number, number, number]> = { development: [6, 12, 24], production: [32, 128, 384] };
        for (const [stack, [perJvb, min, max]] of Object.entries(expected)) {
            const run = await runProgram(readStackFile(stack));
            assert.strictEqual(run.outputs.capacity.participantsPerJvb, perJvb, stack);
            assert.strictEqual(run.outputs.capacity.participantsAtMinReplicas, min, stack);
            assert.strictEqual(run.outputs.capacity.participantsAtMaxReplicas, max, stack);
        }
    });

    it("keeps docs/capacity.svg in step with the data (npm run plot)", () => {
        const committed = fs.readFileSync(path.join(ROOT, "docs", "capacity.svg"), "utf8");
        assert.strictEqual(committed, capacitySvg());
        for (const run of LOAD_TEST_RUNS) assert.ok(committed.includes(`<title>${run.scenario}:`), run.scenario);
    });
});
