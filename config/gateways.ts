/**
 * Phones and captions, off by default: Jigasi's SIP gateway (dial-in, dial-out) and Jigasi's transcriber
 * (live captions from a speech-to-text server). Switching either on or off changes every shard's
 * prosody and jicofo: it ends every meeting. The SIP account and the dial-in pages do not.
 */
import { createPrivateKey } from "crypto";
import { isIP } from "net";
import { z } from "zod";
import { SIP_TRANSPORTS, TRANSCRIPTION_BACKENDS, VOSK_IMAGES, VoskLanguage } from "./defaults";
import { hostnameOrAddress, imageUrl, memory, pinnedImage, port, storageClass } from "./primitives";
import type { ParsedSettings } from "./schema";

/** A SIP address of record, user@host, as the provider gives it (without the sip: scheme). */
const sipUri = z
    .string()
    .regex(/^[A-Za-z0-9._+~-]+@[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/, "must be a SIP account as user@host, such as 4930123456@sip.provider.net (no sip: prefix)");

/** A room name as jitsi-meet makes it: lower case, the characters prosody's nodeprep keeps in a room JID. */
const roomName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be a room name of lower-case letters, digits, '.', '_' and '-'");

/** A dial-in service URL: web's config.js carries it in '...' to every visitor's browser, which fetches it. */
const httpsUrl = imageUrl({
    schemes: ["https"],
    example: "https://dialin.example.org/numbers",
    fqdn: true,
    contexts: ["jsString"],
    credentialsAdvice: "config.js serves it to every visitor's browser, so it cannot keep a secret; serve the list without a login (it holds only phone numbers and PINs of the meeting asked for)",
    query: false,
});

/** The speech-to-text server: a value in Jigasi's sip-communicator.properties, in clear in the pod spec. */
const websocketUrl = imageUrl({
    schemes: ["wss", "ws"],
    example: "wss://whisper.example.org/streaming-whisper/ws",
    fqdn: false,
    contexts: ["propertiesValue"],
    credentialsAdvice: "it is written in clear into the transcribers' pod spec and Jigasi's configuration, and Jigasi has no secret setting for it; reach the server on the cluster's network and restrict it by NetworkPolicy or source address",
});

export const gatewaySettings = {
    /**
     * Telephone participants through Jigasi, the SIP gateway: one pool for the stack, registered with the
     * provider under `sip.uri` and in every shard's brewery, so a caller reaches any shard's meeting and,
     * with dialOut, a moderator on any shard can dial out. The password is the secret setting jigasiSipPassword.
     */
    jigasi: z
        .strictObject({
            enabled: z.boolean().default(false),
            /** Gateways registered under the one SIP account; more than one needs a provider that takes several registrations. */
            replicas: z.number().int().min(1, "must be at least 1").max(10, "must be at most 10").default(1),
            sip: z
                .strictObject({
                    uri: sipUri.optional(),
                    /** The provider's registrar or proxy, by name or IP address; unset, the SIP stack finds it from the URI's domain (DNS SRV). */
                    server: hostnameOrAddress.optional(),
                    /** The proxy's port and transport (the image's defaults 5060, UDP): the image writes them only with `server`. */
                    port: port.optional(),
                    transport: z.enum(SIP_TRANSPORTS).optional(),
                    /** The room a call without an X-Room-Name header joins. */
                    defaultRoom: roomName.optional(),
                })
                .prefault({}),
            /**
             * Dial-in: the user's own services that list the phone numbers and map a meeting to its PIN
             * (docs/runbook.md says what they must answer). Web shows the numbers and PIN in the invite dialog.
             */
            dialIn: z
                .strictObject({ numbersUrl: httpsUrl.optional(), confCodeUrl: httpsUrl.optional() })
                .prefault({}),
            /**
             * Dial-out, off: a moderator's "invite by phone" calls any number at the account's expense. With
             * anonymous meetings every visitor may open a room and be its moderator, so switching it on then
             * also needs acceptTollFraudRisk.
             */
            dialOut: z
                .strictObject({ enabled: z.boolean().default(false), acceptTollFraudRisk: z.boolean().default(false) })
                .prefault({}),
            /**
             * A SIP address the gateway calls every 5 minutes to test itself (HEALTH_CHECK_SIP_URI); a gateway whose
             * last test call failed is then not ready. Unset, ready means registered with the provider.
             */
            healthCheckSipUri: sipUri.optional(),
            /** How long a gateway asked to stop may carry its calls before it is killed. */
            drainGracePeriodSeconds: z.number().int().min(60).max(24 * 3600).default(2 * 3600),
        })
        .prefault({}),
    /**
     * Live captions: Jigasi in transcriber mode joins a meeting when a participant asks for captions and
     * streams each speaker's audio to a speech-to-text server: `url` (WebSocket), or with backend vosk and
     * no url a Vosk server the stack runs for `language`.
     */
    transcription: z
        .strictObject({
            enabled: z.boolean().default(false),
            backend: z.enum(TRANSCRIPTION_BACKENDS).default("vosk"),
            url: websocketUrl.optional(),
            /** The meetings' spoken language (BCP 47): the captions' language, and the Vosk model the stack runs. */
            language: z.string().regex(/^[a-z]{2,3}-[A-Z]{2}$/, "must be a language tag such as en-US or de-DE").default("en-US"),
            /**
             * Transcribers. jicofo gives each captioned meeting to the least busy one, with no cap
             * (JigasiDetector.selectTranscriber), so one serves many meetings: CPU, memory and the
             * speech-to-text server bound them, not this number.
             */
            replicas: z.number().int().min(1, "must be at least 1").max(20, "must be at most 20").default(1),
            /** Keep a text transcript of each captioned meeting, on a volume per transcriber. Off: captions only. */
            saveTranscripts: z.boolean().default(false),
            storage: memory.default("5Gi"),
            storageClass: storageClass.optional(),
            /**
             * Whisper (jitsi's skynet) refuses a stream without a JWT unless run with BYPASS_AUTHORIZATION: the
             * transcriber signs one only with a key, named here (the JWT's kid, by which skynet finds the public
             * key) and held in the secret setting jigasiWhisperPrivateKey.
             */
            whisper: z.strictObject({ keyName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._\/-]{0,127}$/, "must be a key id of letters, digits, '.', '_', '/' and '-'").optional() }).prefault({}),
            vosk: z
                .strictObject({
                    /** The Vosk server's image; unset, alphacep's image for `language` (published as latest only). */
                    image: pinnedImage.optional(),
                })
                .prefault({}),
        })
        .prefault({}),
};

