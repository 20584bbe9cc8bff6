/**
 * Upstream facts, not copies: for each environment variable the program sets on a Jitsi container, the
 * context the image's template pastes it into at docker-jitsi-meet stable-11146-2 (file under
 * <image>/rootfs and line), and for each setting, the variables it reaches. Go's text/template escapes
 * nothing, so a value must be one the context carries as it is: config/primitives.ts TEMPLATE_CONTEXTS
 * holds the rules, test/templateValues.test.ts has each context's real parser read values back.
 */
import type { TemplateContext } from "../config/primitives";

/**
 * The text contexts of config/primitives.ts, the list forms of two of them, and what carries no text:
 * - luaList, hoconList, jsList, propertiesList: the template splits the value on commas (splitList ","
 *   or JavaScript's split(',')) and pastes each part into a Lua / HOCON string, JS array or properties value;
 * - hoconUnquoted: pasted into HOCON without quotes (a host name);
 * - luaNumber, hoconNumber, jsNumber: pasted bare where a number stands;
 * - switch: only tested (toBool, if, eq), never pasted;
 * - base64: pasted through b64enc (any text is carried);
 * - process: read by a process or a start script as a variable, not pasted into a file.
 */
export type Context =
    | TemplateContext
    | "luaList"
    | "hoconList"
    | "hoconUnquoted"
    | "jsList"
    | "propertiesList"
    | "luaNumber"
    | "hoconNumber"
    | "jsNumber"
    | "switch"
    | "base64"
    | "process";

export interface Placement {
    context: Context;
    /** File under <image>/rootfs at stable-11146-2, and line. */
    at: string;
}

const p = (context: Context, ...at: string[]): Placement[] => at.map((a) => ({ context, at: a }));

const SETTINGS_JS = "defaults/settings-config.js";
const SYSTEM_JS = "defaults/system-config.js";
const MEET_CONF = "defaults/meet.conf";
const JITSI_MEET_LUA = "defaults/conf.d/jitsi-meet.cfg.lua";
const PROSODY_LUA = "defaults/prosody.cfg.lua";
const VISITORS_LUA = "defaults/conf.d/visitors.cfg.lua";
const REGISTER_SETUP = "etc/s6-overlay/scripts/register-setup";
const JICOFO_CONF = "defaults/jicofo.conf";
const JVB_CONF = "defaults/jvb.conf";
const JIBRI_XMPP = "defaults/xmpp.conf";
const SIP = "defaults/sip-communicator.properties";
const SIPSERVER = "defaults/sipserver-sip-communicator.properties";
const XMPP_SIP = "defaults/xmpp-sip-communicator.properties";
const TRANSCRIBER = "defaults/transcriber-sip-communicator.properties";

/** Read by every image: s6-overlay and the C library; and the bridge's own start command (JvbPool). */
const EVERY_IMAGE: Record<string, Placement[]> = {
    S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES: p("process", "s6-overlay /init"),
    TZ: p("process", "libc (zoneinfo file name)"),
};

