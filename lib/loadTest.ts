/**
 * The load test's moving parts: jitsi-meet-torture's Malleus test driving Chrome browsers on a
 * Selenium Grid. Nothing is built into an image of ours: the Job and the browsers fetch the tool's
 * source at one pinned commit, and the browsers read its fake 720p video and audio from that checkout.
 */
export const TORTURE_REPO = "https://github.com/jitsi/jitsi-meet-torture.git";
/** jitsi-meet-torture main as of 2025-04-08. */
export const TORTURE_COMMIT = "c0efd48326b09526389a755bf5530b55035ce667";

export const LOAD_TEST_IMAGES = {
    hub: "selenium/hub:4.25.0",
    node: "selenium/node-chrome:4.25.0",
    git: "alpine/git:2.45.2",
    maven: "maven:3.9.9-eclipse-temurin-17",
} as const;

/** Labels of the load test's parts (hub, node, runner) in its own namespace. */
export function loadTestLabels(component: "hub" | "node" | "runner"): Record<string, string> {
    return { "app.kubernetes.io/name": "jitsi-loadtest", "app.kubernetes.io/component": component };
}

/**
 * The load test's Chrome nodes, as a NetworkPolicy peer of the jitsi namespace: browsers inside the cluster
 * that send media to the bridges and coturn from pod addresses, which no ipBlock matches on Cilium.
 */
export function loadTestBrowsers(namespace: string) {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } }, podSelector: { matchLabels: loadTestLabels("node") } };
}

export const SELENIUM_PORTS = { hub: 4444, publish: 4442, subscribe: 4443, node: 5555 } as const;

/** Where the browsers find the fake media (`remote.resource.path`); files live in its resources/. */
export const TORTURE_RESOURCE_PATH = "/usr/share/jitsi-meet-torture";

/** Shallow fetch of exactly one commit into `$1`. */
export const FETCH_TORTURE = `set -eu
dest="$1"
git init -q "$dest"
cd "$dest"
git remote add origin ${TORTURE_REPO}
git fetch -q --depth 1 origin ${TORTURE_COMMIT}
git checkout -q FETCH_HEAD
`;

export interface MalleusRun {
    hubUrl: string;
    instanceUrl: string;
    conferences: number;
    participantsPerConference: number;
    durationSeconds: number;
    roomPrefix: string;
}

/** Malleus's system properties: every participant sends video and audio, as in the seed's tests. */
export function malleusProperties(run: MalleusRun): Record<string, string> {
    return {
        threadcount: "1",
        "jitsi-meet.tests.toRun": "MalleusJitsificus",
        "org.jitsi.malleus.conferences": String(run.conferences),
        "org.jitsi.malleus.participants": String(run.participantsPerConference),
        "org.jitsi.malleus.senders": String(run.participantsPerConference),
        "org.jitsi.malleus.audio_senders": String(run.participantsPerConference),
        "org.jitsi.malleus.duration": String(run.durationSeconds),
        "org.jitsi.malleus.room_name_prefix": run.roomPrefix,
        "org.jitsi.malleus.enable.headless": "true",
        "remote.address": run.hubUrl,
        "remote.resource.path": TORTURE_RESOURCE_PATH,
        "jitsi-meet.instance.url": run.instanceUrl,
        "jitsi-meet.isRemote": "true",
        "chrome.disable.nosanbox": "true",
    };
}

/**
 * Waits for the grid, runs Malleus, and ends its log with a summary a person can read and a script
 * can grep (`LOADTEST ...`). The exit status is Maven's, so the Job fails when the test fails.
 */
export function malleusScript(run: MalleusRun): string {
    const props = Object.entries(malleusProperties(run)).map(([k, v]) => `  -D${k}=${v} \\`).join("\n");
    return `set -u
tries=0
until curl -sf ${run.hubUrl.replace(/\/wd\/hub$/, "")}/status | grep -q '"ready": *true'; do
  tries=$((tries + 1)); [ "$tries" -gt 120 ] && { echo "LOADTEST grid not ready after 10 minutes"; exit 1; }
  sleep 5
done
cd /src
echo "LOADTEST start $(date -u +%FT%TZ) conferences=${run.conferences} participants=${run.participantsPerConference} duration=${run.durationSeconds}s url=${run.instanceUrl}"
mvn -B -Dmaven.repo.local=/m2 \\
${props}
  test
status=$?
echo "LOADTEST surefire: $(grep -h 'Tests run' target/surefire-reports/*.txt 2>/dev/null | tr '\\n' ' ')"
echo "LOADTEST end $(date -u +%FT%TZ) result=$([ "$status" -eq 0 ] && echo passed || echo failed)"
exit "$status"
`;
}
