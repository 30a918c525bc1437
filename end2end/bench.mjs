// The browser half of the benchmarks: opens the board of a server holding many leads in
// Debian's Chromium and counts the cards in the DOM, times the load, and measures the WASM the
// board downloads (raw and brotli). Appends a section to the benchmark report.
//
// Usage: node bench.mjs <base-url> <leads> <report.md>
import { chromium } from "@playwright/test";
import { readFileSync, appendFileSync } from "node:fs";
import { brotliCompressSync, constants } from "node:zlib";
import * as path from "node:path";

const [base, leads, report] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(`${base}/signin`);
await page.getByLabel("E-mail").fill("eleanor@closeloop.example");
await page.getByLabel("Password").fill("closeloop-demo");
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL((u) => !u.pathname.startsWith("/signin"));

const runs = [];
let cards = 0;
let nodes = 0;

for (let i = 0; i < 4; i++) {
  const t0 = Date.now();
  await page.goto(`${base}/board`);
  await page.locator(".live", { hasText: "Live" }).waitFor();
  const took = Date.now() - t0;
  if (i > 0) runs.push(took);
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
const site = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../target/site/pkg");
const wasm = readFileSync(path.join(site, "closeloop.wasm"));
const js = readFileSync(path.join(site, "closeloop.js"));
const css = readFileSync(path.join(site, "closeloop.css"));
const br = (b) =>
  brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1000).toFixed(1);
const wasmBr = br(wasm);
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

| asset | raw | brotli (q11) | goal |
|---|---|---|---|
| closeloop.wasm | ${kb(wasm.length)} kB | ${kb(wasmBr)} kB | ≤ 250 kB brotli: ${wasmBr <= 250000 ? "met" : "missed"} |
| closeloop.js | ${kb(js.length)} kB | ${kb(br(js))} kB | |
| closeloop.css | ${kb(css.length)} kB | ${kb(br(css))} kB | |

`;
appendFileSync(report, text);
console.log(text);
