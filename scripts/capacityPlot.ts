/**
 * docs/capacity.svg: participants on one JVB against the CPU it used, from the seed's load tests,
 * with the planning line of the capacity model. Plain SVG text, so the file is reproducible and
 * reviewable in a diff; `npm run plot` writes it and a test checks it is current.
 */
import { healthy, LOAD_TEST_RUNS, PARTICIPANTS_PER_JVB_CORE } from "../lib/capacity";

const W = 720;
const H = 440;
const M = { left: 60, right: 200, top: 40, bottom: 50 };
const X_MAX = 45;
const Y_MAX = 9;

const x = (participants: number) => M.left + (participants / X_MAX) * (W - M.left - M.right);
const y = (cores: number) => H - M.bottom - (cores / Y_MAX) * (H - M.top - M.bottom);
const f = (n: number) => n.toFixed(1);

export function capacitySvg(): string {
    const parts: string[] = [];
    parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
    parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
    parts.push(`<text x="${M.left}" y="24" font-size="15" font-weight="bold">JVB CPU used vs participants per bridge (seed load tests)</text>`);
    for (let p = 0; p <= X_MAX; p += 5) {
        parts.push(`<line x1="${f(x(p))}" y1="${f(y(0))}" x2="${f(x(p))}" y2="${f(y(Y_MAX))}" stroke="#eee"/>`);
        parts.push(`<text x="${f(x(p))}" y="${H - M.bottom + 16}" text-anchor="middle">${p}</text>`);
    }
    for (let c = 0; c <= Y_MAX; c += 1) {
        parts.push(`<line x1="${f(x(0))}" y1="${f(y(c))}" x2="${f(x(X_MAX))}" y2="${f(y(c))}" stroke="#eee"/>`);
        parts.push(`<text x="${M.left - 8}" y="${f(y(c) + 4)}" text-anchor="end">${c}</text>`);
    }
    parts.push(`<text x="${f((x(0) + x(X_MAX)) / 2)}" y="${H - 12}" text-anchor="middle">participants on one JVB</text>`);
    parts.push(`<text transform="translate(16 ${f((y(0) + y(Y_MAX)) / 2)}) rotate(-90)" text-anchor="middle">JVB CPU used (cores)</text>`);
    for (const limit of [4, 8]) {
        parts.push(`<line x1="${f(x(0))}" y1="${f(y(limit))}" x2="${f(x(X_MAX))}" y2="${f(y(limit))}" stroke="#999" stroke-dasharray="4 4"/>`);
        parts.push(`<text x="${f(x(X_MAX) - 4)}" y="${f(y(limit) - 4)}" text-anchor="end" fill="#666">${limit}-core limit</text>`);
    }
    const line = (perCore: number, colour: string, label: string) => {
        const end = Math.min(X_MAX, perCore * Y_MAX);
        parts.push(`<line x1="${f(x(0))}" y1="${f(y(0))}" x2="${f(x(end))}" y2="${f(y(end / perCore))}" stroke="${colour}" stroke-width="2"/>`);
        parts.push(`<text x="${f(x(end) + 6)}" y="${f(y(end / perCore) + 4)}" fill="${colour}">${label}</text>`);
    };
    line(PARTICIPANTS_PER_JVB_CORE, "#1f5fbf", `plan: ${PARTICIPANTS_PER_JVB_CORE}/core`);
    line(8, "#7aa6e0", "rooms of 5: 8/core");
    for (const run of LOAD_TEST_RUNS) {
        const colour = healthy(run) ? "#2e8b57" : "#c0392b";
        const cx = f(x(run.participantsPerJvb));
        const cy = f(y(run.cpuUsed));
        parts.push(
            run.conferences === 1
                ? `<circle cx="${cx}" cy="${cy}" r="6" fill="${colour}"><title>${run.scenario}: ${run.cpuUsed} of ${run.cpuLimit} cores, ${Math.round(run.throttling * 100)}% throttled</title></circle>`
                : `<rect x="${f(Number(cx) - 6)}" y="${f(Number(cy) - 6)}" width="12" height="12" fill="${colour}"><title>${run.scenario}: ${run.cpuUsed} of ${run.cpuLimit} cores</title></rect>`,
        );
    }
    const lx = W - M.right + 20;
    const legend: [string, string][] = [
        [`<circle cx="${lx}" cy="60" r="6" fill="#2e8b57"/>`, "held (throttling ≤ 5%)"],
        [`<circle cx="${lx}" cy="80" r="6" fill="#c0392b"/>`, "degraded"],
        [`<circle cx="${lx}" cy="100" r="6" fill="#888"/>`, "one large conference"],
        [`<rect x="${lx - 6}" y="114" width="12" height="12" fill="#888"/>`, "conferences of 5 or 10"],
    ];
    legend.forEach(([mark, text], i) => parts.push(mark, `<text x="${lx + 14}" y="${64 + i * 20}">${text}</text>`));
    parts.push("</svg>", "");
    return parts.join("\n");
}
