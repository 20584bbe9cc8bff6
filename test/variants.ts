/** Stack configurations that together switch every optional part on and off, for whole-stack checks. */
import { generateKeyPairSync } from "crypto";
import { readStackFile, runProgram, StackConfig, withConfig } from "./harness";
import { objects, Obj } from "./objects";

const production = () => readStackFile("production");

/** Every Alertmanager receiver, with its credentials as secret settings. */
export const ALL_RECEIVERS = {
    email: { to: "oncall@school.example", from: "alerts@school.example", smarthost: "smtp.school.example:587", username: "alerts" },
    webhook: {},
    chat: { channel: "#jitsi" },
};
export const RECEIVER_SECRETS = {
    "jitsi:alertEmailPassword": "smtp-password-value",
    "jitsi:alertWebhookUrl": "https://hooks.example/alert-token-value",
    "jitsi:alertChatWebhookUrl": "https://chat.example/hooks/chat-token-value",
};

/** Secret settings of the access variants: recognisable, so tests can look for them in plain text. */
export const JWT_SECRET = "jwt-app-secret-value-0123456789";
export const USER_PASSWORDS = { alice: "alice-password-value", "bob.teacher": "bob password with spaces" };

/**
 * One stack per auth type, and production with every extra on: who may meet, shared notes, the
 * whiteboard and recording. All start from the real stack files.
 */
export const ACCESS_VARIANTS: Record<"anonymous" | "internal" | "jwt" | "all extras", () => StackConfig> = {
    anonymous: () => readStackFile("development"),
    internal: () =>
        withConfig(
            readStackFile("development"),
            {
                "jitsi:auth": { type: "internal", guests: true, users: Object.keys(USER_PASSWORDS), storageClass: "fast-ssd" },
                "jitsi:meetings": { lobby: false },
                "jitsi:internalUserPasswords": USER_PASSWORDS,
            },
            ["jitsi:internalUserPasswords"],
        ),
    jwt: () =>
        withConfig(
            readStackFile("development"),
            {
                "jitsi:auth": {
                    type: "jwt",
                    jwt: { appId: "school-portal", acceptedIssuers: ["portal", "lms"], acceptedAudiences: ["jitsi"] },
                },
                "jitsi:jwtAppSecret": JWT_SECRET,
            },
            ["jitsi:jwtAppSecret"],
        ),
    "all extras": () =>
        withConfig(
            production(),
            {
                "jitsi:auth": { type: "jwt", guests: true, jwt: { appId: "school-portal" } },
                "jitsi:meetings": { breakoutRooms: false },
                "jitsi:etherpad": { enabled: true, storage: "5Gi" },
                "jitsi:whiteboard": { enabled: true },
                "jitsi:jibri": { enabled: true, replicas: { min: 1, max: 4 }, nodeSelector: { "jitsi.example.org/recording": "true" }, storage: "50Gi" },
                "jitsi:jwtAppSecret": JWT_SECRET,
            },
            ["jitsi:jwtAppSecret"],
        ),
};

/** Large events: two visitor nodes per shard, with every setting given. */
export const VISITORS = { enabled: true, nodesPerShard: 2, maxParticipants: 40, maxVisitorsPerNode: 300 };
export const visitorsVariant = () => withConfig(production(), { "jitsi:visitors": VISITORS });

/** Phones and captions: the SIP account's password is a secret setting, recognisable in plain text. */
export const SIP_PASSWORD = "sip-account-password-value";
export const JIGASI = {
    enabled: true,
    replicas: 2,
    sip: { uri: "4930123456@sip.provider.example", server: "sip.provider.example", port: 5061, transport: "TLS", defaultRoom: "welcome" },
    dialIn: { numbersUrl: "https://phone.school.example/numbers", confCodeUrl: "https://phone.school.example/pin" },
};
/** The Vosk image as a deployed stack pins it (by digest; `pulumi up` refuses alphacep's bare latest). */
export const PINNED_VOSK = `alphacep/kaldi-en@sha256:${"5".repeat(64)}`;
export const WHISPER_URL = "wss://skynet.school.example/streaming-whisper/ws";
/** The key the transcriber signs skynet's JWT with, as jigasi reads it: base64 PKCS#8 DER of an RSA key. */
export const WHISPER_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
export const WHISPER_KEY_NAME = "jitsi/skynet-school";

/** The three ways phones and captions are used: SIP only, captions from the stack's Vosk, captions from an external Whisper. */
export const GATEWAY_VARIANTS: Record<"SIP only" | "transcription with Vosk" | "transcription with external Whisper", () => StackConfig> = {
    "SIP only": () => withConfig(production(), { "jitsi:jigasi": JIGASI, "jitsi:jigasiSipPassword": SIP_PASSWORD }, ["jitsi:jigasiSipPassword"]),
    "transcription with Vosk": () => withConfig(production(), { "jitsi:transcription": { enabled: true, language: "de-DE", saveTranscripts: true, storage: "20Gi" } }),
    "transcription with external Whisper": () =>
        withConfig(
            readStackFile("development"),
            { "jitsi:transcription": { enabled: true, backend: "whisper", url: WHISPER_URL, replicas: 2, whisper: { keyName: WHISPER_KEY_NAME } }, "jitsi:jigasiWhisperPrivateKey": WHISPER_KEY },
            ["jitsi:jigasiWhisperPrivateKey"],
        ),
};

