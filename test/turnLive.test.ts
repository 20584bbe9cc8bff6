/**
 * The TURN configuration the program renders, run by a real coturn on loopback the way the pod runs
 * it: as the container's user, with only the capabilities the container keeps, and with a turnserver
 * that carries the image's file capability (coturn's Dockerfile setcaps it; dropped, exec fails with
 * 126). It starts, it hands out relays to clients holding REST credentials derived from the shared
 * secret, and it refuses to relay into a denied range. Also the port-80 forwarder's configuration,
 * checked by HAProxy. And the container's start command on an empty cluster, as PID 1 of its own PID
 * namespace: coturn without TLS until the certificate appears, then a restart with TLS. Needs Debian's
 * `coturn` (turnserver, turnutils_peer, turnutils_uclient), `haproxy`, `openssl`, util-linux, and root
 * for setpriv, setcap and unshare; .ci/run has all. Only loopback is used: the peer that
 * must be refused is 127.0.0.1, and coturn's built-in loopback ban is lifted for the test so that the
 * program's own denied ranges are what refuse it.
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { FILE_CAPABILITIES } from "../lib/fileCapabilities";
import { TURN_CONFIG_DIR, TURN_TLS_DIR } from "../lib/turn";
import { readStackFile, runProgramOk } from "./harness";
import { commandPath, haproxyPath, missingCommands } from "./loopback";
import { named, Obj } from "./objects";
import { asContainer, cannotRunAsPod, withFileCapabilities } from "./podProcess";

const SECRET = "loopback-test-secret";

/** The rendered file made runnable on loopback: TLS, metrics and the listener moved aside, nothing else changed. */
function forLoopback(rendered: string, port: number, dir: string, keepDenied: boolean): string {
    const kept = rendered
        .split("\n")
        .filter((l) => !/^(cert|pkey|tls-listening-port|prometheus|prometheus-port|pidfile|listening-port)\b/.test(l))
        .filter((l) => keepDenied || !l.startsWith("denied-peer-ip="));
    return [
        ...kept,
        `listening-port=${port}`,
        "listening-ip=127.0.0.1",
        "relay-ip=127.0.0.1",
        `pidfile=${dir}/run/turnserver.pid`,
        // What the container's start command appends from the Kubernetes Secret.
        `static-auth-secret=${SECRET}`,
        // Lifts coturn's own loopback ban (which requires a CLI password), leaving the program's denied ranges.
        "allow-loopback-peers",
        "cli-password=unused-in-test",
        "",
    ].join("\n");
}

/** The image's turnserver: Debian's binary with the file capabilities coturn's Dockerfile gives it. */
function imageTurnserver(dir: string): string {
    const row = FILE_CAPABILITIES.find((f) => f.binary === "/usr/bin/turnserver")!;
    return withFileCapabilities(commandPath("turnserver")!, row.capabilities, dir);
}

