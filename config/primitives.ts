/** Value types the settings share: names, quantities, addresses, resources; each with its message. */
import { z } from "zod";
import { cpuCores, isCpuQuantity, isMemoryQuantity, memoryBytes } from "../lib/quantity";

export const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
export const DNS_LABEL = /^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$/;
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const hostname = z
    .string()
    .regex(DNS_NAME, "must be a fully qualified DNS name in lower case, such as meet.example.org");

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

export const image = z
    .string()
    .regex(/^[a-z0-9./-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, "must be an image reference with a tag, such as haproxy:3.2.25")
    .refine((i) => !i.endsWith(":latest"), "must pin a version: 'latest' is not allowed");

/** YAML numbers reach the program as numbers or strings; both mean the same quantity. */
export const cpu = z.union([z.string(), z.number()]).transform(String)
    .refine(isCpuQuantity, "must be a CPU quantity such as 500m or 2");
export const memory = z.union([z.string(), z.number()]).transform(String)
    .refine(isMemoryQuantity, "must be a memory quantity such as 512Mi or 2Gi");

export const port = z.number().int().min(1).max(65535);
// Refinements rather than unions, so that the message says what is allowed instead of naming one branch.
export const ipAddress = z.string().refine((v) => z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success, "must be an IPv4 or IPv6 address");
export const cidr = z.string().refine((v) => z.cidrv4().safeParse(v).success || z.cidrv6().safeParse(v).success, "must be a CIDR range such as 10.244.0.0/16");
export const hostPort = z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, "must be host:port");
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
