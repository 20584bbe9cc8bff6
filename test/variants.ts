/** Stack configurations that together switch every optional part on and off, for whole-stack checks. */
import { readStackFile, runProgram, withConfig } from "./harness";
import { objects, Obj } from "./objects";

const production = () => readStackFile("production");

/** Every Alertmanager receiver, with its credentials as secret settings. */
export const ALL_RECEIVERS = {
    email: { to: "oncall@school.example", from: "alerts@school.example", smarthost: "smtp.school.example:587", username: "alerts" },
    webhook: {},
    chat: { channel: "#jitsi" },
};
export const RECEIVER_SECRETS = {
    "jitsi:alertEmailPassword": "smtp-password-value",
    "jitsi:alertWebhookUrl": "https://hooks.example/alert-token-value",
    "jitsi:alertChatWebhookUrl": "https://chat.example/hooks/chat-token-value",
};

export const STACK_VARIANTS: Record<string, () => Promise<Obj[]>> = {
    development: async () => objects(await runProgram(readStackFile("development"))),
    production: async () => objects(await runProgram(production())),
    "production with load test and dashboard": async () =>
        objects(
            await runProgram(
                withConfig(production(), {
                    "jitsi:loadTest": { enabled: true, seleniumNodes: 2, sessionsPerNode: 4 },
                    "jitsi:ops": { dashboard: { enabled: true } },
                }),
            ),
        ),
    "production without monitoring": async () => objects(await runProgram(withConfig(production(), { "jitsi:monitoring": { enabled: false } }))),
    "production with alert receivers, external TURN and relay off": async () =>
        objects(
            await runProgram(
                withConfig(
                    production(),
                    {
                        "jitsi:monitoring": { alerts: { receivers: ALL_RECEIVERS } },
                        "jitsi:turn": { external: { host: "turn.provider.example", tlsPort: 443 } },
                        "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, relay: { enabled: false } },
                        ...RECEIVER_SECRETS,
                        "jitsi:turnSharedSecret": "configured-turn-secret",
                    },
                    [...Object.keys(RECEIVER_SECRETS), "jitsi:turnSharedSecret"],
                ),
            ),
        ),
};
