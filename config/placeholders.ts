/**
 * The committed stack files name documentation values (meet.example.org, 203.0.113.10), so that previews
 * and tests run on them as they are. Deployed, they give a platform nobody can reach and certificates
 * ordered for a domain nobody owns: `pulumi up` refuses them, naming each key and how to set it.
 */
import { BlockList, isIP } from "net";

/** RFC 2606 and RFC 6761: names reserved for examples and tests, never delegated. */
const RESERVED_DOMAINS = ["example.com", "example.net", "example.org", "example", "test", "invalid", "localhost"];

/** RFC 5737 (TEST-NET-1, -2, -3) and RFC 3849: addresses reserved for documentation. */
const DOCUMENTATION_RANGES: [string, number, "ipv4" | "ipv6"][] = [
    ["192.0.2.0", 24, "ipv4"],
    ["198.51.100.0", 24, "ipv4"],
    ["203.0.113.0", 24, "ipv4"],
    ["2001:db8::", 32, "ipv6"],
];

const documentation = new BlockList();
for (const [address, prefix, family] of DOCUMENTATION_RANGES) documentation.addSubnet(address, prefix, family);

/** Why `value` is a placeholder, or undefined when it is not one. */
export function placeholderReason(value: string): string | undefined {
    const family = isIP(value);
    if (family !== 0) {
        return documentation.check(value, family === 4 ? "ipv4" : "ipv6") ? "an address reserved for documentation (RFC 5737, RFC 3849)" : undefined;
    }
    const host = hostOf(value);
    if (host === undefined) return undefined;
    const reserved = RESERVED_DOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
    return reserved ? `${reserved} is reserved for examples (RFC 2606, RFC 6761)` : undefined;
}

/** The host a domain, an e-mail address, a URL or a `host:port` names; undefined for other text. */
function hostOf(value: string): string | undefined {
    const text = value.trim().toLowerCase();
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) {
        try {
            return new URL(text).hostname;
        } catch {
            return undefined;
        }
    }
    const host = text.slice(text.lastIndexOf("@") + 1).replace(/:\d+$/, "");
    // Names with a dot only: a shard called `test` is not a domain.
    return /^([a-z0-9-]+\.)+[a-z0-9-]+$/.test(host) ? host : undefined;
}

type Path = (string | number)[];

/** Every setting whose value (or list entry) is a placeholder, as a `pulumi config set` key path. */
export function findPlaceholders(raw: Record<string, unknown>, keyPath: (path: Path) => string): { key: string; value: string; reason: string }[] {
    const found: { key: string; value: string; reason: string }[] = [];
    const walk = (value: unknown, path: Path) => {
        if (typeof value === "string") {
            const reason = placeholderReason(value);
            if (reason) found.push({ key: keyPath(path), value, reason });
        } else if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, [...path, i]));
        } else if (value !== null && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
        }
    };
    walk(raw, []);
    return found;
}

export function placeholderProblems(raw: Record<string, unknown>, keyPath: (path: Path) => string): string[] {
    return findPlaceholders(raw, keyPath).map(
        (p) => `${p.key} = ${JSON.stringify(p.value)}: a placeholder, ${p.reason}; set your own with: pulumi config set --path '${p.key}' <value>`,
    );
}
