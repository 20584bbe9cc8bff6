/**
 * Upstream is the truth: the environment variables each Jitsi image reads, written down as facts from
 * docker-jitsi-meet at the pinned tag (the file under <image>/rootfs that reads each one is named), so
 * that the program sets nothing an image ignores and a tag upgrade that renames a variable fails here.
 * Upgrading the tag means reading the new tag's rootfs and adding a table for it.
 */
import * as assert from "assert";
import { DEFAULT_JITSI_TAG, VERIFIED_JITSI_TAGS } from "../config/schema";
import { readStackFile, runProgram, runProgramOk, stackFile, withConfig } from "./harness";
import { containersIn, Obj } from "./objects";
import { ACCESS_VARIANTS, allGatewaysVariant, GATEWAY_VARIANTS, twoRegionsVariant, visitorsVariant } from "./variants";

type Table = Record<string, string>;

/** Read by every image: s6-overlay (base/Dockerfile installs v3.2.3.0) and the C library (TZ). */
const BASE: Table = {
    S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES: "s6-overlay /init (refuses a world-writable /run otherwise)",
    TZ: "libc, for every process's local time",
};

/** docker-jitsi-meet stable-11146-2. */
/**
 * The jigasi image in either mode (JIGASI_MODE): SIP gateway (jigasi.yml) or transcriber (transcriber.yml);
 * scripts/config writes sip-communicator.properties from defaults/ and adds sipserver- or transcriber-.
 */
const JIGASI_11146_2: Table = {
    XMPP_SERVER: "defaults/sip-communicator.properties (conference account), defaults/xmpp-sip-communicator.properties (one control account per comma-separated host:port)",
    XMPP_DOMAIN: "defaults/sipserver-sip-communicator.properties (DOMAIN_BASE)",
    XMPP_AUTH_DOMAIN: "defaults/xmpp-sip-communicator.properties (control login), defaults/sipserver-sip-communicator.properties",
    XMPP_MUC_DOMAIN: "defaults/sip-communicator.properties (MUC_SERVICE_ADDRESS)",
    XMPP_INTERNAL_MUC_DOMAIN: "defaults/xmpp-sip-communicator.properties (BREWERY)",
    XMPP_GUEST_DOMAIN: "defaults/sipserver-sip-communicator.properties (anonymous login with ENABLE_GUESTS)",
    XMPP_HIDDEN_DOMAIN: "defaults/transcriber-sip-communicator.properties (transcriber login), etc/s6-overlay/scripts/config",
    PUBLIC_URL: "defaults/xmpp-sip-communicator.properties (DOMAIN_BASE), defaults/transcriber-sip-communicator.properties (BASE_URL)",
    JIGASI_MODE: "etc/s6-overlay/scripts/config (sip: sipserver-, transcriber: transcriber-sip-communicator.properties)",
    JIGASI_XMPP_PASSWORD: "defaults/xmpp-sip-communicator.properties, etc/s6-overlay/scripts/config (refuses to start without)",
    JIGASI_BREWERY_MUC: "defaults/xmpp-sip-communicator.properties (BREWERY, ALLOWED_JID)",
    BOSH_URL_PATTERN: "defaults/sip-communicator.properties (xmpp.acc.BOSH_URL_PATTERN; JvbConference adds ?room=)",
    JIGASI_INSTANCE_ID: "etc/s6-overlay/scripts/config (nickname; JIGASI_STATS_ID defaults to it)",
    SHUTDOWN_REST_ENABLED: "defaults/sip-communicator.properties (ENABLE_REST_SHUTDOWN: POST /about/shutdown)",
    JIGASI_ENABLE_REST: "defaults/sip-communicator.properties (rest.jetty.host=0.0.0.0)",
    JIGASI_SIP_URI: "defaults/sipserver-sip-communicator.properties (ACCOUNT_UID, USER_ID)",
    JIGASI_SIP_PASSWORD: "defaults/sipserver-sip-communicator.properties (PASSWORD, base64)",
    JIGASI_SIP_SERVER: "defaults/sipserver-sip-communicator.properties (PROXY_ADDRESS, SERVER_ADDRESS)",
    JIGASI_SIP_PORT: "defaults/sipserver-sip-communicator.properties (PROXY_PORT, only with JIGASI_SIP_SERVER)",
    JIGASI_SIP_TRANSPORT: "defaults/sipserver-sip-communicator.properties (PREFERRED_TRANSPORT, only with JIGASI_SIP_SERVER)",
    JIGASI_SIP_DEFAULT_ROOM: "defaults/sip-communicator.properties (DEFAULT_JVB_ROOM_NAME)",
    JIGASI_HEALTH_CHECK_SIP_URI: "defaults/sip-communicator.properties (HEALTH_CHECK_SIP_URI: a test call every HEALTH_CHECK_INTERVAL)",
    JIGASI_PORT_MIN: "etc/s6-overlay/scripts/jigasi (--min-port, default 20000)",
    JIGASI_PORT_MAX: "etc/s6-overlay/scripts/jigasi (--max-port, default 20050)",
    ENABLE_AUTH: "defaults/sipserver-sip-communicator.properties (xmpp.acc USER_ID and PASS)",
    ENABLE_GUESTS: "defaults/sipserver-sip-communicator.properties (anonymous login on the guest domain)",
    JIGASI_TRANSCRIBER_PASSWORD: "defaults/transcriber-sip-communicator.properties (xmpp.acc.PASS)",
    JIGASI_TRANSCRIBER_CUSTOM_SERVICE: "defaults/transcriber-sip-communicator.properties (transcription.customService; TranscriptionGateway loads the class)",
    JIGASI_TRANSCRIBER_VOSK_URL: "defaults/transcriber-sip-communicator.properties (vosk.websocket_url)",
    JIGASI_TRANSCRIBER_WHISPER_URL: "defaults/transcriber-sip-communicator.properties (whisper.websocket_url)",
    JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY_NAME: "defaults/transcriber-sip-communicator.properties (whisper.private_key_name)",
    JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY: "defaults/transcriber-sip-communicator.properties (whisper.private_key)",
    JIGASI_TRANSCRIBER_ENABLE_SAVING: "defaults/transcriber-sip-communicator.properties (DIRECTORY /tmp/transcripts; default 1)",
    // Not in rootfs: jigasi's packaged start script, which etc/s6-overlay/scripts/jigasi runs with the container's env.
    JIGASI_MAX_MEMORY: "/usr/share/jigasi/jigasi.sh (-Xmx, default 3072m), from jigasi jigasi.sh",
};

