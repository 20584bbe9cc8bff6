import { BlockList, isIP } from "net";

/**
 * IP ranges that clients on the internet cannot reach, and that a TURN server must therefore never
 * relay into: relaying there would let any meeting participant reach the cluster's internal network.
 */

/** RFC 1918, loopback, link-local, carrier-grade NAT, "this network", multicast and their IPv6 kin. */
export const NON_PUBLIC_CIDRS = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
] as const;

/** The first and last address of a CIDR range, as numbers, with the address family. */
function bounds(cidr: string): { v6: boolean; first: bigint; last: bigint } {
    const [address, prefixText] = cidr.split("/");
    const v6 = address.includes(":");
    const bits = v6 ? 128 : 32;
    const prefix = prefixText === undefined ? bits : Number(prefixText);
    const value = v6 ? parseIpv6(address) : parseIpv4(address);
    const hostBits = BigInt(bits - prefix);
    const first = (value >> hostBits) << hostBits;
    return { v6, first, last: first + (1n << hostBits) - 1n };
}

function parseIpv4(address: string): bigint {
    return address.split(".").reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n);
}

function parseIpv6(address: string): bigint {
    const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
    const groups = (part: string | undefined) => (part ? part.split(":") : []);
    const left = groups(head);
    const right = groups(tail);
    // An embedded IPv4 address (::ffff:1.2.3.4) fills the last two groups.
    const expand = (gs: string[]) =>
        gs.flatMap((g) => (g.includes(".") ? [Number(parseIpv4(g) >> 16n).toString(16), Number(parseIpv4(g) & 0xffffn).toString(16)] : [g]));
    const l = expand(left);
    const r = expand(right);
    const all = tail === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill("0"), ...r];
    return all.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || "0", 16)), 0n);
}

function format(value: bigint, v6: boolean): string {
    if (!v6) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
    const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => ((value >> shift) & 0xffffn).toString(16));
    return groups.join(":");
}

/** coturn takes address ranges, not prefixes: `10.0.0.0/8` -> `10.0.0.0-10.255.255.255`. */
export function cidrToRange(cidr: string): string {
    const { v6, first, last } = bounds(cidr);
    return `${format(first, v6)}-${format(last, v6)}`;
}

export function inCidr(address: string, cidr: string): boolean {
    const range = bounds(cidr);
    const v6 = address.includes(":");
    if (v6 !== range.v6) return false;
    const value = v6 ? parseIpv6(address) : parseIpv4(address);
    return value >= range.first && value <= range.last;
}

/**
 * Beyond NON_PUBLIC_CIDRS, what no client on the internet reaches either (RFC 6890): IETF protocol
 * assignments, benchmarking, the IPv6 unspecified address and the deprecated IPv4-compatible block
 * (::a.b.c.d, which includes :: and ::1), and the discard prefix.
 */
const ALSO_NOT_PUBLIC = ["192.0.0.0/24", "198.18.0.0/15", "::/96", "100::/64"];

const notPublic = new BlockList();
for (const range of [...NON_PUBLIC_CIDRS, ...ALSO_NOT_PUBLIC]) {
    const [address, prefix] = range.split("/");
    notPublic.addSubnet(address, Number(prefix), address.includes(":") ? "ipv6" : "ipv4");
}

/**
 * The IPv4 address an IPv6 address carries: NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach it.
 * (IPv4-mapped ::ffff:a.b.c.d Node's BlockList already judges as the IPv4 address.)
 */
function embeddedIpv4(address: string): string | undefined {
    const value = parseIpv6(address);
    const v4 = (n: bigint) => format(n & 0xffffffffn, false);
    if (value >> 32n === 0x64ff9bn << 64n) return v4(value);
    if (value >> 112n === 0x2002n) return v4(value >> 80n);
    return undefined;
}

/**
 * Whether clients on the internet cannot reach `address`, by its meaning rather than its spelling:
 * `::ffff:10.0.0.1` is 10.0.0.1, `::` is no address. Text that is no address is not judged here.
 */
export function isPrivateAddress(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    if (notPublic.check(address, family === 4 ? "ipv4" : "ipv6")) return true;
    const v4 = family === 6 ? embeddedIpv4(address) : undefined;
    return v4 !== undefined && notPublic.check(v4, "ipv4");
}

/**
 * Why a range given to deny is too wide, or undefined: a range of a /8 (IPv4) or /16 (IPv6) or wider
 * that reaches beyond the non-public ranges, or one that holds every IPv4-mapped address, denies most of
 * the internet, not one network.
 */
export function denyAllProblem(cidr: string): string | undefined {
    const range = bounds(cidr);
    const prefix = Number(cidr.split("/")[1]);
    const within = (outer: { v6: boolean; first: bigint; last: bigint }) => outer.v6 === range.v6 && outer.first <= range.first && range.last <= outer.last;
    const mapped = bounds("::ffff:0:0/96");
    const allMapped = range.v6 && range.first <= mapped.first && range.last >= mapped.last;
    const wide = prefix < (range.v6 ? 16 : 8) && !NON_PUBLIC_CIDRS.some((c) => within(bounds(c)));
    if (!wide && !allMapped) return undefined;
    const family = range.v6 ? "IPv6" : "IPv4";
    const how = prefix === 0 ? `every ${family} address` : allMapped ? "every IPv4 address (as IPv4-mapped IPv6)" : `most ${family} addresses`;
    return `denies ${how}, so TURN would relay to nobody; give the cluster's pod and service ranges, such as 10.244.0.0/16`;
}
