import { readStackFile, runProgram, withConfig } from "/work/main/test/harness";
(async () => {
  const run = await runProgram(withConfig(readStackFile("production"), { "jitsi:web": { defaultLanguage: "de", p2p: { stunServers: ["a.b:1"] } } }));
  const byImage: Record<string, Set<string>> = {};
  for (const r of run.resources) {
    const t = r.inputs?.spec?.template?.spec; if (!t) continue;
    for (const c of [...(t.initContainers ?? []), ...t.containers]) {
      const m = /ghcr.io\/jitsi\/(\w+):/.exec(c.image); if (!m) continue;
      const key = m[1] + (t.initContainers?.includes(c) ? "(init)" : "");
      byImage[key] ??= new Set();
      for (const e of c.env ?? []) byImage[key].add(e.name);
    }
  }
  for (const [k, v] of Object.entries(byImage)) console.log(k, [...v].sort().join(" "));
})();
