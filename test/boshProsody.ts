/**
 * A real prosody answering BOSH on a loopback port, as a shard's prosody answers it on 5280, for the live
 * tests that need one (web's shard health check, Jigasi's logins). It runs as Debian's prosody user, so
 * the tests that use it need root.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { get, waitFor } from "./loopback";

/**
 * Writes `dir`/prosody.cfg.lua: prosody's files under `dir`/prosody, in the foreground, no XMPP listeners,
 * HTTP (BOSH) on 127.0.0.1:`port` only; then the test's own settings and hosts. Returns the file's path.
 */
export function writeBoshProsodyConfig(dir: string, port: number, settings: string[]): string {
    const data = path.join(dir, "prosody");
    fs.mkdirSync(data);
    const cfg = path.join(dir, "prosody.cfg.lua");
    fs.writeFileSync(
        cfg,
        [
            `pidfile = "${data}/prosody.pid"`,
            `data_path = "${data}"`,
            "daemonize = false",
            `log = { warn = "${data}/prosody.log" }`,
            "c2s_ports = { }",
            "s2s_ports = { }",
            "https_ports = { }",
            `http_ports = { ${port} }`,
            'http_interfaces = { "127.0.0.1" }',
            ...settings,
            "",
        ].join("\n"),
    );
    spawnSync("chown", ["-R", "prosody:prosody", data]);
    return cfg;
}

/** Starts prosody on `cfg` as the prosody user and waits until its BOSH answers on `port`. */
export async function startBoshProsody(cfg: string, port: number): Promise<ChildProcess> {
    const prosody = spawn("runuser", ["-u", "prosody", "--", "prosody", "--config", cfg], { stdio: "ignore", detached: true });
    await waitFor("prosody's BOSH", async () => (await get(port, "/http-bind")).status === 200, () => "", 15_000);
    return prosody;
}
