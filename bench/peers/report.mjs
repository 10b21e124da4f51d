// Writes the "Beside the peers" section of BENCHMARKS.md from the results bench/run
// collected (one JSON object a line), replacing the section between its markers.
import { readFileSync, writeFileSync } from "node:fs";

const [resultsFile, benchFile, machine, date, commands] = process.argv.slice(2);
const rows = readFileSync(resultsFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const pick = (f) => rows.filter(f);
const one = (f) => rows.find(f);
const ms = (x) => (x < 1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1)) + " ms";
const n = (x) => Math.round(x).toLocaleString("en-US");
const ratio = (a, b) => (b / a >= 10 ? Math.round(b / a) : (b / a).toFixed(1)) + "×";

let out = `<!-- peers:start -->
## Beside the peers, in one run (issue #6)

Written by \`bench/run\` on ${date}. Machine: ${machine}. Every figure below comes from
this one run; the peers were installed from the npm registry into a scratch folder
outside the repository.

\`\`\`sh
${commands}
\`\`\`

### Render: parse and render one issue, in process, after a warm-up

Each renderer in its own runtime (no process start-up counted). wxpub: parse + render to
WeChat HTML. @wenyan-md/core: \`renderStyledContent\` (its Node entry point, on jsdom),
default theme. marked + juice: Markdown to HTML, then a stylesheet of wxpub's weight
inlined. "×10" is the sample's news repeated ten times.

| input | renderer | median | min | output (characters) | wxpub is |
|---|---|---|---|---|---|
`;
for (const input of ["sample", "x10"]) {
  const w = one((r) => r.part === "render" && r.tool === "wxpub" && r.input === input);
  for (const r of pick((r) => r.part === "render" && r.input === input)) {
    const vs = r.tool === "wxpub" ? "" : `${ratio(w.median_ms, r.median_ms)} faster, ${(r.chars / w.chars).toFixed(2)}× the size`;
    out += `| ${input === "sample" ? "sample (12.4 KB)" : "sample ×10"} | ${r.tool} | ${ms(r.median_ms)} | ${ms(r.min_ms)} | ${n(r.chars)} | ${vs} |\n`;
  }
}
const wr = one((r) => r.part === "render" && r.tool === "wxpub" && r.input === "sample");
const wy = one((r) => r.part === "render" && r.tool === "@wenyan-md/core" && r.input === "sample");
const mj = one((r) => r.part === "render" && r.tool === "marked+juice" && r.input === "sample");
out += `
On the sample: wxpub ${ms(wr.median_ms)}, @wenyan-md/core ${ms(wy.median_ms)}: ${ratio(wr.median_ms, wy.median_ms)}
(target ≥ 100×); marked+juice ${ms(mj.median_ms)}: ${ratio(wr.median_ms, mj.median_ms)} (target ≥ 10×); output
${n(wr.chars)} characters against ${n(wy.chars)} and ${n(mj.chars)} (target: no larger).

### Replies: the same load generator against each server

\`bench/loadgen\`: signed text queries with distinct MsgIds, prepared before the clock
starts, for 10 s per row, on the same 2 cores as the server. wxpub: \`wxpub serve\` over
the sample, answering from its index. node wechat: the \`wechat\` middleware (node-webot)
on express verifying, parsing (and in safe mode decrypting) and answering from a table of
three keywords. The floor: a bare net/http server with a fixed reply.

| mode | connections | server | req/s | p50 | p99 | wxpub is |
|---|---|---|---|---|---|---|
`;
for (const mode of ["plain", "safe"]) {
  for (const conns of [2, 32]) {
    const w = one((r) => r.part === "reply" && r.server === "wxpub" && r.mode === mode && r.conns === conns);
    for (const r of pick((r) => r.part === "reply" && r.mode === mode && r.conns === conns)) {
      const vs = r.server === "wxpub" ? "" : r.server === "net/http floor" ? `${(w.rps / r.rps).toFixed(2)}× the floor` : `${(w.rps / r.rps).toFixed(1)}× the throughput`;
      out += `| ${mode} | ${conns} | ${r.server} | ${n(r.rps)} | ${ms(r.p50)} | ${ms(r.p99)} | ${vs} |\n`;
    }
  }
}
const w32 = one((r) => r.part === "reply" && r.server === "wxpub" && r.mode === "plain" && r.conns === 32);
const n32 = one((r) => r.part === "reply" && r.server === "node wechat" && r.mode === "plain" && r.conns === 32);
out += `
Target at 32 connections: ≥ 5× node wechat's throughput with a lower p99. Plain:
${n(w32.rps)} against ${n(n32.rps)} req/s (${(w32.rps / n32.rps).toFixed(1)}×), p99 ${ms(w32.p99)} against ${ms(n32.p99)}.

### Publish against the sandbox, 100 ms a call

\`go test ./publish -bench Publish -benchtime 3x\`: an issue with 10 images, everything
uploaded (new store and sandbox each time).

| concurrency | wall | critical path | wall / critical |
|---|---|---|---|
`;
for (const r of pick((r) => r.part === "publish")) {
  out += `| ${r.concurrency} | ${n(r.wall_ms)} ms | ${n(r.critical_ms)} ms | ${r.ratio.toFixed(2)}× |\n`;
}
out += "<!-- peers:end -->\n";

let bench = readFileSync(benchFile, "utf8");
const start = bench.indexOf("<!-- peers:start -->");
const end = bench.indexOf("<!-- peers:end -->");
if (start >= 0 && end > start) {
  bench = bench.slice(0, start) + out + bench.slice(end + "<!-- peers:end -->\n".length);
} else {
  bench = bench.trimEnd() + "\n\n" + out;
}
writeFileSync(benchFile, bench);