export const ENV_CONTEXTS: Record<"web" | "prosody" | "jicofo" | "jvb" | "jibri" | "jigasi", Record<string, Placement[]>> = {
    web: {
        ...EVERY_IMAGE,
        XMPP_DOMAIN: [...p("nginxWord", `${MEET_CONF}:81`, `${MEET_CONF}:94`), ...p("jsString", `${SYSTEM_JS}:19`)],
        XMPP_MUC_DOMAIN: p("jsString", `${SYSTEM_JS}:32`),
        XMPP_GUEST_DOMAIN: p("jsString", `${SYSTEM_JS}:38`),
        XMPP_HIDDEN_DOMAIN: p("jsString", `${SETTINGS_JS}:171`),
        XMPP_BOSH_URL_BASE: p("nginxWord", `${MEET_CONF}:60`, `${MEET_CONF}:83`, `${MEET_CONF}:97`),
        PUBLIC_URL: p("jsString", `${SETTINGS_JS}:162`, `${SETTINGS_JS}:598`, `${SYSTEM_JS}:54`),
        DISABLE_HTTPS: [...p("switch", "defaults/default:15"), ...p("process", "etc/s6-overlay/scripts/config:10")],
        ENABLE_HSTS: p("switch", "defaults/ssl.conf:26"),
        ENABLE_HTTP_REDIRECT: p("switch", "defaults/default:8"),
        DEFAULT_LANGUAGE: p("jsString", `${SETTINGS_JS}:341`),
        START_AUDIO_MUTED: p("jsNumber", `${SETTINGS_JS}:128`),
        START_VIDEO_MUTED: p("jsNumber", `${SETTINGS_JS}:92`),
        ENABLE_WELCOME_PAGE: p("switch", `${SETTINGS_JS}:11`),
        ENABLE_P2P: p("switch", `${SETTINGS_JS}:9`),
        P2P_STUN_SERVERS: p("jsList", `${SETTINGS_JS}:146`),
        ENABLE_AUTH: p("switch", `${SYSTEM_JS}:3`),
        ENABLE_GUESTS: p("switch", `${SYSTEM_JS}:5`),
        ENABLE_BREAKOUT_ROOMS: p("switch", `${SETTINGS_JS}:5`),
        ENABLE_RECORDING: p("switch", `${SETTINGS_JS}:13`),
        ETHERPAD_URL_BASE: p("nginxWord", `${MEET_CONF}:112`),
        WHITEBOARD_COLLAB_SERVER_URL_BASE: [...p("nginxWord", `${MEET_CONF}:157`), ...p("switch", `${SETTINGS_JS}:68`)],
        ENABLE_TRANSCRIPTIONS: p("switch", `${SETTINGS_JS}:27`),
        PREFERRED_LANGUAGE: p("jsString", `${SETTINGS_JS}:380`),
        USE_APP_LANGUAGE: p("switch", `${SETTINGS_JS}:31`),
        DIALIN_NUMBERS_URL: p("jsString", `${SETTINGS_JS}:275`),
        CONFCODE_URL: p("jsString", `${SETTINGS_JS}:272`),
        DEPLOYMENTINFO_REGION: p("jsString", `${SETTINGS_JS}:421`),
    },
    prosody: {
        ...EVERY_IMAGE,
        // Also a shell word in the s6 scripts (scripts/config:97, register-setup:134): a fixed name (lib/jitsi.ts), no setting reaches it.
        XMPP_DOMAIN: [...p("luaString", `${JITSI_MEET_LUA}:76`, `${JITSI_MEET_LUA}:123`), ...p("shellWord", "etc/s6-overlay/scripts/config:97", `${REGISTER_SETUP}:134`)],
        XMPP_AUTH_DOMAIN: [...p("luaString", `${JITSI_MEET_LUA}:65`), ...p("shellWord", `${REGISTER_SETUP}:67`)],
        XMPP_MUC_DOMAIN: p("luaString", `${JITSI_MEET_LUA}:307`),
        XMPP_INTERNAL_MUC_DOMAIN: p("luaString", `${JITSI_MEET_LUA}:290`),
        XMPP_GUEST_DOMAIN: p("luaString", `${JITSI_MEET_LUA}:239`),
        XMPP_HIDDEN_DOMAIN: [...p("luaString", `${JITSI_MEET_LUA}:283`), ...p("shellWord", `${REGISTER_SETUP}:99`)],
        XMPP_SERVER: p("luaString", `${VISITORS_LUA}:70`),
        XMPP_PORT: p("luaNumber", `${PROSODY_LUA}:231`),
        PUBLIC_URL: p("luaString", `${JITSI_MEET_LUA}:120`),
        JICOFO_AUTH_PASSWORD: p("shellWord", `${REGISTER_SETUP}:67`),
        JVB_AUTH_PASSWORD: p("shellWord", `${REGISTER_SETUP}:76`),
        JVB_AUTH_USER: [...p("luaString", `${JITSI_MEET_LUA}:66`), ...p("shellWord", `${REGISTER_SETUP}:76`)],
        PROSODY_ENABLE_METRICS: p("switch", `${PROSODY_LUA}:22`),
        PROSODY_METRICS_ALLOWED_CIDR: p("luaString", `${PROSODY_LUA}:349`),
        TURN_HOST: p("luaList", `${PROSODY_LUA}:37`, `${PROSODY_LUA}:367`),
        TURN_PORT: p("luaNumber", `${PROSODY_LUA}:368`),
        TURN_TRANSPORT: p("luaList", `${PROSODY_LUA}:40`, `${PROSODY_LUA}:369`),
        TURNS_HOST: p("luaList", `${PROSODY_LUA}:34`, `${PROSODY_LUA}:394`),
        TURNS_PORT: p("luaNumber", `${PROSODY_LUA}:395`),
        TURN_CREDENTIALS: p("luaString", `${PROSODY_LUA}:353`),
        ENABLE_AUTH: p("switch", `${JITSI_MEET_LUA}:6`),
        AUTH_TYPE: p("switch", `${JITSI_MEET_LUA}:37`),
        ENABLE_GUESTS: p("switch", `${JITSI_MEET_LUA}:11`),
        JWT_APP_ID: p("luaString", `${JITSI_MEET_LUA}:130`, `${JITSI_MEET_LUA}:155`),
        JWT_APP_SECRET: [...p("luaString", `${JITSI_MEET_LUA}:132`, `${JITSI_MEET_LUA}:157`), ...p("switch", `${JITSI_MEET_LUA}:4`)],
        JWT_ACCEPTED_ISSUERS: p("luaList", `${JITSI_MEET_LUA}:86`),
        JWT_ACCEPTED_AUDIENCES: p("luaList", `${JITSI_MEET_LUA}:90`),
        ENABLE_LOBBY: p("switch", `${JITSI_MEET_LUA}:13`),
        ENABLE_BREAKOUT_ROOMS: p("switch", `${JITSI_MEET_LUA}:8`),
        ENABLE_RECORDING: p("switch", `${JITSI_MEET_LUA}:17`),
        JIBRI_XMPP_PASSWORD: [...p("shellWord", `${REGISTER_SETUP}:86`), ...p("switch", `${JITSI_MEET_LUA}:61`)],
        JIBRI_RECORDER_PASSWORD: p("shellWord", `${REGISTER_SETUP}:99`),
        ENABLE_VISITORS: p("switch", `${PROSODY_LUA}:10`),
        VISITORS_XMPP_SERVER: p("luaList", `${PROSODY_LUA}:45`, `${PROSODY_LUA}:274`),
        PROSODY_MODE: p("switch", `${PROSODY_LUA}:26`),
        PROSODY_VISITOR_INDEX: p("luaString", `${VISITORS_LUA}:36`, `${VISITORS_LUA}:93`),
        XMPP_SERVER_S2S_PORT: p("luaString", `${VISITORS_LUA}:70`),
        VISITORS_MAX_VISITORS_PER_NODE: p("luaNumber", `${VISITORS_LUA}:23`, `${VISITORS_LUA}:158`),
        JIGASI_XMPP_PASSWORD: [...p("shellWord", `${REGISTER_SETUP}:125`), ...p("switch", `${JITSI_MEET_LUA}:57`)],
        ENABLE_TRANSCRIPTIONS: p("switch", `${JITSI_MEET_LUA}:20`),
        JIGASI_TRANSCRIBER_PASSWORD: p("shellWord", `${REGISTER_SETUP}:112`),
    },
    jicofo: {
        ...EVERY_IMAGE,
        XMPP_DOMAIN: p("hoconString", `${JICOFO_CONF}:327`),
        XMPP_AUTH_DOMAIN: p("hoconString", `${JICOFO_CONF}:326`),
        XMPP_MUC_DOMAIN: p("hoconString", `${JICOFO_CONF}:330`),
        XMPP_INTERNAL_MUC_DOMAIN: p("hoconString", `${JICOFO_CONF}:115`, `${JICOFO_CONF}:250`),
        XMPP_HIDDEN_DOMAIN: p("hoconList", `${JICOFO_CONF}:45`),
        XMPP_SERVER: p("hoconString", `${JICOFO_CONF}:324`),
        XMPP_PORT: p("hoconString", `${JICOFO_CONF}:325`),
        JICOFO_AUTH_PASSWORD: p("hoconString", `${JICOFO_CONF}:315`, `${JICOFO_CONF}:329`, `${JICOFO_CONF}:341`),
        JVB_BREWERY_MUC: p("hoconString", `${JICOFO_CONF}:115`),
        JICOFO_ENABLE_REST: p("switch", `${JICOFO_CONF}:11`),
        JICOFO_ENABLE_HEALTH_CHECKS: p("switch", `${JICOFO_CONF}:228`),
        ENABLE_OCTO: p("switch", `${JICOFO_CONF}:9`),
        OCTO_BRIDGE_SELECTION_STRATEGY: p("hoconString", `${JICOFO_CONF}:87`),
        JICOFO_OCTO_REGION: p("hoconString", `${JICOFO_CONF}:255`),
        MAX_BRIDGE_PARTICIPANTS: p("hoconString", `${JICOFO_CONF}:67`),
        ENABLE_AUTH: p("switch", `${JICOFO_CONF}:3`),
        AUTH_TYPE: p("switch", `${JICOFO_CONF}:4`),
        ENABLE_RECORDING: p("switch", `${JICOFO_CONF}:7`),
        ENABLE_VISITORS: p("switch", `${JICOFO_CONF}:2`),
        VISITORS_XMPP_SERVER: p("hoconUnquoted", `${JICOFO_CONF}:33`, `${JICOFO_CONF}:310`),
        VISITORS_MAX_PARTICIPANTS: p("hoconNumber", `${JICOFO_CONF}:293`),
        VISITORS_MAX_VISITORS_PER_NODE: p("hoconNumber", `${JICOFO_CONF}:296`),
        JIGASI_SIP_URI: p("switch", `${JICOFO_CONF}:248`),
        JIGASI_BREWERY_MUC: p("hoconString", `${JICOFO_CONF}:250`),
        ENABLE_TRANSCRIPTIONS: p("switch", `${JICOFO_CONF}:8`),
        ENABLE_SHARED_DOCUMENT_RANDOM_NAME: p("switch", `${JICOFO_CONF}:13`),
    },
    jvb: {
        ...EVERY_IMAGE,
        JVB_PORT_BASE: p("process", "the program's JVB_START command (components/jvbPool.ts)"),
        NODE_NAME: p("process", "the program's NODE_ADDRESS_SCRIPT (init container)"),
        XMPP_AUTH_DOMAIN: p("hoconString", `${JVB_CONF}:66`),
        XMPP_INTERNAL_MUC_DOMAIN: p("hoconString", `${JVB_CONF}:69`),
        XMPP_SERVER: p("hoconList", `${JVB_CONF}:27`, `${JVB_CONF}:64`),
        XMPP_PORT: p("hoconString", `${JVB_CONF}:65`),
        JVB_AUTH_USER: p("hoconString", `${JVB_CONF}:67`),
        JVB_AUTH_PASSWORD: p("hoconString", `${JVB_CONF}:54`, `${JVB_CONF}:68`),
        JVB_BREWERY_MUC: p("hoconString", `${JVB_CONF}:69`),
        JVB_ADVERTISE_IPS: p("hoconList", `${JVB_CONF}:14`, `${JVB_CONF}:148`),
        JVB_STUN_SERVERS: p("hoconList", `${JVB_CONF}:129`),
        JVB_DISABLE_STUN: p("switch", `${JVB_CONF}:6`),
        COLIBRI_REST_ENABLED: p("switch", `${JVB_CONF}:1`),
        SHUTDOWN_REST_ENABLED: p("switch", `${JVB_CONF}:21`),
        ENABLE_OCTO: p("switch", `${JVB_CONF}:4`),
        JVB_OCTO_REGION: p("hoconString", `${JVB_CONF}:107`),
        JVB_OCTO_RELAY_ID: p("hoconString", `${JVB_CONF}:108`),
        JVB_ADVERTISE_PRIVATE_CANDIDATES: p("switch", `${JVB_CONF}:12`),
        VIDEOBRIDGE_MAX_MEMORY: p("process", "/usr/share/jitsi-videobridge/jvb.sh (-Xmx)"),
    },
    jibri: {
        ...EVERY_IMAGE,
        XMPP_SERVER: p("hoconList", `${JIBRI_XMPP}:15`, `${JIBRI_XMPP}:29`),
        XMPP_DOMAIN: p("hoconString", `${JIBRI_XMPP}:33`),
        XMPP_AUTH_DOMAIN: p("hoconString", `${JIBRI_XMPP}:50`),
        XMPP_INTERNAL_MUC_DOMAIN: p("hoconString", `${JIBRI_XMPP}:43`),
        XMPP_MUC_DOMAIN: p("hoconString", `${JIBRI_XMPP}:4`),
        XMPP_HIDDEN_DOMAIN: p("hoconString", `${JIBRI_XMPP}:58`),
        PUBLIC_URL: p("hoconString", `${JIBRI_XMPP}:37`),
        JIBRI_XMPP_PASSWORD: p("hoconString", `${JIBRI_XMPP}:53`),
        JIBRI_RECORDER_PASSWORD: p("hoconString", `${JIBRI_XMPP}:60`),
        JIBRI_INSTANCE_ID: p("hoconString", "defaults/jibri.conf:16", `${JIBRI_XMPP}:45`),
        DISPLAY: p("process", "etc/s6-overlay/scripts/xorg:3"),
        JIBRI_ENABLE_PROMETHEUS: p("switch", "defaults/jibri.conf:2"),
        IGNORE_CERTIFICATE_ERRORS: p("switch", "defaults/jibri.conf:1"),
    },
    jigasi: {
        ...EVERY_IMAGE,
        XMPP_SERVER: p("propertiesList", `${SIP}:6`, `${SIP}:33`),
        XMPP_DOMAIN: p("propertiesValue", `${SIPSERVER}:63`),
        XMPP_AUTH_DOMAIN: p("propertiesValue", `${SIPSERVER}:70`),
        XMPP_MUC_DOMAIN: p("propertiesValue", `${SIP}:53`),
        XMPP_INTERNAL_MUC_DOMAIN: p("propertiesValue", `${XMPP_SIP}:67`),
        XMPP_GUEST_DOMAIN: p("propertiesValue", `${SIPSERVER}:67`),
        XMPP_HIDDEN_DOMAIN: p("propertiesValue", `${TRANSCRIBER}:8`),
        PUBLIC_URL: p("propertiesValue", `${TRANSCRIBER}:20`, `${XMPP_SIP}:64`),
        JIGASI_MODE: p("switch", "etc/s6-overlay/scripts/config:15"),
        JIGASI_XMPP_PASSWORD: [...p("propertiesValue", `${SIPSERVER}:73`), ...p("base64", `${XMPP_SIP}:23`)],
        JIGASI_BREWERY_MUC: p("propertiesValue", `${XMPP_SIP}:63`),
        BOSH_URL_PATTERN: p("propertiesValue", `${SIP}:67`),
        JIGASI_INSTANCE_ID: p("process", "etc/s6-overlay/scripts/config:23"),
        SHUTDOWN_REST_ENABLED: p("switch", `${SIP}:9`),
        JIGASI_ENABLE_REST: p("switch", `${SIP}:12`),
        JIGASI_SIP_URI: p("propertiesValue", `${SIPSERVER}:31`, `${SIPSERVER}:35`),
        JIGASI_SIP_PASSWORD: p("base64", `${SIPSERVER}:32`),
        JIGASI_SIP_SERVER: p("propertiesValue", `${SIPSERVER}:14`, `${SIPSERVER}:34`),
        JIGASI_SIP_PORT: p("propertiesValue", `${SIPSERVER}:16`),
        JIGASI_SIP_TRANSPORT: p("propertiesValue", `${SIPSERVER}:17`),
        JIGASI_SIP_DEFAULT_ROOM: p("propertiesValue", `${SIP}:50`),
        ENABLE_AUTH: p("switch", `${SIPSERVER}:65`),
        ENABLE_GUESTS: p("switch", `${SIPSERVER}:66`),
        JIGASI_TRANSCRIBER_PASSWORD: p("propertiesValue", `${TRANSCRIBER}:9`),
        JIGASI_TRANSCRIBER_CUSTOM_SERVICE: p("propertiesValue", `${TRANSCRIBER}:31`),
        JIGASI_TRANSCRIBER_VOSK_URL: p("propertiesValue", `${TRANSCRIBER}:70`),
        JIGASI_TRANSCRIBER_WHISPER_URL: p("propertiesValue", `${TRANSCRIBER}:61`),
        JIGASI_TRANSCRIBER_ENABLE_SAVING: p("switch", `${TRANSCRIBER}:4`),
        JIGASI_MAX_MEMORY: p("process", "/usr/share/jigasi/jigasi.sh (-Xmx)"),
        JIGASI_PORT_MIN: p("process", "etc/s6-overlay/scripts/jigasi:6"),
        JIGASI_PORT_MAX: p("process", "etc/s6-overlay/scripts/jigasi:6"),
        JIGASI_HEALTH_CHECK_SIP_URI: p("propertiesValue", `${SIP}:28`),
        JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY_NAME: p("propertiesValue", `${TRANSCRIBER}:64`),
        JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY: p("propertiesValue", `${TRANSCRIBER}:67`),
    },
};

