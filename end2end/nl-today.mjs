import { chromium } from "@playwright/test";
const base = process.argv[2];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1440, height: 900 } });
const p = await ctx.newPage();
p.on("console", (m) => console.log("console:", m.text()));
await p.goto("/signin");
await p.locator("body[data-hydrated]").waitFor();
await p.getByLabel("E-mail").fill(`dana@closeloop.example`);
await p.getByLabel("Password").fill("closeloop-demo");
await p.getByRole("button", { name: "Sign in" }).click();
await p.waitForURL(/\/today/);
await p.locator("body[data-hydrated]").waitFor();
await p.keyboard.press("n");
await p.locator("dialog[open] input[name=contact_name]").waitFor();
console.log("open");
const t0 = Date.now();
for (let i = 0; i < 30; i++) { console.log(Date.now() - t0, await p.locator("dialog[open]").count(), await p.locator("dialog").count(), await p.evaluate(() => document.activeElement?.outerHTML.slice(0, 60))); await p.waitForTimeout(100); }
await browser.close();