const STABLE_11146_2: Record<"web" | "prosody" | "jicofo" | "jvb" | "jibri" | "jigasi", Table> = {
    jigasi: JIGASI_11146_2,
    web: {
        XMPP_DOMAIN: "defaults/meet.conf, defaults/system-config.js",
        XMPP_MUC_DOMAIN: "defaults/system-config.js",
        XMPP_GUEST_DOMAIN: "defaults/system-config.js",
        XMPP_HIDDEN_DOMAIN: "defaults/settings-config.js, etc/s6-overlay/scripts/config",
        XMPP_BOSH_URL_BASE: "defaults/meet.conf",
        PUBLIC_URL: "defaults/settings-config.js, defaults/system-config.js",
        DISABLE_HTTPS: "defaults/default, etc/s6-overlay/scripts/config",
        ENABLE_HSTS: "defaults/ssl.conf (Strict-Transport-Security on the HTTPS server)",
        DEPLOYMENTINFO_REGION: "defaults/settings-config.js (config.deploymentInfo.region)",
        ENABLE_HTTP_REDIRECT: "defaults/default",
        DEFAULT_LANGUAGE: "defaults/settings-config.js",
        START_AUDIO_MUTED: "defaults/settings-config.js",
        START_VIDEO_MUTED: "defaults/settings-config.js",
        ENABLE_WELCOME_PAGE: "defaults/settings-config.js",
        ENABLE_P2P: "defaults/settings-config.js",
        P2P_STUN_SERVERS: "defaults/settings-config.js",
        ENABLE_AUTH: "defaults/system-config.js (login button, guest domain)",
        ENABLE_GUESTS: "defaults/system-config.js (hosts.anonymousdomain, only with ENABLE_AUTH)",
        ENABLE_BREAKOUT_ROOMS: "defaults/settings-config.js (hideAddRoomButton)",
        ENABLE_RECORDING: "defaults/settings-config.js (recordingService)",
        ETHERPAD_URL_BASE: "defaults/meet.conf (location /etherpad/), defaults/settings-config.js (etherpad_base)",
        // WHITEBOARD_ENABLED is not read at this tag: settings-config.js derives whiteboard.enabled from this one.
        WHITEBOARD_COLLAB_SERVER_URL_BASE: "defaults/meet.conf (location /socket.io/), defaults/settings-config.js (config.whiteboard)",
        ENABLE_TRANSCRIPTIONS: "defaults/settings-config.js (config.transcription.enabled, hiddenDomain)",
        PREFERRED_LANGUAGE: "defaults/settings-config.js (transcription.preferredLanguage)",
        USE_APP_LANGUAGE: "defaults/settings-config.js (transcription.useAppLanguage)",
        DIALIN_NUMBERS_URL: "defaults/settings-config.js (dialInNumbersUrl)",
        CONFCODE_URL: "defaults/settings-config.js (dialInConfCodeUrl)",
    },
    prosody: {
        XMPP_DOMAIN: "defaults/conf.d/jitsi-meet.cfg.lua",
        XMPP_AUTH_DOMAIN: "defaults/conf.d/jitsi-meet.cfg.lua",
        XMPP_MUC_DOMAIN: "defaults/conf.d/jitsi-meet.cfg.lua",
        XMPP_INTERNAL_MUC_DOMAIN: "defaults/conf.d/jitsi-meet.cfg.lua",
        XMPP_GUEST_DOMAIN: "defaults/conf.d/jitsi-meet.cfg.lua",
        XMPP_HIDDEN_DOMAIN: "defaults/conf.d/jitsi-meet.cfg.lua",
        XMPP_SERVER: "defaults/conf.d/visitors.cfg.lua",
        XMPP_PORT: "defaults/prosody.cfg.lua",
        PUBLIC_URL: "defaults/conf.d/jitsi-meet.cfg.lua",
        JICOFO_AUTH_PASSWORD: "etc/s6-overlay/scripts/config, register-setup (registers the focus user)",
        JVB_AUTH_PASSWORD: "etc/s6-overlay/scripts/config, register-setup (registers the jvb user)",
        JVB_AUTH_USER: "defaults/conf.d/jitsi-meet.cfg.lua, defaults/conf.d/brewery.cfg.lua",
        PROSODY_ENABLE_METRICS: "defaults/prosody.cfg.lua",
        PROSODY_METRICS_ALLOWED_CIDR: "defaults/prosody.cfg.lua",
        TURN_HOST: "defaults/prosody.cfg.lua (external_services)",
        TURN_PORT: "defaults/prosody.cfg.lua",
        TURN_TRANSPORT: "defaults/prosody.cfg.lua",
        TURNS_HOST: "defaults/prosody.cfg.lua",
        TURNS_PORT: "defaults/prosody.cfg.lua",
        TURN_CREDENTIALS: "defaults/prosody.cfg.lua (external_service_secret)",
        ENABLE_AUTH: "defaults/conf.d/jitsi-meet.cfg.lua",
        AUTH_TYPE: "defaults/conf.d/jitsi-meet.cfg.lua (internal: internal_hashed, jwt: token)",
        ENABLE_GUESTS: "defaults/conf.d/jitsi-meet.cfg.lua (guest VirtualHost, only with ENABLE_AUTH)",
        JWT_APP_ID: "defaults/conf.d/jitsi-meet.cfg.lua (app_id)",
        JWT_APP_SECRET: "defaults/conf.d/jitsi-meet.cfg.lua (app_secret, written only when tpl's toBool reads it as true)",
        JWT_ACCEPTED_ISSUERS: "defaults/conf.d/jitsi-meet.cfg.lua (asap_accepted_issuers, comma-separated)",
        JWT_ACCEPTED_AUDIENCES: "defaults/conf.d/jitsi-meet.cfg.lua (asap_accepted_audiences, comma-separated)",
        ENABLE_LOBBY: "defaults/conf.d/jitsi-meet.cfg.lua (muc_lobby_rooms, default true)",
        ENABLE_BREAKOUT_ROOMS: "defaults/conf.d/jitsi-meet.cfg.lua (muc_breakout_rooms, default true)",
        ENABLE_RECORDING: "defaults/conf.d/jitsi-meet.cfg.lua (hidden domain), etc/s6-overlay/scripts/register-setup (recorder account)",
        JIBRI_XMPP_PASSWORD: "defaults/conf.d/jitsi-meet.cfg.lua (admins), etc/s6-overlay/scripts/register-setup (jibri account)",
        JIBRI_RECORDER_PASSWORD: "etc/s6-overlay/scripts/register-setup (recorder account, with ENABLE_RECORDING)",
        // Visitors: the main prosody, and the nodes (the same image in visitor mode).
        ENABLE_VISITORS: "defaults/prosody.cfg.lua (s2s on; the s2s whitelist in visitor mode), defaults/conf.d/jitsi-meet.cfg.lua (visitors component)",
        VISITORS_XMPP_SERVER: "defaults/prosody.cfg.lua (s2sout_override to each node, host:port)",
        PROSODY_MODE: "etc/s6-overlay/scripts/config (visitors: conf.d/visitors.cfg.lua), etc/s6-overlay/scripts/register-setup",
        PROSODY_VISITOR_INDEX: "etc/s6-overlay/scripts/config (domain v<index>), defaults/conf.d/visitors.cfg.lua",
        XMPP_SERVER_S2S_PORT: "defaults/conf.d/visitors.cfg.lua (s2sout_override to the main prosody)",
        VISITORS_MAX_VISITORS_PER_NODE: "defaults/conf.d/visitors.cfg.lua (muc_max_occupants of the node's MUC; 250 unless set)",
        JIGASI_XMPP_PASSWORD: "defaults/conf.d/jitsi-meet.cfg.lua (admins), etc/s6-overlay/scripts/register-setup (jigasi account)",
        ENABLE_TRANSCRIPTIONS: "defaults/conf.d/jitsi-meet.cfg.lua (hidden domain, MUC whitelists), etc/s6-overlay/scripts/register-setup",
        JIGASI_TRANSCRIBER_PASSWORD: "etc/s6-overlay/scripts/register-setup (transcriber account, with ENABLE_TRANSCRIPTIONS)",
    },
    jicofo: {
        XMPP_DOMAIN: "defaults/jicofo.conf",
        XMPP_AUTH_DOMAIN: "defaults/jicofo.conf",
        XMPP_MUC_DOMAIN: "defaults/jicofo.conf",
        XMPP_INTERNAL_MUC_DOMAIN: "defaults/jicofo.conf",
        XMPP_HIDDEN_DOMAIN: "defaults/jicofo.conf",
        XMPP_SERVER: "defaults/jicofo.conf",
        XMPP_PORT: "defaults/jicofo.conf",
        JICOFO_AUTH_PASSWORD: "defaults/jicofo.conf, etc/s6-overlay/scripts/config",
        JVB_BREWERY_MUC: "defaults/jicofo.conf",
        JICOFO_ENABLE_REST: "defaults/jicofo.conf",
        // Unset, jicofo runs no health checks and serves no /about/health (jicofo ktor/Application.kt): 404.
        JICOFO_ENABLE_HEALTH_CHECKS: "defaults/jicofo.conf (jicofo.health.enabled)",
        ENABLE_OCTO: "defaults/jicofo.conf",
        OCTO_BRIDGE_SELECTION_STRATEGY: "defaults/jicofo.conf",
        JICOFO_OCTO_REGION: "defaults/jicofo.conf",
        MAX_BRIDGE_PARTICIPANTS: "defaults/jicofo.conf",
        ENABLE_AUTH: "defaults/jicofo.conf (authentication block)",
        AUTH_TYPE: "defaults/jicofo.conf (jwt: JWT, else XMPP)",
        ENABLE_RECORDING: "defaults/jicofo.conf (jibri brewery, trusted hidden domain)",
        ENABLE_VISITORS: "defaults/jicofo.conf (visitors block; VisitorSelectionStrategy and VisitorTopologyStrategy)",
        VISITORS_XMPP_SERVER: "defaults/jicofo.conf (xmpp.visitors: one c2s login per node, host:port)",
        VISITORS_MAX_PARTICIPANTS: "defaults/jicofo.conf (visitors.max-participants)",
        VISITORS_MAX_VISITORS_PER_NODE: "defaults/jicofo.conf (visitors.max-visitors-per-node)",
        // Only tested for being set: `if or .Env.JIGASI_SIP_URI $ENABLE_TRANSCRIPTIONS` opens the jigasi block.
        JIGASI_SIP_URI: "defaults/jicofo.conf (jigasi brewery, a switch)",
        JIGASI_BREWERY_MUC: "defaults/jicofo.conf (jigasi.brewery-jid)",
        ENABLE_TRANSCRIPTIONS: "defaults/jicofo.conf (jigasi brewery, trusted hidden domain)",
        // jicofo JitsiMeetConferenceImpl.createSharedDocumentName: a random UUID instead of the room's name.
        ENABLE_SHARED_DOCUMENT_RANDOM_NAME: "defaults/jicofo.conf (conference.shared-document.use-random-name, toBool)",
    },
    jvb: {
        XMPP_AUTH_DOMAIN: "defaults/jvb.conf",
        XMPP_INTERNAL_MUC_DOMAIN: "defaults/jvb.conf",
        XMPP_SERVER: "defaults/jvb.conf",
        XMPP_PORT: "defaults/jvb.conf",
        JVB_AUTH_USER: "defaults/jvb.conf",
        JVB_AUTH_PASSWORD: "defaults/jvb.conf, etc/s6-overlay/scripts/config",
        JVB_BREWERY_MUC: "defaults/jvb.conf",
        JVB_ADVERTISE_IPS: "defaults/jvb.conf (static mappings), etc/s6-overlay/scripts/config",
        JVB_STUN_SERVERS: "defaults/jvb.conf",
        JVB_DISABLE_STUN: "defaults/jvb.conf",
        COLIBRI_REST_ENABLED: "defaults/jvb.conf",
        SHUTDOWN_REST_ENABLED: "defaults/jvb.conf",
        ENABLE_OCTO: "defaults/jvb.conf (videobridge.relay)",
        JVB_OCTO_REGION: "defaults/jvb.conf",
        JVB_OCTO_RELAY_ID: "defaults/jvb.conf",
        JVB_ADVERTISE_PRIVATE_CANDIDATES: "defaults/jvb.conf",
        // Not in rootfs: jitsi-videobridge's packaged start script, which s6 runs (etc/s6-overlay/scripts/jvb).
        VIDEOBRIDGE_MAX_MEMORY: "/usr/share/jitsi-videobridge/jvb.sh (-Xmx), from jitsi-videobridge jvb/resources/jvb.sh",
    },
    jibri: {
        XMPP_SERVER: "defaults/xmpp.conf (one environment per comma-separated host:port)",
        XMPP_DOMAIN: "defaults/xmpp.conf",
        XMPP_AUTH_DOMAIN: "defaults/xmpp.conf (control-login)",
        XMPP_INTERNAL_MUC_DOMAIN: "defaults/xmpp.conf (control-muc)",
        XMPP_MUC_DOMAIN: "defaults/xmpp.conf (strip-from-room-domain)",
        XMPP_HIDDEN_DOMAIN: "defaults/xmpp.conf (call-login), etc/s6-overlay/scripts/config",
        PUBLIC_URL: "defaults/xmpp.conf (base-url)",
        JIBRI_XMPP_PASSWORD: "defaults/xmpp.conf, etc/s6-overlay/scripts/config (refuses to start without)",
        JIBRI_RECORDER_PASSWORD: "defaults/xmpp.conf, etc/s6-overlay/scripts/config (refuses to start without)",
        JIBRI_INSTANCE_ID: "defaults/jibri.conf (id), defaults/xmpp.conf (nickname)",
        DISPLAY: "etc/s6-overlay/scripts/config (refuses to start without), scripts/xorg",
        JIBRI_ENABLE_PROMETHEUS: "defaults/jibri.conf (stats.prometheus.enabled)",
        IGNORE_CERTIFICATE_ERRORS: "defaults/jibri.conf (chrome flags)",
    },
};

