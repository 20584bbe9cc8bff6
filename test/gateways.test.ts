/**
 * Phones and captions (Jigasi): over the three ways they are used (SIP only, captions from the stack's Vosk,
 * captions from an external Whisper), what the gateways, prosody, jicofo and web are given, how the
 * credentials travel, what a SIP account change restarts, and which stack files are refused.
 */
import * as assert from "assert";
import { generateKeyPairSync } from "crypto";
import { readStackFile, Run, runProgram, runProgramOk, withConfig } from "./harness";
import { JIGASI_READY, SECRET_ENV } from "../lib";
import { containers, env, envValue, named, Obj, objects } from "./objects";
import { allGatewaysVariant, GATEWAY_VARIANTS, JIGASI, SIP_PASSWORD, WHISPER_KEY, WHISPER_KEY_NAME, WHISPER_URL } from "./variants";

const production = () => readStackFile("production");
const SHARDS = ["shard-0", "shard-1"];

const container = (run: Run, kind: string, name: string): Obj => named(run, kind, name).spec.template.spec.containers[0];
const ref = (key: string) => ({ secretKeyRef: { name: "jitsi-auth", key } });

describe("phones and captions (Jigasi)", function () {
    this.timeout(60_000);
    const runs: Partial<Record<keyof typeof GATEWAY_VARIANTS, Run>> = {};
    const run = (name: keyof typeof GATEWAY_VARIANTS) => runs[name]!;

    before(async () => {
        for (const name of Object.keys(GATEWAY_VARIANTS) as (keyof typeof GATEWAY_VARIANTS)[]) runs[name] = await runProgramOk(GATEWAY_VARIANTS[name]());
    });

    describe("SIP only", () => {
        it("runs the gateway pool with the SIP account, joining every shard's brewery and each call through the router", () => {
            const sts = named(run("SIP only"), "StatefulSet", "jigasi");
            assert.strictEqual(sts.spec.replicas, 2);
            const c = container(run("SIP only"), "StatefulSet", "jigasi");
            assert.strictEqual(c.image, "ghcr.io/jitsi/jigasi:stable-11146-2");
            assert.strictEqual(envValue(c, "JIGASI_MODE"), "sip");
            assert.strictEqual(envValue(c, "JIGASI_SIP_URI"), JIGASI.sip.uri);
            assert.strictEqual(envValue(c, "JIGASI_SIP_SERVER"), "sip.provider.example");
            assert.strictEqual(envValue(c, "JIGASI_SIP_PORT"), "5061");
            assert.strictEqual(envValue(c, "JIGASI_SIP_TRANSPORT"), "TLS");
            assert.strictEqual(envValue(c, "JIGASI_SIP_DEFAULT_ROOM"), "welcome");
            assert.strictEqual(envValue(c, "XMPP_SERVER"), SHARDS.map((s) => `${s}-prosody:5222`).join(","));
            assert.strictEqual(envValue(c, "BOSH_URL_PATTERN"), "http://router.jitsi.svc.cluster.local:80/http-bind?room={roomName}");
            // Dial-out is off by default: the gateways announce themselves where no jicofo looks.
            assert.strictEqual(envValue(c, "JIGASI_BREWERY_MUC"), "jigasidialinonly");
            // 100 calls of at most 4 UDP ports each (lib/jigasi.ts MEDIA_PORTS_PER_CALL), not the image's 20000-20050.
            assert.strictEqual(envValue(c, "JIGASI_PORT_MIN"), "20000");
            assert.strictEqual(envValue(c, "JIGASI_PORT_MAX"), "20399");
            // Below Linux's ephemeral ports (32768 up, the XMPP and BOSH clients' sockets) and clear of the pod's own ports.
            const [min, max] = [Number(envValue(c, "JIGASI_PORT_MIN")), Number(envValue(c, "JIGASI_PORT_MAX"))];
            assert.ok(max < 32768, "the media range reaches the ephemeral ports");
            for (const p of c.ports) assert.ok(p.containerPort < min || p.containerPort > max, `port ${p.containerPort} in the media range`);
            // No test call unless asked for.
            assert.strictEqual(env(c, "JIGASI_HEALTH_CHECK_SIP_URI"), undefined);
            // Three quarters of the 1536Mi limit, not jigasi.sh's 3072m.
            assert.strictEqual(envValue(c, "JIGASI_MAX_MEMORY"), "1152m");
            // Anonymous meetings: the gateway joins anonymously, like a guest.
            assert.strictEqual(envValue(c, "ENABLE_AUTH"), "false");
        });

        it("hands the SIP and XMPP passwords over by secretKeyRef only, and keeps the SIP password in the Secret alone", () => {
            const r = run("SIP only");
            const c = container(r, "StatefulSet", "jigasi");
            assert.deepStrictEqual(env(c, "JIGASI_SIP_PASSWORD"), { name: "JIGASI_SIP_PASSWORD", valueFrom: ref("JIGASI_SIP_PASSWORD") });
            assert.deepStrictEqual(env(c, "JIGASI_XMPP_PASSWORD"), { name: "JIGASI_XMPP_PASSWORD", valueFrom: ref("JIGASI_XMPP_PASSWORD") });
            const secret = r.resources.find((x) => x.inputs?.kind === "Secret" && x.inputs.metadata.name === "jitsi-auth")!;
            assert.strictEqual(secret.inputs.stringData.JIGASI_SIP_PASSWORD, SIP_PASSWORD);
            assert.deepStrictEqual(secret.secretPaths, ["stringData"]);
            assert.ok(!JSON.stringify(objects(r).filter((o) => o.kind !== "Secret")).includes(SIP_PASSWORD), "the SIP password leaked");
            // Read from the stack, never generated; the XMPP password is generated.
            const generated = r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword").map((x) => x.name);
            assert.ok(generated.includes("jitsi-auth-jigasiXmppPassword"));
            assert.ok(!generated.some((n) => n.includes("Sip")));
        });

        it("registers the gateway's account on every prosody, and with dial-out off (the default) gives jicofo no jigasi brewery", () => {
            for (const shard of SHARDS) {
                const prosody = container(run("SIP only"), "Deployment", `${shard}-prosody`);
                assert.deepStrictEqual(env(prosody, "JIGASI_XMPP_PASSWORD")!.valueFrom, ref("JIGASI_XMPP_PASSWORD"));
                assert.strictEqual(env(prosody, "ENABLE_TRANSCRIPTIONS"), undefined);
                const jicofo = container(run("SIP only"), "Deployment", `${shard}-jicofo`);
                // jicofo.conf opens its jigasi block only with JIGASI_SIP_URI or ENABLE_TRANSCRIPTIONS: no detector, no dial-out.
                assert.strictEqual(env(jicofo, "JIGASI_SIP_URI"), undefined);
                assert.strictEqual(env(jicofo, "JIGASI_BREWERY_MUC"), undefined);
                const web = container(run("SIP only"), "Deployment", `${shard}-web`);
                assert.strictEqual(envValue(web, "DIALIN_NUMBERS_URL"), JIGASI.dialIn.numbersUrl);
                assert.strictEqual(envValue(web, "CONFCODE_URL"), JIGASI.dialIn.confCodeUrl);
                assert.strictEqual(env(web, "ENABLE_TRANSCRIPTIONS"), undefined);
            }
        });

        it("drains on stop: the preStop asks for graceful shutdown, bounded by jigasi.drainGracePeriodSeconds", () => {
            const sts = named(run("SIP only"), "StatefulSet", "jigasi");
            const c = sts.spec.template.spec.containers[0];
            assert.strictEqual(sts.spec.template.spec.terminationGracePeriodSeconds, 7200);
            assert.strictEqual(envValue(c, "SHUTDOWN_REST_ENABLED"), "true");
            assert.match(c.lifecycle.preStop.exec.command.join(" "), /curl -s -X POST http:\/\/127\.0\.0\.1:8788\/about\/shutdown/);
            // Readiness means registered (test/jigasiHealthLive.test.ts runs it); liveness does not restart on a provider outage.
            assert.deepStrictEqual(c.readinessProbe.exec.command, JIGASI_READY);
            assert.deepStrictEqual(JIGASI_READY.slice(0, 2), ["/bin/bash", "-c"]);
            assert.match(c.livenessProbe.exec.command.join(" "), /\/about\/stats/);
            assert.strictEqual(sts.metadata.annotations["pulumi.com/skipAwait"], "true");
        });

        it("runs no transcriber and no Vosk", () => {
            for (const name of ["transcriber", "vosk"]) {
                assert.deepStrictEqual(objects(run("SIP only")).filter((o) => o.metadata?.labels?.["app.kubernetes.io/component"] === name), [], name);
            }
        });
    });

    describe("transcription with Vosk", () => {
        it("runs the transcriber against a Vosk server for the language, and no SIP gateway", () => {
            const r = run("transcription with Vosk");
            const c = container(r, "StatefulSet", "transcriber");
            assert.strictEqual(envValue(c, "JIGASI_MODE"), "transcriber");
            assert.strictEqual(envValue(c, "JIGASI_TRANSCRIBER_CUSTOM_SERVICE"), "org.jitsi.jigasi.transcription.VoskTranscriptionService");
            assert.strictEqual(envValue(c, "JIGASI_TRANSCRIBER_VOSK_URL"), "ws://vosk.jitsi.svc.cluster.local:2700");
            assert.deepStrictEqual(env(c, "JIGASI_TRANSCRIBER_PASSWORD")!.valueFrom, ref("JIGASI_TRANSCRIBER_PASSWORD"));
            assert.strictEqual(container(r, "Deployment", "vosk").image, "alphacep/kaldi-de:latest");
            assert.ok(!objects(r, "StatefulSet").some((o) => o.metadata.name === "jigasi"));
            assert.ok(r.warnings.some((w) => /pulumi up will refuse this: jitsi:transcription\.vosk\.image = \(missing\): alphacep publishes alphacep\/kaldi-de as latest only/.test(w)));
        });

        it("keeps transcripts on a volume per transcriber when saving is on", () => {
            const sts = named(run("transcription with Vosk"), "StatefulSet", "transcriber");
            assert.strictEqual(envValue(sts.spec.template.spec.containers[0], "JIGASI_TRANSCRIBER_ENABLE_SAVING"), "true");
            assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
            assert.ok(sts.spec.template.spec.containers[0].volumeMounts.some((m: Obj) => m.name === "transcripts" && m.mountPath === "/tmp/transcripts"));
        });

        it("switches captions on where prosody, jicofo and web read it, in the stack's language", () => {
            for (const shard of SHARDS) {
                const prosody = container(run("transcription with Vosk"), "Deployment", `${shard}-prosody`);
                assert.strictEqual(envValue(prosody, "ENABLE_TRANSCRIPTIONS"), "true");
                assert.deepStrictEqual(env(prosody, "JIGASI_TRANSCRIBER_PASSWORD")!.valueFrom, ref("JIGASI_TRANSCRIBER_PASSWORD"));
                assert.strictEqual(envValue(container(run("transcription with Vosk"), "Deployment", `${shard}-jicofo`), "ENABLE_TRANSCRIPTIONS"), "true");
                const web = container(run("transcription with Vosk"), "Deployment", `${shard}-web`);
                assert.strictEqual(envValue(web, "ENABLE_TRANSCRIPTIONS"), "true");
                assert.strictEqual(envValue(web, "PREFERRED_LANGUAGE"), "de-DE");
                assert.strictEqual(envValue(web, "USE_APP_LANGUAGE"), "false");
                assert.strictEqual(env(container(run("transcription with Vosk"), "Deployment", `${shard}-jicofo`), "JIGASI_SIP_URI"), undefined);
            }
        });

        it("runs Vosk restricted, with limits and probes, admitting only the transcribers", () => {
            const r = run("transcription with Vosk");
            const c = container(r, "Deployment", "vosk");
            assert.strictEqual(c.securityContext.runAsUser, 65534);
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
            assert.ok(c.resources.limits.memory && c.startupProbe && c.readinessProbe && c.livenessProbe);
            const policy = named(r, "NetworkPolicy", "vosk");
            assert.deepStrictEqual(policy.spec.ingress, [
                { from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "jitsi-meet", "app.kubernetes.io/component": "transcriber" } } }], ports: [{ protocol: "TCP", port: 2700 }] },
            ]);
        });
    });

    describe("transcription with external Whisper", () => {
        it("streams to the given URL, runs no Vosk, and saves nothing by default", () => {
            const r = run("transcription with external Whisper");
            const sts = named(r, "StatefulSet", "transcriber");
            const c = sts.spec.template.spec.containers[0];
            assert.strictEqual(sts.spec.replicas, 2);
            assert.strictEqual(envValue(c, "JIGASI_TRANSCRIBER_CUSTOM_SERVICE"), "org.jitsi.jigasi.transcription.WhisperTranscriptionService");
            assert.strictEqual(envValue(c, "JIGASI_TRANSCRIBER_WHISPER_URL"), WHISPER_URL);
            assert.strictEqual(env(c, "JIGASI_TRANSCRIBER_VOSK_URL"), undefined);
            assert.strictEqual(envValue(c, "JIGASI_TRANSCRIBER_ENABLE_SAVING"), "false");
            assert.strictEqual(sts.spec.volumeClaimTemplates, undefined);
            // The JWT key: its name in the clear, the key by secretKeyRef only and in the Secret alone.
            assert.strictEqual(envValue(c, "JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY_NAME"), WHISPER_KEY_NAME);
            assert.deepStrictEqual(env(c, "JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY"), { name: "JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY", valueFrom: ref("JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY") });
            const secret = r.resources.find((x) => x.inputs?.kind === "Secret" && x.inputs.metadata.name === "jitsi-auth")!;
            assert.strictEqual(secret.inputs.stringData.JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY, WHISPER_KEY);
            assert.ok(!JSON.stringify(objects(r).filter((o) => o.kind !== "Secret")).includes(WHISPER_KEY.slice(40, 100)), "the Whisper key leaked");
            // scripts/config refuses to start unless the transcript directory is writable.
            assert.ok(sts.spec.template.spec.volumes.some((v: Obj) => v.name === "transcripts" && v.emptyDir));
            assert.deepStrictEqual(objects(r).filter((o) => o.metadata?.name === "vosk"), []);
        });
    });

    it("hands every credential to every container by secretKeyRef only, in all three variants", () => {
        for (const name of Object.keys(GATEWAY_VARIANTS) as (keyof typeof GATEWAY_VARIANTS)[]) {
            const r = run(name);
            const credentials = Object.values(SECRET_ENV) as string[];
            const handed = containers(r).flatMap(({ workload, container: c }) =>
                (c.env ?? []).filter((e: Obj) => credentials.includes(e.name)).map((e: Obj) => ({ where: `${name}: ${workload.metadata.name}/${c.name} ${e.name}`, e })),
            );
            assert.ok(handed.some(({ e }) => /^JIGASI_/.test(e.name)), `${name}: no Jigasi credential handed over`);
            for (const { where, e } of handed) assert.deepStrictEqual(e, { name: e.name, valueFrom: ref(e.name) }, where);
            for (const secret of r.resources.filter((x) => x.inputs?.kind === "Secret")) assert.deepStrictEqual(secret.secretPaths, ["stringData"], `${name}: ${secret.inputs.metadata.name}`);
        }
    });

    it("gives the gateways restricted containers with limits, as every Jitsi container", () => {
        for (const [name, kind] of [["SIP only", "jigasi"], ["transcription with Vosk", "transcriber"]] as const) {
            const c = container(run(name), "StatefulSet", kind);
            assert.strictEqual(c.securityContext.runAsUser, 1000);
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.ok(c.resources.limits.cpu && c.resources.limits.memory, kind);
        }
    });

    it("reports the calls the gateways carry in the capacity output", () => {
        assert.deepStrictEqual(run("SIP only").outputs.capacity.phoneCalls, {
            perGateway: 100,
            gateways: 2,
            total: 200,
            basis: "jigasi Statistics.java CONFERENCES_THRESHOLD (default 100 conferences per instance), one call per conference",
            mediaPorts: "20000-20399: 4 UDP ports per call (SIP leg RTP and RTCP, bridge leg ICE RTP and RTCP) x 100",
        });
        // jicofo puts every captioned meeting on the least busy transcriber, without a cap: no count per transcriber.
        const captioned = run("transcription with Vosk").outputs.capacity.captionedMeetings;
        assert.strictEqual(captioned.transcribers, 1);
        assert.strictEqual(captioned.perTranscriber, "no fixed limit");
        assert.match(captioned.basis, /JigasiDetector\.selectTranscriber.*without a cap.*CPU and memory.*speech-to-text server/);
        assert.strictEqual(run("transcription with Vosk").outputs.capacity.phoneCalls, undefined);
    });
});

