/** What the live tests share to run daemons on loopback: finding them, a port for them, talking to them. */
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from "child_process";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as http from "http";
import * as net from "net";

/** Where `name` is installed, or undefined: a live test then skips, naming the Debian package. */
export function commandPath(name: string): string | undefined {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

/**
 * The HAProxy the live tests run: $HAPROXY_BIN, a path to another build (the router image's 3.2 branch:
 * docs/development.md), or else Debian's `haproxy` on the PATH (CI's); undefined when neither is there (a live
 * test then skips). A HAPROXY_BIN that is not an executable file fails the test rather than quietly testing Debian's.
 */
export function haproxyPath(): string | undefined {
    const bin = process.env.HAPROXY_BIN;
    if (!bin) return commandPath("haproxy");
    try {
        fs.accessSync(bin, fs.constants.X_OK);
    } catch {
        throw new Error(`HAPROXY_BIN=${bin} is not an executable file`);
    }
    return path.resolve(bin);
}

/** Which of the commands a live test needs are not here (`haproxy`: haproxyPath()). */
export function missingCommands(names: string[]): string[] {
    return names.filter((n) => !(n === "haproxy" ? haproxyPath() : commandPath(n)));
}

/**
 * In a `before` hook: the commands its live tests need are here, or else CI fails (it installs every one of
 * .ci/debian-packages and must never skip) and a developer machine skips them, naming what to install.
 */
export function requireCommands(hook: Mocha.Context, names: string[], tests: string): void {
    const missing = missingCommands(names);
    if (missing.length === 0) return;
    if (process.env.CI) throw new Error(`${missing.join(", ")} not installed; .ci/debian-packages lists them and .ci/run installs them`);
    console.warn(`    ${missing.join(", ")} not installed (apt-get install ${missing.join(" ")}): skipping ${tests}`);
    hook.skip();
}

/**
 * Asserts that `haproxy -c` (run by `check`, stdout and stderr apart) found nothing to fault: exit 0, no warning, no
 * alert. Not its "Configuration file is valid": 2.6 prints it, but since 2.9 a valid check is quiet unless -V
 * (haproxy a06f6212c; v3.2.0 src/haproxy.c:2206-2207). Warnings come as `[WARNING]` lines on stderr and
 * "Warnings were found." on stdout in both (v3.2.0 src/haproxy.c:2186-2187), and exit 0 all the same.
 */
export function assertCheckClean(check: SpawnSyncReturns<string>): void {
    const said = `${check.stdout}${check.stderr}`;
    assert.strictEqual(check.status, 0, said);
    assert.deepStrictEqual(said.split("\n").filter((l) => /\[(WARNING|ALERT)\]|Warnings were found/.test(l)), [], said);
}

/** The first line of `haproxy -v` (version and build), which the live router tests print, so a run says what it proved. */
export function haproxyVersion(bin: string): string {
    return spawnSync(bin, ["-v"], { encoding: "utf8" }).stdout.split("\n")[0].trim();
}

/**
 * A free port below the kernel's ephemeral range (32768 and up on Linux), so that no outgoing
 * connection takes it while a daemon restarts on it.
 */
export async function freePort(): Promise<number> {
    for (;;) {
        const port = 20000 + Math.floor(Math.random() * 12000);
        const free = await new Promise<boolean>((resolve) => {
            const srv = net.createServer();
            srv.once("error", () => resolve(false));
            srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
        });
        if (free) return port;
    }
}

/** An HTTP stand-in for a daemon the test does not run, on a loopback port of the kernel's choosing. */
export async function standIn(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { server, port: (server.address() as net.AddressInfo).port };
}

/** One GET to 127.0.0.1 without keep-alive, so that every request makes a fresh connection through the daemon. */
export function get(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: urlPath, agent: false, headers }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

/** Polls until `check` holds, or throws after `ms` naming what it waited for, with `logs()` to say why. */
export async function waitFor(what: string, check: () => Promise<boolean>, logs: () => string = () => "", ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await check().catch(() => false)) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}\n${logs()}`);
}

/** One command to a daemon's admin socket (HAProxy's stats socket), and its whole answer. */
export function adminCommand(socket: string, command: string): Promise<string> {
    return new Promise((resolve, reject) => {
        let out = "";
        const conn = net.createConnection(socket, () => conn.end(`${command}\n`));
        conn.on("data", (d) => (out += d));
        conn.on("end", () => resolve(out));
        conn.on("error", reject);
    });
}

/** Stops a daemon as the kubelet does (SIGTERM; it does not honour an image's STOPSIGNAL) and waits for it to exit. */
export function stopProcess(proc: ChildProcess): Promise<void> {
    return new Promise<void>((r) => {
        proc.once("exit", () => r());
        proc.kill("SIGTERM");
    });
}

/**
 * Starts HAProxy as the router pod runs it, in the foreground as peer `name` (`-L`), on `files`, logging to
 * `<dir>/<name>.log`; records the process in `started` (the test's cleanup kills it) and waits until its
 * stats port answers /healthz. `prefix` runs it as the container's user.
 */
export async function startHaproxy(
    haproxy: string,
    o: { dir: string; name: string; files: string[]; statsPort: number; started: ChildProcess[]; logs: () => string; prefix?: string[] },
): Promise<ChildProcess> {
    const log = fs.openSync(path.join(o.dir, `${o.name}.log`), "a");
    const [cmd, ...args] = [...(o.prefix ?? []), haproxy, "-db", "-L", o.name, ...o.files.flatMap((f) => ["-f", f])];
    const proc = spawn(cmd, args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    o.started.push(proc);
    await waitFor(`${o.name} to serve`, async () => (await get(o.statsPort, "/healthz")).status === 200, o.logs);
    return proc;
}

/** The last `lines` lines of every `*.log` in `dir`, to say why a daemon did not do what a test waited for. */
export function tailLogs(dir: string, lines: number): string {
    return fs.readdirSync(dir).filter((f) => f.endsWith(".log"))
        .map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, f), "utf8").split("\n").slice(-lines).join("\n")}`)
        .join("\n");
}
