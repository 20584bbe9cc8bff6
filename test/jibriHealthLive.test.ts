/**
 * Jibri's probes, run as the kubelet runs an exec probe (the command's argv, no shell of the kubelet's,
 * the container's uid, cut at timeoutSeconds; exit 0 is success) with Debian's curl and jq, against a
 * stand-in Jibri answering what jibri's GET /jibri/api/v1.0/health answers: always 200, with a JibriHealth
 * JSON body (jibri src/main/kotlin/org/jitsi/jibri/api/http/HttpApi.kt "health"; health/JibriHealth.kt;
 * status/JibriStatusManager.kt JibriStatus {busyStatus, health: OverallHealth {healthStatus, details}};
 * status/ComponentBusyStatus.kt IDLE|BUSY|EXPIRED; status/ComponentHealthStatus.kt HEALTHY|UNHEALTHY).
 * The image carries both (docker-jitsi-meet stable-11146-2 base/Dockerfile installs curl, jibri/Dockerfile jq).
 * Needs curl and jq (.ci/debian-packages); as root it drops to the container's uid with setpriv.
 */
import * as assert from "assert";
import * as http from "http";
import { JIBRI_API_PORT, JIBRI_HEALTH_PATH } from "../lib";
import { readStackFile, runProgramOk, withConfig } from "./harness";
import { commandPath, standIn } from "./loopback";
import { named, Obj } from "./objects";
import { execProbe } from "./podProcess";

/** The body jibri's Jackson writes for a JibriHealth (environmentContext only while busy: @JsonInclude NON_NULL). */
function jibriHealth(busyStatus: "IDLE" | "BUSY" | "EXPIRED", healthStatus: "HEALTHY" | "UNHEALTHY"): string {
    const details = healthStatus === "UNHEALTHY" ? { JibriManager: { healthStatus: "UNHEALTHY", detail: "" } } : {};
    return JSON.stringify({
        status: { busyStatus, health: { healthStatus, details } },
        ...(busyStatus === "BUSY" ? { environmentContext: { name: "shard-0-prosody" } } : {}),
    });
}

describe("Jibri's health probes on curl and jq, as the kubelet runs them", function () {
    this.timeout(60_000);
    const missing = ["curl", "jq"].filter((c) => !commandPath(c));
    let jibri: http.Server | undefined;
    let port: number;
    let answer: { status: number; body: string } = { status: 200, body: "" };
    let container: Obj;

    /** Runs one probe of the rendered container against the stand-in; true when the kubelet would count success. */
    async function probe(kind: "readinessProbe" | "livenessProbe"): Promise<boolean> {
        const p = container[kind];
        const command: string[] = p.exec.command.map((arg: string) => arg.split(`127.0.0.1:${JIBRI_API_PORT}/`).join(`127.0.0.1:${port}/`));
        return (await execProbe(command, { container, timeoutSeconds: p.timeoutSeconds })).ok;
    }

    before(async function () {
        if (missing.length > 0) {
            console.log(`      ${missing.join(", ")} not installed (apt-get install ${missing.join(" ")}): skipping the live Jibri probe tests`);
            this.skip();
        }
        const run = await runProgramOk(withConfig(readStackFile("production"), { "jitsi:jibri": { enabled: true } }));
        container = named(run, "StatefulSet", "jibri").spec.template.spec.containers[0];
        // The probes ask the Jibri's own API on loopback: the one address the test moves to the stand-in's port.
        for (const kind of ["readinessProbe", "livenessProbe"]) {
            assert.strictEqual(container[kind].exec.command.join(" ").split(`http://127.0.0.1:${JIBRI_API_PORT}${JIBRI_HEALTH_PATH}`).length, 2, kind);
        }
        ({ server: jibri, port } = await standIn((req, res) => {
            res.statusCode = req.url === JIBRI_HEALTH_PATH ? answer.status : 404;
            res.setHeader("Content-Type", "application/json; charset=UTF-8");
            res.end(req.url === JIBRI_HEALTH_PATH ? answer.body : "");
        }));
    });

    after(() => jibri?.close());

    const cases: { what: string; status?: number; body: string; ready: boolean; alive: boolean }[] = [
        { what: "an idle, healthy Jibri: Ready and alive", body: jibriHealth("IDLE", "HEALTHY"), ready: true, alive: true },
        { what: "a recording (BUSY), healthy Jibri: still Ready, so drains and rollouts go on", body: jibriHealth("BUSY", "HEALTHY"), ready: true, alive: true },
        { what: "an UNHEALTHY idle Jibri (a SYSTEM error stopped its recording): unready and restarted", body: jibriHealth("IDLE", "UNHEALTHY"), ready: false, alive: false },
        { what: "an UNHEALTHY Jibri still marked BUSY: unready and restarted", body: jibriHealth("BUSY", "UNHEALTHY"), ready: false, alive: false },
        { what: "an EXPIRED Jibri (single use, needs a restart): unready and restarted", body: jibriHealth("EXPIRED", "HEALTHY"), ready: false, alive: false },
        { what: "an API that answers 500", status: 500, body: jibriHealth("IDLE", "HEALTHY"), ready: false, alive: false },
        { what: "an answer that is no JSON", body: "<html>starting</html>", ready: false, alive: false },
        { what: "an empty answer", body: "", ready: false, alive: false },
    ];
    for (const c of cases) {
        it(c.what, async () => {
            answer = { status: c.status ?? 200, body: c.body };
            assert.deepStrictEqual({ ready: await probe("readinessProbe"), alive: await probe("livenessProbe") }, { ready: c.ready, alive: c.alive });
        });
    }

    it("fails when nothing listens (Jibri's JVM not up yet, or gone)", async () => {
        await new Promise<void>((r) => jibri!.close(() => r()));
        jibri = undefined;
        assert.deepStrictEqual({ ready: await probe("readinessProbe"), alive: await probe("livenessProbe") }, { ready: false, alive: false });
    });
});
