/**
 * Every participant connects, and one meeting can outgrow one bridge: TURN and TURNS, the address
 * bridges advertise, relay between bridges, and the web app's settings, over both stack files.
 *
 * Upstream facts these tests hold the program to (read at the pinned versions):
 * - prosody (docker-jitsi-meet stable-11146-2, prosody/rootfs/defaults/prosody.cfg.lua): TURN_HOST,
 *   TURN_PORT, TURN_TRANSPORT (comma list), TURNS_HOST, TURNS_PORT and TURN_CREDENTIALS (the shared
 *   secret, `external_service_secret`) make mod_external_services hand out TURN servers.
 * - coturn 4.17.0 (README.turnserver): use-auth-secret + static-auth-secret is the TURN REST scheme;
 *   denied-peer-ip takes address ranges `a-b`; the Prometheus listener (9641) answers `/` as health.
 * - jvb (jvb/rootfs/defaults/jvb.conf): ENABLE_OCTO turns on `videobridge.relay` with region
 *   JVB_OCTO_REGION and relay-id JVB_OCTO_RELAY_ID; JVB_ADVERTISE_IPS feeds the static mappings.
 * - jicofo (jicofo/rootfs/defaults/jicofo.conf): ENABLE_OCTO, OCTO_BRIDGE_SELECTION_STRATEGY,
 *   JICOFO_OCTO_REGION (local-region), MAX_BRIDGE_PARTICIPANTS; jicofo-selector's
 *   BridgeSelectionStrategy spreads a meeting only over bridges that report a relay id.
 * - web (web/rootfs/defaults/settings-config.js, web/rootfs/etc/s6-overlay/scripts/config):
 *   DEFAULT_LANGUAGE, START_AUDIO_MUTED, START_VIDEO_MUTED, ENABLE_WELCOME_PAGE, ENABLE_P2P,
 *   P2P_STUN_SERVERS; /config/custom-config.js is appended to config.js; no variable for channelLastN.
 */
import * as assert from "assert";
import { BlockList } from "net";
import * as vm from "vm";
import { readStackFile, Run, runProgram, runProgramOk, stackFile, withConfig } from "./harness";
import { env, envValue, named, objects, Obj, podTemplates, matches } from "./objects";

function conf(text: string): [string, string][] {
    return text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => {
            const i = l.indexOf("=");
            return i < 0 ? [l, ""] : [l.slice(0, i), l.slice(i + 1)];
        });
}

function option(text: string, name: string): string[] {
    return conf(text).filter(([k]) => k === name).map(([, v]) => v);
}

/** Node's own address matcher, fed coturn's denied ranges: independent of the program's CIDR code. */
function deniedBy(turnserverConf: string): BlockList {
    const list = new BlockList();
    for (const range of option(turnserverConf, "denied-peer-ip")) {
        const [first, last] = range.split("-");
        list.addRange(first, last, first.includes(":") ? "ipv6" : "ipv4");
    }
    return list;
}

function check(list: BlockList, address: string): boolean {
    return list.check(address, address.includes(":") ? "ipv6" : "ipv4");
}

