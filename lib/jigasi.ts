/**
 * Jigasi, as the SIP gateway and as the transcriber, and what prosody, jicofo and web need for either.
 * Facts from docker-jitsi-meet stable-11146-2 (jigasi/rootfs, jigasi.yml, transcriber.yml) and jigasi's
 * sources (src/main/java/org/jitsi/jigasi); test/upstream.test.ts names the file that reads each variable.
 *
 * How a call reaches its meeting's shard: Jigasi joins a conference as an XMPP client of its own, and
 * without a BOSH URL it would connect to the first prosody of XMPP_SERVER, so every call would open its
 * room on shard 0. BOSH_URL_PATTERN sends that connection through the room router instead, which pins
 * `?room=` to the room's shard as it does for browsers (JvbConference.createAccountPropertiesForCallId
 * sets the room parameter). The control connections, on which jicofo asks for a dial-out or a
 * transcriber, go to every shard's prosody: each shard's jicofo sees the pool in its brewery.
 */
import * as k8s from "@pulumi/kubernetes";
import { envFlag, javaHeap, prosodyServiceName, PROSODY_PORTS, secretEnv, xmppEnv } from "./jitsi";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** REST API: /about/health, /about/stats, /about/shutdown, /metrics (RESTBundleActivator, HandlerImpl). */
export const JIGASI_API_PORT = 8788;
/**
 * Readiness: the gateway can take calls. jigasi (6fbf4f2) answers /about/health with 503 while a gateway is
 * not ready (rest/HandlerImpl.java:199-201, SipGateway.isReady:170, the SIP account REGISTERED), and
 * otherwise with Health.check's verdict: 200, or 500 and {"reason": ...} (HandlerImpl.sendJSON:353-378). Without
 * org.jitsi.jigasi.HEALTH_CHECK_SIP_URI no SipHealthPeriodicChecker exists (SipHealthPeriodicChecker.java:166-172
 * returns null) and Health.check throws "GW not ready." (health/Health.java:124-128) for every SIP gateway, registered or not: the
 * image's healthcheck.sh (`curl --fail-with-body`) then never passes. So 200 is ready, 503 is not
 * (unregistered), and a 500 is ready only for that one reason; any other 500 (CallManager's pool
 * exhausted, or with a test URI the test call failed) is not. A transcriber answers 200 (isReady is
 * always true). The kubelet runs this as the image runs its own check: bash and curl, inside the pod.
 */
export function jigasiReadyScript(port: number): string {
    return [
        `out=$(curl -sS --max-time 5 -w '\n%{http_code}' http://127.0.0.1:${port}/about/health) || exit 1`,
        `code=\${out##*$'\n'}`,
        `body=\${out%$'\n'*}`,
        `case "$code" in`,
        `  200) exit 0 ;;`,
        `  500) case "$body" in *'"GW not ready."'*) exit 0 ;; esac ;;`,
        `esac`,
        `echo "jigasi /about/health answered $code $body" >&2`,
        `exit 1`,
    ].join("\n");
}
export const JIGASI_READY = ["/bin/bash", "-c", jigasiReadyScript(JIGASI_API_PORT)];
/** Answers while the process runs, whatever the provider's state: the liveness check. */
export const JIGASI_ALIVE = ["curl", "-fsS", "--max-time", "5", "-o", "/dev/null", `http://127.0.0.1:${JIGASI_API_PORT}/about/stats`];
/** Where the transcriber writes transcripts (transcriber-sip-communicator.properties: DIRECTORY); scripts/config checks it is writable. */
export const TRANSCRIPTS_DIR = "/tmp/transcripts";
/** The MUC where gateways announce themselves to jicofo (jicofo.conf and xmpp-sip-communicator.properties default). */
export const JIGASI_BREWERY_MUC = "jigasibrewery";
/**
 * Where SIP gateways announce themselves while dial-out is off: a brewery no jicofo watches. jicofo sends a
 * dial-out only to a SIP-capable instance of the brewery it watches (jicofo JigasiDetector.kt:71, 107-137), and
 * jigasi takes dial requests only from its own brewery (ALLOWED_JID, xmpp-sip-communicator.properties):
 * so dial-out is refused on the server, whatever the app shows. Dial-in needs no brewery at all.
 */
export const JIGASI_DIAL_IN_ONLY_MUC = "jigasidialinonly";
/** Vosk's WebSocket server (vosk-server websocket/asr_server.py: VOSK_SERVER_PORT, default 2700). */
export const VOSK_PORT = 2700;
/** The speech-to-text class the transcriber loads (TranscriptionGateway: org.jitsi.jigasi.transcription.customService). */
export const TRANSCRIPTION_SERVICE_CLASS = {
    vosk: "org.jitsi.jigasi.transcription.VoskTranscriptionService",
    whisper: "org.jitsi.jigasi.transcription.WhisperTranscriptionService",
} as const;