const VERIFIED: Record<string, typeof STABLE_11146_2> = { "stable-11146-2": STABLE_11146_2 };

/** Variables the program's own start commands read (JvbPool: JVB_START, NODE_ADDRESS_SCRIPT). */
const OWN: Record<string, Table> = {
    jvb: { JVB_PORT_BASE: "JVB_START: the pod's media port is this plus its ordinal", NODE_NAME: "NODE_ADDRESS_SCRIPT (init container)" },
};

function jitsiContainers(objects: Obj[]): { image: string; tag: string; container: Obj }[] {
    return containersIn(objects)
        .map(({ container }) => ({ container, m: /^ghcr\.io\/jitsi\/(\w+):(.+)$/.exec(container.image) }))
        .filter((c) => c.m)
        .map(({ container, m }) => ({ image: m![1], tag: m![2], container }));
}

describe("upstream facts: environment variables the Jitsi images read", function () {
    this.timeout(30_000);

    it("has a table for exactly the tags the program calls verified (VERIFIED_JITSI_TAGS)", () => {
        assert.deepStrictEqual(Object.keys(VERIFIED).sort(), [...VERIFIED_JITSI_TAGS].sort());
    });

    it("has a verified table for the default tag and for the tag each stack file pins", () => {
        // The stack's tag and every shard's own, in both stack files.
        const shardTags = (stack: string) => (Array.isArray(stackFile(stack)["jitsi:shards"]) ? stackFile(stack)["jitsi:shards"] : []).map((s: Obj) => s.imageTag);
        const inUse = ["development", "production"].flatMap((stack) => [stackFile(stack)["jitsi:imageTag"], ...shardTags(stack)]);
        for (const tag of [DEFAULT_JITSI_TAG, ...inUse]) {
            if (tag === undefined) continue;
            assert.ok(VERIFIED[tag], `no verified variable table for ${tag}: read its rootfs and add one to test/upstream.test.ts`);
        }
    });

    const variants: Record<string, () => ReturnType<typeof readStackFile>> = {
        development: () => readStackFile("development"),
        production: () => readStackFile("production"),
        "development with internal accounts": ACCESS_VARIANTS.internal,
        "development with jwt": ACCESS_VARIANTS.jwt,
        "production with every extra": ACCESS_VARIANTS["all extras"],
        "production with visitors": visitorsVariant,
        ...Object.fromEntries(Object.entries(GATEWAY_VARIANTS).map(([name, variant]) => [`phones and captions: ${name}`, variant])),
        "internal accounts with phones, captions, Jibri and visitors": allGatewaysVariant,
        "two regions": () => twoRegionsVariant(),
        "production with every web setting, nodeIP advertising and relay off": () =>
            withConfig(readStackFile("production"), {
                "jitsi:web": { defaultLanguage: "de", p2p: { stunServers: ["stun.example.org:3478"] } },
                "jitsi:jvb": { advertise: "nodeIP", allowPrivateAddresses: true, stunServers: [], relay: { enabled: false } },
            }),
    };
    for (const [name, config] of Object.entries(variants)) {
        it(`sets on each Jitsi container only variables its image reads (${name})`, async () => {
            const run = await runProgramOk(config());
            const unread: string[] = [];
            for (const { image, tag, container } of jitsiContainers(run.resources.map((r) => r.inputs))) {
                const table = VERIFIED[tag]?.[image as keyof typeof STABLE_11146_2];
                assert.ok(table, `no table for ${image}:${tag}`);
                for (const e of container.env ?? []) {
                    if (!(e.name in table || e.name in BASE || e.name in (OWN[image] ?? {}))) unread.push(`${image}/${container.name}: ${e.name}`);
                }
            }
            assert.deepStrictEqual(unread, []);
        });
    }

    it("catches a variable the image does not read", async () => {
        const run = await runProgram(readStackFile("production"));
        const objects = run.resources.map((r) => r.inputs);
        const jicofo = objects.find((o) => o?.kind === "Deployment" && o.metadata.name === "shard-0-jicofo");
        // What the program set before this table existed: jicofo at stable-11146-2 never reads it.
        jicofo.spec.template.spec.containers[0].env.push({ name: "JICOFO_COMPONENT_SECRET", valueFrom: { secretKeyRef: { name: "x", key: "y" } } });
        const table = STABLE_11146_2.jicofo;
        const names = jitsiContainers(objects)
            .filter((c) => c.image === "jicofo")
            .flatMap((c) => (c.container.env ?? []).map((e: Obj) => e.name))
            .filter((n: string) => !(n in table) && !(n in BASE));
        assert.deepStrictEqual(names, ["JICOFO_COMPONENT_SECRET"]);
    });
});