for (const stack of ["development", "production"]) {
    describe(`who can connect, with Pulumi.${stack}.yaml`, function () {
        this.timeout(30_000);
        const file = stackFile(stack);
        const turnFile = file["jitsi:turn"];
        let run: Run;
        let coturn: Obj;
        let turnConf: string;

        before(async () => {
            run = await runProgramOk(readStackFile(stack), stack);
            coturn = named(run, "Deployment", "turn").spec.template.spec.containers.find((c: Obj) => c.name === "coturn");
            turnConf = named(run, "ConfigMap", "turn-config").data["turnserver.conf"];
        });

        it("reaches TURN on UDP and TCP 3478 and TURNS on 443, on a load balancer address of its own that keeps client addresses", () => {
            const svc = named(run, "Service", "turn");
            assert.strictEqual(svc.spec.type, "LoadBalancer");
            assert.strictEqual(svc.spec.externalTrafficPolicy, "Local");
            assert.strictEqual(svc.spec.loadBalancerIP, turnFile.publicIp);
            const port = (name: string) => svc.spec.ports.find((p: Obj) => p.name === name);
            assert.deepStrictEqual(port("turn-udp"), { name: "turn-udp", protocol: "UDP", port: 3478, targetPort: 3478 });
            assert.deepStrictEqual(port("turn-tcp"), { name: "turn-tcp", protocol: "TCP", port: 3478, targetPort: 3478 });
            assert.deepStrictEqual(port("turns"), { name: "turns", protocol: "TCP", port: 443, targetPort: 5349 });
            // What the Service forwards is what coturn listens on.
            assert.deepStrictEqual(option(turnConf, "listening-port"), ["3478"]);
            assert.deepStrictEqual(option(turnConf, "tls-listening-port"), ["5349"]);
            const declared = coturn.ports.map((p: Obj) => `${p.containerPort}/${p.protocol}`);
            for (const p of ["3478/UDP", "3478/TCP", "5349/TCP"]) assert.ok(declared.includes(p), p);
            // One replica: relayed candidates carry the one address and a relay port that only this coturn holds.
            const deployment = named(run, "Deployment", "turn");
            assert.strictEqual(deployment.spec.replicas, 1);
            assert.deepStrictEqual(deployment.spec.strategy, { type: "Recreate" });
            assert.deepStrictEqual(option(turnConf, "external-ip"), [turnFile.publicIp]);
        });

        it("relays on a bounded UDP port range, forwarded one to one and listed in the stack output with every port to open", () => {
            const svc = named(run, "Service", "turn");
            const relay = svc.spec.ports.filter((p: Obj) => p.name.startsWith("relay-"));
            const [min, max] = [Number(option(turnConf, "min-port")[0]), Number(option(turnConf, "max-port")[0])];
            assert.deepStrictEqual([min, max], [49160, 49199]);
            assert.deepStrictEqual(relay.map((p: Obj) => p.port), Array.from({ length: max - min + 1 }, (_, i) => min + i));
            for (const p of relay) {
                assert.strictEqual(p.protocol, "UDP");
                assert.strictEqual(p.targetPort, p.port);
            }
            assert.deepStrictEqual(run.outputs.turn, {
                host: turnFile.host,
                address: turnFile.publicIp,
                udpPorts: [3478],
                tcpPorts: [3478, 443, 80],
                relayUdpPorts: { first: min, last: max },
            });
            // Relay ports and bridge ports are separate ranges.
            const jvbPorts = Object.values<number[]>(run.outputs.jvbUdpPorts).flat();
            assert.ok(jvbPorts.every((p) => p < min || p > max));
        });

        it("serves TURNS with a cert-manager certificate for turn.host from the stack's issuer, answering its HTTP-01 challenge on port 80", () => {
            const cert = named(run, "Certificate", "turn-tls");
            assert.deepStrictEqual(cert.spec.dnsNames, [turnFile.host]);
            assert.deepStrictEqual(cert.spec.issuerRef, { kind: "ClusterIssuer", name: file["jitsi:tls"].issuer });
            const spec = named(run, "Deployment", "turn").spec.template.spec;
            const tls = spec.volumes.find((v: Obj) => v.secret?.secretName === cert.spec.secretName);
            const mount = coturn.volumeMounts.find((m: Obj) => m.name === tls.name).mountPath;
            assert.deepStrictEqual(option(turnConf, "cert"), [`${mount}/tls.crt`]);
            assert.deepStrictEqual(option(turnConf, "pkey"), [`${mount}/tls.key`]);
            // cert-manager renews in place; coturn rereads its certificate on SIGUSR2.
            assert.match(coturn.command.join(" "), /while sleep \d+; do kill -USR2 "\$coturn"; done/);

            // Let's Encrypt asks http://turn.host/.well-known/acme-challenge/...: port 80 of the TURN address
            // goes to a forwarder, and the forwarder to the ingress controller that serves the challenge.
            const acme = named(run, "Service", "turn").spec.ports.find((p: Obj) => p.name === "acme");
            assert.deepStrictEqual(acme, { name: "acme", protocol: "TCP", port: 80, targetPort: 8080 });
            const forwarder = spec.containers.find((c: Obj) => c.name === "acme-forwarder");
            assert.deepStrictEqual(forwarder.ports, [{ name: "acme", containerPort: 8080, protocol: "TCP" }]);
            const haproxyCfg: string = named(run, "ConfigMap", "turn-config").data["haproxy.cfg"];
            assert.match(haproxyCfg, /bind :8080/);
            assert.match(haproxyCfg, /server ingress ingress-nginx-controller\.ingress-nginx\.svc\.cluster\.local:80/);
            assert.match(forwarder.image, /^haproxy:\d+\.\d+\.\d+$/);
        });

        it("keeps the shared secret in the one Secret: coturn and prosody read it by secretKeyRef, the configuration only at start", () => {
            const secret = named(run, "Secret", "jitsi-auth");
            assert.match(secret.stringData.TURN_CREDENTIALS, /^generated-/);
            assert.deepStrictEqual(env(coturn, "TURN_SHARED_SECRET")?.valueFrom, { secretKeyRef: { name: "jitsi-auth", key: "TURN_CREDENTIALS" } });
            const script = coturn.command.join(" ");
            assert.match(script, /printf "static-auth-secret=%s\\n" "\$TURN_SHARED_SECRET" >> \/tmp\/turnserver\.conf/);
            // coturn is the shell's child, never PID 1: the shell forwards the kubelet's SIGTERM (test/turnLive.test.ts).
            assert.match(script, /turnserver -c \/tmp\/turnserver\.conf &/);
            assert.doesNotMatch(script, /exec turnserver/);
            const tmp = named(run, "Deployment", "turn").spec.template.spec.volumes.find((v: Obj) => v.name === "tmp");
            assert.strictEqual(tmp.emptyDir.medium, "Memory", "the configuration with the secret is never written to disk");
            assert.ok(option(turnConf, "use-auth-secret").length === 1);
            assert.deepStrictEqual(option(turnConf, "static-auth-secret"), []);
            assert.ok(!JSON.stringify(objects(run, "ConfigMap")).includes(secret.stringData.TURN_CREDENTIALS));
            assert.deepStrictEqual(option(turnConf, "realm"), [turnFile.host]);
        });

        it("has prosody hand TURN (UDP and TCP) and TURNS servers with derived credentials to every client", () => {
            for (const shard of ["shard-0", "shard-1"]) {
                const prosody = named(run, "Deployment", `${shard}-prosody`).spec.template.spec.containers[0];
                assert.strictEqual(envValue(prosody, "TURN_HOST"), turnFile.host);
                assert.strictEqual(envValue(prosody, "TURN_PORT"), "3478");
                assert.strictEqual(envValue(prosody, "TURN_TRANSPORT"), "udp,tcp");
                assert.strictEqual(envValue(prosody, "TURNS_HOST"), turnFile.host);
                assert.strictEqual(envValue(prosody, "TURNS_PORT"), "443");
                assert.deepStrictEqual(env(prosody, "TURN_CREDENTIALS")?.valueFrom, { secretKeyRef: { name: "jitsi-auth", key: "TURN_CREDENTIALS" } });
            }
        });

        it("refuses to relay into private, loopback, link-local, metadata and cluster addresses, and relays to public ones", () => {
            const denied = deniedBy(turnConf);
            for (const address of [
                "10.0.0.1",
                "10.244.3.17",
                "172.16.0.1",
                "172.31.255.254",
                "192.168.1.10",
                "127.0.0.1",
                "169.254.169.254",
                "100.64.0.10",
                "0.0.0.0",
                "224.0.0.251",
                "::1",
                "fd12:3456::1",
                "fe80::1",
            ]) {
                assert.ok(check(denied, address), `${address} is not denied`);
            }
            for (const address of ["203.0.113.7", "8.8.8.8", "172.32.0.1", "2001:db8::1"]) {
                assert.ok(!check(denied, address), `${address} is denied, but a bridge may live there`);
            }
            assert.ok(option(turnConf, "no-tcp-relay").length === 1);
            assert.ok(option(turnConf, "no-multicast-peers").length === 1);
            assert.ok(option(turnConf, "no-cli").length === 1);
        });

        it("scrapes coturn's Prometheus endpoint and probes its health there", () => {
            assert.ok(option(turnConf, "prometheus").length === 1);
            assert.deepStrictEqual(option(turnConf, "prometheus-port"), ["9641"]);
            const monitor = named(run, "PodMonitor", "jitsi-turn");
            const target = podTemplates(run).filter((t) => t.namespace === "jitsi" && matches(monitor.spec.selector.matchLabels, t.labels));
            assert.deepStrictEqual(target.map((t) => t.workload.metadata.name), ["turn"]);
            const metrics = coturn.ports.find((p: Obj) => p.name === monitor.spec.podMetricsEndpoints[0].port);
            assert.strictEqual(metrics.containerPort, 9641);
            assert.deepStrictEqual(coturn.readinessProbe.httpGet, { path: "/", port: 9641 });
        });

        it("runs coturn restricted: nobody, read-only root, no escalation, no token, only the capability turnserver carries", () => {
            const spec = named(run, "Deployment", "turn").spec.template.spec;
            for (const c of spec.containers) {
                assert.strictEqual(c.securityContext.runAsNonRoot, true);
                assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
                assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
            }
            // coturn's Dockerfile sets CAP_NET_BIND_SERVICE on /usr/bin/turnserver: outside the bounding set, exec fails.
            assert.deepStrictEqual(coturn.securityContext.capabilities, { drop: ["ALL"], add: ["NET_BIND_SERVICE"] });
            const forwarder = spec.containers.find((c: Obj) => c.name === "acme-forwarder");
            assert.deepStrictEqual(forwarder.securityContext.capabilities, { drop: ["ALL"] });
            assert.strictEqual(coturn.securityContext.runAsUser, 65534);
            assert.match(coturn.image, /^coturn\/coturn:\d+\.\d+\.\d+-r\d+$/);
            assert.strictEqual(spec.automountServiceAccountToken, false);
        });

        it("lets one meeting span the bridges of its shard: relay on every bridge, jicofo spreading by region and per-bridge size", () => {
            const perJvb = run.outputs.capacity.participantsPerJvb;
            for (const shard of ["shard-0", "shard-1"]) {
                const jvb = named(run, "StatefulSet", `${shard}-jvb`).spec.template.spec.containers[0];
                const jicofo = named(run, "Deployment", `${shard}-jicofo`).spec.template.spec.containers[0];
                assert.strictEqual(envValue(jvb, "ENABLE_OCTO"), "1");
                assert.strictEqual(envValue(jicofo, "ENABLE_OCTO"), "1", "jicofo and the bridges must agree on relay");
                assert.deepStrictEqual(env(jvb, "JVB_OCTO_RELAY_ID")?.valueFrom, { fieldRef: { fieldPath: "metadata.name" } });
                assert.strictEqual(envValue(jvb, "JVB_OCTO_REGION"), envValue(jicofo, "JICOFO_OCTO_REGION"));
                assert.strictEqual(envValue(jvb, "JVB_OCTO_REGION"), shard);
                // Private (pod) candidates are the template's default (jvb.conf: default "true"): nothing to set.
                assert.strictEqual(env(jvb, "JVB_ADVERTISE_PRIVATE_CANDIDATES"), undefined);
                assert.strictEqual(envValue(jicofo, "OCTO_BRIDGE_SELECTION_STRATEGY"), "RegionBasedBridgeSelectionStrategy");
                assert.strictEqual(envValue(jicofo, "MAX_BRIDGE_PARTICIPANTS"), String(perJvb));
            }
            assert.strictEqual(run.outputs.capacity.largestMeeting, file["jitsi:jvb"].maxReplicas * perJvb);
        });

        it("sets the web app from the stack: env for what the image reads, the rest in custom-config.js, restarting web when it changes", () => {
            const web = named(run, "Deployment", "shard-0-web");
            const c = web.spec.template.spec.containers[0];
            assert.strictEqual(envValue(c, "START_AUDIO_MUTED"), "10");
            assert.strictEqual(envValue(c, "START_VIDEO_MUTED"), "10");
            assert.strictEqual(envValue(c, "ENABLE_WELCOME_PAGE"), "true");
            assert.strictEqual(envValue(c, "ENABLE_P2P"), "true");
            assert.strictEqual(env(c, "DEFAULT_LANGUAGE"), undefined);
            const mount = c.volumeMounts.find((m: Obj) => m.mountPath === "/config/custom-config.js");
            assert.strictEqual(mount.subPath, "custom-config.js");
            const volume = web.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name);
            const js: string = named(run, "ConfigMap", volume.configMap.name).data["custom-config.js"];
            const config: Obj = { channelLastN: -1, p2p: { enabled: true } };
            vm.runInNewContext(js, { config });
            assert.strictEqual(config.channelLastN, file["jitsi:web"].channelLastN);
            assert.match(web.spec.template.metadata.annotations["jitsi-pulumi/config-sha256"], /^[0-9a-f]{64}$/);
        });
    });
}

