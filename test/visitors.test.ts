/**
 * Large events under the mock engine: with `visitors` on, each shard gets its visitor nodes, which
 * its prosody, jicofo and web know, and no other shard's; with it off (both stack files), nothing of
 * it exists. test/prosodyDnsLive.test.ts resolves the names prosody connects to with lua-unbound, and
 * test/visitorRoutesLive.test.ts runs the visitors' routes on a real nginx.
 */
import * as assert from "assert";
import { BOSH_HOLD } from "../lib/haproxy";
import { readStackFile, Run, runProgramOk, withConfig } from "./harness";
import { containers, env, envValue, named, objects, Obj } from "./objects";
import { visitorsVariant, VISITORS } from "./variants";

const SHARDS = ["shard-0", "shard-1"];

describe("visitors", function () {
    this.timeout(60_000);
    let run: Run;

    before(async () => {
        run = await runProgramOk(visitorsVariant());
    });

    it("is off in both stack files: no visitor node, and no visitor setting on any container", async () => {
        for (const stack of ["development", "production"]) {
            const plain = await runProgramOk(readStackFile(stack));
            assert.deepStrictEqual(objects(plain).filter((o) => o.metadata?.labels?.["app.kubernetes.io/component"] === "visitors"), []);
            const names = containers(plain).flatMap(({ container }) => (container.env ?? []).map((e: Obj) => e.name));
            assert.deepStrictEqual(names.filter((n: string) => /VISITOR|PROSODY_MODE/.test(n)), []);
            assert.strictEqual(plain.outputs.capacity.largestEvent, undefined);
        }
    });

    it("runs nodesPerShard visitor nodes per shard, each a prosody in visitor mode with its own index and Service", () => {
        for (const shard of SHARDS) {
            for (let i = 0; i < VISITORS.nodesPerShard; i++) {
                const node = named(run, "Deployment", `${shard}-visitors-${i}`);
                const c = node.spec.template.spec.containers[0];
                assert.match(c.image, /^ghcr\.io\/jitsi\/prosody:stable-11146-2$/);
                assert.strictEqual(envValue(c, "PROSODY_MODE"), "visitors");
                assert.strictEqual(envValue(c, "PROSODY_VISITOR_INDEX"), String(i));
                // It federates with its own shard's prosody, on that prosody's s2s port.
                // Fully qualified: prosody resolves it through libunbound, which ignores the pod's search list.
                assert.strictEqual(envValue(c, "XMPP_SERVER"), `${shard}-prosody.jitsi.svc.cluster.local`);
                assert.strictEqual(envValue(c, "XMPP_SERVER_S2S_PORT"), "5269");
                // The focus account jicofo logs in with, and the password its start script insists on: by reference only.
                for (const secret of ["JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD"]) {
                    assert.deepStrictEqual(env(c, secret)!.valueFrom.secretKeyRef.name, "jitsi-auth");
                    assert.strictEqual(env(c, secret)!.value, undefined);
                }
                assert.strictEqual(node.spec.strategy.type, "Recreate");
                const svc = named(run, "Service", `${shard}-visitors-${i}`);
                assert.deepStrictEqual(svc.spec.ports.map((p: Obj) => p.port).sort(), [5222, 5269, 5280]);
                assert.deepStrictEqual(svc.spec.selector, node.spec.selector.matchLabels);
            }
            assert.strictEqual(named(run, "PodDisruptionBudget", `${shard}-visitors`).spec.maxUnavailable, 1);
        }
    });

    it("wires each shard's prosody, jicofo and web to exactly its own nodes", () => {
        for (const shard of SHARDS) {
            const nodes = (port: number, suffix = "") => Array.from({ length: VISITORS.nodesPerShard }, (_, i) => `${shard}-visitors-${i}${suffix}:${port}`).join(",");
            const prosody = named(run, "Deployment", `${shard}-prosody`).spec.template.spec.containers[0];
            assert.strictEqual(envValue(prosody, "ENABLE_VISITORS"), "true");
            // prosody (libunbound) by the fully qualified name; jicofo's resolver applies the search list.
            assert.strictEqual(envValue(prosody, "VISITORS_XMPP_SERVER"), nodes(5269, ".jitsi.svc.cluster.local"));
            assert.ok(prosody.ports.some((p: Obj) => p.containerPort === 5269));
            const jicofo = named(run, "Deployment", `${shard}-jicofo`).spec.template.spec.containers[0];
            assert.strictEqual(envValue(jicofo, "ENABLE_VISITORS"), "true");
            assert.strictEqual(envValue(jicofo, "VISITORS_XMPP_SERVER"), nodes(5222));
            assert.strictEqual(envValue(jicofo, "VISITORS_MAX_PARTICIPANTS"), String(VISITORS.maxParticipants));
            assert.strictEqual(envValue(jicofo, "VISITORS_MAX_VISITORS_PER_NODE"), String(VISITORS.maxVisitorsPerNode));
            // jicofo.conf chooses VisitorSelectionStrategy itself with ENABLE_VISITORS.
            assert.strictEqual(env(jicofo, "OCTO_BRIDGE_SELECTION_STRATEGY"), undefined);
            const routes: string = named(run, "ConfigMap", `${shard}-web-config`).data["visitors.conf"];
            for (let i = 0; i < VISITORS.nodesPerShard; i++) assert.match(routes, new RegExp(`proxy_pass http://${shard}-visitors-${i}:5280;`));
            const other = SHARDS.find((s) => s !== shard)!;
            assert.ok(!routes.includes(other) && !envValue(prosody, "VISITORS_XMPP_SERVER")!.includes(other) && !envValue(jicofo, "VISITORS_XMPP_SERVER")!.includes(other));
            const web = named(run, "Deployment", `${shard}-web`).spec.template.spec.containers[0];
            assert.ok(web.volumeMounts.some((m: Obj) => m.mountPath === "/config/nginx-custom/visitors.conf" && m.subPath === "visitors.conf"));
        }
    });

    it("lets each node admit every visitor jicofo sends it (the node's hard limit above jicofo's count)", async () => {
        // jicofo at stable/jitsi-meet_11146, ConferenceUtil.kt:62-73 selectVisitorNode: a meeting's newcomer
        // goes to its emptiest node while that node's visitorCount < max-visitors-per-node (then to an unused
        // node, then to any); jicofo-common ChatRoomImpl.kt:130-133: visitorCount counts members in the
        // visitor role only (plus those sent and not yet joined).
        const jicofoSends = (visitors: number, maxPerNode: number) => visitors < maxPerNode;
        // The node: docker-jitsi-meet stable-11146-2 visitors.cfg.lua:23 and :158, muc_max_occupants =
        // VISITORS_MAX_VISITORS_PER_NODE (default 250), muc_access_whitelist = the main XMPP domain (:159-161).
        // jitsi-meet resources/prosody-plugins/mod_muc_max_occupants.lua (read at 0185f94): a join is refused
        // once muc_max_occupants minus every occupant off the whitelist leaves no slot; so jicofo's focus
        // (auth domain) and main participants from the guest or hidden domains, which mod_fmuc.lua mirrors
        // into the node's room, count as much as visitors.
        const nodeAdmits = (visitors: number, others: number, maxOccupants: number) => maxOccupants - (visitors + others) > 0;
        for (const [variant, settings] of [
            [visitorsVariant, VISITORS],
            [() => withConfig(visitorsVariant(), { "jitsi:visitors": { enabled: true } }), { maxVisitorsPerNode: 250, maxParticipants: 50 }],
        ] as const) {
            const r = variant === visitorsVariant ? run : await runProgramOk(variant());
            const jicofo = named(r, "Deployment", "shard-0-jicofo").spec.template.spec.containers[0];
            const maxPerNode = Number(envValue(jicofo, "VISITORS_MAX_VISITORS_PER_NODE"));
            assert.strictEqual(maxPerNode, settings.maxVisitorsPerNode);
            const nodes = containers(r).filter(({ container }) => envValue(container, "PROSODY_MODE") === "visitors");
            assert.ok(nodes.length > 0);
            for (const { workload, container: node } of nodes) {
                const maxOccupants = Number(envValue(node, "VISITORS_MAX_VISITORS_PER_NODE"));
                // Everyone else the node counts, worst case: jicofo's focus (auth domain); the main room's
                // participants off the main domain (guests, Jigasi), up to the maxParticipants jicofo compares
                // them with; and, which jicofo leaves out of that count (JitsiMeetConferenceImpl.java
                // getUserParticipantCount, stable/jitsi-meet_11146:2023 filters isJibri and isTranscriber), a
                // Jibri (one recording or stream session per meeting, JibriRecorder.kt:58) and a transcriber,
                // both from the hidden domain, which mod_visitors mirrors to the node.
                const focus = 1, jibri = 1, transcriber = 1;
                const others = focus + settings.maxParticipants + jibri + transcriber;
                let visitors = 0;
                while (jicofoSends(visitors, maxPerNode)) {
                    assert.ok(nodeAdmits(visitors, others, maxOccupants), `${workload.metadata.name} refuses visitor ${visitors + 1} of ${maxPerNode} jicofo sends it`);
                    visitors++;
                }
                assert.strictEqual(visitors, settings.maxVisitorsPerNode);
                // Still a hard limit: the node refuses past its seats, whatever jicofo sends.
                assert.strictEqual(maxOccupants, settings.maxVisitorsPerNode + others);
                assert.ok(!nodeAdmits(visitors, others, maxOccupants));
                // The image's default (250) or jicofo's own value on the node would refuse jicofo's last visitor.
                assert.ok(!nodeAdmits(settings.maxVisitorsPerNode - 1, 1, settings.maxVisitorsPerNode));
            }
        }
    });

    it("holds a visitor's BOSH poll as long as a participant's (the read timeout web's server block sets)", () => {
        for (const shard of SHARDS) {
            const files = named(run, "ConfigMap", `${shard}-web-config`).data;
            // Both files are included at the server level; BOSH_HOLD is what test/longPollLive.test.ts proves for /http-bind.
            assert.match(files["shard-health.conf"], new RegExp(`^proxy_read_timeout ${BOSH_HOLD.webReadTimeoutS}s;$`, "m"));
            const bosh = files["visitors.conf"].split("location ").filter((l: string) => l.includes("/http-bind/"));
            assert.strictEqual(bosh.length, VISITORS.nodesPerShard);
            for (const location of bosh) assert.doesNotMatch(location, /proxy_read_timeout/, "a visitor's BOSH location must inherit the server's read timeout");
        }
    });

    it("runs the nodes like the rest: restricted, with limits and probes", () => {
        for (const { workload, container } of containers(run).filter(({ workload }) => workload.metadata.name.includes("-visitors-"))) {
            assert.strictEqual(container.securityContext.runAsNonRoot, true, workload.metadata.name);
            assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(container.securityContext.capabilities, { drop: ["ALL"] });
            assert.ok(container.resources.limits.cpu && container.resources.limits.memory);
            assert.deepStrictEqual(container.readinessProbe.exec.command, ["/usr/local/bin/healthcheck.sh"]);
            assert.ok(container.livenessProbe);
        }
    });

    it("says in capacity how large one event can be, and what bounds it", () => {
        const c = run.outputs.capacity;
        // Production's shard: 6 bridges of 32 at most; 40 speak, the rest of what the bridges carry watch.
        assert.deepStrictEqual(
            { ...c.largestEvent, assumption: undefined },
            { participants: 40, visitors: 6 * 32 - 40, total: 192, boundBy: "bridges", assumption: undefined },
        );
        assert.match(c.largestEvent.assumption, /visitor counted as a participant/);
    });
});
