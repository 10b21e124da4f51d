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

// The targets of the replies issue (#13) and the replicas issue (#15), from this run.
const fr = one((r) => r.part === "floor_render");
const rd = one((r) => r.part === "redis");
const ar = one((r) => r.part === "archive");
const floods = pick((r) => r.part === "flood");
if (fr || rd || ar || floods.length) {
  const rows = [];
  const row = (what, figure, target, met) => rows.push(`| ${what} | ${figure} | ${target} | ${met ? "met" : "**missed**"} |`);
  const floor = (mode, conns) => {
    const w = one((r) => r.part === "reply" && r.server === "wxpub" && r.mode === mode && r.conns === conns);
    const f = one((r) => r.part === "reply" && r.server === "net/http floor" && r.mode === "plain" && r.conns === conns);
    return w && f ? { x: w.rps / f.rps, w } : null;
  };
  for (const [mode, want] of [["plain", 0.8], ["safe", 0.7]]) {
    for (const conns of [2, 32]) {
      const r = floor(mode, conns);
      if (r) row(`replies, ${mode}, ${conns} connections, against the net/http floor`, `${r.x.toFixed(2)}×`, `≥ ${want}×`, r.x >= want);
    }
    const r = floor(mode, 32);
    if (r) row(`replies, ${mode}, p99 at 32 connections`, ms(r.w.p99), "< 5 ms", r.w.p99 < 5);
  }
  if (fr) {
    const tables = fr.goldmark_tables_ms ? `; ${(fr.wxpub_ms / fr.goldmark_tables_ms).toFixed(1)}× goldmark with tables alone, ${ms(fr.goldmark_tables_ms)}` : "";
    row("render (parse + render the sample) against goldmark's parse + HTML renderer, same extensions", `${(fr.wxpub_ms / fr.goldmark_ms).toFixed(2)}× (${ms(fr.wxpub_ms)} against ${ms(fr.goldmark_ms)}${tables})`, "≤ 2×", fr.wxpub_ms / fr.goldmark_ms <= 2);
  }
  if (rd) row("one replica with Redis against the same without (plain, 32 connections)", `${(rd.redis / rd.alone).toFixed(2)}× (${n(rd.redis)} against ${n(rd.alone)} req/s; two replicas ${n(rd.two)})`, "≥ 0.8×", rd.redis / rd.alone >= 0.8);
  if (ar) {
    row("`wxpub ask` at 10,000 items, wall time with process start", `median ${ar.ask_median_ms} ms, worst ${ar.ask_worst_ms} ms`, "< 100 ms", ar.ask_worst_ms < 100);
    row("`wxpub serve` at 100,000 items, ready when the index exists", `${ar.ready_s} s`, "< 3 s", ar.ready_s < 3);
    row("`wxpub serve` at 100,000 items, first build", `${ar.build_s} s`, "< 60 s", ar.build_s < 60);
    row("`wxpub serve` at 100,000 items, idle RSS, the index's files still cached from the build", `${ar.rss_hot_mb} MB (${ar.rss_hot_anon_mb} MB anonymous)`, "< 100 MB", ar.rss_hot_mb < 100);
    if (ar.rss_cold_mb !== null) row("`wxpub serve` at 100,000 items, idle RSS, started with a cold page cache", `${ar.rss_cold_mb} MB`, "< 100 MB", ar.rss_cold_mb < 100);
    const floor = ar.floor_ms !== null && ar.floor_ms !== undefined ? `; reading the postings its queries ask for, alone: ${ar.floor_ms} ms a query, ${Math.round(ar.floor_postings).toLocaleString("en-US")} postings at ${ar.floor_ns} ns${ar.segment_floor_ms !== null && ar.segment_floor_ms !== undefined ? `, or straight from the segments ${ar.segment_floor_ms} ms at ${ar.segment_floor_ns} ns` : ""} (\`BenchmarkArchivePostings\`)` : "";
    if (ar.relevance_of) row(`relevance set beside ${ar.relevance_items.toLocaleString("en-US")} synthetic items (the test: 10,000), precision at 1`, `${(ar.relevance_right / ar.relevance_of).toFixed(3)} (${ar.relevance_right}/${ar.relevance_of})`, "≥ 0.95", ar.relevance_right / ar.relevance_of >= 0.95);
    row("search in process at 100,000 items (`BenchmarkArchiveSearch`)", `p99 ${ar.search_p99_ms} ms (mean ${ar.search_mean_ms} ms${floor})`, "p99 < 2 ms", ar.search_p99_ms < 2);
  }
  for (const f of floods) {
    const split = f.anon_after_mb !== undefined ? ` (after: ${f.anon_after_mb} MB heap and stacks, ${f.file_after_mb} MB mapped files)` : "";
    row(`serve during the ${f.flood} flood: peak RSS, RSS after, legitimate p99`, `${f.peak_mb} MB, ${f.after_mb} MB, ${ms(f.legit_p99_ms)} (${f.legit_failures} failures)${split}`, "≤ 150 MB, < 80 MB, < 50 ms, none", f.peak_mb <= 150 && f.after_mb < 80 && f.legit_p99_ms < 50 && f.legit_failures === 0);
  }
  out += `
### Targets of the replies and replicas issues, in this run

Replies from the table above; render from one benchmark binary (\`go test ./render -bench
'ParseRender|GoldmarkFloor'\`, five rounds taking turns, medians); the Redis ratio from \`bench/scale.sh\`;
archive scale from \`bench/archive.sh\`; the floods from \`bench/flood.sh\`. This 2-core
machine runs the load generator beside the server, and its figures drift by tens of
percent between runs.

| what | figure | target | |
|---|---|---|---|
${rows.join("\n")}
`;
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
