/**
 * A SIP gateway is ready when it is registered, run live: the readiness command the program renders,
 * executed as the kubelet executes an exec probe (the command itself, bash and curl as in the image; exit
 * status 0 is success), against loopback stand-ins that answer /about/health as jigasi 6fbf4f2 does in
 * each state:
 * - rest/HandlerImpl.doGetHealthJSON: 503 and no body while a gateway is not ready (SipGateway.isReady:
 *   the SIP account is not REGISTERED);
 * - otherwise HandlerImpl.sendJSON: 200 and {}, or 500 and {"reason": <Health.check's exception>}; without
 *   HEALTH_CHECK_SIP_URI, Health.check throws "GW not ready." for every registered SIP gateway
 *   (health/Health.java: hasSipGw and no SipHealthPeriodicChecker, which create() makes only with the URI);
 *   "CallManager is not healthy." when its thread pool refuses work.
 * The image's own check (jigasi/rootfs/usr/local/bin/healthcheck.sh at stable-11146-2:
 * `curl --fail-with-body http://127.0.0.1:8788/about/health`) is run beside it: it fails the registered gateway.
 */
import * as assert from "assert";
import * as http from "http";
import { JIGASI_API_PORT, JIGASI_READY, jigasiReadyScript } from "../lib";
import { commandPath, freePort, standIn } from "./loopback";
import { execProbe as probe } from "./podProcess";

/** What jigasi answers in each state, as its handlers write it. */
const STATES: Record<string, { status: number; body: string }> = {
    "registered, no test-call URI (Health.check: GW not ready.)": { status: 500, body: '{"reason":"GW not ready."}' },
    "registered, test call passed (or a transcriber)": { status: 200, body: "{}" },
    "not registered (doGetHealthJSON: 503)": { status: 503, body: "" },
    "CallManager's pool exhausted": { status: 500, body: '{"reason":"CallManager is not healthy."}' },
    "registered, last test call failed": { status: 500, body: '{"reason":"java.lang.Exception: Health check call failed with no media!"}' },
};

describe("Jigasi readiness, live: the rendered probe against stand-ins answering as jigasi does", function () {
    this.timeout(60_000);
    const servers: http.Server[] = [];
    const ports: Record<string, number> = {};

    before(async function () {
        const missing = ["bash", "curl"].filter((c) => !commandPath(c));
        if (missing.length > 0) {
            console.log(`      ${missing.join(", ")} not installed (Debian package curl): skipping the live Jigasi readiness tests`);
            this.skip();
        }
        for (const [state, answer] of Object.entries(STATES)) {
            const { server, port } = await standIn((req, res) => {
                assert.strictEqual(req.url, "/about/health");
                res.writeHead(answer.status, { "Content-Type": "application/json" });
                res.end(answer.body);
            });
            servers.push(server);
            ports[state] = port;
        }
    });
    after(() => servers.forEach((s) => s.close()));

    const readyOn = (port: number) => ["/bin/bash", "-c", jigasiReadyScript(port)];

    it("renders the probe it runs here, on jigasi's API port", () => {
        assert.deepStrictEqual(JIGASI_READY, readyOn(JIGASI_API_PORT));
    });

    const expected: Record<string, boolean> = {
        "registered, no test-call URI (Health.check: GW not ready.)": true,
        "registered, test call passed (or a transcriber)": true,
        "not registered (doGetHealthJSON: 503)": false,
        "CallManager's pool exhausted": false,
        "registered, last test call failed": false,
    };
    for (const [state, ready] of Object.entries(expected)) {
        it(`${ready ? "is ready" : "is not ready"} when jigasi is ${state}: ${STATES[state].status}`, async () => {
            const r = await probe(readyOn(ports[state]));
            assert.strictEqual(r.ok, ready, r.stderr);
            // A failure says what jigasi answered, in the pod's events.
            if (!ready) assert.match(r.stderr, new RegExp(`answered ${STATES[state].status}`));
        });
    }

    it("is not ready when nothing answers", async () => {
        assert.strictEqual((await probe(readyOn(await freePort()))).ok, false);
    });

    it("before: the image's healthcheck.sh fails the registered gateway without a test-call URI, as it does the unregistered one", async () => {
        const image = (port: number) => ["/bin/bash", "-c", `curl --fail-with-body http://127.0.0.1:${port}/about/health`];
        assert.strictEqual((await probe(image(ports["registered, no test-call URI (Health.check: GW not ready.)"]))).ok, false);
        assert.strictEqual((await probe(image(ports["not registered (doGetHealthJSON: 503)"]))).ok, false);
        assert.strictEqual((await probe(image(ports["registered, test call passed (or a transcriber)"]))).ok, true);
    });
});