/** Calls (or captioned meetings) a Jigasi carries now: Statistics.java's gauge "conferences" in JigasiMetricsContainer's namespace. */
export const JIGASI_CONFERENCES_METRIC = "jitsi_jigasi_conferences";

/**
 * Calls one gateway carries: jigasi's own design figure, the CONFERENCES_THRESHOLD its stress level is
 * normalised by (Statistics.java: "the max number of conferences that this Jigasi instance can handle
 * correctly", default 100), each call being one conference. It assumes the CPU to mix and transcode
 * them; resources.jigasi's default limit of 2 CPUs is sized for it.
 */
export const CALLS_PER_JIGASI = 100;

/**
 * UDP ports one call takes from the gateway's media range (jigasi Main.java:173-195 hands --min-port/--max-port to
 * both the SIP stack and Jingle as MIN/MAX_MEDIA_PORT_NUMBER): the SIP leg binds an RTP and an RTCP socket
 * (jitsi TransportManager.createStreamConnector), and the leg to the bridge an ICE stream of two components,
 * RTP and RTCP, or one with rtcp-mux (IceUdpTransportManager.createIceStream). Four at most.
 */
export const MEDIA_PORTS_PER_CALL = 4;
/** The first port of the range; the image's own default start, below Linux's ephemeral ports (32768 up). */
export const MEDIA_PORT_MIN = 20000;

/**
 * The media port range for `calls` calls. The image's default (20000-20050, jigasi/rootfs
 * etc/s6-overlay/scripts/jigasi) holds 51 / 4 = 12 calls; CALLS_PER_JIGASI needs 100 x 4 = 400 ports.
 */
export function mediaPortRange(calls: number): { min: number; max: number } {
    return { min: MEDIA_PORT_MIN, max: MEDIA_PORT_MIN + calls * MEDIA_PORTS_PER_CALL - 1 };
}

/** Phone calls the stack's gateways carry at once, with the figure's basis (capacity output). */
export function phoneCalls(gateways: number) {
    const range = mediaPortRange(CALLS_PER_JIGASI);
    return {
        perGateway: CALLS_PER_JIGASI,
        gateways,
        total: CALLS_PER_JIGASI * gateways,
        basis: "jigasi Statistics.java CONFERENCES_THRESHOLD (default 100 conferences per instance), one call per conference",
        mediaPorts: `${range.min}-${range.max}: ${MEDIA_PORTS_PER_CALL} UDP ports per call (SIP leg RTP and RTCP, bridge leg ICE RTP and RTCP) x ${CALLS_PER_JIGASI}`,
    };
}

/**
 * Captioned meetings: jicofo gives each to the least busy transcriber, with no cap (jicofo
 * JigasiDetector.selectTranscriber: leastLoaded by participant count), so the count has no fixed figure.
 */
export function captionedMeetings(transcribers: number) {
    return {
        transcribers,
        perTranscriber: "no fixed limit",
        basis: "jicofo JigasiDetector.selectTranscriber picks the least-loaded transcriber without a cap; each meeting's speakers are bounded by the transcriber's CPU and memory and by the speech-to-text server",
    };
}

export type GatewayMode = "sip" | "transcriber";

export interface GatewaySettings {
    /** The SIP gateway runs (prosody registers its account). */
    sip: boolean;
    /** Dial-out: jicofo watches the SIP gateways' brewery, so a moderator may have one call a number. */
    dialOut: boolean;
    /** The transcriber runs (prosody, jicofo and web switch captions on). */
    transcription: boolean;
    /** The meetings' language (BCP 47): web asks the transcriber for it. */
    language: string;
    dialIn: { numbersUrl?: string; confCodeUrl?: string };
}

/** The Jigasi pools that run: the components that log in to prosody, go through the router and reach the bridges. */
export function gatewayPools(g: GatewaySettings | undefined): ("jigasi" | "transcriber")[] {
    return [...(g?.sip ? ["jigasi" as const] : []), ...(g?.transcription ? ["transcriber" as const] : [])];
}

/**
 * Prosody registers the gateways' accounts (register-setup) and, with transcriptions, the hidden domain
 * the transcriber logs in to (jitsi-meet.cfg.lua). The jigasi account is an admin there, as Jibri's is.
 */
export function prosodyGatewayEnv(g: GatewaySettings): EnvVar[] {
    if (!g.sip && !g.transcription) return [];
    return [
        ...secretEnv("JIGASI_XMPP_PASSWORD"),
        ...(g.transcription ? [{ name: "ENABLE_TRANSCRIPTIONS", value: "true" }, ...secretEnv("JIGASI_TRANSCRIBER_PASSWORD")] : []),
    ];
}