type TranscriptionSettings = z.output<typeof gatewaySettings.transcription>;

/**
 * The Vosk server's image when the stack runs one (captions on, backend vosk, no url of the user's):
 * `vosk.image`, else alphacep's image for the language (`latest`, the only tag alphacep publishes);
 * undefined when the stack runs none, or when no image is known for the language.
 */
export function stackVoskImage(t: TranscriptionSettings): string | undefined {
    if (!t.enabled || t.url !== undefined || t.backend !== "vosk") return undefined;
    return t.vosk.image ?? VOSK_IMAGES[t.language as VoskLanguage]?.image;
}

/** skynet's streaming endpoint, to which jigasi appends "/<meeting id>" (jitsi/skynet docs/streaming_whisper_module.md; WhisperWebsocket.generateWebsocketUrl). */
export const WHISPER_PATH = "/streaming-whisper/ws";

/**
 * The key jigasi signs skynet's JWT with: Util.generateAsapToken decodes it with java.util.Base64's basic
 * decoder (one line, no PEM armour) as PKCS#8 and signs RS256, so it must be an RSA key in that form.
 */
export function whisperKeyProblem(key: string): string | undefined {
    const form = "must be the RSA private key as one line of base64 PKCS#8 DER ('openssl pkcs8 -topk8 -nocrypt -in key.pem -outform DER | base64 -w0')";
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return form;
    try {
        const parsed = createPrivateKey({ key: Buffer.from(key, "base64"), format: "der", type: "pkcs8" });
        return parsed.asymmetricKeyType === "rsa" ? undefined : `${form}; this is a ${parsed.asymmetricKeyType} key`;
    } catch {
        return form;
    }
}

