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

export function isPrivateAddress(address: string): boolean {
    return NON_PUBLIC_CIDRS.some((cidr) => inCidr(address, cidr));
}
