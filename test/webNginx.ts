/**
 * Debian's nginx run as the web container runs its own: as the container's user and capabilities
 * (where the test runs as root), with the files of an nginx-custom directory included in a server
 * block after the block's `preamble` and before its own locations, as the web image's meet.conf
 * includes them. With `tls`, also the image's HTTPS server (web/rootfs/defaults/default:15-25 at
 * stable-11146-2, rendered with DISABLE_HTTPS=0): the same includes and locations behind `listen ssl`,
 * with ssl.conf's certificate lines (ssl.conf:11-12, the copy the image makes of /config/keys) and
 * protocols (line 18), without HSTS (ENABLE_HSTS=0, lines 26-27). ssl.conf's session, cipher and
 * Diffie-Hellman lines are left out: they do not change who is admitted.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { get, waitFor } from "./loopback";
import { Obj } from "./objects";
import { asContainer, cannotRunAsPod } from "./podProcess";

export interface WebNginxTls {
    port: number;
    certificate: string;
    key: string;
}

export async function startWebNginx(dir: string, web: Obj, port: number, customDir: string, locations: string[], preamble: string[] = [], tls?: WebNginxTls): Promise<ChildProcess> {
    const run = path.join(dir, "run");
    fs.mkdirSync(run);
    const asPod = !cannotRunAsPod();
    if (asPod) fs.chownSync(run, web.securityContext.runAsUser, web.securityContext.runAsGroup);
    const server = (listen: string, ssl: string[]) => [
        "    server {",
        `        listen ${listen};`,
        ...ssl.map((l) => `        ${l}`),
        ...preamble.map((l) => `        ${l}`),
        `        include ${customDir}/*.conf;`,
        ...locations.map((l) => `        ${l}`),
        '        location / { return 200 "the page"; }',
        "    }",
    ];
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
            ...server(`127.0.0.1:${port}`, []),
            ...(tls ? server(`127.0.0.1:${tls.port} ssl http2`, [`ssl_certificate ${tls.certificate};`, `ssl_certificate_key ${tls.key};`, "ssl_protocols TLSv1.2 TLSv1.3;"]) : []),
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