/**
 * Phones: port and transport reach jigasi only with a server (sipserver-sip-communicator.properties writes
 * PROXY_PORT and PREFERRED_TRANSPORT inside `if .Env.JIGASI_SIP_SERVER`); dial-out only with the gateway,
 * and with anonymous meetings only when its cost is accepted.
 */
export function checkPhoneSettings(cfg: ParsedSettings, ctx: z.RefinementCtx): void {
    const { jigasi } = cfg;
    const refuse = (path: string[], input: unknown, message: string) => ctx.addIssue({ code: "custom", path: ["jigasi", ...path], input, message });
    for (const key of ["port", "transport"] as const) {
        if (jigasi.sip[key] !== undefined && jigasi.sip.server === undefined) {
            refuse(["sip", key], jigasi.sip[key], "needs jigasi.sip.server: the image writes the proxy's port and transport only with a server; without one the SIP stack finds both from the URI's domain (DNS SRV)");
        }
    }
    if (jigasi.sip.server !== undefined && isIP(jigasi.sip.server) !== 0 && jigasi.sip.transport === "TLS") {
        refuse(["sip", "server"], jigasi.sip.server, "is an IP address, and jigasi.sip.transport is TLS: the provider's certificate names its host; give that DNS name, or another transport");
    }
    const dialOut = jigasi.dialOut;
    if (dialOut.enabled && !jigasi.enabled) refuse(["dialOut", "enabled"], true, "needs jigasi.enabled: dial-out goes through the SIP gateway");
    if (dialOut.acceptTollFraudRisk && !dialOut.enabled) refuse(["dialOut", "acceptTollFraudRisk"], true, "is read only with jigasi.dialOut.enabled");
    if (jigasi.enabled && dialOut.enabled && cfg.auth.type === "anonymous" && !dialOut.acceptTollFraudRisk) {
        refuse(
            ["dialOut", "enabled"],
            true,
            'with auth.type "anonymous" lets anyone who opens the site create a room, be its moderator and have the gateway call any number ' +
                "at your SIP account's expense (toll fraud); use auth.type internal or jwt, or limit the numbers at your provider and set " +
                "jigasi.dialOut.acceptTollFraudRisk true",
        );
    }
}

/** Whisper (skynet): a URL jigasi can append the meeting id to, and a key to sign the JWT with. */
export function checkWhisper(t: TranscriptionSettings, ctx: z.RefinementCtx): void {
    // A URL refused on its own (scheme, host, credentials) is reported once, there.
    if (t.url !== undefined && websocketUrl.safeParse(t.url).success) {
        // A bare '?' or any '#' survives URL parsing with an empty search: jigasi would append the id to the query or fragment.
        const url = new URL(t.url);
        if (/[?#]/.test(t.url) || !url.pathname.replace(/\/$/, "").endsWith(WHISPER_PATH)) {
            ctx.addIssue({
                code: "custom",
                path: ["transcription", "url"],
                input: t.url,
                message: `must end in skynet's streaming path ${WHISPER_PATH}, without a query or fragment, such as wss://skynet.example.org${WHISPER_PATH}: jigasi appends /<meeting id> to it`,
            });
        }
    }
    if (t.whisper.keyName === undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["transcription", "whisper", "keyName"],
            input: undefined,
            message:
                "is required with backend whisper: skynet refuses a stream without a JWT, which the transcriber signs only with a key; " +
                "give the key's id (kid) skynet knows its public key by, and the key as the secret setting jigasiWhisperPrivateKey",
        });
    }
}

/** The transcriber streams to a Whisper server: it then needs the JWT key. */
export function whisperRuns(cfg: { transcription: TranscriptionSettings }): boolean {
    return cfg.transcription.enabled && cfg.transcription.backend === "whisper";
}
