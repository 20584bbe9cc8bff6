/**
 * The names a prosody connects to by itself, resolved the way prosody resolves them, in a pod's DNS.
 *
 * Prosody at docker-jitsi-meet stable-11146-2 resolves through libunbound: the image installs
 * lua-unbound (prosody/Dockerfile), prosody's util/dependencies.lua then preloads net.unbound as
 * net.adns, and prosody.cfg.lua:428-430 configures it with `unbound = { resolvconf = true }`: the
 * nameservers of /etc/resolv.conf, without its search list. mod_s2sout_override (jitsi-meet
 * resources/prosody-plugins) turns each "tcp://host:port" into net.resolvers.basic.new(host, port),
 * which asks net.adns for the A and AAAA records of exactly that name.
 *
 * The test renders the program, then, in a network and mount namespace of its own (unshare), starts
 * dnsmasq on 127.0.0.1:53 answering the stack's Services by their fully qualified names only, as
 * CoreDNS does (everything else NXDOMAIN), puts a pod's resolv.conf (search list, ndots:5) over
 * /etc/resolv.conf, and resolves every name the program gives a prosody with Debian's prosody modules
 * (net.resolvers.basic over net.unbound over lua-unbound, configured as the image configures them). The
 * system resolver (getent, as jicofo's Java and nginx's getaddrinfo) resolves the bare names there; the
 * libunbound path must not, and must resolve what the program renders.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Run, runProgramOk, withConfig } from "./harness";
import { commandPath } from "./loopback";
import { containers, envValue, objects, Obj } from "./objects";
import { allGatewaysVariant, visitorsVariant } from "./variants";

/**
 * A cluster whose names differ from every default, so that the test sees them reach the program (and
 * not under .local, which a host's nss-mdns would claim before DNS).
 */
const NAMESPACE = "meet-events";
const CLUSTER_DOMAIN = "k8s.school.example";

/**
 * Debian's prosody (0.12) keeps its Lua modules here. The image runs prosody 13, whose net/unbound.lua
 * and util/dependencies.lua (read in bjc/prosody at 11017d1) configure and preload it the same way.
 */
const PROSODY_LIB = "/usr/lib/prosody";

/** An s2s or other outgoing target a prosody resolves itself: the name as rendered, its port, whence. */
interface ProsodyTarget {
    host: string;
    port: number;
    from: string;
}

/**
 * Every host name a prosody of the image at stable-11146-2 resolves itself, as the program sets them:
 * - a visitor node (PROSODY_MODE=visitors): XMPP_SERVER, the s2s target of the main prosody's domains
 *   (prosody/rootfs/defaults/conf.d/visitors.cfg.lua:30-31 and its s2sout_override, lines 67-85);
 * - the main prosody: the host of each VISITORS_XMPP_SERVER entry (host:port, comma-separated), the s2s
 *   target of node i's domains (prosody/rootfs/defaults/prosody.cfg.lua:44-45, s2sout_override 268-278).
 * The main prosody's own XMPP_SERVER is read by neither of its templates.
 */
function prosodyTargets(run: Run): ProsodyTarget[] {
    const prosodies = containers(run).filter(({ container }) => /^ghcr\.io\/jitsi\/prosody:/.test(container.image) && container.name === "prosody");
    return prosodies.flatMap(({ workload, container }) => {
        const from = workload.metadata.name;
        if (envValue(container, "PROSODY_MODE") === "visitors") {
            return [{ host: envValue(container, "XMPP_SERVER")!, port: Number(envValue(container, "XMPP_SERVER_S2S_PORT") ?? 5269), from: `${from} XMPP_SERVER` }];
        }
        return (envValue(container, "VISITORS_XMPP_SERVER") ?? "")
            .split(",")
            .filter((e) => e !== "")
            .map((entry) => {
                const [host, port] = entry.split(":");
                return { host, port: Number(port), from: `${from} VISITORS_XMPP_SERVER` };
            });
    });
}

/**
 * Settings that would make prosody resolve another name (its HTTP client: the ASAP key server, Matrix
 * user verification, the reservation API; prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua:30, 39,
 * 136, 146). The program sets none: if it ever does, that name must be fully qualified too.
 */
const OTHER_RESOLVED_SETTINGS = ["JWT_ASAP_KEYSERVER", "MATRIX_UVS_URL", "PROSODY_RESERVATION_REST_BASE_URL"];

/** A Service's name as the cluster's DNS answers it. */
function serviceFqdn(svc: Obj): string {
    return `${svc.metadata.name}.${svc.metadata.namespace}.svc.${CLUSTER_DOMAIN}`;
}