describe("dial-out: off unless switched on, refused on the server", function () {
    this.timeout(60_000);
    const jicofo = (r: Run) => container(r, "Deployment", "shard-0-jicofo");
    const gateway = (r: Run) => container(r, "StatefulSet", "jigasi");

    it("with dial-out on, jicofo watches the gateways' brewery and the gateways announce themselves there", async () => {
        const r = await runProgramOk(withConfig(allGatewaysVariant(), { "jitsi:jigasi": { ...JIGASI, dialOut: { enabled: true } } }));
        // With captions on, ENABLE_TRANSCRIPTIONS alone opens jicofo.conf's jigasi block (`if or .Env.JIGASI_SIP_URI
        // $ENABLE_TRANSCRIPTIONS`, jicofo/rootfs/defaults/jicofo.conf:248 at stable-11146-2): JIGASI_SIP_URI would add nothing.
        assert.strictEqual(envValue(jicofo(r), "ENABLE_TRANSCRIPTIONS"), "true");
        assert.strictEqual(env(jicofo(r), "JIGASI_SIP_URI"), undefined);
        assert.strictEqual(envValue(jicofo(r), "JIGASI_BREWERY_MUC"), "jigasibrewery");
        assert.strictEqual(envValue(gateway(r), "JIGASI_BREWERY_MUC"), "jigasibrewery");
    });

    it("with captions and dial-out off, jicofo watches the transcribers' brewery and the SIP gateways are not in it", async () => {
        const r = await runProgramOk(allGatewaysVariant());
        // jicofo selects a SIP jigasi only among the brewery it watches (JigasiDetector.selectSipJigasi): none there.
        assert.strictEqual(env(jicofo(r), "JIGASI_SIP_URI"), undefined);
        assert.strictEqual(envValue(jicofo(r), "JIGASI_BREWERY_MUC"), "jigasibrewery");
        assert.strictEqual(envValue(container(r, "StatefulSet", "transcriber"), "JIGASI_BREWERY_MUC"), "jigasibrewery");
        assert.strictEqual(envValue(gateway(r), "JIGASI_BREWERY_MUC"), "jigasidialinonly");
    });

    it("with anonymous meetings, switches dial-out on only with its cost accepted", async () => {
        const r = await runProgramOk(withConfig(GATEWAY_VARIANTS["SIP only"](), { "jitsi:jigasi": { ...JIGASI, dialOut: { enabled: true, acceptTollFraudRisk: true } } }));
        assert.strictEqual(envValue(jicofo(r), "JIGASI_SIP_URI"), "enabled");
    });

    it("hands port and transport over only with a server, and asks for a test call only when told", async () => {
        const r = await runProgramOk(
            withConfig(GATEWAY_VARIANTS["SIP only"](), { "jitsi:jigasi": { ...JIGASI, sip: { uri: JIGASI.sip.uri }, healthCheckSipUri: "echo@sip.provider.example" } }),
        );
        for (const name of ["JIGASI_SIP_SERVER", "JIGASI_SIP_PORT", "JIGASI_SIP_TRANSPORT"]) assert.strictEqual(env(gateway(r), name), undefined, name);
        assert.strictEqual(envValue(gateway(r), "JIGASI_HEALTH_CHECK_SIP_URI"), "echo@sip.provider.example");
    });

    // SIP providers often give the registrar as an address. The image writes it into PROXY_ADDRESS and
    // SERVER_ADDRESS (sipserver-sip-communicator.properties:14,34), account properties that take an address
    // (jigasi-home/sip-communicator.properties sets an account's SERVER_ADDRESS=127.0.0.1); no Ingress or
    // certificate names it, so nothing needs a DNS name there.
    it("takes the SIP server as an IP address, as providers often give it", async () => {
        for (const server of ["203.0.113.10", "10.20.0.5", "2001:db8::5"]) {
            const r = await runProgramOk(withConfig(GATEWAY_VARIANTS["SIP only"](), { "jitsi:jigasi": { ...JIGASI, sip: { uri: JIGASI.sip.uri, server, port: 5060 } } }));
            assert.strictEqual(envValue(gateway(r), "JIGASI_SIP_SERVER"), server);
        }
    });
});

