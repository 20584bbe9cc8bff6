/**
 * The real parsers of the contexts the images' templates paste values into, each run once for a whole
 * batch: Lua 5.4 (prosody's configuration language), Node's own JavaScript parser (vm), Typesafe Config
 * (the HOCON library jicofo, the bridge and Jibri read their configuration with) and java.util.Properties
 * (Jigasi's sip-communicator.properties) in one small Java reader, bash for unquoted shell words
 * (register-setup runs under `with-contenv bash`), and nginx for a directive's argument.
 * Each takes the text a template would produce for every value and returns what the parser read.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vm from "vm";
import { commandPath, freePort, get, waitFor } from "./loopback";

export type ReadBack = string | string[];

/** Debian's package for each parser; without it, the parser's tests skip naming the package. */
export const PARSER_PACKAGES = {
    lua: { command: "lua5.4", package: "lua5.4" },
    java: { command: "javac", package: "default-jdk-headless" },
    hocon: { file: "/usr/share/java/typesafe-config.jar", package: "libtypesafe-config-java" },
    nginx: { command: "nginx", package: "nginx" },
    bash: { command: "bash", package: "bash" },
} as const;

export function missingPackages(...parsers: (keyof typeof PARSER_PACKAGES)[]): string[] {
    return parsers
        .map((p) => PARSER_PACKAGES[p])
        .filter((p) => ("command" in p ? commandPath(p.command) === undefined : !fs.existsSync(p.file)))
        .map((p) => p.package);
}

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "template-values-"));
}

/** `s:<hex>` for a string, `l:<hex>,<hex>` for a list: what the Lua and Java readers print per value. */
function decodeLine(line: string): ReadBack {
    const text = (h: string) => Buffer.from(h, "hex").toString("utf8");
    if (line.startsWith("s:")) return text(line.slice(2));
    if (line.startsWith("l:")) return line.length === 2 ? [] : line.slice(2).split(",").map(text);
    throw new Error(`unexpected reader output: ${line}`);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, maxBuffer: 256 * 1024 * 1024, ...opts });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}${r.stdout}`.slice(0, 4000));
    return r.stdout;
}

/** Lua 5.4 reads `V[i] = <expression>` for each, as prosody reads `app_id = "..."` or `x = { "a","b" }`. */
export function luaReadBack(expressions: string[]): ReadBack[] {
    const dir = tempDir();
    const file = path.join(dir, "values.lua");
    const printer = `
local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
for i = 1, ${expressions.length} do
  local v = V[i]
  if type(v) == "table" then
    local parts = {}
    for j, item in ipairs(v) do parts[j] = hex(item) end
    io.write("l:", table.concat(parts, ","), "\\n")
  else
    io.write("s:", hex(tostring(v)), "\\n")
  end