export type ImageVariable = `${keyof typeof ENV_CONTEXTS}/${string}`;

/**
 * Settings (and secret settings) whose value reaches a variable above, as text; settings that reach
 * only switches, numbers or enums are left out (a number or a fixed word is carried by every context).
 */
export const SETTING_REACHES: Record<string, ImageVariable[]> = {
    hosts: ["web/PUBLIC_URL", "prosody/PUBLIC_URL", "jibri/PUBLIC_URL", "jigasi/PUBLIC_URL"],
    "shards[].name": [
        "jicofo/JICOFO_OCTO_REGION", "jvb/JVB_OCTO_REGION", "jicofo/XMPP_SERVER", "jvb/XMPP_SERVER", "web/XMPP_BOSH_URL_BASE",
        "jibri/XMPP_SERVER", "jigasi/XMPP_SERVER", "prosody/XMPP_SERVER", "prosody/VISITORS_XMPP_SERVER", "jicofo/VISITORS_XMPP_SERVER",
    ],
    // With clusters set the region, not the shard's name, is jicofo's and the bridges' region.
    "clusters.<name>.region": ["jicofo/JICOFO_OCTO_REGION", "jvb/JVB_OCTO_REGION", "web/DEPLOYMENTINFO_REGION"],
    clusterDomain: [
        "web/ETHERPAD_URL_BASE", "web/WHITEBOARD_COLLAB_SERVER_URL_BASE", "jigasi/BOSH_URL_PATTERN", "jigasi/JIGASI_TRANSCRIBER_VOSK_URL",
        // the visitor node's and the main prosody's s2s targets, fully qualified (libunbound uses no search list)
        "prosody/XMPP_SERVER", "prosody/VISITORS_XMPP_SERVER",
    ],
    "namespaces.jitsi": [
        "web/ETHERPAD_URL_BASE", "web/WHITEBOARD_COLLAB_SERVER_URL_BASE", "jigasi/BOSH_URL_PATTERN", "jigasi/JIGASI_TRANSCRIBER_VOSK_URL",
        // the visitor node's and the main prosody's s2s targets, fully qualified (libunbound uses no search list)
        "prosody/XMPP_SERVER", "prosody/VISITORS_XMPP_SERVER",
    ],
    "auth.jwt.appId": ["prosody/JWT_APP_ID"],
    "auth.jwt.acceptedIssuers": ["prosody/JWT_ACCEPTED_ISSUERS"],
    "auth.jwt.acceptedAudiences": ["prosody/JWT_ACCEPTED_AUDIENCES"],
    "turn.host": ["prosody/TURN_HOST", "prosody/TURNS_HOST"],
    "turn.external.host": ["prosody/TURN_HOST", "prosody/TURNS_HOST"],
    "jvb.publicIps": ["jvb/JVB_ADVERTISE_IPS"],
    "jvb.stunServers": ["jvb/JVB_STUN_SERVERS"],
    "web.p2p.stunServers": ["web/P2P_STUN_SERVERS"],
    "web.defaultLanguage": ["web/DEFAULT_LANGUAGE"],
    "transcription.language": ["web/PREFERRED_LANGUAGE"],
    "transcription.url": ["jigasi/JIGASI_TRANSCRIBER_WHISPER_URL", "jigasi/JIGASI_TRANSCRIBER_VOSK_URL"],
    "jigasi.dialIn.numbersUrl": ["web/DIALIN_NUMBERS_URL"],
    "jigasi.dialIn.confCodeUrl": ["web/CONFCODE_URL"],
    "jigasi.sip.uri": ["jigasi/JIGASI_SIP_URI"],
    "jigasi.sip.server": ["jigasi/JIGASI_SIP_SERVER"],
    "jigasi.sip.defaultRoom": ["jigasi/JIGASI_SIP_DEFAULT_ROOM"],
    "jigasi.healthCheckSipUri": ["jigasi/JIGASI_HEALTH_CHECK_SIP_URI"],
    "transcription.whisper.keyName": ["jigasi/JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY_NAME"],
};