describe("phones and captions with internal accounts", function () {
    this.timeout(60_000);

    it("keeps the gateways' accounts in step through the accounts sidecar, which only then knows them", async () => {
        const r = await runProgramOk(allGatewaysVariant());
        const accounts = named(r, "Deployment", "shard-0-prosody").spec.template.spec.containers.find((c: Obj) => c.name === "accounts");
        assert.deepStrictEqual(env(accounts, "JIGASI_XMPP_PASSWORD")!.valueFrom, ref("JIGASI_XMPP_PASSWORD"));
        assert.deepStrictEqual(env(accounts, "JIGASI_TRANSCRIBER_PASSWORD")!.valueFrom, ref("JIGASI_TRANSCRIBER_PASSWORD"));
        assert.match(accounts.command[2], /ensure "jigasi@\$XMPP_AUTH_DOMAIN"/);
        // With auth, the gateway logs in (as jigasi@auth, or on the guest domain when guests are allowed).
        const jigasi = container(r, "StatefulSet", "jigasi");
        assert.strictEqual(envValue(jigasi, "ENABLE_AUTH"), "true");
        assert.strictEqual(envValue(jigasi, "ENABLE_GUESTS"), "true");
        const without = await runProgramOk(withConfig(allGatewaysVariant(), { "jitsi:jigasi": { enabled: false }, "jitsi:transcription": { enabled: false } }));
        const plain = named(without, "Deployment", "shard-0-prosody").spec.template.spec.containers.find((c: Obj) => c.name === "accounts");
        assert.doesNotMatch(plain.command[2], /jigasi|transcriber/);
    });
});

