/** Stack configurations that together switch every optional part on and off, for whole-stack checks. */
import { readStackFile, runProgram, withConfig } from "./harness";
import { objects, Obj } from "./objects";

const production = () => readStackFile("production");

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
};
