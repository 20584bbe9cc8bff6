/**
 * The issue's examples, one by one, on whole-program runs: what an accepted value would have done in
 * the image, and the schema's refusal before any resource, naming the key, what is wrong and what is
 * allowed (secrets by name and length only). The parsers' read-back of everything accepted is
 * test/templateValues.test.ts; which variable lands where is test/templateContexts.ts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { readStackFile, runProgram, runProgramOk, StackConfig, withConfig } from "./harness";
import { containersIn, envValue, Obj } from "./objects";
import { ENV_CONTEXTS, SECRET_REACHES, SETTING_REACHES } from "./templateContexts";
import { luaReadBack, missingPackages } from "./templateParsers";
import { ACCESS_VARIANTS, allGatewaysVariant, GATEWAY_VARIANTS, twoRegionsVariant, visitorsVariant, WHISPER_KEY } from "./variants";

const development = () => readStackFile("development");
const production = () => readStackFile("production");
const jwt = (jwtSettings: Record<string, unknown>) => ({ "jitsi:auth": { type: "jwt", jwt: { appId: "school-portal", ...jwtSettings } } });

describe("values the images cannot carry are refused before any resource (the issue's examples)", function () {
    this.timeout(60_000);
    const table: { what: string; base?: () => StackConfig; change: Record<string, unknown>; secretKeys?: string[]; expect: RegExp[]; hidden?: string }[] = [
        {
            what: "a JWT app id that would close prosody's string and open the stack to everyone",
            change: jwt({ appId: 'app"\nauthentication = "anonymous" --' }),
            expect: [/jitsi:auth\.jwt\.appId = "app\\"\\nauthentication = \\"anonymous\\" --": must not contain a line break/],
        },
        {
            what: "a JWT app id with a quote",
            change: jwt({ appId: 'school"portal' }),
            expect: [/jitsi:auth\.jwt\.appId = "school\\"portal": must not contain "\\"": the image pastes it unescaped into prosody's Lua configuration, inside "\.\.\."; allowed there: any text without " or \\/],
        },
        {
            what: "an accepted issuer with a quote (it would add an issuer) and one with a comma (it would be split in two)",
            change: jwt({ acceptedIssuers: ['portal", "evil', "portal,lms"] }),
            expect: [
                /jitsi:auth\.jwt\.acceptedIssuers\[0\] = "portal\\", \\"evil": must not contain "\\"": .*as a list split on commas/,
                /jitsi:auth\.jwt\.acceptedIssuers\[1\] = "portal,lms": must not contain a comma: the image pastes it unescaped into prosody's Lua configuration, as a list split on commas/,
            ],
        },
        {
            what: "an accepted audience with a comma",
            change: jwt({ acceptedAudiences: ["jitsi,other"] }),
            expect: [/jitsi:auth\.jwt\.acceptedAudiences\[0\] = "jitsi,other": must not contain a comma/],
        },
        {
            what: "an app secret with a backslash sequence (Lua reads \\100 as d), shown by name and length only",
            change: { ...jwt({}), "jitsi:jwtAppSecret": "secret\\100secret-0123456789" },
            secretKeys: ["jitsi:jwtAppSecret"],
            expect: [/jitsi:jwtAppSecret = \(secret, 27 characters\): must not contain a backslash: the image pastes it unescaped into prosody's Lua configuration/],
            hidden: "secret\\100secret",
        },
        {
            what: "a dial-in URL with a quote (script in every visitor's config.js) and one ending in a backslash (config.js never closes the string)",
            change: { "jitsi:jigasi": { dialIn: { numbersUrl: "https://dialin.school.net/n?x='+alert(1)+'", confCodeUrl: "https://dialin.school.net/pin\\" } } },
            expect: [
                /jitsi:jigasi\.dialIn\.numbersUrl = .*: must not contain "'": the image pastes it unescaped into web's config\.js, inside '\.\.\.'/,
                /jitsi:jigasi\.dialIn\.confCodeUrl = "https:\/\/dialin\.school\.net\/pin\\\\": must not contain a backslash/,
            ],
        },
        {
            what: "a dial-in URL with credentials, saying why it cannot keep a secret",
            change: { "jitsi:jigasi": { dialIn: { numbersUrl: "https://user:pw@dialin.school.net/numbers", confCodeUrl: "https://dialin.school.net/pin" } } },
            expect: [/jitsi:jigasi\.dialIn\.numbersUrl = "https:\/\/user:pw@dialin\.school\.net\/numbers": must not hold a user name or password: config\.js serves it to every visitor's browser/],
        },
        {
            what: "a transcription URL with credentials, saying where they would be in clear",
            change: { "jitsi:transcription": { enabled: true, backend: "whisper", url: "wss://user:pw@whisper.school.net/ws" } },
            expect: [/jitsi:transcription\.url = "wss:\/\/user:pw@whisper\.school\.net\/ws": must not hold a user name or password: it is written in clear into the transcribers' pod spec/],
        },
        {
            what: "an operator-chosen jicofo password with a space (register-setup splits it) and a jibri password with a quote (HOCON ends the string)",
            change: { "jitsi:jicofoAuthPassword": "correct horse battery", "jitsi:jibriXmppPassword": 'pa"ssword-1234' },
            secretKeys: ["jitsi:jicofoAuthPassword", "jitsi:jibriXmppPassword"],
            expect: [
                /jitsi:jicofoAuthPassword = \(secret, 21 characters\): must not contain a space: the image pastes it unescaped into prosody's register-setup, as an unquoted shell word; .*or remove it and the stack generates one/,
                /jitsi:jibriXmppPassword = \(secret, 14 characters\): must not contain "\\"": the image pastes it unescaped into a HOCON configuration \(jicofo, jvb, jibri\)/,
            ],
            hidden: "correct horse",
        },
        {
            what: "a TURN public address written as IPv4-mapped IPv6 of a private one",
            change: { "jitsi:turn": { host: "turn.school.net", publicIp: "::ffff:10.0.0.1" } },
            expect: [/jitsi:turn\.publicIp = "::ffff:10\.0\.0\.1": must be a public address: .*judged by meaning/],
        },
        {
            what: "the unspecified address :: among the bridges' public addresses",
            change: { "jitsi:jvb": { publicIps: ["::"] } },
            expect: [/jitsi:jvb\.publicIps\[0\] = "::": is a private address that clients on the internet cannot reach/],
        },
        {
            what: "a TURN denial of every address",
            change: { "jitsi:turn": { host: "turn.school.net", publicIp: "145.253.7.1", deniedPeerCidrs: ["0.0.0.0/0", "::ffff:0:0/96"] } },
            expect: [
                /jitsi:turn\.deniedPeerCidrs\[0\] = "0\.0\.0\.0\/0": denies every IPv4 address, so TURN would relay to nobody; give the cluster's pod and service ranges/,
                /jitsi:turn\.deniedPeerCidrs\[1\] = "::ffff:0:0\/96": denies every IPv4 address \(as IPv4-mapped IPv6\)/,
            ],
        },
        {
            what: "an IP address as a host name (the cluster would refuse the Ingress at apply)",
            change: { "jitsi:hosts": ["1.2.3.4"], "jitsi:turn": { host: "5.6.7.8", publicIp: "145.253.7.1" } },
            expect: [/jitsi:hosts\[0\] = "1\.2\.3\.4": is an IP address; give a DNS name/, /jitsi:turn\.host = "5\.6\.7\.8": is an IP address/],
        },
        {
            what: "a zone with a line break and one of 300 characters (no pod of the shard would schedule)",
            change: { "jitsi:shards": [{ name: "shard-0", zone: "europe-west1-b\n" }, { name: "shard-1", zone: "z".repeat(300) }] },
            expect: [/jitsi:shards\[0\]\.zone = "europe-west1-b\\n": must be a Kubernetes label value/, /jitsi:shards\[1\]\.zone = "z{300}": must be a Kubernetes label value/],
        },
    ];

    for (const bad of table) {
        it(`refuses ${bad.what}`, async () => {
            const run = await runProgram(withConfig((bad.base ?? production)(), bad.change, bad.secretKeys));
            assert.strictEqual(run.error?.name, "ConfigError", String(run.error));
            for (const line of bad.expect) assert.match(run.error!.message, line);
            if (bad.hidden) assert.ok(!run.error!.message.includes(bad.hidden), "the message shows the secret");
            assert.deepStrictEqual(run.resources.map((r) => r.type), [], "resources were declared");
        });
    }

    it("shows on Lua 5.4 what the refused app id would have done: the later assignment wins", function () {
        if (missingPackages("lua").length > 0) this.skip();
        // jitsi-meet.cfg.lua:126-130: `authentication = "token"` then `app_id = "{{ .Env.JWT_APP_ID }}"`.
        const appId = 'app"\nauthentication = "anonymous" --';
        const [authentication] = luaReadBack([`(function() local authentication = "token"; local app_id = "${appId}"\nreturn authentication end)()`]);
        assert.strictEqual(authentication, "anonymous");
    });

    it("says what is wrong with a URL in one message each: http://, an IP host (issue 27 point 8)", async () => {
        const run = await runProgram(
            withConfig(production(), { "jitsi:jigasi": { dialIn: { numbersUrl: "http://dialin.school.net/n", confCodeUrl: "https://192.0.2.7/pin" } } }),
        );
        assert.ok(!/Invalid URL/.test(run.error!.message), run.error!.message);
        // (Dial-in without the gateway is a rule of its own, config/checks.ts.)
        const lines = run.error!.message.split("\n").filter((l) => /dialIn/.test(l) && !/needs jigasi\.enabled/.test(l));
        assert.deepStrictEqual(lines, [
            '  - jitsi:jigasi.dialIn.numbersUrl = "http://dialin.school.net/n": must be a URL starting with https://, such as https://dialin.example.org/numbers (browsers load the meeting over https:// and refuse http:// requests from it)',
            '  - jitsi:jigasi.dialIn.confCodeUrl = "https://192.0.2.7/pin": must name its server by DNS name, not by the address 192.0.2.7, such as https://dialin.example.org/numbers',
        ]);
    });

    it("says once what is wrong with a transcription URL that is no URL or plain http://, instead of failing or repeating it", async () => {
        for (const [url, message] of [
            ["not a url", "must be a URL starting with wss:// or ws://"],
            ["http://skynet.school.net/streaming-whisper/ws", "must be a URL starting with wss:// or ws://"],
        ]) {
            const run = await runProgram(withConfig(production(), { "jitsi:transcription": { enabled: true, backend: "whisper", url, whisper: { keyName: "k" } } }));
            const lines = run.error!.message.split("\n").filter((l) => l.includes("transcription.url"));
            assert.strictEqual(lines.length, 1, run.error!.message);
            assert.ok(lines[0].includes(message), lines[0]);
        }
    });

    it("accepts a private registry with a port (issue 27 point 8: the runbook's own Vosk image)", async () => {
        const image = "registry:5000/vosk:1";
        const run = await runProgramOk(withConfig(production(), { "jitsi:transcription": { enabled: true, language: "nl-NL", vosk: { image } } }));
        const vosk = containersIn(run.resources.map((r) => r.inputs)).find(({ container }) => container.image === image);
        assert.ok(vosk, "no container runs the registry's image");
    });

    /** Runs development with alice and bob's passwords given as `given`, beside a stack file written as `fileText`. */
    async function runBesideStackFile(fileText: (stackConfig: Record<string, unknown>) => string, given: Record<string, string>) {
        // What the CLI does with a mixed map: the whole key counts as secret, the program sees the map decrypted.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-map-"));
        const stackConfig = {
            ...Object.fromEntries(Object.entries(development().values).map(([k, v]) => [k, /^[[{]/.test(v) ? JSON.parse(v) : v])),
            "jitsi:auth": { type: "internal", users: ["alice", "bob"] },
            "jitsi:internalUserPasswords": { alice: { secure: "v1:AAAA" }, bob: "plain-password-of-bob" },
        };
        const cwd = process.cwd();
        try {
            process.chdir(dir);
            fs.writeFileSync("Pulumi.mixed.yaml", fileText(stackConfig));
            const config = withConfig(development(), { "jitsi:auth": stackConfig["jitsi:auth"], "jitsi:internalUserPasswords": given }, ["jitsi:internalUserPasswords"]);
            return await runProgram(config, "mixed");
        } finally {
            process.chdir(cwd);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    it("takes a secret map as secret only if every entry is: a plain entry beside an encrypted one is refused", async () => {
        const run = await runBesideStackFile((c) => stringify({ config: c }), { alice: "alice-password", bob: "plain-password-of-bob" });
        assert.strictEqual(run.error?.name, "ConfigError", String(run.error));
        assert.match(run.error!.message, /jitsi:internalUserPasswords\.bob is stored in plain text beside encrypted entries, and a map is secret only if every entry is; store it encrypted with 'pulumi config set --secret --path "jitsi:internalUserPasswords\.bob" <value>'/);
        assert.ok(!/alice/.test(run.error!.message), "an encrypted entry was reported");
        assert.ok(!run.error!.message.includes("plain-password-of-bob"), "the message shows the password");
        assert.deepStrictEqual(run.resources.map((r) => r.type), []);
    });

    // `pulumi --config-file other.yaml`, a stackConfigDir, or config from the environment: the file beside
    // the program is then not what this update uses, and must not fail it.
    it("never fails a deploy over a stack file that is not the one this update uses (stale entry, unparseable, not a map)", async () => {
        const stale = await runBesideStackFile((c) => stringify({ config: c }), { alice: "alice-password", bob: "bobs-encrypted-password" });
        assert.strictEqual(stale.error, undefined, String(stale.error));
        for (const text of ["config: [unclosed\n  jitsi:x: {", "just text", "config: 42\n"]) {
            const run = await runBesideStackFile(() => text, { alice: "alice-password", bob: "bobs-encrypted-password" });
            assert.strictEqual(run.error, undefined, `${JSON.stringify(text)}: ${String(run.error)}`);
        }
    });

    it("finds the stack file in the project's stackConfigDir", async () => {
        const run = await runBesideStackFile((c) => {
            fs.mkdirSync("stacks");
            fs.writeFileSync("Pulumi.yaml", "name: jitsi\nruntime: nodejs\nstackConfigDir: stacks\n");
            fs.writeFileSync(path.join("stacks", "Pulumi.mixed.yaml"), stringify({ config: c }));
            return "config: {}\n";
        }, { alice: "alice-password", bob: "plain-password-of-bob" });
        assert.match(String(run.error), /jitsi:internalUserPasswords\.bob is stored in plain text beside encrypted entries/);
    });
});

describe("the template context table covers every variable the program sets", function () {
    this.timeout(120_000);
    const variants: Record<string, () => StackConfig> = {
        development,
        production,
        ...ACCESS_VARIANTS,
        visitors: visitorsVariant,
        ...GATEWAY_VARIANTS,
        "every gateway": allGatewaysVariant,
        "two regions": () => twoRegionsVariant(),
        "every web setting, nodeIP advertising, relay off": () =>
            withConfig(production(), {
                "jitsi:web": { defaultLanguage: "de", p2p: { stunServers: ["stun.example.org:3478"] } },
                "jitsi:jvb": { advertise: "nodeIP", allowPrivateAddresses: true, stunServers: [], relay: { enabled: false } },
            }),
    };
    for (const [name, variant] of Object.entries(variants)) {
        it(`has a context for each variable set on a Jitsi container (${name})`, async () => {
            const run = await runProgramOk(variant());
            const missing = new Set<string>();
            for (const { container } of containersIn(run.resources.map((r) => r.inputs))) {
                const image = /^ghcr\.io\/jitsi\/(\w+):/.exec(container.image)?.[1] as keyof typeof ENV_CONTEXTS | undefined;
                if (!image) continue;
                for (const e of container.env ?? []) if (!ENV_CONTEXTS[image]?.[e.name]) missing.add(`${image}/${e.name}`);
            }
            assert.deepStrictEqual([...missing], []);
        });
    }

    it("catches a variable the table does not know", async () => {
        const run = await runProgramOk(production());
        const objects: Obj[] = run.resources.map((r) => r.inputs);
        const web = containersIn(objects).find(({ container }) => /ghcr\.io\/jitsi\/web:/.test(container.image))!.container;
        web.env.push({ name: "ETHERPAD_PUBLIC_URL", value: "https://pad.example.org" });
        assert.strictEqual(envValue(web, "ETHERPAD_PUBLIC_URL"), "https://pad.example.org");
        assert.ok(!ENV_CONTEXTS.web.ETHERPAD_PUBLIC_URL);
    });
});

/**
 * SETTING_REACHES and SECRET_REACHES are checked against the program: each setting and secret gets a
 * value found nowhere else, and the variables of Jitsi containers whose value (or Secret behind it)
 * holds it are exactly the table's, where the run sets them at all.
 */
describe("the variables each setting reaches, as the program sets them", function () {
    this.timeout(120_000);
    const dev = readStackFile("development");
    const devFile = (key: string) => JSON.parse(dev.values[`jitsi:${key}`] ?? "{}");
    const probes: Record<string, string> = {
        hosts: "zqhost.school.net",
        "shards[].name": "zqshard",
        clusterDomain: "zqcluster.local",
        "namespaces.jitsi": "zqns",
        "auth.jwt.appId": "zqappid",
        "auth.jwt.acceptedIssuers": "zqissuer",
        "auth.jwt.acceptedAudiences": "zqaudience",
        "turn.host": "zqturn.school.net",
        "turn.external.host": "zqexternal.school.net",
        "jvb.publicIps": "145.253.7.9",
        "jvb.stunServers": "zqstun.school.net:3478",
        "web.p2p.stunServers": "zqp2p.school.net:3478",
        "web.defaultLanguage": "zqz-Qqqq",
        "transcription.language": "zq-ZQ",
        "transcription.url": "wss://zqwhisper.school.net/streaming-whisper/ws",
        "transcription.whisper.keyName": "zq/keyname",
        "jigasi.healthCheckSipUri": "zqecho@provider.school.net",
        "jigasi.dialIn.numbersUrl": "https://zqnumbers.school.net/n",
        "jigasi.dialIn.confCodeUrl": "https://zqconf.school.net/p",
        "jigasi.sip.uri": "zqsipuser@provider.school.net",
        "jigasi.sip.server": "zqsipserver.school.net",
        "jigasi.sip.defaultRoom": "zqroom",
        "clusters.<name>.region": "zqregion",
    };
    const secretProbes: Record<string, string> = {
        ...Object.fromEntries(Object.keys(SECRET_REACHES).map((k) => [k, `zq-${k}-0123456789`])),
        // A key the schema takes (RSA, base64 PKCS#8), unique by its nature.
        jigasiWhisperPrivateKey: WHISPER_KEY,
    };
    const secretChanges = (keys: string[]) => Object.fromEntries(keys.map((k) => [`jitsi:${k}`, secretProbes[k]]));
    const common = {
        "jitsi:hosts": [probes.hosts],
        "jitsi:clusterDomain": probes.clusterDomain,
        "jitsi:namespaces": { jitsi: probes["namespaces.jitsi"] },
        "jitsi:shards": [{ name: probes["shards[].name"] }],
        "jitsi:web": { ...devFile("web"), defaultLanguage: probes["web.defaultLanguage"], p2p: { stunServers: [probes["web.p2p.stunServers"]] } },
        "jitsi:jvb": { ...devFile("jvb"), publicIps: [probes["jvb.publicIps"]], stunServers: [probes["jvb.stunServers"]] },
    };
    /** Internal accounts with every part on and the stack's own TURN and Vosk. */
    const everyPart = () => {
        const keys = ["jicofoAuthPassword", "jvbAuthPassword", "jibriXmppPassword", "jibriRecorderPassword", "jigasiXmppPassword", "jigasiTranscriberPassword", "jigasiSipPassword"];
        return withConfig(
            allGatewaysVariant(),
            {
                ...common,
                "jitsi:turn": { ...devFile("turn"), host: probes["turn.host"] },
                "jitsi:jigasi": {
                    enabled: true,
                    sip: { uri: probes["jigasi.sip.uri"], server: probes["jigasi.sip.server"], defaultRoom: probes["jigasi.sip.defaultRoom"] },
                    healthCheckSipUri: probes["jigasi.healthCheckSipUri"],
                    dialIn: { numbersUrl: probes["jigasi.dialIn.numbersUrl"], confCodeUrl: probes["jigasi.dialIn.confCodeUrl"] },
                },
                "jitsi:transcription": { enabled: true, language: probes["transcription.language"], vosk: { image: `registry.school.net/vosk@sha256:${"a".repeat(64)}` } },
                "jitsi:etherpad": { enabled: true },
                "jitsi:whiteboard": { enabled: true },
                ...secretChanges(keys),
            },
            keys.map((k) => `jitsi:${k}`),
        );
    };
    /** JWT, an external TURN server and captions from an external Whisper. */
    const jwtExternal = () => {
        const keys = ["jwtAppSecret", "turnSharedSecret", "jigasiWhisperPrivateKey"];
        return withConfig(
            development(),
            {
                ...common,
                "jitsi:auth": { type: "jwt", jwt: { appId: probes["auth.jwt.appId"], acceptedIssuers: [probes["auth.jwt.acceptedIssuers"]], acceptedAudiences: [probes["auth.jwt.acceptedAudiences"]] } },
                "jitsi:turn": { enabled: true, external: { host: probes["turn.external.host"], tlsPort: 5349 } },
                "jitsi:transcription": { enabled: true, backend: "whisper", url: probes["transcription.url"], whisper: { keyName: probes["transcription.whisper.keyName"] } },
                ...secretChanges(keys),
            },
            keys.map((k) => `jitsi:${k}`),
        );
    };

    /** The stack in one named cluster of its own: its region reaches the shards' jicofo, bridges and web. */
    const inCluster = () => withConfig(development(), { ...common, "jitsi:clusters": { zq: { region: probes["clusters.<name>.region"], context: "zq" } } });

    /** Each Jitsi container variable with its value, a secretKeyRef resolved through the stack's Secrets. */
    function variables(objects: Obj[]): { variable: string; value: string }[] {
        const secrets = objects.filter((o) => o?.kind === "Secret");
        const fromSecret = (ref: Obj) => {
            const secret = secrets.find((s) => s.metadata?.name === ref.name);
            return secret?.stringData?.[ref.key] ?? (secret?.data?.[ref.key] ? Buffer.from(secret.data[ref.key], "base64").toString() : "");
        };
        return containersIn(objects).flatMap(({ container }) => {
            const image = /^ghcr\.io\/jitsi\/(\w+):/.exec(container.image)?.[1];
            if (!image) return [];
            return (container.env ?? []).map((e: Obj) => ({ variable: `${image}/${e.name}`, value: e.value ?? (e.valueFrom?.secretKeyRef ? fromSecret(e.valueFrom.secretKeyRef) : "") }));
        });
    }

    let runs: { variable: string; value: string }[][];
    before(async () => {
        runs = [];
        for (const variant of [everyPart, jwtExternal, inCluster]) runs.push(variables((await runProgramOk(variant())).resources.map((r) => r.inputs)));
    });

    const check = (table: Record<string, string[]>, probeOf: (name: string) => string) => {
        for (const [name, expected] of Object.entries(table)) {
            const probe = probeOf(name);
            const reached = new Set(runs.flatMap((vars) => vars.filter((v) => v.value.includes(probe)).map((v) => v.variable)));
            // Variables set at all in the runs where the value shows: a switched-off part sets none.
            const set = new Set(runs.filter((vars) => vars.some((v) => v.value.includes(probe))).flatMap((vars) => vars.map((v) => v.variable)));
            assert.deepStrictEqual([...reached].sort(), expected.filter((v) => set.has(v)).sort(), `${name} (${probe})`);
            assert.ok(expected.some((v) => reached.has(v)), `${name} reaches none of its variables in the probe runs`);
        }
    };

    it("every setting reaches exactly the variables SETTING_REACHES names", () => check(SETTING_REACHES, (name) => probes[name]));
    it("every secret reaches exactly the variables SECRET_REACHES names", () => check(SECRET_REACHES, (key) => secretProbes[key]));
});
