/**
 * Upstream is the truth, for images: what each image's Dockerfile at its pinned tag says about the user
 * it runs as and the file capabilities its binaries carry (`setcap`), so that every container runs as a
 * user the image was built for, and keeps exactly the capabilities without which its binary cannot be
 * executed (exit 126: coturn's turnserver, coturn issue #994). A new image or tag fails here until its
 * Dockerfile has been read and a row added.
 */
import * as assert from "assert";
import { FILE_CAPABILITIES, imageRepository, requiredCapabilities } from "../lib/fileCapabilities";
import { containersIn, Obj } from "./objects";
import { STACK_VARIANTS } from "./variants";

interface DockerfileFacts {
    /** Where it was read: repository, path and tag or commit. */
    source: string;
    /** The uid the image runs as (USER); undefined: the image runs as root, and the program picks a user. */
    uid?: number;
    /** Binaries with file capabilities, as `setcap` gives them; empty where the Dockerfile runs no setcap. */
    fileCapabilities: Record<string, string[]>;
}

const S6_JITSI = (image: string): DockerfileFacts => ({
    // base/Dockerfile: `adduser ... s6` (first user: 1000), `USER s6`; no image derived from it runs setcap.
    source: `jitsi/docker-jitsi-meet ${image}/Dockerfile and base/Dockerfile at stable-11146-2`,
    uid: 1000,
    fileCapabilities: {},
});

const DOCKERFILES: Record<string, DockerfileFacts> = {
    "ghcr.io/jitsi/web:stable-11146-2": S6_JITSI("web"),
    "ghcr.io/jitsi/prosody:stable-11146-2": S6_JITSI("prosody"),
    "ghcr.io/jitsi/jicofo:stable-11146-2": S6_JITSI("jicofo"),
    "ghcr.io/jitsi/jvb:stable-11146-2": S6_JITSI("jvb"),
    "ghcr.io/jitsi/jibri:stable-11146-2": S6_JITSI("jibri"),
    // FROM base-java, `USER s6` at its end; VOLUME /config and /tmp/transcripts.
    "ghcr.io/jitsi/jigasi:stable-11146-2": S6_JITSI("jigasi"),
    // Published as latest only: a stack deploys it pinned by digest, which names a build of this Dockerfile.
    "alphacep/kaldi-en": {
        // FROM alphacep/kaldi-vosk-server (debian:11, no USER): root; the model is unzipped into /opt/vosk-model-en.
        // The program runs it as nobody (65534): it reads the model and writes nothing.
        source: "alphacep/vosk-server docker/Dockerfile.kaldi-en and Dockerfile.kaldi-vosk-server at c2e82f0 (published as latest only)",
        fileCapabilities: {},
    },
    "coturn/coturn:4.17.0-r0": {
        // `setcap CAP_NET_BIND_SERVICE=+ep /usr/bin/turnserver`, then `USER nobody:nogroup`.
        source: "coturn/coturn docker/coturn/debian/Dockerfile at docker/4.17.0-r0",
        uid: 65534,
        fileCapabilities: { "/usr/bin/turnserver": ["NET_BIND_SERVICE"] },
    },
    "haproxy:3.2.25": {
        // `useradd --uid 99 haproxy`, `USER haproxy`; no setcap (binding below 1024 is left to the user).
        source: "docker-library/haproxy 3.2/Dockerfile (the 3.2 template, read at 3.2.21)",
        uid: 99,
        fileCapabilities: {},
    },
    "etherpad/etherpad:2.5.3": {
        source: "ether/etherpad-lite Dockerfile at v2.5.3 (ARG EP_UID=5001, USER etherpad)",
        uid: 5001,
        fileCapabilities: {},
    },
    "jitsi/excalidraw-backend:2026.3.0": {
        // FROM node:22-slim with no USER: root. The program runs it as node:22-slim's `node` user (1000).
        source: "jitsi/excalidraw-backend Dockerfile at 2026.3.0",
        fileCapabilities: {},
    },
    "selenium/hub:4.25.0": {
        source: "SeleniumHQ/docker-selenium Base/Dockerfile and Hub/Dockerfile at 4.25.0-20240922 (ARG UID=1200)",
        uid: 1200,
        fileCapabilities: {},
    },
    "selenium/node-chrome:4.25.0": {
        source: "SeleniumHQ/docker-selenium NodeBase/Dockerfile and NodeChrome/Dockerfile at 4.25.0-20240922",
        uid: 1200,
        fileCapabilities: {},
    },
    "alpine/git:2.45.2": {
        // FROM alpine, apk add git: root. The program runs it as the Job's user (1000).
        source: "alpine-docker/git Dockerfile",
        fileCapabilities: {},
    },
    "maven:3.9.9-eclipse-temurin-17": {
        // FROM eclipse-temurin:17-jdk, no USER: root. The program runs it as 1000.
        source: "carlossg/docker-maven eclipse-temurin-17/Dockerfile at the 3.9.9 release",
        fileCapabilities: {},
    },
};

