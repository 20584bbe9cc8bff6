/** What the live tests share to talk to daemons on loopback. */
import * as http from "http";

/** One GET to 127.0.0.1 without keep-alive, so that every request makes a fresh connection through the daemon. */
export function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: urlPath, agent: false }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

/** Polls until `check` holds, or throws after `ms` naming what it waited for, with `logs()` to say why. */
export async function waitFor(what: string, check: () => Promise<boolean>, logs: () => string = () => "", ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await check().catch(() => false)) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}\n${logs()}`);
}