end`;
    const read = (batch: string[]) => {
        fs.writeFileSync(file, `V = {}\n${batch.map((e, i) => `V[${i + 1}] = ${e}`).join("\n")}\n${printer.replace(String(expressions.length), String(batch.length))}\n`);
        return run("lua5.4", [file]).trimEnd().split("\n").map((l) => decodeLine(l));
    };
    try {
        try {
            return read(expressions);
        } catch (batchError) {
            // Name the value that breaks the file: a broken file is what prosody would refuse to start with.
            const culprit = expressions.find((e) => {
                try {
                    read([e]);
                    return false;
                } catch {
                    return true;
                }
            });
            throw new Error(`${culprit === undefined ? "the batch" : JSON.stringify(culprit).slice(0, 300)} breaks the Lua file: ${(batchError as Error).message}`);
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Node's parser reads `config.v[i] = <expression>;` as a browser reads web's config.js. */
export function jsReadBack(expressions: string[]): ReadBack[] {
    const source = `var config = { v: [] };\n${expressions.map((e, i) => `config.v[${i}] = ${e};`).join("\n")}\n`;
    const context: { config?: { v: unknown[] } } = {};
    new vm.Script(source, { filename: "config.js" }).runInNewContext(context);
    return context.config!.v.map((v) => (Array.isArray(v) ? v.map(String) : String(v)));
}

/**
 * A Java reader, compiled with javac into a temporary directory: Typesafe Config parses the HOCON file
 * (and resolves it, as ConfigFactory.load does), java.util.Properties loads the properties file from a
 * byte stream, as Jigasi's configuration service does. It prints `s:`/`l:` lines, values in UTF-8 hex.
 */
const READER = `
import com.typesafe.config.*;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class Reader {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) b.append(String.format("%02x", x));
        return b.toString();
    }
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
        int hocon = Integer.parseInt(args[1]);
        Config c = ConfigFactory.parseFile(new File(args[0])).resolve();
        for (int i = 0; i < hocon; i++) {
            Object v = c.getValue("v" + i).unwrapped();
            if (v instanceof List) {
                List<String> parts = new ArrayList<>();
                for (Object o : (List<?>) v) parts.add(hex(String.valueOf(o)));
                out.println("l:" + String.join(",", parts));
            } else {
                out.println("s:" + hex(String.valueOf(v)));
            }
        }
        int props = Integer.parseInt(args[3]);
        Properties p = new Properties();
        try (InputStream in = new FileInputStream(args[2])) { p.load(in); }
        for (int i = 0; i < props; i++) {
            String v = p.getProperty("v" + i);
            out.println("s:" + hex(v == null ? "<missing>" : v));
        }
        out.flush();
    }
}
`;

/**
 * One JVM for both: HOCON lines `v<i> = <text>` (inside an object, as in jicofo.conf), properties lines
 * `v<i>=<text>`.
 */
export function javaReadBack(hocon: string[], properties: string[]): { hocon: ReadBack[]; properties: string[] } {
    const dir = tempDir();
    try {
        fs.writeFileSync(path.join(dir, "Reader.java"), READER);
        const jar = PARSER_PACKAGES.hocon.file;
        run("javac", ["-cp", jar, "-d", dir, path.join(dir, "Reader.java")]);
        const conf = path.join(dir, "values.conf");
        fs.writeFileSync(conf, `jicofo {\n}\n${hocon.map((h, i) => `v${i} = ${h}`).join("\n")}\n`);
        const props = path.join(dir, "values.properties");
        fs.writeFileSync(props, `# sip-communicator.properties\n${properties.map((p, i) => `v${i}=${p}`).join("\n")}\n`);
        const lines = run("java", ["-cp", `${jar}:${dir}`, "Reader", conf, String(hocon.length), props, String(properties.length)])
            .trimEnd()
            .split("\n")
            .filter((l) => l !== "");
        return {
            hocon: lines.slice(0, hocon.length).map((l) => decodeLine(l)),
            properties: lines.slice(hocon.length).map((l) => decodeLine(l) as string),
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * bash expands each value unquoted, as register-setup's `prosodyctl ... $JICOFO_AUTH_PASSWORD` does,
 * and prints the words it made. With nullglob, a value that is a file name pattern (* ? [...]) vanishes
 * here, as it would turn into the names of whatever files the pod's working directory holds there.
 */
export function shellWords(values: string[]): string[][] {
    const dir = tempDir();
    try {
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
        values.forEach((v, i) => (env[`V_${i}`] = v));
        const script = `shopt -s nullglob; i=0; while [ $i -lt ${values.length} ]; do name=V_$i; set -- \${!name}; printf '%s\\n' "$#"; for w in "$@"; do printf '%s' "$w" | od -An -v -tx1 | tr -d ' \\n'; printf '\\n'; done; i=$((i+1)); done`;
        const out = run("bash", ["-c", script], { cwd: dir, env }).split("\n");
        const words: string[][] = [];
        let at = 0;
        for (let i = 0; i < values.length; i++) {
            const n = Number(out[at++]);
            words.push(out.slice(at, at + n).map((h) => Buffer.from(h, "hex").toString("utf8")));
            at += n;
        }
        return words;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * nginx reads each argument in a `return 200 <argument>;` of its own location (`nginx -t` first), then
 * answers with it: the same tokenizer and variable compiler as meet.conf's `proxy_pass <url>/;`, whose
 * host nginx would resolve at start (which a test cannot do for cluster names).
 */
export async function nginxReadBack(args: string[]): Promise<string[]> {
    const dir = tempDir();
    const port = await freePort();
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(
        conf,
        [
            "worker_processes 1;",
            `pid ${dir}/nginx.pid;`,
            "daemon off;",
            `error_log ${dir}/error.log;`,
            "events {}",
            "http {",
            "    access_log off;",
            ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${dir}/${t};`),
            "    server {",
            `        listen 127.0.0.1:${port};`,
            ...args.map((a, i) => `        location = /v${i} { return 200 ${a}; }`),
            "    }",
            "}",
            "",
        ].join("\n"),
    );
    run("nginx", ["-t", "-q", "-e", `${dir}/error.log`, "-c", conf]);
    const nginx = spawn("nginx", ["-e", `${dir}/error.log`, "-c", conf], { stdio: "ignore" });
    try {
        await waitFor("nginx", async () => (await get(port, "/v0")).status === 200, () => fs.readFileSync(`${dir}/error.log`, "utf8"), 15_000);
        const bodies: string[] = [];
        for (let i = 0; i < args.length; i++) bodies.push((await get(port, `/v${i}`)).body);
        return bodies;
    } finally {
        if (nginx.exitCode === null) {
            const exited = new Promise((r) => nginx.once("exit", r));
            nginx.kill();
            await exited;
        }
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
