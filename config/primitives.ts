/** Value types the settings share: names, quantities, addresses, resources; each with its message. */
import { isIP } from "net";
import { z } from "zod";
import { cpuCores, isCpuQuantity, isMemoryQuantity, memoryBytes } from "../lib/quantity";

export const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
export const DNS_LABEL = /^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$/;
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * A host clients reach by name: Ingress rules, TLS certificates and TURN's TLS take DNS names only. An
 * address (`1.2.3.4` matches the DNS pattern) is refused here rather than by the cluster at apply.
 */
export const hostname = z.string().superRefine((host, ctx) => {
    if (isIP(host.replace(/^\[|\]$/g, "")) !== 0) {
        ctx.addIssue({ code: "custom", input: host, message: "is an IP address; give a DNS name such as meet.example.org (Ingress rules and TLS certificates name hosts, not addresses)" });
    } else if (!DNS_NAME.test(host) || /\.[0-9]+$/.test(host)) {
        ctx.addIssue({ code: "custom", input: host, message: "must be a fully qualified DNS name in lower case, such as meet.example.org" });
    }
});

/**
 * A server reached by name or address from inside a pod, where no Ingress or certificate names it: a DNS
 * name as for `hostname`, or an IPv4 or IPv6 address as written (no brackets). SIP providers often give an
 * address; Jigasi's account properties SERVER_ADDRESS and PROXY_ADDRESS take one (jigasi-home's
 * sip-communicator.properties sets its XMPP accounts' SERVER_ADDRESS=127.0.0.1).
 */
export const hostnameOrAddress = z.string().superRefine((host, ctx) => {
    if (isIP(host) !== 0) return;
    if (!DNS_NAME.test(host) || /\.[0-9]+$/.test(host)) {
        ctx.addIssue({ code: "custom", input: host, message: "must be a fully qualified DNS name in lower case, such as sip.example.org, or an IP address such as 192.0.2.10" });
    }
});

/**
 * A Kubernetes label value (topology.kubernetes.io/zone is matched against one): at most 63 characters,
 * letters, digits, '-', '_' and '.', starting and ending with a letter or digit. Anything else could
 * never match a node, and no pod of the shard would schedule.
 */
export const labelValue = z
    .string()
    .regex(/^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, "must be a Kubernetes label value such as europe-west1-b: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");

export const imageTag = z
    .string()
    .regex(IMAGE_TAG, "must be an image tag such as stable-11146-2")
    .refine((t) => t !== "latest", "must pin a version: 'latest' is not allowed");

/** IANA zones as Node's ICU knows them (canonical names), and UTC, which ICU lists under Etc/. */
const TIME_ZONES = new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);

export const timezone = z.string().superRefine((tz, ctx) => {
    if (TIME_ZONES.has(tz)) return;
    const near = [...TIME_ZONES].filter((z) => z.toLowerCase() === tz.toLowerCase() || editDistance(z, tz) <= 2);
    ctx.addIssue({
        code: "custom",
        input: tz,
        message: `must be an IANA time zone such as Europe/Berlin or UTC${near.length > 0 ? ` (did you mean ${near.slice(0, 3).join(", ")}?)` : ""}`,
    });
});

/** Levenshtein distance, for suggesting the zone a typo meant. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/**
 * An image reference as the container runtimes parse it (distribution/reference): an optional registry
 * (a name with a dot, `localhost`, or any name with a port, such as registry:5000), the repository path
 * in lower case, then a tag and/or a digest.
 */
