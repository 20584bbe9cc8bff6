/**
 * Runs a daemon in a live test the way its container runs it: as the container's uid and gid, with
 * only the capabilities the container keeps in its bounding set, and with no_new_privs where privilege
 * escalation is off. util-linux's `setpriv` does what the container runtime does; it needs root, which
 * CI has. Where a test binary must carry the image's file capabilities, `withFileCapabilities` copies it
 * and gives the copy the same `setcap` as the image's Dockerfile.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { commandPath } from "./loopback";
import { Obj } from "./objects";

/** Why a test cannot run a process as a pod would here, or undefined when it can. */
export function cannotRunAsPod(): string | undefined {
    if (process.getuid?.() !== 0) return "not root (setpriv and setcap need root)";
    for (const tool of ["setpriv", "setcap"]) {
        if (commandPath(tool) === undefined) return `${tool} not installed (apt-get install util-linux libcap2-bin)`;
    }
    return undefined;
}

/** The `setpriv` prefix that gives a process the container's identity and capability bounds. */
export function asContainer(container: Obj): string[] {
    const sc = container.securityContext ?? {};
    if (sc.runAsUser === undefined) throw new Error(`container ${container.name} names no runAsUser`);
    const dropsAll = (sc.capabilities?.drop ?? []).includes("ALL");
    if (!dropsAll) throw new Error(`container ${container.name} does not drop ALL: its bounding set is the runtime's default`);
    const kept: string[] = (sc.capabilities?.add ?? []).map((c: string) => `+${c.toLowerCase()}`);
    return [
        "setpriv",
        `--reuid=${sc.runAsUser}`,
        `--regid=${sc.runAsGroup ?? sc.runAsUser}`,
        "--clear-groups",
        "--inh-caps=-all",
        `--bounding-set=${["-all", ...kept].join(",")}`,
        ...(sc.allowPrivilegeEscalation === false ? ["--no-new-privs"] : []),
        "--",
    ];
}

/** A copy of `binary` in `dir` carrying `capabilities` as permitted and effective file capabilities. */
export function withFileCapabilities(binary: string, capabilities: string[], dir: string): string {
    const copy = path.join(dir, path.basename(binary));
    fs.copyFileSync(binary, copy);
    fs.chmodSync(copy, 0o755);
    if (capabilities.length > 0) {
        execFileSync("setcap", [`${capabilities.map((c) => `cap_${c.toLowerCase()}`).join(",")}=+ep`, copy]);
    }
    return copy;
}

/**
 * Runs an exec probe as the kubelet does: the command's argv itself (no shell of its own), cut off at the
 * probe's timeoutSeconds when given; success is exit status 0. Given the container, and where the test may, it runs
 * as the container's user with its capability bounds. Asynchronous: stand-ins answer from this process.
 */
export function execProbe(command: string[], options: { container?: Obj; timeoutSeconds?: number } = {}): Promise<{ ok: boolean; stderr: string }> {
    const argv = [...(options.container && cannotRunAsPod() === undefined ? asContainer(options.container) : []), ...command];
    return new Promise((resolve, reject) => {
        const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], env: { PATH: "/usr/local/bin:/usr/bin:/bin" } });
        let stderr = "";
        const timer = options.timeoutSeconds === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.timeoutSeconds * 1000);
        child.stderr.on("data", (c) => (stderr += c));
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ ok: code === 0, stderr });
        });
    });
}