/** Settings that switch on both gateways (the SIP password, a secret setting, included). */
export const EVERY_GATEWAY = {
    "jitsi:jigasi": JIGASI,
    "jitsi:jigasiSipPassword": SIP_PASSWORD,
    "jitsi:transcription": { enabled: true, vosk: { image: PINNED_VOSK } },
};

/** Phones and captions together, with internal accounts and visitors: every switch the gateways touch at once. */
export const allGatewaysVariant = () =>
    withConfig(
        ACCESS_VARIANTS.internal(),
        {
            "jitsi:jigasi": JIGASI,
            "jitsi:jigasiSipPassword": SIP_PASSWORD,
            "jitsi:transcription": { enabled: true, saveTranscripts: true, vosk: { image: PINNED_VOSK } },
            "jitsi:jibri": { enabled: true },
            // Internal accounts: visitors run only with the operator's word that they join without logging in.
            "jitsi:visitors": { enabled: true, allowAnonymous: true },
        },
        ["jitsi:jigasiSipPassword"],
    );

/** Two regions of two shards each (config/clusters.ts): the regional parts of the program (stack/clusters.ts). */
export const REGION_EU = { region: "eu-west", context: "eu-admin", hosts: ["eu.meet.school.example"], turn: { host: "turn-eu.school.example", publicIp: "198.51.100.10" } };
export const REGION_US = { region: "us-east", context: "us-admin", hosts: ["us.meet.school.example"], turn: { host: "turn-us.school.example", publicIp: "198.51.100.20" } };
/** Several clusters need DNS-01 for the shared hosts (config/dns01.ts; test/dns01.test.ts tests it). */
export const CLOUDFLARE_TOKEN = "cloudflare-api-token-value-0123456789abcdef";
export function twoRegionsVariant(extra: Record<string, unknown> = {}): StackConfig {
    const base = production();
    return withConfig(base, {
        "jitsi:clusters": { eu: REGION_EU, us: REGION_US },
        "jitsi:shards": [{ name: "shard-0", cluster: "eu" }, { name: "shard-1", cluster: "eu" }, { name: "shard-2", cluster: "us" }, { name: "shard-3", cluster: "us" }],
        "jitsi:tls": { ...JSON.parse(base.values["jitsi:tls"]), dns01: { provider: "cloudflare" } },
        "jitsi:acmeDns01Credential": CLOUDFLARE_TOKEN,
        ...extra,
    }, ["jitsi:acmeDns01Credential"]);
}

export const STACK_VARIANTS: Record<string, () => Promise<Obj[]>> = {
    "production with phones and captions (Vosk)": async () =>
        objects(await runProgram(withConfig(GATEWAY_VARIANTS["SIP only"](), { "jitsi:transcription": { enabled: true, vosk: { image: PINNED_VOSK } } }))),
    "development with internal accounts, phones, captions, Jibri and visitors": async () => objects(await runProgram(allGatewaysVariant())),
    "production with visitors": async () => objects(await runProgram(visitorsVariant())),
    development: async () => objects(await runProgram(readStackFile("development"))),
    production: async () => objects(await runProgram(production())),
    "production with load test and dashboard": async () =>
        objects(
            await runProgram(
                withConfig(production(), {
                    "jitsi:loadTest": { enabled: true, seleniumNodes: 2, sessionsPerNode: 4 },
                    "jitsi:ops": { dashboard: { enabled: true } },
                }),
            ),
        ),
    "production with every extra (jwt, Etherpad, whiteboard, Jibri)": async () => objects(await runProgram(ACCESS_VARIANTS["all extras"]())),
    "development with internal accounts": async () => objects(await runProgram(ACCESS_VARIANTS.internal())),
    "production without monitoring": async () => objects(await runProgram(withConfig(production(), { "jitsi:monitoring": { enabled: false } }))),
    "production with alert receivers, external TURN and relay off": async () =>
        objects(
            await runProgram(
                withConfig(
                    production(),
                    {
                        "jitsi:monitoring": { alerts: { receivers: ALL_RECEIVERS } },
                        "jitsi:turn": { external: { host: "turn.provider.example", tlsPort: 443 } },
                        "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, relay: { enabled: false } },
                        ...RECEIVER_SECRETS,
                        "jitsi:turnSharedSecret": "configured-turn-secret",
                    },
                    [...Object.keys(RECEIVER_SECRETS), "jitsi:turnSharedSecret"],
                ),
            ),
        ),
};
