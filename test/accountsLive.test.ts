/**
 * The accounts sidecar's script (lib/prosodyUsers.ts), exactly as the pod runs it, against a real
 * prosody on this machine: Debian's prosody 0.12, whose admin shell has the same `user create`,
 * `user password` and `user delete` commands, the same argument quoting and the same exit status (the
 * number of errors) as prosody 13 in the image (plugins/mod_admin_shell.lua, util/prosodyctl/shell.lua
 * at 0.12.4 and 13.0.1). Only the paths differ, through the variables the script reads for that.
 * Needs Debian's `prosody`; .ci/run installs it. Prosody listens on no network port the test uses:
 * everything goes through the admin socket.
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { USER_SYNC_SCRIPT } from "../lib";
import { commandPath } from "./loopback";

const installed = ["prosody", "prosodyctl"].every((c) => commandPath(c) !== undefined);
const asRoot = process.getuid?.() === 0;
/** Prosody refuses to run as root; CI runs as root, so it runs as Debian's prosody user there. */
const as = (cmd: string[]) => (asRoot ? ["runuser", "-u", "prosody", "--", ...cmd] : cmd);

describe("accounts sidecar on a real prosody", function () {
    this.timeout(60_000);
    let dir: string;
    let prosody: ChildProcess | undefined;
    let sidecar: ChildProcess | undefined;
    let sidecarLog = "";
    const cfg = () => path.join(dir, "prosody.cfg.lua");
    const users = () => path.join(dir, "users");

    const ctl = (...args: string[]) => {
        const [cmd, ...rest] = as(["prosodyctl", "--config", cfg(), "shell", ...args]);
        return spawnSync(cmd, rest, { cwd: dir, encoding: "utf8", timeout: 20_000 });
    };
    const passwordWorks = (user: string, host: string, password: string) =>
        /Result: true/.test(ctl(`>require"core.usermanager".test_password(${[user, host, password].map((s) => JSON.stringify(s)).join(",")})`).stdout);
    const accounts = (host: string) =>
        ctl("user", "list", host)
            .stdout.split("\n")
            .filter((l) => l.endsWith(`@${host}`))
            .sort();
    const until = async (what: string, check: () => boolean) => {
        const deadline = Date.now() + 20_000;
        while (!check()) {
            if (Date.now() > deadline) throw new Error(`${what} did not happen; sidecar said:\n${sidecarLog}`);
            await new Promise((r) => setTimeout(r, 500));
        }
    };
    const writeUser = (name: string, password: string) => {
        fs.writeFileSync(path.join(users(), name), password);
        if (asRoot) execFileSync("chown", ["prosody", path.join(users(), name)]);
    };
    const startSidecar = (jicofoPassword: string) => {
        const env = {
            PATH: process.env.PATH!,
            PROSODY_CONFIG: cfg(),
            PROSODY_DATA: dir,
            USERS_DIR: users(),
            SYNC_PERIOD: "1",
            SYNC_HEARTBEAT: path.join(dir, "alive"),
            // What the pod's env gives it (USER_SYNC_ENV in lib/prosodyUsers.ts).
            XMPP_DOMAIN: "meet.jitsi",
            XMPP_AUTH_DOMAIN: "auth.meet.jitsi",
            XMPP_HIDDEN_DOMAIN: "hidden.meet.jitsi",
            JVB_AUTH_USER: "jvb",
            JICOFO_AUTH_PASSWORD: jicofoPassword,
            JVB_AUTH_PASSWORD: "jvb-password",
            JIBRI_XMPP_PASSWORD: "jibri-password",
            // With a Jigasi pool: the gateway's control account and the transcriber's hidden-domain login.
            JIGASI_XMPP_PASSWORD: "jigasi-password",
            JIGASI_TRANSCRIBER_PASSWORD: "transcriber-password",
        };
        const [cmd, ...rest] = as(["env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "bash", "-c", USER_SYNC_SCRIPT]);
        sidecarLog = "";
        sidecar = spawn(cmd, rest, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH! }, detached: true });
        sidecar.stdout!.on("data", (d) => (sidecarLog += d));
        sidecar.stderr!.on("data", (d) => (sidecarLog += d));
    };
    const stopSidecar = async () => {
        if (!sidecar || sidecar.exitCode !== null) return;
        const exited = new Promise((r) => sidecar!.once("exit", r));
        // The whole group: runuser, bash and whatever command the script is in.
        process.kill(-sidecar.pid!, "SIGTERM");
        await exited;
    };

    before(async function () {
        if (!installed) {
            console.log("      prosody not installed (apt-get install prosody): skipping the live accounts tests");
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "prosody-accounts-"));
        fs.mkdirSync(path.join(dir, "data"));
        fs.mkdirSync(users());
        fs.writeFileSync(
            cfg(),
            [
                `pidfile = "${dir}/prosody.pid"`,
                `data_path = "${dir}/data"`,
                "daemonize = false",
                `log = { info = "${dir}/prosody.log" }`,
                'modules_enabled = { "admin_shell" }',
                // No network listeners: the sidecar and the test use the admin socket only.
                "c2s_ports = { }",
                "s2s_ports = { }",
                // What the image's jitsi-meet.cfg.lua sets on the main domain for auth.type internal.
                'authentication = "internal_hashed"',
                'VirtualHost "meet.jitsi"',
                'VirtualHost "auth.meet.jitsi"',
                'VirtualHost "hidden.meet.jitsi"',
                "",
            ].join("\n"),
        );
        if (asRoot) execFileSync("chown", ["-R", "prosody:prosody", dir]);
        const [cmd, ...rest] = as(["prosody", "--config", cfg()]);
        prosody = spawn(cmd, rest, { cwd: dir, stdio: "ignore", detached: true });
        await until("prosody's admin socket", () => fs.existsSync(path.join(dir, "data", "prosody.sock")));

        writeUser("alice", "alice-password");
        writeUser("bob.teacher", 'a password with spaces and "quotes"');
        startSidecar("focus-password");
        await until("the first round", () => /accounts in step/.test(sidecarLog));
    });

    after(async () => {
        await stopSidecar();
        if (prosody?.pid && prosody.exitCode === null) {
            // prosody writes its data as it stops: remove the directory only once it has.
            const exited = new Promise((r) => prosody!.once("exit", r));
            process.kill(-prosody.pid, "SIGTERM");
            await exited;
        }
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("creates every listed account with its password, whatever characters it holds", () => {
        assert.deepStrictEqual(accounts("meet.jitsi"), ["alice@meet.jitsi", "bob.teacher@meet.jitsi"]);
        assert.ok(passwordWorks("alice", "meet.jitsi", "alice-password"));
        assert.ok(passwordWorks("bob.teacher", "meet.jitsi", 'a password with spaces and "quotes"'));
        assert.ok(!passwordWorks("alice", "meet.jitsi", "wrong"), "control: a wrong password is refused");
    });

    it("sets the service accounts' passwords (focus, bridges, Jibri, Jigasi) on the auth domain, and the transcriber's on the hidden one", () => {
        assert.ok(passwordWorks("focus", "auth.meet.jitsi", "focus-password"));
        assert.ok(passwordWorks("jvb", "auth.meet.jitsi", "jvb-password"));
        assert.ok(passwordWorks("jibri", "auth.meet.jitsi", "jibri-password"));
        assert.ok(passwordWorks("jigasi", "auth.meet.jitsi", "jigasi-password"));
        assert.ok(passwordWorks("transcriber", "hidden.meet.jitsi", "transcriber-password"));
    });

    it("applies a new account and a changed password on its next round, without a restart", async () => {
        writeUser("carol", "carol-password");
        writeUser("alice", "alice-new-password");
        await until("carol and alice's new password", () => passwordWorks("carol", "meet.jitsi", "carol-password") && passwordWorks("alice", "meet.jitsi", "alice-new-password"));
        assert.ok(!passwordWorks("alice", "meet.jitsi", "alice-password"));
    });

    it("deletes an account taken off the list, and leaves an account made by hand", async () => {
        assert.strictEqual(ctl("user", "create", "janitor@meet.jitsi", "made-by-hand").status, 0);
        fs.rmSync(path.join(users(), "bob.teacher"));
        await until("bob's deletion", () => !accounts("meet.jitsi").includes("bob.teacher@meet.jitsi"));
        assert.deepStrictEqual(accounts("meet.jitsi"), ["alice@meet.jitsi", "carol@meet.jitsi", "janitor@meet.jitsi"]);
    });

    it("sets a rotated service password on a data directory that kept the old one", async () => {
        await stopSidecar();
        startSidecar("rotated-focus-password");
        await until("the rotated focus password", () => passwordWorks("focus", "auth.meet.jitsi", "rotated-focus-password"));
        assert.ok(!passwordWorks("focus", "auth.meet.jitsi", "focus-password"));
    });
});
