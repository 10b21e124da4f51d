// Times @wenyan-md/core rendering a Markdown file in one Node process, after a warm-up,
// with its default theme (its Node entry point, on jsdom). Prints JSON like bench/render.
import { readFileSync } from "node:fs";
import { renderStyledContent } from "@wenyan-md/core/wrapper";

const [file, n = "20", warm = "5"] = process.argv.slice(2);
const md = readFileSync(file, "utf8");
const opts = { themeId: "default", hlThemeId: "solarized-light", isMacStyle: true, isAddFootnote: true };
let chars = 0;
for (let i = 0; i < +warm; i++) await renderStyledContent(md, opts);
const times = [];
for (let i = 0; i < +n; i++) {
  const t0 = performance.now();
  const html = await renderStyledContent(md, opts);
  times.push(performance.now() - t0);
  chars = [...html].length;
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], chars }));