const eventVariant = () =>
    withConfig(visitorsVariant(), { "jitsi:clusterDomain": CLUSTER_DOMAIN, "jitsi:namespaces": { jitsi: NAMESPACE } });

describe("names prosody resolves itself", function () {
    this.timeout(60_000);

    it("are fully qualified Service names of the cluster, on the Service's port, in every variant with visitors", async () => {
        for (const [variant, domain, namespace] of [
            [eventVariant, CLUSTER_DOMAIN, NAMESPACE],
            [visitorsVariant, "cluster.local", "jitsi"],
            [allGatewaysVariant, "cluster.local", "jitsi"],
        ] as const) {
            const run = await runProgramOk(variant());
            const services = new Map(objects(run, "Service").map((s) => [`${s.metadata.name}.${s.metadata.namespace}.svc.${domain}`, s]));
            const targets = prosodyTargets(run);
            // Each shard's main prosody reaches its nodes, and each node its main prosody.
            assert.ok(targets.length >= 4, JSON.stringify(targets));
            for (const t of targets) {
                assert.match(t.host, new RegExp(`\\.${namespace}\\.svc\\.${domain.replaceAll(".", "\\.")}$`), t.from);
                const svc = services.get(t.host);
                assert.ok(svc, `${t.from}: ${t.host} is no Service of the stack`);
                assert.ok(svc.spec.ports.some((p: Obj) => p.port === t.port), `${t.from}: ${t.host} has no port ${t.port}`);
            }
            for (const { workload, container } of containers(run).filter(({ container }) => /\/prosody:/.test(container.image))) {
                for (const name of OTHER_RESOLVED_SETTINGS) assert.strictEqual(envValue(container, name), undefined, `${workload.metadata.name} ${name}`);
            }
        }
    });
});

/** Why this machine cannot run the live check, or undefined. */
function cannotResolveLikeProsody(): string | undefined {
    for (const [command, pkg] of [["lua5.4", "lua5.4"], ["dnsmasq", "dnsmasq-base"], ["unshare", "util-linux"], ["ip", "iproute2"], ["getent", "libc-bin"]]) {
        if (commandPath(command) === undefined) return `${command} not installed (apt-get install ${pkg})`;
    }
    if (spawnSync("lua5.4", ["-e", 'require "lunbound"']).status !== 0) return "lua-unbound for Lua 5.4 not installed (apt-get install lua-unbound)";
    if (!fs.existsSync(path.join(PROSODY_LIB, "net", "unbound.lua"))) return "prosody's Lua modules not installed (apt-get install prosody)";
    return undefined;
}

/**
 * Prosody's own resolution path: net.resolvers.basic (what mod_s2sout_override builds) over net.adns,
 * which util/dependencies.lua makes net.unbound when lunbound loads, configured with the image's
 * `unbound = { resolvconf = true }` and its `network_backend = "epoll"` (prosody.cfg.lua:424, 428-430).
 * Prints one line per name: the name, then its addresses or "-".
 */
const RESOLVE_LUA = `
package.path = "${PROSODY_LIB}/?.lua;" .. package.path
package.cpath = "${PROSODY_LIB}/?.so;" .. package.cpath
prosody = { config_loaded = true, events = { add_handler = function() end } }
local config = require "core.configmanager"
config.set("*", "unbound", { resolvconf = true })
config.set("*", "network_backend", "epoll")
package.preload["net.adns"] = function() return require "net.unbound" end
local basic = require "net.resolvers.basic"
local server = require "net.server"
local pending = #arg
for _, host in ipairs(arg) do
    local resolver = basic.new(host, 5269, "tcp", {})
    local found = {}
    local function next_target(conn_type, ip)
        if conn_type then
            table.insert(found, ip)
            return resolver:next(next_target)
        end
        print(host .. " " .. (#found > 0 and table.concat(found, ",") or "-"))
        pending = pending - 1
        if pending == 0 then server.setquitting(true) end
    end
    resolver:next(next_target)
end
server.loop()
`;

