import { chromium } from "@playwright/test";
const base = process.argv[2];
const out = process.argv[3];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1920, height: 1080 } });
const r = await ctx.request.post("/api/v1/session", { headers: { Origin: base }, data: { email: "admin@closeloop.example", password: "closeloop-demo" } });
const t = await ctx.request.post("/api/fn/issue_wall_token", { headers: { Origin: base }, data: { label: "shots" } });
const secret = (await t.json()).secret;
const tv = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
await tv.goto(`${base}/wall/${secret}?seconds=3`);
await tv.locator(".wall-link", { hasText: "Live" }).waitFor();
const seen = new Set();
for (let i = 0; i < 30 && seen.size < 5; i++) {
  const h = await tv.locator(".wall-heading").innerText();
  if (!seen.has(h)) { seen.add(h); await tv.waitForTimeout(300); await tv.screenshot({ path: `${out}/wall-${seen.size}.png` }); }
  await tv.waitForTimeout(700);
}
await browser.close();