async function startTurnserver(turnserver: string, coturn: Obj, conf: string): Promise<{ proc: ChildProcess; log: () => string }> {
    const [setpriv, ...bounds] = asContainer(coturn);
    const proc = spawn(setpriv, [...bounds, turnserver, "-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    proc.stdout!.on("data", (d) => (log += d));
    proc.stderr!.on("data", (d) => (log += d));
    const deadline = Date.now() + 10_000;
    while (!/IO method/.test(log)) {
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`turnserver did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    return { proc, log: () => log };
}

/** One client, three messages to the peer through a relay, with REST credentials (-W): what a browser does. */
function relayThrough(turnPort: number, peerPort: number): { status: number | null; output: string } {
    const r = spawnSync(
        "turnutils_uclient",
        ["-W", SECRET, "-u", "participant", "-e", "127.0.0.1", "-r", String(peerPort), "-p", String(turnPort), "-n", "3", "-m", "1", "-c", "-X", "127.0.0.1"],
        { encoding: "utf8", timeout: 15_000 },
    );
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("TURN on a real coturn", function () {
    this.timeout(60_000);
    const missing = missingCommands(["turnserver", "turnutils_peer", "turnutils_uclient", "haproxy", "openssl", "unshare", "nsenter"]);
    const notAsPod = cannotRunAsPod();
    let rendered: string;
    let coturn: Obj;
    let turnserver: string;
    let forwarder: string;
    let dir: string;
    let peer: ChildProcess | undefined;
    const peerPort = 20000 + Math.floor(Math.random() * 6000);
    const turnPort = peerPort + 6000;

    before(async function () {
        if (missing.length > 0) {
            console.log(`      ${missing.join(", ")} not installed (apt-get install coturn haproxy openssl util-linux): skipping the live TURN tests`);
            this.skip();
        }
        if (notAsPod) {
            console.log(`      ${notAsPod}: skipping the live TURN tests, which run coturn as its pod does`);
            this.skip();
        }
        const run = await runProgramOk(readStackFile("production"));
        const cm = named(run, "ConfigMap", "turn-config");
        rendered = cm.data["turnserver.conf"];
        forwarder = cm.data["haproxy.cfg"];
        coturn = named(run, "Deployment", "turn").spec.template.spec.containers.find((c: Obj) => c.name === "coturn");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "turn-"));
        // The container's user reads the configuration and writes its pid file, as in the pod's /tmp.
        fs.chmodSync(dir, 0o755);
        fs.mkdirSync(path.join(dir, "run"));
        fs.chownSync(path.join(dir, "run"), coturn.securityContext.runAsUser, coturn.securityContext.runAsGroup);
        turnserver = imageTurnserver(dir);
        peer = spawn("turnutils_peer", ["-L", "127.0.0.1", "-p", String(peerPort)], { stdio: "ignore" });
    });

    after(() => {
        peer?.kill();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("relays for a client with credentials derived from the shared secret (control: the denied ranges left out)", async () => {
        const conf = path.join(dir, "open.conf");
        fs.writeFileSync(conf, forLoopback(rendered, turnPort, dir, false));
        const server = await startTurnserver(turnserver, coturn, conf);
        try {
            const r = relayThrough(turnPort, peerPort);
            assert.strictEqual(r.status, 0, `${r.output}\n--- turnserver:\n${server.log()}`);
            assert.match(r.output, /Total lost packets 0 \(0\.0+%\)/);
        } finally {
            server.proc.kill();
        }
    });

    it("refuses to relay into a denied range with the rendered configuration", async () => {
        const conf = path.join(dir, "rendered.conf");
        fs.writeFileSync(conf, forLoopback(rendered, turnPort + 1, dir, true));
        const server = await startTurnserver(turnserver, coturn, conf);
        try {
            assert.doesNotMatch(server.log(), /Bad configuration format: (?!prometheus)/, "coturn rejects a line of the rendered file");
            const r = relayThrough(turnPort + 1, peerPort);
            assert.notStrictEqual(r.status, 0);
            assert.match(r.output, /error 403 \(Forbidden IP\)/, r.output);
        } finally {
            server.proc.kill();
        }
    });

    it("cannot even start when the container drops the capability turnserver carries (what the pod did before)", () => {
        const dropped = { ...coturn, securityContext: { ...coturn.securityContext, capabilities: { drop: ["ALL"] } } };
        const r = spawnSync(asContainer(dropped)[0], [...asContainer(dropped).slice(1), turnserver, "--version"], { encoding: "utf8" });
        assert.strictEqual(r.status, 126, `${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /Operation not permitted/);
        const kept = spawnSync(asContainer(coturn)[0], [...asContainer(coturn).slice(1), turnserver, "--version"], { encoding: "utf8" });
        assert.strictEqual(kept.status, 0, `${kept.stdout}${kept.stderr}`);
    });

    describe("the pod's start command on an empty cluster (no certificate yet)", () => {
        let pod: ChildProcess | undefined;
        let log = "";
        const plainPort = turnPort + 2;
        const tlsPort = turnPort + 3;

        /** The container's command, run as the container runs it: PID 1 of its own PID namespace, as its user. */
        function startPod(): ChildProcess {
            const script = (coturn.command as string[])[2]
                .split(TURN_CONFIG_DIR).join(path.join(dir, "config"))
                .split(TURN_TLS_DIR).join(path.join(dir, "tls"))
                .split("/tmp/turnserver.conf").join(path.join(dir, "run", "turnserver.conf"));
            const proc = spawn("unshare", ["--pid", "--fork", "--mount-proc", ...asContainer(coturn), "/bin/sh", "-c", script], {
                stdio: ["ignore", "pipe", "pipe"],
                env: { ...process.env, TURN_SHARED_SECRET: SECRET, PATH: `${path.dirname(turnserver)}:${process.env.PATH}` },
            });
            proc.stdout!.on("data", (d) => (log += d));
            proc.stderr!.on("data", (d) => (log += d));
            return proc;
        }
        const until = async (what: string, done: () => boolean, ms = 20_000) => {
            const deadline = Date.now() + ms;
            while (!done()) {
                if (Date.now() > deadline) throw new Error(`${what} did not happen:\n${log}`);
                await new Promise((r) => setTimeout(r, 200));
            }
        };
        const accepts = (port: number) =>
            new Promise<boolean>((res) => {
                const s = net.connect(port, "127.0.0.1", () => (s.destroy(), res(true)));
                s.on("error", () => res(false));
            });
        const tlsHandshake = (port: number) =>
            new Promise<string>((res, rej) => {
                const s = tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false }, () => {
                    const cn = String(s.getPeerCertificate().subject.CN);
                    s.destroy();
                    res(cn);
                });
                s.on("error", rej);
            });

        before(() => {
            // The pod's files: the ConfigMap's turnserver.conf (loopback ports, the mount paths moved into the
            // test's directory as in the start command), and the optional Secret volume, empty.
            fs.mkdirSync(path.join(dir, "config"));
            fs.mkdirSync(path.join(dir, "tls"));
            const conf = forLoopback(rendered, plainPort, dir, false)
                .split("\n")
                .filter((l) => !l.startsWith("static-auth-secret="))
                .concat([`tls-listening-port=${tlsPort}`, `cert=${dir}/tls/tls.crt`, `pkey=${dir}/tls/tls.key`, ""])
                .join("\n");
            fs.writeFileSync(path.join(dir, "config", "turnserver.conf"), conf);
        });

        /**
         * What the kubelet does on pod deletion: SIGTERM to the container's PID 1 (unshare's one child), which
         * must be the shell, not coturn (Debian's 4.6.1 has no SIGTERM handler and ignores it as PID 1), and the
         * container must end well within terminationGracePeriodSeconds.
         */
        async function terminate(proc: ChildProcess): Promise<void> {
            const pid1 = fs.readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim();
            assert.strictEqual(fs.readFileSync(`/proc/${pid1}/comm`, "utf8").trim(), "sh", "coturn is PID 1: SIGTERM would not reach a handler");
            // The runtime signals the container's init from the host's PID namespace, as this does. (Through
            // nsenter the kill ran inside the namespace, and the kernel SIGKILLs it there when PID 1 exits: the
            // signal had worked, but nsenter reported failure.) As from inside, an init without a handler for
            // SIGTERM ignores it, so this still tells a shell that forwards it from a coturn that ignores it.
            try {
                process.kill(Number(pid1), "SIGTERM");
            } catch (e) {
                throw new Error(`SIGTERM to PID 1 failed (container exit ${proc.exitCode}): ${e}\n${log}`);
            }
            // Well within the pod's 30 s grace period, with room for a loaded CI machine.
            await until("the container's end on SIGTERM", () => proc.exitCode !== null || proc.signalCode !== null, 10_000);
        }

        afterEach(() => {
            if (pod?.exitCode === null) process.kill(pod.pid!, "SIGKILL");
        });

        it("serves TURN without TLS, restarts once cert-manager writes the Secret, and comes back with TLS", async () => {
            pod = startPod();
            await until("coturn's start", () => /IO method/.test(log));
            assert.match(log, /no certificate in \S+ yet: TURN without TLS/);
            assert.match(log, /cannot start TLS and DTLS listeners because certificate file is not set properly/);
            const r = relayThrough(plainPort, peerPort);
            assert.strictEqual(r.status, 0, `plain TURN relays before the certificate exists\n${r.output}\n${log}`);
            assert.strictEqual(await accepts(tlsPort), false, "no TLS listener without a certificate");

            // What the kubelet does when the Secret appears: the files show up in the mounted volume.
            const tlsDir = path.join(dir, "tls");
            execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=turn.example.org", "-keyout", path.join(tlsDir, "tls.key"), "-out", path.join(tlsDir, "tls.crt")], { stdio: "ignore" });
            fs.chmodSync(path.join(tlsDir, "tls.key"), 0o644);
            const first = pod;
            await until("the container's exit", () => first.exitCode !== null || first.signalCode !== null);
            assert.strictEqual(first.exitCode, 0, log);
            assert.match(log, /certificate issued: restarting coturn with TLS/);

            // The kubelet starts the container again: now with TLS.
            log = "";
            pod = startPod();
            await until("coturn's start with TLS", () => /IO method/.test(log));
            await until("the TLS listener", () => !/cannot start TLS/.test(log) && /IO method/.test(log));
            assert.strictEqual(await tlsHandshake(tlsPort), "turn.example.org");
            assert.doesNotMatch(log, /no certificate/);

            // Deleting the pod (a Recreate rollout, a drain) stops it at once, with TLS as without.
            await terminate(pod);
        });

        it("stops on the kubelet's SIGTERM while it waits for its certificate", async () => {
            fs.rmSync(path.join(dir, "tls"), { recursive: true, force: true });
            fs.mkdirSync(path.join(dir, "tls"));
            log = "";
            pod = startPod();
            await until("coturn's start", () => /IO method/.test(log));
            assert.match(log, /no certificate in \S+ yet/);
            await terminate(pod);
            assert.strictEqual(pod.exitCode, 0, log);
        });
    });

    it("forwards port 80 with a configuration HAProxy accepts", () => {
        const file = path.join(dir, "haproxy.cfg");
        // The cluster's ingress controller name does not resolve here; HAProxy checks the rest.
        fs.writeFileSync(file, forwarder.replace(/server ingress \S+/, "server ingress 127.0.0.1:80"));
        const r = spawnSync(haproxyPath()!, ["-c", "-f", file], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
    });
});
