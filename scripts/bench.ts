/**
 * npm run bench: how long the program takes to evaluate under the mock engine, and how many resources
 * it declares, for 1, 2, 10 and 50 shards of the production stack, and for 1, 2 and 4 clusters of 10
 * shards each (the time per resource should stay flat as clusters are added). The cost should grow linearly
 * with shards: 50 shards well under 10x the time of 2 would mean the per-stack overhead dominates.
 * It also splits production's first, cold run into loading (the Pulumi SDK, then the program's own
 * modules) and evaluation, which is what `pulumi preview` and `npm run render` pay once per run.
 */
const startedAt = process.hrtime.bigint();
// Timed on its own, before anything else loads it.
require("@pulumi/pulumi");
const sdkLoaded = process.hrtime.bigint();
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { readStackFile, runProgram, withConfig } = require("../test/harness") as typeof import("../test/harness");

const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

const SHARDS = [1, 2, 10, 50];
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

interface Timed {
    resources: number;
    min: number;
    median: number;
}

/** RUNS evaluations of one configuration: how many resources it declares, its fastest and median time. */
async function timed(config: Parameters<typeof runProgram>[0]): Promise<Timed> {
    const times: number[] = [];
    let resources = 0;
    for (let i = 0; i < RUNS; i++) {
        const start = process.hrtime.bigint();
        const run = await runProgram(config);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (run.error) throw run.error;
        resources = run.resources.length;
    }
    times.sort((a, b) => a - b);
    return { resources, min: times[0], median: times[Math.floor(times.length / 2)] };
}

async function main() {
    const production = readStackFile("production");
    // 50 shards of 6 bridges need a tighter port stride than the stack file's 100 to stay in the NodePort range.
    const config = (shards: number) =>
        withConfig(production, { "jitsi:shards": shards, "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, portStridePerShard: 6 } });

    // The cold run loads the program's modules (after the mocks are set, as the program requires) and evaluates.
    const coldStart = process.hrtime.bigint();
    const cold = await runProgram(production);
    const coldMs = ms(coldStart, process.hrtime.bigint());
    if (cold.error) throw cold.error;
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const start = process.hrtime.bigint();
        await runProgram(production);
        warm.push(ms(start, process.hrtime.bigint()));
    }
    warm.sort((a, b) => a - b);
    const evaluation = warm[Math.floor(warm.length / 2)];

    await runProgram(config(2)); // warm-up for the shard series
    const rows: ({ shards: number } & Timed)[] = [];
    for (const shards of SHARDS) rows.push({ shards, ...(await timed(config(shards))) });

    console.log(`Pulumi.production.yaml as it is (${cold.resources.length} resources), node ${process.version}:`);
    console.log(`  loading the Pulumi SDK            ${ms(startedAt, sdkLoaded).toFixed(0).padStart(6)} ms`);
    console.log(`  loading the program's modules     ${Math.max(0, coldMs - evaluation).toFixed(0).padStart(6)} ms  (first run minus a warm one)`);
    console.log(`  evaluation (median of ${RUNS})          ${evaluation.toFixed(0).padStart(6)} ms  (${(evaluation / cold.resources.length).toFixed(2)} ms per resource)`);
    console.log("");
    console.log(`program evaluation under mocks, production stack, ${RUNS} runs each`);
    console.log("shards  resources  min ms  median ms  median ms/shard  median ms/resource");
    for (const r of rows) {
        console.log(
            `${String(r.shards).padStart(6)}  ${String(r.resources).padStart(9)}  ${r.min.toFixed(0).padStart(6)}  ` +
                `${r.median.toFixed(0).padStart(9)}  ${(r.median / r.shards).toFixed(1).padStart(15)}  ` +
                `${(r.median / r.resources).toFixed(2).padStart(18)}`,
        );
    }
    // Several clusters (issue 28): 10 shards in each; every router knows every shard and every other router.
    const clustered = (count: number) => {
        const names = Array.from({ length: count }, (_, c) => `c${c}`);
        return withConfig(config(10 * count), {
            "jitsi:clusters": Object.fromEntries(names.map((n, c) => [n, { region: `region-${c}`, context: n, hosts: [`${n}.meet.example.org`], turn: { host: `turn-${n}.example.org`, publicIp: `198.51.100.${c + 1}` } }])),
            "jitsi:shards": Array.from({ length: 10 * count }, (_, i) => ({ name: `shard-${i}`, cluster: names[Math.floor(i / 10)] })),
            // Several clusters need DNS-01 for the shared hosts (config/dns01.ts); Route 53 with the nodes' own AWS role.
            "jitsi:tls": { ...JSON.parse(production.values["jitsi:tls"]), dns01: { provider: "route53" } },
        });
    };
    await runProgram(clustered(1)); // warm-up for the cluster series
    const clusterRows: ({ clusters: number } & Timed)[] = [];
    for (const clusters of [1, 2, 4]) clusterRows.push({ clusters, ...(await timed(clustered(clusters))) });
    console.log("");
    console.log(`several clusters of 10 shards each, ${RUNS} runs each`);
    console.log("clusters  resources  median ms  median ms/resource");
    for (const r of clusterRows) {
        console.log(`${String(r.clusters).padStart(8)}  ${String(r.resources).padStart(9)}  ${r.median.toFixed(0).padStart(9)}  ${(r.median / r.resources).toFixed(2).padStart(18)}`);
    }

    const two = rows.find((r) => r.shards === 2)!;
    const fifty = rows.find((r) => r.shards === 50)!;
    console.log(`50 shards / 2 shards: time x${(fifty.median / two.median).toFixed(1)}, resources x${(fifty.resources / two.resources).toFixed(1)}`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
