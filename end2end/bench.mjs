// The browser half of the benchmarks: opens the board of a server holding many leads in
// Debian's Chromium and counts the cards in the DOM, times the load, and measures the WASM the
// board downloads (raw and brotli). Appends a section to the benchmark report.
//
// Usage: node bench.mjs <base-url> <leads> <report.md>
import { chromium } from "@playwright/test";
import { readFileSync, appendFileSync, readdirSync, statSync } from "node:fs";
import { brotliCompressSync, constants } from "node:zlib";
import * as path from "node:path";

const [base, leads, report] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
// Signed in through the API so the first page this browser loads is the board: what it
// downloads then is the board's initial route.
const signedIn = await context.request.post(`${base}/api/v1/session`, {
  headers: { Origin: base },
  data: { email: "eleanor@closeloop.example", password: "closeloop-demo" },
});
if (!signedIn.ok()) throw new Error(`sign-in failed: ${signedIn.status()}`);
const page = await context.newPage();
const fetched = [];
page.on("response", (r) => {
  const u = new URL(r.url());
  if (u.pathname.endsWith(".wasm")) fetched.push(u.pathname);
});

const runs = [];
let boardLoad = [];
let cards = 0;
let nodes = 0;

for (let i = 0; i < 4; i++) {
  const t0 = Date.now();
  await page.goto(`${base}/board`);
  await page.locator(".live", { hasText: "Live" }).waitFor();
  const took = Date.now() - t0;
  if (i > 0) runs.push(took);
  if (i === 0) boardLoad = [...new Set(fetched)];
  cards = await page.locator("li.card").count();
  nodes = await page.evaluate(() => document.getElementsByTagName("*").length);

}
// A long task check: how long one click-to-drawer takes on this board.
const t1 = Date.now();
await page.locator("li.card").first().click();
await page.getByRole("dialog", { name: "Lead" }).locator(".timeline, .muted").first().waitFor();
const drawer = Date.now() - t1;
await browser.close();

runs.sort((a, b) => a - b);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../target/site");
const site = path.join(root, "pkg");
const br = (b) =>
  brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1000).toFixed(1);
// What the board route downloaded (first load, nothing cached), and everything built.
const boardFiles = boardLoad;
let wasmRaw = 0;
let wasmBr = 0;
for (const f of boardFiles) {
  const b = readFileSync(path.join(root, f));
  wasmRaw += b.length;
  wasmBr += br(b);
}
const all = readdirSync(site).filter((f) => f.endsWith(".wasm"));
const allRaw = all.reduce((n, f) => n + statSync(path.join(site, f)).size, 0);
const js = readFileSync(path.join(site, "closeloop.js"));
const css = readFileSync(path.join(site, "closeloop.css"));
const text = `## Board in Chromium (${leads} leads, leadership's board)

Headless Debian Chromium, 1440×900, release build: navigation to the board until it is
hydrated and its live feed connected (median of 3 after a warm-up), and what the DOM holds.

| measure | value | goal |
|---|---|---|
| board load to live, median | ${runs[1]} ms | ≤ 1 s |
| cards in the DOM | ${cards} | ≤ 600 |
| DOM elements | ${nodes} | |
| click on a card to its drawer's history | ${drawer} ms | |

## Download size

Pages other than the board are separate WASM chunks loaded on first visit
(the site build splits them: docs/development.md). The board route's WASM is what a first visit to
\`/board\` downloaded (${boardFiles.length} file(s): ${boardFiles.map((f) => path.basename(f)).join(", ")}).

| asset | raw | brotli (q11) | goal |
|---|---|---|---|
| WASM of the board route | ${kb(wasmRaw)} kB | ${kb(wasmBr)} kB | ≤ 250 kB brotli: ${wasmBr <= 250000 ? "met" : "missed"} |
| all WASM chunks together (${all.length} files) | ${kb(allRaw)} kB | | |
| closeloop.js | ${kb(js.length)} kB | ${kb(br(js))} kB | |
| closeloop.css | ${kb(css.length)} kB | ${kb(br(css))} kB | |

`;
appendFileSync(report, text);
console.log(text);