describe("upstream facts: users and file capabilities of every image", function () {
    this.timeout(60_000);
    const deployed = new Map<string, { workload: Obj; container: Obj }[]>();

    before(async () => {
        for (const variant of Object.values(STACK_VARIANTS)) {
            for (const { workload, container } of containersIn(await variant())) {
                deployed.set(container.image, [...(deployed.get(container.image) ?? []), { workload, container }]);
            }
        }
    });

    /** An image pinned by digest alone is read as its repository's Dockerfile. */
    const facts = (image: string): DockerfileFacts | undefined => DOCKERFILES[image] ?? (image.includes("@") ? DOCKERFILES[image.split("@")[0]] : undefined);

    it("has read the Dockerfile of every image any stack variant deploys", () => {
        assert.ok(deployed.size >= 10, `only ${deployed.size} images found`);
        assert.deepStrictEqual([...deployed.keys()].filter((image) => !facts(image)), []);
    });

    it("keeps, per repository, exactly the capabilities its binaries carry (lib/fileCapabilities.ts agrees with the Dockerfiles)", () => {
        for (const [image, facts] of Object.entries(DOCKERFILES)) {
            const carried = [...new Set(Object.values(facts.fileCapabilities).flat())].sort();
            assert.deepStrictEqual(requiredCapabilities(image), carried, image);
        }
        for (const row of FILE_CAPABILITIES) {
            const read = Object.entries(DOCKERFILES).filter(([image]) => imageRepository(image) === row.repository);
            assert.ok(read.length > 0, `${row.repository} has no Dockerfile read`);
            for (const [image, facts] of read) assert.deepStrictEqual(facts.fileCapabilities[row.binary], row.capabilities, image);
        }
    });

    it("runs each container with the capabilities its image needs, and no other", () => {
        for (const [image, uses] of deployed) {
            const needed = requiredCapabilities(image);
            for (const { workload, container } of uses) {
                const added = [...(container.securityContext?.capabilities?.add ?? [])].sort();
                assert.deepStrictEqual(added, needed, `${workload.metadata.name}/${container.name} (${image})`);
            }
        }
        assert.deepStrictEqual(requiredCapabilities("coturn/coturn:4.17.0-r0"), ["NET_BIND_SERVICE"]);
        assert.deepStrictEqual(requiredCapabilities("docker.io/coturn/coturn:4.17.0-r0"), ["NET_BIND_SERVICE"]);
    });

    it("runs each container as the user its image was built for, where the image names one", () => {
        const wrong: string[] = [];
        for (const [image, uses] of deployed) {
            const uid = facts(image)?.uid;
            if (uid === undefined) continue;
            for (const { workload, container } of uses) {
                const runAs = container.securityContext?.runAsUser;
                if (runAs !== uid) wrong.push(`${workload.metadata.name}/${container.name}: ${runAs}, image user ${uid}`);
            }
        }
        assert.deepStrictEqual(wrong, []);
    });
});
