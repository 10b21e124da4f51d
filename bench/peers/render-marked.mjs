// Times marked + juice (Markdown to HTML, then the CSS inlined, as most WeChat renderers
// do) in one Node process, after a warm-up. The stylesheet is about as heavy as wxpub's
// theme: the same colours, sizes and spacing for the same elements. Prints JSON.
import { readFileSync } from "node:fs";
import { marked } from "marked";
import juice from "juice";

const [file, n = "200", warm = "50"] = process.argv.slice(2);
const md = readFileSync(file, "utf8");
const css = `
section.article { padding: 0 4px; font-size: 15px; line-height: 1.75; color: #333; word-wrap: break-word; text-align: justify; }
h1 { margin: 0 0 14px; font-size: 20px; font-weight: bold; color: #1f4e79; text-align: center; }
h2 { margin: 0 0 14px; padding-left: 8px; border-left: 4px solid #1f4e79; font-size: 17px; font-weight: bold; color: #1f4e79; }
h3 { margin: 0 0 7px; font-size: 16px; font-weight: bold; color: #1f4e79; }
h4 { margin: 0 0 7px; font-size: 16px; font-weight: bold; color: #1f4e79; }
p { margin: 0 0 14px; }
a { color: #1f4e79; text-decoration: underline; }
strong { font-weight: bold; }
em { font-style: italic; }
ul, ol { margin: 0 0 14px; padding-left: 1.6em; }
li { margin: 0 0 4px; }
blockquote { margin: 0 0 14px; padding-left: 10px; border-left: 3px solid #c9d3de; color: #6b6b6b; }
img { display: inline-block; max-width: 100%; height: auto; }
`;
const once = () => juice(`<style>${css}</style><section class="article">${marked.parse(md)}</section>`);
let chars = 0;
for (let i = 0; i < +warm; i++) once();
const times = [];
for (let i = 0; i < +n; i++) {
  const t0 = performance.now();
  const html = once();
  times.push(performance.now() - t0);
  chars = [...html].length;
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], chars }));
