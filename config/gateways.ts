/**
 * Phones and captions, off by default: Jigasi's SIP gateway (dial-in, dial-out) and Jigasi's transcriber
 * (live captions from a speech-to-text server). Switching either on or off changes every shard's
 * prosody and jicofo: it ends every meeting. The SIP account and the dial-in pages do not.
 */
import { z } from "zod";
import { SIP_TRANSPORTS, TRANSCRIPTION_BACKENDS, VOSK_IMAGES, VoskLanguage } from "./defaults";
import { hostname, memory, port, storageClass } from "./primitives";

/** A SIP address of record, user@host, as the provider gives it (without the sip: scheme). */
const sipUri = z
    .string()
    .regex(/^[A-Za-z0-9._+~-]+@[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/, "must be a SIP account as user@host, such as 4930123456@sip.provider.net (no sip: prefix)");

/** A room name as jitsi-meet makes it: lower case, the characters prosody's nodeprep keeps in a room JID. */
const roomName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be a room name of lower-case letters, digits, '.', '_' and '-'");

const httpsUrl = z.url({ protocol: /^https$/, hostname: z.regexes.domain }).refine((u) => !u.includes("?"), "must be an https:// URL without a query: jitsi-meet adds its own");

const websocketUrl = z.url({ protocol: /^wss?$/ });

/** An image pinned by a tag other than latest, by digest, or both. */
const pinnedImage = z
    .string()
    .regex(/^[a-z0-9./-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$/, "must be an image reference such as alphacep/kaldi-de@sha256:<digest>")
    .refine((i) => i.includes("@sha256:") || (/:[^/]+$/.test(i) && !i.endsWith(":latest")), "must pin the image by digest (@sha256:...) or by a tag other than latest");

export const gatewaySettings = {
    /**
     * Telephone participants through Jigasi, the SIP gateway: one pool for the stack, registered with the
     * provider under `sip.uri` and in every shard's brewery, so a moderator on any shard can dial out and a
     * caller reaches any shard's meeting. The password is the secret setting jigasiSipPassword.
     */
    jigasi: z
        .strictObject({
            enabled: z.boolean().default(false),
            /** Gateways registered under the one SIP account; more than one needs a provider that takes several registrations. */
            replicas: z.number().int().min(1, "must be at least 1").max(10, "must be at most 10").default(1),
            sip: z
                .strictObject({
                    uri: sipUri.optional(),
                    /** The provider's registrar or proxy; unset, the SIP stack finds it from the URI's domain (DNS SRV). */
                    server: hostname.optional(),
                    port: port.default(5060),
                    transport: z.enum(SIP_TRANSPORTS).default("UDP"),
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
            /** Transcribers: each serves one meeting with captions at a time. */
            replicas: z.number().int().min(1, "must be at least 1").max(20, "must be at most 20").default(1),
            /** Keep a text transcript of each captioned meeting, on a volume per transcriber. Off: captions only. */
            saveTranscripts: z.boolean().default(false),
            storage: memory.default("5Gi"),
            storageClass: storageClass.optional(),
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
