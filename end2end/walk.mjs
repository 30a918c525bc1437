// Walks every page each demo role can reach, at desktop and phone width: prints pages that
// scroll sideways or clip the header, and screenshots each to a folder.
// node walk.mjs http://127.0.0.1:3000 /tmp/walk [role ...]
import { chromium } from "@playwright/test";
const base = process.argv[2] ?? "http://127.0.0.1:3000";
const out = process.argv[3] ?? "/tmp/walk";
const roles = process.argv.slice(4).length ? process.argv.slice(4) : ["dana", "morgan", "riley", "eleanor", "admin"];
const widths = [[1440, 900], [390, 844]];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const who of roles) {
  for (const [w, h] of widths) {
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: w, height: h } });
    const r = await ctx.request.post("/api/v1/session", { headers: { Origin: base }, data: { email: `${who}@closeloop.example`, password: "closeloop-demo" } });
    if (!r.ok()) { console.log(who, "sign-in", r.status()); continue; }
    const page = await ctx.newPage();
    await page.goto("/");
    await page.waitForLoadState("networkidle");
    const links = await page.$$eval("header.topbar a[href^='/']", (as) => [...new Set(as.map((a) => a.getAttribute("href")))]);
    const extra = (process.env.WALK_EXTRA ?? "/leads/1 /compliance/leads").split(" ");
    for (const href of [...links, ...extra]) {
      if (href === "/") continue;
      const resp = await page.goto(href);
      await page.waitForLoadState("networkidle").catch(() => {});
      await page.waitForTimeout(300);
      const m = await page.evaluate(() => {
        const vw = window.innerWidth;
        const clipped = [...document.querySelectorAll("header a, header button")].filter((e) => {
          const r = e.getBoundingClientRect();
          if (r.width === 0) return false;
          let p = e.parentElement;
          while (p && p !== document.body) {
            const s = getComputedStyle(p);
            if (s.overflowX !== "visible") { const pr = p.getBoundingClientRect(); if (r.left < pr.left - 1 || r.right > pr.right + 1) return true; }
            p = p.parentElement;
          }
          return r.right > vw + 1 || r.left < -1;
        }).map((e) => e.textContent.trim().slice(0, 20));
        const contained = (e) => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) { if (getComputedStyle(p).overflowX !== "visible") return true; } return false; };
        const wide = [...document.querySelectorAll("main *, body > * :not(header *)")].filter((e) => {
          if (e.closest(".topbar") || contained(e)) return false;
          const r = e.getBoundingClientRect();
          const pr = e.parentElement.getBoundingClientRect();
          return r.right > vw + 1 && pr.right <= vw + 1;
        }).slice(0, 4).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}(${Math.round(e.getBoundingClientRect().right)})`);
        return { sw: document.documentElement.scrollWidth, vw, clipped, wide };
      });
      const flag = m.sw > m.vw || m.clipped.length ? "!!" : "ok";
      console.log(`${flag} ${who} ${w} ${href} ${resp?.status()} sw=${m.sw} ${m.clipped.length ? "clipped=" + m.clipped.join("|") : ""} ${m.sw > m.vw ? "wide=" + m.wide.join(" ") : ""}`);
      const slug = href.replace(/[^a-z0-9]+/gi, "_");
      await page.screenshot({ path: `${out}/${who}-${w}${slug}.png` });
    }
    await ctx.close();
  }
}
await browser.close();
