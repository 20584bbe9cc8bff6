/**
 * Bad stack config stops the program before it declares anything, with a message that names the
 * key path, the value given and what is allowed.
 */
import * as assert from "assert";
import { readStackFile, runProgram, withConfig } from "./harness";

const production = readStackFile("production");

interface BadConfig {
    what: string;
    change: Record<string, unknown>;
    secretKeys?: string[];
    /** Every line the error must contain, key path first. */
    expect: RegExp[];
}

const table: BadConfig[] = [
    { what: "zero shards", change: { "jitsi:shards": 0 }, expect: [/jitsi:shards = 0: must be at least 1 shard/] },
    { what: "a negative shard count", change: { "jitsi:shards": -2 }, expect: [/jitsi:shards = -2: must be at least 1 shard/] },
    {
        what: "shards given as text",
        change: { "jitsi:shards": "two" },
        expect: [/jitsi:shards = "two": must be a whole number of shards \(at least 1\) or a list of \{name, zone\}/],
    },
    { what: "an empty shard list", change: { "jitsi:shards": [] }, expect: [/jitsi:shards = \[\]: must list at least one shard/] },
    {
        what: "duplicate shard names",
        change: { "jitsi:shards": [{ name: "a" }, { name: "b" }, { name: "a" }] },
        expect: [/jitsi:shards\[2\]\.name = "a": duplicate shard name \(also shards\[0\]\)/],
    },
    {
        what: "a shard name that is no DNS label",
        change: { "jitsi:shards": [{ name: "Shard_0" }] },
        expect: [/jitsi:shards\[0\]\.name = "Shard_0": must be a DNS label/],
    },
    {
        what: "min replicas above max",
        change: { "jitsi:jvb": { minReplicas: 7, maxReplicas: 6 } },
        expect: [/jitsi:jvb\.minReplicas = 7: must be at most jvb\.maxReplicas \(6\)/],
    },
    {
        what: "JVB port blocks of two shards overlapping",
        change: { "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, portStridePerShard: 4 } },
        expect: [/jitsi:jvb\.portStridePerShard = 4: must be at least jvb\.maxReplicas \(6\): .*30300-30305 and 30304-30309/],
    },
    {
        what: "a base port below the NodePort range",
        change: { "jitsi:jvb": { udpBasePort: 10000 } },
        expect: [/jitsi:jvb\.udpBasePort = 10000: must lie in the NodePort range 30000-32767/],
    },
    {
        what: "ports running past the NodePort range",
        change: { "jitsi:shards": 30, "jitsi:jvb": { maxReplicas: 6 } },
        expect: [/jitsi:shards = 30: need JVB UDP ports up to 33205, beyond the NodePort range 30000-32767/],
    },
    {
        what: "ports past a configured NodePort range",
        change: { "jitsi:nodePortRange": { min: 30000, max: 30350 } },
        expect: [/jitsi:shards = .*: need JVB UDP ports up to 30405, beyond the NodePort range 30000-30350/],
    },
    {
        what: "a host that is not a DNS name",
        change: { "jitsi:hosts": ["meet.example.org", "https://meet.example.org/"] },
        expect: [/jitsi:hosts\[1\] = "https:\/\/meet\.example\.org\/": must be a fully qualified DNS name/],
    },
    { what: "no host", change: { "jitsi:hosts": undefined }, expect: [/jitsi:hosts = \(missing\): Invalid input: expected array/] },
    {
        what: "CPU limit below request",
        change: { "jitsi:resources": { jvb: { requests: { cpu: "8", memory: "2Gi" }, limits: { cpu: "4", memory: "2Gi" } } } },
        expect: [/jitsi:resources\.jvb\.limits\.cpu = "4": must be at least requests\.cpu \(8\)/],
    },
    {
        what: "memory limit below request",
        change: { "jitsi:resources": { web: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "512Mi" } } } },
        expect: [/jitsi:resources\.web\.limits\.memory = "512Mi": must be at least requests\.memory \(1Gi\)/],
    },
    {
        what: "a malformed quantity",
        change: { "jitsi:resources": { jvb: { limits: { cpu: "eight" } } } },
        expect: [/jitsi:resources\.jvb\.limits\.cpu = "eight": must be a CPU quantity/],
    },
    {
        what: "a typo in a nested key",
        change: { "jitsi:jvb": { minReplicas: 2, maxReplicaz: 6 } },
        expect: [/jitsi:jvb\.maxReplicaz = 6: unknown setting; allowed here: minReplicas, maxReplicas,/],
    },
    {
        what: "a typo in a top-level key",
        change: { "jitsi:shard": 3 },
        expect: [/jitsi:shard = 3: unknown setting; allowed here: hosts, shards,/],
    },
    {
        what: "an unpinned image",
        change: { "jitsi:imageTag": "latest" },
        expect: [/jitsi:imageTag = "latest": must pin a version/],
    },
    {
        what: "a single router replica",
        change: { "jitsi:router": { replicas: 1 } },
        expect: [/jitsi:router\.replicas = 1: must be at least 2/],
    },
    {
        what: "an unknown issuer",
        change: { "jitsi:tls": { issuer: "letsencrypt" } },
        expect: [/jitsi:tls\.issuer = "letsencrypt": .*"letsencrypt-staging"\|"letsencrypt-production"/],
    },
    {
        what: "a credential in plain text",
        change: { "jitsi:jvbAuthPassword": "hunter2hunter2" },
        expect: [/jitsi:jvbAuthPassword is stored in plain text; .*pulumi config set --secret jitsi:jvbAuthPassword/],
    },
    {
        what: "cert-manager without an ACME e-mail",
        change: { "jitsi:tls": { issuer: "letsencrypt-production" } },
        expect: [/jitsi:tls\.acmeEmail = \(missing\): is required while ops\.certManager\.enabled is true/],
    },
    {
        what: "an even number of Elasticsearch masters",
        change: { "jitsi:ops": { logging: { masterNodes: 2 } } },
        expect: [/jitsi:ops\.logging\.masterNodes = 2: must be 0 or an odd number \(quorum\)/],
    },
    {
        what: "a Prometheus retention that is no duration",
        change: { "jitsi:monitoring": { prometheus: { retention: "7 days" } } },
        expect: [/jitsi:monitoring\.prometheus\.retention = "7 days": must be a duration such as 2d or 12h/],
    },
    {
        what: "several problems at once",
        change: { "jitsi:shards": 0, "jitsi:jvb": { minReplicas: 3, maxReplicas: 2 } },
        expect: [/2 problems/, /jitsi:shards = 0/, /jitsi:jvb\.minReplicas = 3/],
    },
];

describe("bad stack config", function () {
    this.timeout(30_000);

    for (const bad of table) {
        it(`refuses ${bad.what} before declaring any resource`, async () => {
            const run = await runProgram(withConfig(production, bad.change, bad.secretKeys));
            assert.ok(run.error, "the program accepted the config");
            assert.strictEqual(run.error.name, "ConfigError");
            for (const line of bad.expect) assert.match(run.error.message, line);
            assert.deepStrictEqual(run.resources.map((r) => r.type), [], "resources were declared");
        });
    }

    it("does not print a plain-text credential it refuses", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:jvbAuthPassword": "hunter2hunter2" }));
        assert.ok(run.error);
        assert.ok(!run.error.message.includes("hunter2hunter2"));
    });

    it("accepts both stack files as they are", async () => {
        for (const stack of ["development", "production"]) {
            const run = await runProgram(readStackFile(stack));
            assert.strictEqual(run.error, undefined, stack);
            assert.ok(run.resources.length > 0);
        }
    });
});