describe("what a change of the gateways restarts", function () {
    this.timeout(60_000);
    const signalling = (run: Run) => Object.fromEntries(Object.entries(run.outputs.shards).map(([n, s]: [string, any]) => [n, s.signalling]));

    it("changing the SIP account, the dial-in pages or the pool size restarts no prosody and no jicofo", async () => {
        const base = await runProgramOk(GATEWAY_VARIANTS["SIP only"]());
        const changed = await runProgramOk(
            withConfig(GATEWAY_VARIANTS["SIP only"](), {
                "jitsi:jigasi": { ...JIGASI, replicas: 3, sip: { uri: "4930999@sip.other.example", server: "sip.other.example", transport: "UDP" }, dialIn: {} },
            }),
        );
        assert.deepStrictEqual(signalling(changed), signalling(base));
        assert.notDeepStrictEqual(named(changed, "StatefulSet", "jigasi"), named(base, "StatefulSet", "jigasi"));
    });

    it("switching dial-out on restarts every shard's jicofo, as the docs say", async () => {
        const base = await runProgramOk(GATEWAY_VARIANTS["SIP only"]());
        const dialOut = await runProgramOk(withConfig(GATEWAY_VARIANTS["SIP only"](), { "jitsi:jigasi": { ...JIGASI, dialOut: { enabled: true, acceptTollFraudRisk: true } } }));
        for (const [shard, s] of Object.entries(signalling(dialOut))) assert.notDeepStrictEqual(s, signalling(base)[shard], shard);
    });

    it("with captions on, switching dial-out restarts no jicofo, as the docs say: only the gateways change brewery", async () => {
        const base = await runProgramOk(allGatewaysVariant());
        const dialOut = await runProgramOk(withConfig(allGatewaysVariant(), { "jitsi:jigasi": { ...JIGASI, dialOut: { enabled: true } } }));
        assert.deepStrictEqual(signalling(dialOut), signalling(base));
        for (const shard of SHARDS) assert.deepStrictEqual(named(dialOut, "Deployment", `${shard}-jicofo`).spec, named(base, "Deployment", `${shard}-jicofo`).spec, shard);
        assert.notDeepStrictEqual(named(dialOut, "StatefulSet", "jigasi"), named(base, "StatefulSet", "jigasi"));
    });
});