describe("names prosody resolves itself, on lua-unbound in a pod's DNS", function () {
    this.timeout(60_000);
    const why = cannotResolveLikeProsody();
    let run: Run;
    let results: { libunbound: Map<string, string>; system: Map<string, string> };
    let records: Map<string, string>;
    /** The address of the Service a target names, by the Service's name (the first label). */
    const addressOf = (host: string) => [...records].find(([name]) => name.split(".")[0] === host.split(".")[0])?.[1];
    let log = "";

    before(async function () {
        if (why) {
            console.log(`      ${why}: skipping the live resolution of prosody's names`);
            this.skip();
        }
        run = await runProgramOk(eventVariant());
        // One made-up ClusterIP per Service, under its fully qualified name only.
        records = new Map(objects(run, "Service").map((s, i) => [serviceFqdn(s), `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`]));
        const names = prosodyTargets(run).flatMap((t) => [t.host, t.host.split(".")[0]]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prosody-dns-"));
        try {
            // What the kubelet writes into a pod of the namespace (ClusterFirst DNS policy).
            fs.writeFileSync(
                path.join(dir, "resolv.conf"),
                `search ${NAMESPACE}.svc.${CLUSTER_DOMAIN} svc.${CLUSTER_DOMAIN} ${CLUSTER_DOMAIN}\nnameserver 127.0.0.1\noptions ndots:5\n`,
            );
            // The image's (Debian's) lookup order, whatever the host's (systemd-resolved, mDNS) is.
            fs.writeFileSync(path.join(dir, "nsswitch.conf"), "hosts: files dns\n");
            fs.writeFileSync(path.join(dir, "resolve.lua"), RESOLVE_LUA);
            const dnsmasq = [
                "dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --local=/#/",
                "--listen-address=127.0.0.1 --bind-interfaces --port=53 --user=root",
                `--pid-file=${dir}/dnsmasq.pid --log-queries --log-facility=${dir}/dnsmasq.log`,
                ...[...records].map(([name, ip]) => `--host-record=${name},${ip}`),
            ].join(" ");
            const script = [
                "set -e",
                "ip link set lo up",
                // A private mount namespace: only this process tree sees the pod's resolv.conf.
                `mount --bind ${dir}/resolv.conf /etc/resolv.conf`,
                `mount --bind ${dir}/nsswitch.conf /etc/nsswitch.conf`,
                dnsmasq,
                `trap 'kill $(cat ${dir}/dnsmasq.pid)' EXIT`,
                `lua5.4 ${dir}/resolve.lua ${names.join(" ")} | sed 's/^/libunbound /'`,
                `for n in ${names.join(" ")}; do echo "system $n $(getent hosts $n | awk '{print $1}' | paste -sd, - | sed 's/^$/-/')"; done`,
            ].join("\n");
            fs.writeFileSync(path.join(dir, "run.sh"), script);
            // As root (CI), namespaces of its own; otherwise in a user namespace where it is root.
            const unshare = ["unshare", ...(process.getuid?.() === 0 ? [] : ["--map-root-user"]), "--net", "--mount", "sh", path.join(dir, "run.sh")];
            const out = spawnSync(unshare[0], unshare.slice(1), { encoding: "utf8", timeout: 45_000 });
            log = `${out.stdout}\n${out.stderr}\n${fs.existsSync(path.join(dir, "dnsmasq.log")) ? fs.readFileSync(path.join(dir, "dnsmasq.log"), "utf8") : ""}`;
            if (out.status !== 0 && /unshare: /.test(out.stderr)) {
                console.log(`      cannot make a network namespace here (${out.stderr.trim()}): skipping the live resolution of prosody's names`);
                this.skip();
            }
            assert.strictEqual(out.status, 0, log);
            const parse = (kind: string) =>
                new Map(out.stdout.split("\n").filter((l) => l.startsWith(`${kind} `)).map((l) => l.split(" ").slice(1) as [string, string]));
            results = { libunbound: parse("libunbound"), system: parse("system") };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("resolves every name the program gives a prosody to its Service's address", () => {
        const targets = prosodyTargets(run);
        assert.ok(targets.length >= 4);
        for (const t of targets) {
            assert.ok(addressOf(t.host), `${t.from}: ${t.host} names no Service of the stack`);
            assert.strictEqual(results.libunbound.get(t.host), addressOf(t.host), `${t.from}: libunbound resolves ${t.host} to ${results.libunbound.get(t.host)}\n${log}`);
        }
    });

    it("fails on the bare Service names, which only the search list completes (the old rendering)", () => {
        for (const t of prosodyTargets(run)) {
            const bare = t.host.split(".")[0];
            assert.strictEqual(results.libunbound.get(bare), "-", `libunbound resolved ${bare}\n${log}`);
            // The same DNS and resolv.conf do answer it through the search list: as jicofo and nginx resolve.
            assert.strictEqual(results.system.get(bare), addressOf(bare), `the system resolver did not complete ${bare}\n${log}`);
        }
    });
});
