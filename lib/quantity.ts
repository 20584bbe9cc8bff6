/**
 * Kubernetes resource quantities, parsed just far enough to compare requests with limits
 * and to size the JVM heap from a memory limit.
 */

const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|K|M|G|T|P)?$/;

const MEMORY_FACTORS: Record<string, number> = {
    "": 1,
    k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50,
};

export function isCpuQuantity(q: string): boolean {
    return CPU.test(q);
}

export function isMemoryQuantity(q: string): boolean {
    return MEMORY.test(q);
}

/** CPU in cores: "500m" -> 0.5, "2" -> 2. */
export function cpuCores(q: string): number {
    const m = CPU.exec(q);
    if (!m) throw new Error(`not a CPU quantity: ${q}`);
    return Number(m[1]) / (m[2] === "m" ? 1000 : 1);
}

/** Memory in bytes: "1Gi" -> 1073741824, "500M" -> 5e8. */
export function memoryBytes(q: string): number {
    const m = MEMORY.exec(q);
    if (!m) throw new Error(`not a memory quantity: ${q}`);
    return Number(m[1]) * MEMORY_FACTORS[m[2] ?? ""];
}
