/**
 * Debian's nginx run as the web container runs its own: as the container's user and capabilities
 * (where the test runs as root), with the files of an nginx-custom directory included in a server
 * block after the block's `preamble` and before its own locations, as the web image's meet.conf
 * includes them.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { get, waitFor } from "./loopback";
import { Obj } from "./objects";
import { asContainer, cannotRunAsPod } from "./podProcess";

export async function startWebNginx(dir: string, web: Obj, port: number, customDir: string, locations: string[], preamble: string[] = []): Promise<ChildProcess> {
    const run = path.join(dir, "run");
    fs.mkdirSync(run);
    const asPod = !cannotRunAsPod();
    if (asPod) fs.chownSync(run, web.securityContext.runAsUser, web.securityContext.runAsGroup);
    fs.writeFileSync(
        path.join(dir, "nginx.conf"),
        [
            "worker_processes 1;",
            `pid ${run}/nginx.pid;`,
            "daemon off;",
            "events {}",
            "http {",
            "    access_log off;",
            ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${run}/${t};`),
            "    server {",
            `        listen 127.0.0.1:${port};`,
            ...preamble.map((l) => `        ${l}`),
            `        include ${customDir}/*.conf;`,
            ...locations.map((l) => `        ${l}`),
            '        location / { return 200 "the page"; }',
            "    }",
            "}",
            "",
        ].join("\n"),
    );
    const [cmd, ...args] = [...(asPod ? asContainer(web) : []), "nginx", "-e", `${run}/error.log`, "-c", path.join(dir, "nginx.conf")];
    const nginx = spawn(cmd, args, { stdio: "ignore" });
    const log = path.join(run, "error.log");
    await waitFor("nginx", async () => (await get(port, "/")).status === 200, () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8") : ""), 15_000);
    return nginx;
}