/** Secret settings: the variables each reaches (config/load.ts SECRET_CONTEXTS must follow from these). */
export const SECRET_REACHES: Record<string, ImageVariable[]> = {
    jicofoAuthPassword: ["jicofo/JICOFO_AUTH_PASSWORD", "prosody/JICOFO_AUTH_PASSWORD"],
    jvbAuthPassword: ["jvb/JVB_AUTH_PASSWORD", "prosody/JVB_AUTH_PASSWORD"],
    jibriXmppPassword: ["jibri/JIBRI_XMPP_PASSWORD", "prosody/JIBRI_XMPP_PASSWORD"],
    jibriRecorderPassword: ["jibri/JIBRI_RECORDER_PASSWORD", "prosody/JIBRI_RECORDER_PASSWORD"],
    jigasiXmppPassword: ["jigasi/JIGASI_XMPP_PASSWORD", "prosody/JIGASI_XMPP_PASSWORD"],
    jigasiTranscriberPassword: ["jigasi/JIGASI_TRANSCRIBER_PASSWORD", "prosody/JIGASI_TRANSCRIBER_PASSWORD"],
    turnSharedSecret: ["prosody/TURN_CREDENTIALS"],
    jwtAppSecret: ["prosody/JWT_APP_SECRET"],
    jigasiSipPassword: ["jigasi/JIGASI_SIP_PASSWORD"],
    jigasiWhisperPrivateKey: ["jigasi/JIGASI_TRANSCRIBER_WHISPER_PRIVATE_KEY"],
};

/** The contexts a variable's value lands in. */
export function contextsOf(variable: ImageVariable): Context[] {
    const [image, name] = variable.split("/") as [keyof typeof ENV_CONTEXTS, string];
    const placements = ENV_CONTEXTS[image][name];
    if (!placements) throw new Error(`${variable} is not in ENV_CONTEXTS`);
    return [...new Set(placements.map((pl) => pl.context))];
}
