/**
 * How a Jigasi's call logs in, on a real prosody: the conference connection is BOSH (BOSH_URL_PATTERN, so
 * that the room router can send it to the room's shard), and prosody serves BOSH on its main domain only
 * (jitsi-meet.cfg.lua loads "bosh" on XMPP_DOMAIN's VirtualHost). The transcriber logs in on the hidden
 * domain and the SIP gateway, with auth, on the auth domain, neither of which loads "bosh": this shows
 * that one /http-bind carries a session for any of the server's hosts, with the settings the image's
 * templates give (consider_bosh_secure, internal_hashed, http_default_host).
 * Needs prosody (.ci/run installs it) and root, to run it as Debian's prosody user.
 */
import * as assert from "assert";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { startBoshProsody, writeBoshProsodyConfig } from "./boshProsody";
import { commandPath, freePort } from "./loopback";

const installed = commandPath("prosody") !== undefined && process.getuid?.() === 0;

/** One BOSH request (XEP-0124/0206), as Smack's BOSH connection sends it. */
function bosh(port: number, body: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: "/http-bind", method: "POST", headers: { "Content-Type": "text/xml; charset=utf-8" } }, (res) => {
            let data = "";
            res.on("data", (d) => (data += d));
            res.on("end", () => resolve(data));
        });
        req.on("error", reject);
        req.end(body);
    });
}

const NS = "xmlns='http://jabber.org/protocol/httpbind'";

/** Opens a session to `host` and authenticates with SASL PLAIN; returns what prosody answered. */
async function login(port: number, host: string, user: string, password: string): Promise<{ open: string; auth?: string }> {
    const rid = 1000 + Math.floor(Math.random() * 1_000_000);
    const open = await bosh(port, `<body ${NS} xmlns:xmpp='urn:xmpp:xbosh' content='text/xml; charset=utf-8' hold='1' rid='${rid}' to='${host}' ver='1.6' wait='5' xml:lang='en' xmpp:version='1.0'/>`);
    const sid = /sid=['"]([^'"]+)['"]/.exec(open)?.[1];
    if (!sid || !/PLAIN/.test(open)) return { open };
    const credentials = Buffer.from(`\0${user}\0${password}`).toString("base64");
    const auth = await bosh(port, `<body ${NS} rid='${rid + 1}' sid='${sid}'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth></body>`);
    return { open, auth };
}

describe("Jigasi's BOSH logins on a real prosody", function () {
    this.timeout(60_000);
    let dir: string;
    let port: number;
    let prosody: ChildProcess | undefined;

    before(async function () {
        if (!installed) {
            console.log("      prosody or root missing (apt-get install prosody): skipping the live BOSH login tests");
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "jigasi-bosh-"));
        fs.chmodSync(dir, 0o755);
        port = await freePort();
        const cfg = writeBoshProsodyConfig(dir, port, [
            // What the image's templates set (prosody.cfg.lua, conf.d/jitsi-meet.cfg.lua) that bears on these logins.
            'http_default_host = "meet.jitsi"',
            // The image's global modules (prosody.cfg.lua) that a client login goes through; the rest are Jitsi's own.
            'modules_enabled = { "roster", "saslauth", "disco", "ping" }',
            "consider_bosh_secure = true",
            'VirtualHost "meet.jitsi"',
            '    authentication = "anonymous"',
            '    modules_enabled = { "bosh" }',
            'VirtualHost "auth.meet.jitsi"',
            '    authentication = "internal_hashed"',
            'VirtualHost "hidden.meet.jitsi"',
            '    authentication = "internal_hashed"',
        ]);
        // register-setup's accounts: jigasi@auth (JIGASI_XMPP_PASSWORD) and transcriber@hidden (JIGASI_TRANSCRIBER_PASSWORD).
        for (const [user, host, password] of [["jigasi", "auth.meet.jitsi", "jigasi-password"], ["transcriber", "hidden.meet.jitsi", "transcriber-password"]]) {
            const r = spawnSync("runuser", ["-u", "prosody", "--", "prosodyctl", "--config", cfg, "register", user, host, password], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
        }
        prosody = await startBoshProsody(cfg, port);
    });

    after(() => {
        if (prosody?.pid) process.kill(-prosody.pid, "SIGTERM");
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("logs the transcriber in on the hidden domain through the main domain's /http-bind", async () => {
        const { open, auth } = await login(port, "hidden.meet.jitsi", "transcriber", "transcriber-password");
        assert.match(open, /<mechanism>PLAIN<\/mechanism>/, open);
        assert.match(auth ?? "", /<success/, auth);
    });

    it("logs the SIP gateway in on the auth domain (stacks with auth on)", async () => {
        const { auth } = await login(port, "auth.meet.jitsi", "jigasi", "jigasi-password");
        assert.match(auth ?? "", /<success/, auth);
    });

    it("refuses a wrong password and an unknown host: the logins above are real", async () => {
        const wrong = await login(port, "hidden.meet.jitsi", "transcriber", "not-the-password");
        assert.match(wrong.auth ?? "", /<failure/, wrong.auth);
        const unknown = await login(port, "nowhere.meet.jitsi", "transcriber", "transcriber-password");
        // Prosody 0.12 ends it as improper-addressing: no session for a host it does not serve.
        assert.match(unknown.open, /type='terminate'/, unknown.open);
        assert.match(unknown.open, /condition='(improper-addressing|host-unknown)'/, unknown.open);
    });
});
