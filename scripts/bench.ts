/**
 * npm run bench: how long the program takes to evaluate under the mock engine, and how many resources
 * it declares, for 1, 2, 10 and 50 shards of the production stack. The cost should grow linearly
 * with shards: 50 shards well under 10x the time of 2 would mean the per-stack overhead dominates.
 */
import { readStackFile, runProgram, withConfig } from "../test/harness";

const SHARDS = [1, 2, 10, 50];
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

async function main() {
    const production = readStackFile("production");
    // 50 shards of 6 bridges need a tighter port stride than the stack file's 100 to stay in the NodePort range.
    const config = (shards: number) =>
        withConfig(production, { "jitsi:shards": shards, "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, portStridePerShard: 6 } });

    await runProgram(config(2)); // warm-up: module loading and JIT
    const rows: { shards: number; resources: number; min: number; median: number }[] = [];
    for (const shards of SHARDS) {
        const times: number[] = [];
        let resources = 0;
        for (let i = 0; i < RUNS; i++) {
            const start = process.hrtime.bigint();
            const run = await runProgram(config(shards));
            times.push(Number(process.hrtime.bigint() - start) / 1e6);
            if (run.error) throw run.error;
            resources = run.resources.length;
        }
        times.sort((a, b) => a - b);
        rows.push({ shards, resources, min: times[0], median: times[Math.floor(times.length / 2)] });
    }

    console.log(`program evaluation under mocks, production stack, ${RUNS} runs each (node ${process.version})`);
    console.log("shards  resources  min ms  median ms  median ms/shard  median ms/resource");
    for (const r of rows) {
        console.log(
            `${String(r.shards).padStart(6)}  ${String(r.resources).padStart(9)}  ${r.min.toFixed(0).padStart(6)}  ` +
                `${r.median.toFixed(0).padStart(9)}  ${(r.median / r.shards).toFixed(1).padStart(15)}  ` +
                `${(r.median / r.resources).toFixed(2).padStart(18)}`,
        );
    }
    const two = rows.find((r) => r.shards === 2)!;
    const fifty = rows.find((r) => r.shards === 50)!;
    console.log(`50 shards / 2 shards: time x${(fifty.median / two.median).toFixed(1)}, resources x${(fifty.resources / two.resources).toFixed(1)}`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