/**
 * Jicofo watches the jigasi brewery when JIGASI_SIP_URI or ENABLE_TRANSCRIPTIONS is set (jicofo.conf reads
 * nothing else of it), so JIGASI_SIP_URI is a switch here: changing the SIP account restarts no jicofo.
 * It is set only with dial-out: dial-in needs nothing of jicofo, and the SIP gateways then sit in a
 * brewery jicofo does not watch (JIGASI_DIAL_IN_ONLY_MUC). With captions, ENABLE_TRANSCRIPTIONS already
 * opens that block (jicofo.conf: `if or .Env.JIGASI_SIP_URI $ENABLE_TRANSCRIPTIONS`), so JIGASI_SIP_URI is
 * left out: switching dial-out then moves only the gateways between breweries and restarts no jicofo.
 */
export function jicofoGatewayEnv(g: GatewaySettings): EnvVar[] {
    const dialOut = g.sip && g.dialOut;
    if (!dialOut && !g.transcription) return [];
    return [
        { name: "JIGASI_BREWERY_MUC", value: JIGASI_BREWERY_MUC },
        ...(dialOut && !g.transcription ? [{ name: "JIGASI_SIP_URI", value: "enabled" }] : []),
        ...(g.transcription ? [{ name: "ENABLE_TRANSCRIPTIONS", value: "true" }] : []),
    ];
}

/**
 * Web shows the captions button and asks for the stack's language (USE_APP_LANGUAGE off: a pupil whose app
 * speaks English still gets the class's language), and the dial-in numbers and PIN in the invite dialog.
 * The dial-out button needs nothing here: the app offers it when jicofo says it has a jigasi brewery
 * (ConferenceIqHandler: sipGatewayEnabled), and jicofo alone decides whether a call goes out.
 */
export function webGatewayEnv(g: GatewaySettings): EnvVar[] {
    return [
        ...(g.transcription
            ? [
                  { name: "ENABLE_TRANSCRIPTIONS", value: "true" },
                  { name: "PREFERRED_LANGUAGE", value: g.language },
                  { name: "USE_APP_LANGUAGE", value: "false" },
              ]
            : []),
        ...(g.dialIn.numbersUrl ? [{ name: "DIALIN_NUMBERS_URL", value: g.dialIn.numbersUrl }] : []),
        ...(g.dialIn.confCodeUrl ? [{ name: "CONFCODE_URL", value: g.dialIn.confCodeUrl }] : []),
    ];
}

export interface JigasiEnvArgs {
    mode: GatewayMode;
    /** Every shard's name: the gateway joins each shard's brewery. */
    shards: string[];
    publicUrl: string;
    timezone: string;
    /** The room router's in-cluster URL, through which each call's conference connection reaches its room's shard. */
    routerUrl: string;
    monitored: boolean;
    /** The container's memory limit: the heap is sized to fit it. */
    memoryLimit: string;
    /** Who may meet: without auth, the gateway joins anonymously; with it, as jigasi@auth (or on the guest domain). */
    auth: { enabled: boolean; guests: boolean };
    sip?: { uri: string; server?: string; port?: number; transport?: string; defaultRoom?: string; dialOut: boolean; healthCheckSipUri?: string };
    /** With whisper, the JWT key's name (kid); the key itself is the secret setting jigasiWhisperPrivateKey. */
    transcriber?: { backend: "vosk" | "whisper"; url: string; save: boolean; whisperKeyName?: string };
}