describe("phones and captions: refusals", function () {
    this.timeout(30_000);
    const table: { what: string; change: Record<string, unknown>; secretKeys?: string[]; expect: RegExp[] }[] = [
        {
            what: "the gateway without its SIP password",
            change: { "jitsi:jigasi": { enabled: true, sip: { uri: "4930123456@sip.provider.net" } } },
            expect: [/jitsi:jigasiSipPassword = \(missing\): is required with jigasi\.enabled.*pulumi config set --secret jitsi:jigasiSipPassword/],
        },
        {
            what: "the SIP password in plain text",
            change: { "jitsi:jigasi": { enabled: true, sip: { uri: "4930123456@sip.provider.net" } }, "jitsi:jigasiSipPassword": "plain-sip-password" },
            expect: [/jitsi:jigasiSipPassword is stored in plain text; store it encrypted with 'pulumi config set --secret jitsi:jigasiSipPassword <value>'/],
        },
        {
            what: "the gateway without a SIP account",
            change: { "jitsi:jigasi": { enabled: true }, "jitsi:jigasiSipPassword": "x" },
            secretKeys: ["jitsi:jigasiSipPassword"],
            expect: [/jitsi:jigasi\.sip\.uri = \(missing\): is required with jigasi\.enabled/],
        },
        {
            what: "a SIP account with its scheme, and an unknown transport",
            change: { "jitsi:jigasi": { sip: { uri: "sip:4930@sip.provider.net", transport: "SCTP" } } },
            expect: [/jitsi:jigasi\.sip\.uri = "sip:4930@sip\.provider\.net": must be a SIP account as user@host/, /jitsi:jigasi\.sip\.transport = "SCTP": .*"UDP"\|"TCP"\|"TLS"/],
        },
        {
            what: "one dial-in URL without the other, and dial-in without the gateway",
            change: { "jitsi:jigasi": { dialIn: { numbersUrl: "https://phone.school.net/numbers" } } },
            expect: [/jitsi:jigasi\.dialIn\.confCodeUrl = \(missing\): is required with the other jigasi\.dialIn URL/, /jitsi:jigasi\.dialIn\.numbersUrl = "https:\/\/phone\.school\.net\/numbers": needs jigasi\.enabled/],
        },
        {
            what: "a dial-in URL over plain HTTP",
            change: { "jitsi:jigasi": { dialIn: { numbersUrl: "http://phone.school.net/n", confCodeUrl: "https://phone.school.net/pin" } } },
            expect: [/jitsi:jigasi\.dialIn\.numbersUrl = "http:\/\/phone\.school\.net\/n": /],
        },
        {
            what: "a SIP port and transport without a server, naming each",
            change: { "jitsi:jigasi": { ...JIGASI, sip: { uri: JIGASI.sip.uri, port: 5061, transport: "TLS" } }, "jitsi:jigasiSipPassword": "x" },
            secretKeys: ["jitsi:jigasiSipPassword"],
            expect: [/jitsi:jigasi\.sip\.port = 5061: needs jigasi\.sip\.server: the image writes the proxy's port and transport only with a server/, /jitsi:jigasi\.sip\.transport = "TLS": needs jigasi\.sip\.server/],
        },
        {
            what: "a SIP server by IP address over TLS, whose certificate names a host",
            change: { "jitsi:jigasi": { ...JIGASI, sip: { uri: JIGASI.sip.uri, server: "203.0.113.10", port: 5061, transport: "TLS" } }, "jitsi:jigasiSipPassword": "x" },
            secretKeys: ["jitsi:jigasiSipPassword"],
            expect: [/jitsi:jigasi\.sip\.server = "203\.0\.113\.10": is an IP address, and jigasi\.sip\.transport is TLS/],
        },
        {
            what: "dial-out with anonymous meetings unless its cost is accepted",
            change: { "jitsi:jigasi": { ...JIGASI, dialOut: { enabled: true } }, "jitsi:jigasiSipPassword": "x" },
            secretKeys: ["jitsi:jigasiSipPassword"],
            expect: [/jitsi:jigasi\.dialOut\.enabled = true: with auth\.type "anonymous" lets anyone .* call any number at your SIP account's expense \(toll fraud\).*jigasi\.dialOut\.acceptTollFraudRisk true/],
        },
        {
            what: "dial-out without the gateway, and the risk accepted without dial-out",
            change: { "jitsi:jigasi": { dialOut: { enabled: true } } },
            expect: [/jitsi:jigasi\.dialOut\.enabled = true: needs jigasi\.enabled/],
        },
        {
            what: "the toll-fraud acknowledgement without dial-out",
            change: { "jitsi:jigasi": { dialOut: { acceptTollFraudRisk: true } } },
            expect: [/jitsi:jigasi\.dialOut\.acceptTollFraudRisk = true: is read only with jigasi\.dialOut\.enabled/],
        },
        {
            what: "Whisper without the JWT key's name and the key, and at a URL that is not skynet's streaming path",
            change: { "jitsi:transcription": { enabled: true, backend: "whisper", url: "wss://skynet.school.net/ws" } },
            expect: [
                /jitsi:transcription\.url = "wss:\/\/skynet\.school\.net\/ws": must end in skynet's streaming path \/streaming-whisper\/ws.*jigasi appends \/<meeting id>/,
                /jitsi:transcription\.whisper\.keyName = \(missing\): is required with backend whisper: skynet refuses a stream without a JWT/,
            ],
        },
        {
            what: "a Whisper URL with an empty query, to which jigasi would append the meeting id",
            change: { "jitsi:transcription": { enabled: true, backend: "whisper", url: "wss://skynet.school.net/streaming-whisper/ws?", whisper: { keyName: WHISPER_KEY_NAME } } },
            expect: [/jitsi:transcription\.url = "wss:\/\/skynet\.school\.net\/streaming-whisper\/ws\?": must end in skynet's streaming path/],
        },
        {
            what: "a Whisper URL with a fragment",
            change: { "jitsi:transcription": { enabled: true, backend: "whisper", url: "wss://skynet.school.net/streaming-whisper/ws#x", whisper: { keyName: WHISPER_KEY_NAME } } },
            expect: [/jitsi:transcription\.url = "wss:\/\/skynet\.school\.net\/streaming-whisper\/ws#x": must end in skynet's streaming path/],
        },
        {
            what: "Whisper without its private key",
            change: { "jitsi:transcription": { enabled: true, backend: "whisper", url: WHISPER_URL, whisper: { keyName: WHISPER_KEY_NAME } } },
            expect: [/jitsi:jigasiWhisperPrivateKey = \(missing\): is required with transcription\.backend whisper.*pulumi config set --secret jitsi:jigasiWhisperPrivateKey/],
        },
        {
            what: "the Whisper key in plain text",
            change: { "jitsi:transcription": { enabled: true, backend: "whisper", url: WHISPER_URL, whisper: { keyName: WHISPER_KEY_NAME } }, "jitsi:jigasiWhisperPrivateKey": WHISPER_KEY },
            expect: [/jitsi:jigasiWhisperPrivateKey is stored in plain text/],
        },
        {
            what: "the Whisper key as PEM, which jigasi's base64 decoder cannot read",
            change: {
                "jitsi:transcription": { enabled: true, backend: "whisper", url: WHISPER_URL, whisper: { keyName: WHISPER_KEY_NAME } },
                "jitsi:jigasiWhisperPrivateKey": `-----BEGIN PRIVATE KEY-----\n${WHISPER_KEY}\n-----END PRIVATE KEY-----`,
            },
            secretKeys: ["jitsi:jigasiWhisperPrivateKey"],
            expect: [/jitsi:jigasiWhisperPrivateKey = \(secret\): must be the RSA private key as one line of base64 PKCS#8 DER/],
        },
        {
            what: "a Whisper key that is not RSA (jigasi signs RS256)",
            change: {
                "jitsi:transcription": { enabled: true, backend: "whisper", url: WHISPER_URL, whisper: { keyName: WHISPER_KEY_NAME } },
                "jitsi:jigasiWhisperPrivateKey": generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"),
            },
            secretKeys: ["jitsi:jigasiWhisperPrivateKey"],
            expect: [/jitsi:jigasiWhisperPrivateKey = \(secret\): must be the RSA private key .*; this is a ec key/],
        },
        {
            what: "Whisper without a URL, saying why the stack does not run it",
            change: { "jitsi:transcription": { enabled: true, backend: "whisper" } },
            expect: [/jitsi:transcription\.url = \(missing\): is required with backend whisper: .*needs a GPU node to keep up with speech in real time/],
        },
        {
            what: "a language no Vosk image of alphacep's speaks",
            change: { "jitsi:transcription": { enabled: true, language: "nl-NL" } },
            expect: [/jitsi:transcription\.language = "nl-NL": has no Vosk image of alphacep's for the stack to run: one of en-US, en-IN, de-DE/],
        },
        {
            what: "an unpinned Vosk image, and a URL that is no WebSocket",
            change: { "jitsi:transcription": { enabled: true, url: "http://vosk.school.net:2700", vosk: { image: "alphacep/kaldi-de:latest" } } },
            expect: [/jitsi:transcription\.url = "http:\/\/vosk\.school\.net:2700"/, /jitsi:transcription\.vosk\.image = "alphacep\/kaldi-de:latest": must pin the image by digest/],
        },
    ];
    for (const bad of table) {
        it(`refuses ${bad.what} before declaring any resource`, async () => {
            const run = await runProgram(withConfig(production(), bad.change, bad.secretKeys));
            assert.ok(run.error, "the program accepted the config");
            assert.strictEqual(run.error.name, "ConfigError");
            for (const line of bad.expect) assert.match(run.error.message, line);
            assert.deepStrictEqual(run.resources.map((r) => r.type), [], "resources were declared");
        });
    }

    it("deploys no Vosk image that is not pinned: `pulumi up` refuses alphacep's latest, naming the setting", async () => {
        const run = await runProgram(withConfig(production(), { "jitsi:transcription": { enabled: true } }), "test", { preview: false });
        assert.strictEqual(run.error?.name, "ConfigError");
        assert.match(run.error!.message, /jitsi:transcription\.vosk\.image = \(missing\): alphacep publishes alphacep\/kaldi-en as latest only.*alphacep\/kaldi-en@sha256:<digest>/);
        assert.deepStrictEqual(run.resources.map((r) => r.type), []);
    });

    it("accepts a language of its own with the user's Vosk image pinned by digest", async () => {
        const image = `registry.school.net/vosk-nl@sha256:${"a".repeat(64)}`;
        const run = await runProgramOk(withConfig(production(), { "jitsi:transcription": { enabled: true, language: "nl-NL", vosk: { image } } }));
        assert.strictEqual(container(run, "Deployment", "vosk").image, image);
        assert.ok(!run.warnings.some((w) => /Vosk/.test(w)));
    });

    it("keeps both default stacks free of every gateway object", async () => {
        for (const stack of ["development", "production"]) {
            const run = await runProgramOk(readStackFile(stack));
            const gatewayObjects = containers(run).filter(({ container: c }) => /jigasi|kaldi/.test(c.image) || (c.env ?? []).some((e: Obj) => /JIGASI|TRANSCRI|DIALIN/.test(e.name)));
            assert.deepStrictEqual(gatewayObjects.map(({ workload }) => workload.metadata.name), [], stack);
        }
    });
});