describe("who can connect, in stack variations", function () {
    this.timeout(30_000);
    const production = readStackFile("production");

    it("merges web.configOverrides into config.js deeply, with quotes and script tags intact, and sets language and P2P", async () => {
        const tricky = `It's "quoted" </script> \\ \u2028 end`;
        const run = await runProgramOk(
            withConfig(production, {
                "jitsi:web": {
                    defaultLanguage: "de",
                    welcomePage: false,
                    startAudioMuted: 5,
                    p2p: { enabled: false, stunServers: ["stun.example.org:3478"] },
                    configOverrides: { subject: tricky, p2p: { backToP2PDelay: 7 }, toolbarButtons: ["microphone", "camera"] },
                },
            }),
        );
        const web = named(run, "Deployment", "shard-1-web");
        const c = web.spec.template.spec.containers[0];
        assert.strictEqual(envValue(c, "DEFAULT_LANGUAGE"), "de");
        assert.strictEqual(envValue(c, "ENABLE_WELCOME_PAGE"), "false");
        assert.strictEqual(envValue(c, "START_AUDIO_MUTED"), "5");
        assert.strictEqual(envValue(c, "ENABLE_P2P"), "false");
        assert.strictEqual(envValue(c, "P2P_STUN_SERVERS"), "stun.example.org:3478");
        const js: string = named(run, "ConfigMap", "shard-1-web-config").data["custom-config.js"];
        const config: Obj = { p2p: { enabled: false, codecPreferenceOrder: ["VP9"] }, toolbarButtons: ["chat"] };
        vm.runInNewContext(js, { config });
        // Lists built inside the sandbox have its Array prototype; compare their contents.
        config.toolbarButtons = [...config.toolbarButtons];
        assert.strictEqual(config.subject, tricky);
        assert.deepStrictEqual(config.p2p, { enabled: false, codecPreferenceOrder: ["VP9"], backToP2PDelay: 7 }, "nested settings are merged, not replaced");
        assert.deepStrictEqual(config.toolbarButtons, ["microphone", "camera"], "lists are replaced");
        // The variant replaces the stack file's jitsi:web, so channelLastN is back at Jitsi's own default.
        assert.strictEqual(config.channelLastN, -1);

        const before = await runProgram(production);
        const annotation = (r: Run) => named(r, "Deployment", "shard-1-web").spec.template.metadata.annotations["jitsi-pulumi/config-sha256"];
        assert.notStrictEqual(annotation(run), annotation(before), "a new web setting restarts the web pods");
    });

    it("keeps one meeting on one bridge when relay is off, and says so in capacity", async () => {
        const run = await runProgramOk(withConfig(production, { "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, relay: { enabled: false } } }));
        for (const [kind, name] of [["StatefulSet", "shard-0-jvb"], ["Deployment", "shard-0-jicofo"]]) {
            const c = named(run, kind, name).spec.template.spec.containers[0];
            for (const v of ["ENABLE_OCTO", "JVB_OCTO_RELAY_ID", "OCTO_BRIDGE_SELECTION_STRATEGY", "MAX_BRIDGE_PARTICIPANTS"]) assert.strictEqual(env(c, v), undefined, v);
        }
        assert.strictEqual(run.outputs.capacity.largestMeeting, run.outputs.capacity.participantsPerJvb);
    });

    it("caps a meeting's participants per bridge at the configured number", async () => {
        const run = await runProgram(
            withConfig(production, { "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, relay: { maxParticipantsPerBridge: 20 } } }),
        );
        const jicofo = named(run, "Deployment", "shard-0-jicofo").spec.template.spec.containers[0];
        assert.strictEqual(envValue(jicofo, "MAX_BRIDGE_PARTICIPANTS"), "20");
        assert.strictEqual(run.outputs.capacity.largestMeeting, 6 * 20);
    });

    it("denies the configured pod and service ranges too", async () => {
        const run = await runProgramOk(
            withConfig(production, { "jitsi:turn": { ...stackFile("production")["jitsi:turn"], deniedPeerCidrs: ["198.18.0.0/15", "2001:db8:42::/48"] } }),
        );
        const denied = deniedBy(named(run, "ConfigMap", "turn-config").data["turnserver.conf"]);
        assert.ok(check(denied, "198.19.255.255"));
        assert.ok(check(denied, "2001:db8:42:ffff::1"));
        assert.ok(!check(denied, "198.20.0.1"));
    });

    it("uses a TURN server of the user's own: no coturn, prosody points at it with the secret from the stack config", async () => {
        const run = await runProgramOk(
            withConfig(
                production,
                { "jitsi:turn": { external: { host: "turn.provider.example", port: 3478, tlsPort: 5349 } }, "jitsi:turnSharedSecret": "from-config-turn-secret" },
                ["jitsi:turnSharedSecret"],
            ),
        );
        assert.deepStrictEqual(objects(run).filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "turn"), []);
        const prosody = named(run, "Deployment", "shard-0-prosody").spec.template.spec.containers[0];
        assert.strictEqual(envValue(prosody, "TURN_HOST"), "turn.provider.example");
        assert.strictEqual(envValue(prosody, "TURNS_PORT"), "5349");
        assert.strictEqual(named(run, "Secret", "jitsi-auth").stringData.TURN_CREDENTIALS, "from-config-turn-secret");
        assert.strictEqual(run.outputs.turn, undefined);
    });

    // A TURN server run without TLS is often given by address: prosody pastes TURN_HOST into its
    // external_services list (prosody.cfg.lua:367, host = "..."), which an IPv4 address passes intact.
    it("uses a TURN server of the user's own given by IPv4 address, without TURNS", async () => {
        const run = await runProgramOk(
            withConfig(production, { "jitsi:turn": { external: { host: "203.0.113.7" } }, "jitsi:turnSharedSecret": "from-config-turn-secret" }, ["jitsi:turnSharedSecret"]),
        );
        const prosody = named(run, "Deployment", "shard-0-prosody").spec.template.spec.containers[0];
        assert.strictEqual(envValue(prosody, "TURN_HOST"), "203.0.113.7");
        assert.strictEqual(env(prosody, "TURNS_HOST"), undefined);
    });

    it("hands out no TURN server, and keeps no TURN secret, when TURN is off", async () => {
        const run = await runProgramOk(withConfig(production, { "jitsi:turn": { enabled: false } }));
        const prosody = named(run, "Deployment", "shard-0-prosody").spec.template.spec.containers[0];
        for (const v of ["TURN_HOST", "TURNS_HOST", "TURN_CREDENTIALS"]) assert.strictEqual(env(prosody, v), undefined, v);
        assert.strictEqual(named(run, "Secret", "jitsi-auth").stringData.TURN_CREDENTIALS, undefined);
    });
});