export function jigasiEnv(a: JigasiEnvArgs): EnvVar[] {
    const component = a.mode === "sip" ? "jigasi" : "transcriber";
    return [
        ...xmppEnv(component, {
            xmppServer: a.shards.map((s) => `${prosodyServiceName(s)}:${PROSODY_PORTS.c2s}`).join(","),
            publicUrl: a.publicUrl,
            timezone: a.timezone,
        }),
        { name: "JIGASI_MODE", value: a.mode },
        // jigasi.sh starts Java with -Xmx3072m unless told: more than the container may use, so the kernel would kill it.
        { name: "JIGASI_MAX_MEMORY", value: javaHeap(a.memoryLimit) },
        ...secretEnv("JIGASI_XMPP_PASSWORD"),
        { name: "JIGASI_BREWERY_MUC", value: a.sip && !a.sip.dialOut ? JIGASI_DIAL_IN_ONLY_MUC : JIGASI_BREWERY_MUC },
        // etc/s6-overlay/scripts/jigasi: --min-port/--max-port, by default 20000-20050 (12 calls).
        { name: "JIGASI_PORT_MIN", value: String(mediaPortRange(CALLS_PER_JIGASI).min) },
        { name: "JIGASI_PORT_MAX", value: String(mediaPortRange(CALLS_PER_JIGASI).max) },
        { name: "BOSH_URL_PATTERN", value: `${a.routerUrl}/http-bind?room={roomName}` },
        // The nickname in the brewery: the pod's name, so a busy gateway is found with kubectl.
        { name: "JIGASI_INSTANCE_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        // POST /about/shutdown, which the preStop hook sends (ENABLE_REST_SHUTDOWN).
        { name: "SHUTDOWN_REST_ENABLED", value: "true" },
        // The API binds every address only when asked (sip-communicator.properties: rest.jetty.host), which Prometheus needs.
        ...(a.monitored ? [{ name: "JIGASI_ENABLE_REST", value: "true" }] : []),
        ...(a.sip ? sipEnv(a.sip, a.auth) : []),
        ...(a.transcriber ? transcriberEnv(a.transcriber) : []),
    ];
}

function sipEnv(sip: NonNullable<JigasiEnvArgs["sip"]>, auth: JigasiEnvArgs["auth"]): EnvVar[] {
    return [
        { name: "JIGASI_SIP_URI", value: sip.uri },
        ...secretEnv("JIGASI_SIP_PASSWORD"),
        // sipserver-sip-communicator.properties writes port and transport only with a server (the schema refuses them without).
        ...(sip.server ? [{ name: "JIGASI_SIP_SERVER", value: sip.server }] : []),
        ...(sip.port !== undefined ? [{ name: "JIGASI_SIP_PORT", value: String(sip.port) }] : []),
        ...(sip.transport !== undefined ? [{ name: "JIGASI_SIP_TRANSPORT", value: sip.transport }] : []),
        ...(sip.defaultRoom ? [{ name: "JIGASI_SIP_DEFAULT_ROOM", value: sip.defaultRoom }] : []),
        // A test call to this URI every HEALTH_CHECK_INTERVAL (5 minutes); only when the operator asks for it.
        ...(sip.healthCheckSipUri ? [{ name: "JIGASI_HEALTH_CHECK_SIP_URI", value: sip.healthCheckSipUri }] : []),
        // sipserver-sip-communicator.properties: with auth, callers join as jigasi@auth, or anonymously on the guest domain.
        { name: "ENABLE_AUTH", value: envFlag(auth.enabled) },
        ...(auth.enabled ? [{ name: "ENABLE_GUESTS", value: envFlag(auth.guests) }] : []),
    ];
}

function transcriberEnv(t: NonNullable<JigasiEnvArgs["transcriber"]>): EnvVar[] {
    return [
        ...secretEnv("JIGASI_TRANSCRIBER_PASSWORD"),
        { name: "JIGASI_TRANSCRIBER_CUSTOM_SERVICE", value: TRANSCRIPTION_SERVICE_CLASS[t.backend] },
        { name: t.backend === "vosk" ? "JIGASI_TRANSCRIBER_VOSK_URL" : "JIGASI_TRANSCRIBER_WHISPER_URL", value: t.url },
        // WhisperWebsocket.java:205-210 signs a JWT (Util.java:372-398: RS256, kid = the key's name, aud "jitsi", iss "jigasi") only with both.
        ...(t.backend === "whisper" && t.whisperKeyName
            ? [{ name: "JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY_NAME", value: t.whisperKeyName }, ...secretEnv("JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY")]
            : []),
        // The image saves by default; off here unless asked (docs/decisions.md).
        { name: "JIGASI_TRANSCRIBER_ENABLE_SAVING", value: envFlag(t.save) },
    ];
}

/**
 * Stopping a gateway (scale-down, node drain, update) must not cut a call: ask it to stop taking new ones,
 * then wait while it answers. Once its last call ends it exits 0, and jigasi-finish then stops the
 * container, so the wait ends with the last call; the grace period bounds it.
 */
export const JIGASI_PRE_STOP = [
    `curl -s -X POST http://127.0.0.1:${JIGASI_API_PORT}/about/shutdown || exit 0`,
    `while curl -s -o /dev/null --max-time 5 http://127.0.0.1:${JIGASI_API_PORT}/about/stats; do sleep 10; done`,
].join("\n");

/**
 * Vosk's images have no USER (root); the server (websocket/asr_server.py) only reads its model and
 * writes nothing, so it runs as nobody (test/dockerfiles.test.ts records the exception). The model's
 * files keep the modes of alphacep's archive, which `unzip` applies as root: that they are readable to
 * others could not be checked here without the image; docs/runbook.md says what a refusal looks like.
 */
export const VOSK_UID = 65534;