const REGISTRY = String.raw`(?:localhost|[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?)`;
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const REPOSITORY = String.raw`(?:(?=[^/]*[.:]|localhost/)${REGISTRY}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
export const IMAGE_REFERENCE = new RegExp(String.raw`^${REPOSITORY}(?<tag>:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?<digest>@sha256:[0-9a-f]{64})?$`);

export const image = z
    .string()
    .refine((i) => IMAGE_REFERENCE.exec(i)?.groups?.tag !== undefined, "must be an image reference with a tag, such as haproxy:3.2.25 or registry.example.org:5000/team/haproxy:3.2.25")
    .refine((i) => !i.endsWith(":latest"), "must pin a version: 'latest' is not allowed");

/** An image pinned by a tag other than latest, by digest, or both. */
export const pinnedImage = z.string().superRefine((i, ctx) => {
    const ref = IMAGE_REFERENCE.exec(i);
    if (!ref) {
        ctx.addIssue({ code: "custom", input: i, message: "must be an image reference such as alphacep/kaldi-de@sha256:<digest> or registry:5000/vosk:1" });
    } else if (ref.groups?.digest === undefined && (ref.groups?.tag === undefined || ref.groups.tag === ":latest")) {
        ctx.addIssue({ code: "custom", input: i, message: "must pin the image by digest (@sha256:...) or by a tag other than latest" });
    }
});

/** YAML numbers reach the program as numbers or strings; both mean the same quantity. */
export const cpu = z.union([z.string(), z.number()]).transform(String)
    .refine(isCpuQuantity, "must be a CPU quantity such as 500m or 2");
export const memory = z.union([z.string(), z.number()]).transform(String)
    .refine(isMemoryQuantity, "must be a memory quantity such as 512Mi or 2Gi");

export const port = z.number().int().min(1).max(65535);
// Refinements rather than unions, so that the message says what is allowed instead of naming one branch.
export const ipAddress = z.string().refine((v) => z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success, "must be an IPv4 or IPv6 address");
export const cidr = z.string().refine((v) => z.cidrv4().safeParse(v).success || z.cidrv6().safeParse(v).success, "must be a CIDR range such as 10.244.0.0/16");
export const hostPort = z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, "must be host:port").refine((v) => { const p = Number(v.slice(v.lastIndexOf(":") + 1)); return p >= 1 && p <= 65535; }, "must have a port from 1 to 65535");
/** An XMPP account name (the part before @): prosody's nodeprep keeps these unchanged. */
export const userName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be a user name of lower-case letters, digits, '.', '_' and '-'");
export const storageClass = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be the name of a StorageClass");
export const namespace = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label");

export function resources(requests: { cpu: string; memory: string }, limits: { cpu: string; memory: string }) {
    return z
        .strictObject({
            requests: z.strictObject({ cpu: cpu.default(requests.cpu), memory: memory.default(requests.memory) }).prefault({}),
            limits: z.strictObject({ cpu: cpu.default(limits.cpu), memory: memory.default(limits.memory) }).prefault({}),
        })
        .prefault({})
        .superRefine((r, ctx) => {
            // Runs even when a quantity above was malformed; that one is reported already.
            const valid = [r.requests.cpu, r.limits.cpu].every(isCpuQuantity) && [r.requests.memory, r.limits.memory].every(isMemoryQuantity);
            if (!valid) return;
            const measures = [["cpu", cpuCores], ["memory", memoryBytes]] as const;
            for (const [kind, amount] of measures) {
                if (amount(r.limits[kind]) < amount(r.requests[kind])) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["limits", kind],
                        input: r.limits[kind],
                        message: `must be at least requests.${kind} (${r.requests[kind]})`,
                    });
                }
            }
        });
}

/**
 * The contexts the images' templates paste a value into, verbatim: Go's text/template escapes nothing
 * (test/templateContexts.ts names the file and line for each variable). A value is carried intact only if
 * it holds no character that ends or changes its context there; anything else is refused, never escaped
 * on our side (the template would paste the escape as it is). test/templateValues.test.ts has each
 * context's real parser read generated values back.
 */
export const TEMPLATE_CONTEXTS = {
    /** prosody's config: `app_id = "{{ .Env.JWT_APP_ID }}"`; a backslash starts an escape (\100 is d). */
    luaString: { where: 'prosody\'s Lua configuration, inside "..."', refuses: /["\\]/, allowed: 'any text without " or \\' },
    /** prosody's config: `{ "{{ join "\",\"" (splitList "," .Env.X | compact) }}" }`: split on commas. */
    luaList: { where: 'prosody\'s Lua configuration, as a list split on commas, each inside "..."', refuses: /[",\\]/, allowed: 'any text without ", \\ or commas' },
    /** web's config.js: `config.dialInNumbersUrl = '{{ .Env.DIALIN_NUMBERS_URL }}';`, served to every browser. */
    jsString: { where: "web's config.js, inside '...'", refuses: /['\\]/, allowed: "any text without ' or \\" },
    /** jicofo.conf, jvb.conf, jibri's xmpp.conf: `password = "{{ .Env.X }}"` (Typesafe Config). */
    hoconString: { where: 'a HOCON configuration (jicofo, jvb, jibri), inside "..."', refuses: /["\\]/, allowed: 'any text without " or \\' },
    /**
     * Jigasi's sip-communicator.properties: `key={{ .Env.X }}`, read by java.util.Properties from a byte
     * stream, so as ISO-8859-1 (org.jitsi.impl.configuration.PropertyConfigurationStore.reloadConfiguration:
     * Properties.load(InputStream)): a backslash escapes, leading blanks are dropped, other than ASCII is misread.
     */
    propertiesValue: { where: "Jigasi's sip-communicator.properties, as a value", refuses: /[^\x20-\x7e]|\\|^[ \f]/, allowed: "printable ASCII without \\, not starting with a space" },
    /**
     * prosody's register-setup: `prosodyctl ... user create focus@$XMPP_AUTH_DOMAIN $JICOFO_AUTH_PASSWORD`,
     * unquoted: bash splits the value on blanks and expands * ? [ as file names.
     */
    shellWord: { where: "prosody's register-setup, as an unquoted shell word", refuses: /[\s*?[]/, allowed: "any text without spaces, tabs or * ? [" },
    /** web's meet.conf: `proxy_pass {{ .Env.ETHERPAD_URL_BASE }}/;`. */
    nginxWord: { where: "web's nginx configuration, as a directive's argument", refuses: /[\s;{}"'\\$#]/, allowed: "any text without blanks or ; { } \" ' \\ $ #" },
    /** coturn's configuration, one `static-auth-secret=...` line appended at start (lib/turn.ts). */
    coturnLine: { where: "coturn's configuration, as the rest of a line", refuses: /[\s#"]/, allowed: "any text without blanks, # or \"" },
} as const;
export type TemplateContext = keyof typeof TEMPLATE_CONTEXTS;

/** Control characters (NUL, line breaks, tab, DEL, C1) end or break a line in every context above. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Far above any identifier, password or URL, far below what an environment variable can hold. */
export const MAX_TEMPLATE_TEXT = 1024;

function describeCharacter(c: string): string {
    if (c === "\n" || c === "\r") return "a line break";
    if (c === "\\") return "a backslash";
    if (c === ",") return "a comma";
    if (c === " ") return "a space";
    if (CONTROL.test(c) || /\s/.test(c)) return `the control character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    if (/[^\x20-\x7e]/.test(c)) return `the non-ASCII character ${JSON.stringify(c)}`;
    return JSON.stringify(c);
}

/**
 * Why `value` cannot be carried intact into every one of `contexts`, or undefined. The message names the
 * character, where it would land and what is allowed.
 */
export function templateTextProblem(value: string, contexts: readonly TemplateContext[], maxLength = MAX_TEMPLATE_TEXT): string | undefined {
    if (value.length === 0) return "must not be empty";
    if (value.length > maxLength) return `must be at most ${maxLength} characters (it has ${value.length})`;
    const control = CONTROL.exec(value);
    if (control) return `must not contain ${describeCharacter(control[0])}: it would end or break the line it is pasted into`;
    for (const context of contexts) {
        const rule = TEMPLATE_CONTEXTS[context];
        const bad = rule.refuses.exec(value);
        if (bad) {
            const leading = context === "propertiesValue" && bad.index === 0 && /^[ \f]/.test(value);
            const at = leading ? "a leading space" : describeCharacter(bad[0]);
            return `must not contain ${at}: the image pastes it unescaped into ${rule.where}; allowed there: ${rule.allowed}`;
        }
    }
    return undefined;
}

/** A string the images' templates carry intact into each of `contexts` (see TEMPLATE_CONTEXTS). */
export function templateText(...contexts: TemplateContext[]) {
    return z.string().superRefine((value, ctx) => {
        const problem = templateTextProblem(value, contexts);
        if (problem) ctx.addIssue({ code: "custom", input: value, message: problem });
    });
}

/**
 * A URL a Jitsi image is given: `schemes` only, a DNS name as host (`fqdn`: with a dot), no user name or
 * password (it would be served or stored in clear: `credentialsAdvice` says what to do instead), and
 * carried intact into `contexts`. One message per problem, instead of zod's bare "Invalid URL".
 */
export function imageUrl(opts: { schemes: string[]; example: string; fqdn: boolean; contexts: TemplateContext[]; credentialsAdvice: string; query?: boolean }) {
    return z.string().superRefine((text, ctx) => {
        const refuse = (message: string) => ctx.addIssue({ code: "custom", input: text, message });
        const carried = templateTextProblem(text, opts.contexts);
        if (carried) return refuse(carried);
        const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
        const schemes = opts.schemes.map((s) => `${s}://`).join(" or ");
        if (scheme === undefined || !opts.schemes.includes(scheme)) {
            const http = scheme === "http" && opts.schemes.includes("https") ? " (browsers load the meeting over https:// and refuse http:// requests from it)" : "";
            return refuse(`must be a URL starting with ${schemes}, such as ${opts.example}${http}`);
        }
        let url: URL;
        try {
            url = new URL(text);
        } catch {
            return refuse(`must be a URL such as ${opts.example}`);
        }
        if (url.username !== "" || url.password !== "") return refuse(`must not hold a user name or password: ${opts.credentialsAdvice}`);
        const host = url.hostname.replace(/^\[|\]$/g, "");
        if (isIP(host) !== 0) return refuse(`must name its server by DNS name, not by the address ${host}, such as ${opts.example}`);
        const label = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
        const name = opts.fqdn ? DNS_NAME : new RegExp(`^${label}(\\.${label})*$`);
        if (!name.test(host) || /\.[0-9]+$/.test(host)) return refuse(`must name its server by a ${opts.fqdn ? "fully qualified " : ""}DNS name in lower case, such as ${opts.example}`);
        if (opts.query === false && url.search !== "") return refuse("must have no query (?...): jitsi-meet adds its own");
    });
}
