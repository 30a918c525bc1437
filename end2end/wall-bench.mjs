// The wall display's memory over a long run, in Debian's Chromium: the wall opened with a
// fast rotation (`?seconds=0.1`), its JS heap (after a forced GC, over the Chrome DevTools
// Protocol) and DOM size measured after a warm-up, after 1,000 panel rotations, and after
// 10,000 live events (notes logged and wins closed through the REST API by reps). Appends a
// section to the benchmark report.
//
// Usage: node wall-bench.mjs <base-url> <report.md> [rotations] [events]
import { chromium, request } from "@playwright/test";
import { appendFileSync } from "node:fs";

const [base, report, rotationsArg, eventsArg] = process.argv.slice(2);
const ROTATIONS = Number(rotationsArg ?? 1000);
const EVENTS = Number(eventsArg ?? 10000);
const WIN_EVERY = 20; // one event in twenty is a win
const PASSWORD = "closeloop-demo";

async function signedIn(email) {
  // Same-origin writes: the server's CSRF check wants to see where a request came from.
  const ctx = await request.newContext({ baseURL: base, extraHTTPHeaders: { Origin: base } });
  const r = await ctx.post("/api/v1/session", {
    headers: { Origin: base },
    data: { email, password: PASSWORD },
  });
  if (!r.ok()) throw new Error(`sign-in of ${email} failed: ${r.status()}`);
  return ctx;
}

const admin = await signedIn("admin@closeloop.example");
const issued = await admin.post("/api/fn/issue_wall_token", {
  headers: { Origin: base },
  data: { label: "Memory benchmark" },
});
if (!issued.ok()) throw new Error(`token: ${issued.status()} ${await issued.text()}`);
const secret = (await issued.json()).secret;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send("HeapProfiler.enable");
await page.goto(`${base}/wall/${secret}?seconds=0.1`);
await page.locator(".wall-link", { hasText: "Live" }).waitFor();

const rotations = () =>
  page.evaluate(() => Number(document.querySelector(".wall-screen")?.getAttribute("data-rotations") ?? 0));
async function measure() {
  // Two collections: the first may leave finalised objects for the second.
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  const nodes = await page.evaluate(() => document.getElementsByTagName("*").length);
  const wasm = await page.evaluate(() =>
    Number(document.querySelector(".wall-screen")?.getAttribute("data-wasm-bytes") ?? 0),
  );
  const { nodes: domNodes, jsEventListeners } = await cdp
    .send("Memory.getDOMCounters")
    .catch(() => ({ nodes: null, jsEventListeners: null }));
  return { heap: usedSize, wasm, elements: nodes, domNodes, listeners: jsEventListeners };
}
async function waitRotations(n) {
  while ((await rotations()) < n) await page.waitForTimeout(500);
}

// Warm-up: every panel drawn a few times, so lazily built things exist before the baseline.
await waitRotations(30);
const start = await rotations();
const baseline = await measure();
const t0 = Date.now();
await waitRotations(start + ROTATIONS);
const rotationSeconds = (Date.now() - t0) / 1000;
const afterRotations = await measure();
const rotated = (await rotations()) - start;

// Live events from four reps at once, each on their own open leads.
const reps = ["dana", "luis", "kim", "sam"];
let sent = 0;
let wins = 0;
let conflicts = 0;
const t1 = Date.now();
await Promise.all(
  reps.map(async (who) => {
    const api = await signedIn(`${who}@closeloop.example`);
    const list = await (await api.get("/api/v1/leads?status=open&limit=200")).json();
    const leads = list.items.map((l) => ({ id: l.id, version: l.version }));
    if (leads.length < 2) throw new Error(`${who} has no open leads`);
    let i = 0;
    while (sent < EVENTS) {
      const n = ++sent;
      const lead = leads[i++ % leads.length];
      const win = n % WIN_EVERY === 0 && leads.length > 1;
      const resp = win
        ? await api.post(`/api/v1/leads/${lead.id}/close`, {
            data: { outcome: "won", version: lead.version, value: String(1000 + (n % 50) * 100) },
          })
        : await api.post(`/api/v1/leads/${lead.id}/activities`, {
            data: { version: lead.version, kind: "note", note: `benchmark note ${n}` },
          });
      if (resp.status() === 409) {
        conflicts++;
        const fresh = await (await api.get(`/api/v1/leads/${lead.id}`)).json();
        lead.version = fresh.version;
        continue;
      }
      if (!resp.ok()) throw new Error(`${who}: ${resp.status()} ${await resp.text()}`);
      const body = await resp.json();
      const after = body.lead ?? body;
      if (win) {
        wins++;
        leads.splice(leads.indexOf(lead), 1);
      } else {
        lead.version = after.version;
      }
    }
    await api.dispose();
  }),
);
const eventSeconds = (Date.now() - t1) / 1000;
// Let the last re-read land and the highlight fade.
await page.waitForTimeout(15_000);
const afterEvents = await measure();
const stillLive = await page.locator(".wall-link", { hasText: "Live" }).count();
await browser.close();
await admin.dispose();

const mb = (b) => (b / 1e6).toFixed(2);
const pctOf = (a, b) => `${(((a - b) / b) * 100).toFixed(1)}%`;
const row = (label, m) =>
  `| ${label} | ${mb(m.heap)} MB | ${pctOf(m.heap, baseline.heap)} | ${mb(m.wasm)} MB | ${m.elements} | ${m.domNodes ?? "–"} | ${m.listeners ?? "–"} |`;
const lines = [
  "",
  "## Wall display memory",
  "",
  `Headless Debian Chromium at 1920×1080 on the release build: the wall opened with a wall token and \`?seconds=0.1\`; the JS heap in use after two forced collections (DevTools Protocol \`HeapProfiler.collectGarbage\`, \`Runtime.getHeapUsage\`), the WASM linear memory (where the Rust heap lives; it never shrinks, so any leak shows as growth) and the DOM. Baseline after a 30-rotation warm-up; then ${rotated} rotations (${rotationSeconds.toFixed(0)} s); then ${EVENTS.toLocaleString("en-US")} live events (${wins} wins, the rest notes; ${conflicts} version conflicts retried) written by 4 reps through the REST API in ${eventSeconds.toFixed(0)} s, and 15 s to settle. Goal: no growth beyond noise.`,
  "",
  "| point | JS heap | vs. baseline | WASM memory | elements | DOM nodes | listeners |",
  "|---|---|---|---|---|---|---|",
  row("baseline", baseline),
  row(`after ${rotated} rotations`, afterRotations),
  row(`after ${EVENTS.toLocaleString("en-US")} events`, afterEvents),
  "",
  `The wall was ${stillLive ? "still live" : "NOT live"} at the end.`,
  "",
];
appendFileSync(report, lines.join("\n"));
console.log(lines.join("\n"));
