/**
 * The web app's settings. Those the image has an environment variable for are set that way (names
 * from docker-jitsi-meet's web/rootfs/defaults/settings-config.js); the rest is merged into jitsi-meet's
 * `config` object by custom-config.js, which the image appends to config.js (web/rootfs/etc/s6-overlay/
 * scripts/config). That file is JSON serialised, never assembled from strings, so no value can break it.
 */

export interface WebAppSettings {
    defaultLanguage?: string;
    channelLastN: number;
    startAudioMuted: number;
    startVideoMuted: number;
    welcomePage: boolean;
    p2p: { enabled: boolean; stunServers: string[] };
    configOverrides: Record<string, unknown>;
}

/** Where the web image picks up extra configuration (it copies /config to its runtime directory). */
export const WEB_CUSTOM_CONFIG_PATH = "/config/custom-config.js";

/** Settings with a key of their own; `configOverrides` may not set them a second time. */
export const WEB_DEDICATED_KEYS = ["channelLastN", "defaultLanguage", "startAudioMuted", "startVideoMuted"] as const;

export function webEnv(web: WebAppSettings): { name: string; value: string }[] {
    return [
        ...(web.defaultLanguage ? [{ name: "DEFAULT_LANGUAGE", value: web.defaultLanguage }] : []),
        { name: "START_AUDIO_MUTED", value: String(web.startAudioMuted) },
        { name: "START_VIDEO_MUTED", value: String(web.startVideoMuted) },
        { name: "ENABLE_WELCOME_PAGE", value: String(web.welcomePage) },
        { name: "ENABLE_P2P", value: String(web.p2p.enabled) },
        ...(web.p2p.stunServers.length > 0 ? [{ name: "P2P_STUN_SERVERS", value: web.p2p.stunServers.join(",") }] : []),
    ];
}

/** What custom-config.js merges into `config`: channelLastN (no variable for it) and the overrides. */
export function webConfigOverrides(web: WebAppSettings): Record<string, unknown> {
    return { channelLastN: web.channelLastN, ...web.configOverrides };
}

/**
 * custom-config.js: a deep merge of the overrides into `config`, so that `{p2p: {backToP2PDelay: 5}}`
 * changes one setting of the p2p block instead of replacing it. Keys that would reach an object's
 * prototype are skipped.
 */
export function webCustomConfigJs(web: WebAppSettings): string {
    return [
        "// Written by jitsi-pulumi from the stack's jitsi:web settings; appended to config.js by the web image.",
        "(function (overrides) {",
        "    function merge(target, source) {",
        "        Object.keys(source).forEach(function (key) {",
        '            if (key === "__proto__" || key === "constructor" || key === "prototype") return;',
        "            var value = source[key];",
        '            var nested = value !== null && typeof value === "object" && !Array.isArray(value);',
        '            if (nested && target[key] !== null && typeof target[key] === "object" && !Array.isArray(target[key])) {',
        "                merge(target[key], value);",
        "            } else {",
        "                target[key] = value;",
        "            }",
        "        });",
        "    }",
        "    merge(config, overrides);",
        `})(${JSON.stringify(webConfigOverrides(web), null, 4)});`,
        "",
    ].join("\n");
}
