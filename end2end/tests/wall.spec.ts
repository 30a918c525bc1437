// The wall display on a TV: an admin picks what a token's screen shows; the screen rotates its
// panels without scrolling at 1920x1080 and 3840x2160; a win closed in another browser is
// announced within a second; and the screen reconnects by itself after a server restart.
import { test, expect, type APIRequestContext, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { signIn, hydrated, DEMO_PASSWORD } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");
const root = path.resolve(__dirname, "../..");

/** Creates a wall token as the signed-in admin on `page`; returns the wall's path. */
async function issueToken(page: Page, label: string): Promise<string> {
  await page.goto("/admin/wall-tokens");
  await hydrated(page);
  await page.getByLabel("Label").fill(label);
  await page.getByRole("button", { name: "Create token" }).click();
  const url = await page.locator("code.secret").innerText();
  expect(url).toMatch(/^\/wall\/clw_[A-Za-z0-9_-]{32}$/);
  return url;
}

/** An open lead of Dana's with a company, closed as won through the REST API. */
async function closeAWin(api: APIRequestContext, origin: string, value: string): Promise<string> {
  const list = await (await api.get("/api/v1/leads?status=open&limit=50")).json();
  const lead = list.items.find((l: { company?: string | null }) => l.company);
  expect(lead, "an open lead with a company").toBeTruthy();
  const resp = await api.post(`/api/v1/leads/${lead.id}/close`, {
    headers: { Origin: origin },
    data: { outcome: "won", version: lead.version, value },
  });
  expect(resp.status(), await resp.text()).toBe(200);
  return lead.company as string;
}

/** The page does not scroll: everything fits the screen. */
async function expectNoScroll(tv: Page) {
  const fits = await tv.evaluate(() => {
    const screen = document.querySelector(".wall-screen") as HTMLElement;
    const body = screen.querySelector(".wall-body") as HTMLElement;
    return {
      page: document.scrollingElement!.scrollHeight <= window.innerHeight,
      screen: screen.scrollHeight <= screen.clientHeight && screen.scrollWidth <= screen.clientWidth,
      body: body.scrollHeight <= body.clientHeight + 1,
    };
  });
  expect(fits).toEqual({ page: true, screen: true, body: true });
}

test("an admin picks the panels; the wall rotates them and announces a win from another browser within a second", async ({
  page,
  browser,
  baseURL,
}) => {
  await signIn(page, "admin");
  const url = await issueToken(page, "Lobby TV");
  const card = page.getByRole("listitem", { name: "Lobby TV" });
  // A bad choice names its field and changes nothing.
  const boxes = card.getByRole("checkbox");
  // The list re-reads after the token is created, which can redraw the card (and its boxes)
  // under the first clicks: uncheck until all stay unchecked.
  await expect(async () => {
    for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).uncheck();
    for (let i = 0; i < (await boxes.count()); i++) await expect(boxes.nth(i)).not.toBeChecked({ timeout: 500 });
  }).toPass();
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByRole("alert")).toContainText("Pick at least one panel");
  for (const name of ["Return by channel", "This month", "Follow-up compliance", "Newest wins"]) {
    await card.getByRole("checkbox", { name }).check();
  }
  await card.getByLabel("Seconds per panel").fill("5");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByRole("status")).toContainText("Saved");

  const tvContext = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const tv = await tvContext.newPage();
  const resp = await tv.goto(url);
  expect(resp?.status()).toBe(200);
  const link = tv.locator(".wall-link");
  await expect(link).toHaveText("Live");
  const heading = tv.locator(".wall-heading");
  await expect(heading).toHaveText("Return by channel");
  await expect(tv.locator(".wall-position")).toHaveText("1 / 4");
  await expect(tv.locator(".wall-chart svg")).toBeVisible();
  // The chart's figures are in the table beside it.
  await expect(tv.getByRole("table", { name: "Return by channel" }).locator("tbody tr").first()).toBeVisible();
  await expectNoScroll(tv);
  await tv.screenshot({ path: path.join(shots, "wall.png") });

  // The next panel comes up by itself after the five seconds the admin chose (not the funnel,
  // which was unticked).
  await expect(heading).toHaveText("This month", { timeout: 8_000 });
  await expect(tv.locator(".wall-position")).toHaveText("2 / 4");
  await expectNoScroll(tv);
  await expect(heading).toHaveText("Follow-up compliance", { timeout: 8_000 });
  await expectNoScroll(tv);

  // A rep closes a win in another browser: the wall announces it within a second.
  const rep = await browser.newContext({ baseURL });
  const signedIn = await rep.request.post("/api/v1/session", {
    headers: { Origin: baseURL! },
    data: { email: "dana@closeloop.example", password: DEMO_PASSWORD },
  });
  expect(signedIn.ok()).toBeTruthy();
  const company = await closeAWin(rep.request, baseURL!, "31,000");
  const banner = tv.locator(".wall-banner");
  await expect(banner).toContainText(company, { timeout: 1_000 });
  await expect(banner).toContainText("$31k");
  await expect(banner).toContainText("Dana");
  // And it heads the newest wins, highlighted, when that panel comes round.
  await expect(heading).toHaveText("Newest wins", { timeout: 12_000 });
  await expect(tv.locator(".wall-win").first()).toContainText(company);
  await expect(tv.locator(".wall-win").first()).toHaveClass(/wall-win-fresh/);
  await expectNoScroll(tv);

  // At 3840x2160 the same screen scales up and still fits.
  await tv.setViewportSize({ width: 3840, height: 2160 });
  await expectNoScroll(tv);
  const size = await tv.evaluate(() => parseFloat(getComputedStyle(document.querySelector(".wall-screen")!).fontSize));
  expect(size).toBeGreaterThanOrEqual(44);
  await rep.close();
  await tvContext.close();
});

/** Starts a release server of its own on `db` (demo data when empty); resolves once healthy. */
async function startServer(db: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    path.join(root, "target/release/closeloop"),
    ["--database-url", `sqlite:${db}`, "serve", "--demo", "--demo-leads", "300",
     "--addr", `127.0.0.1:${port}`, "--site-root", path.join(root, "target/site")],
    { stdio: "ignore", env: { ...process.env, RUST_LOG: "warn" } },
  );
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
      if (r.ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error("the second server did not start");
}

test("the wall shows Reconnecting while the server is down and comes back by itself", async ({ browser, playwright }) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "closeloop-wall-"));
  const db = path.join(dir, "wall.db");
  const port = 3100 + 50 + Math.floor(Math.random() * 500);
  const base = `http://127.0.0.1:${port}`;
  let server = await startServer(db, port);
  try {
    const admin = await playwright.request.newContext({ baseURL: base });
    const signedIn = await admin.post("/api/v1/session", {
      headers: { Origin: base },
      data: { email: "admin@closeloop.example", password: DEMO_PASSWORD },
    });
    expect(signedIn.ok()).toBeTruthy();
    const issued = await admin.post("/api/fn/issue_wall_token", {
      headers: { Origin: base },
      data: { label: "Restart TV" },
    });
    expect(issued.ok(), await issued.text()).toBeTruthy();
    const secret = (await issued.json()).secret as string;

    const tvContext = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const tv = await tvContext.newPage();
    await tv.goto(`${base}/wall/${secret}`);
    const link = tv.locator(".wall-link");
    await expect(link).toHaveText("Live");

    server.kill("SIGKILL");
    await new Promise((r) => server.once("exit", r));
    await expect(link).toHaveText("Reconnecting…", { timeout: 10_000 });
    // The figures stay on screen meanwhile.
    await expect(tv.locator(".wall-heading")).not.toHaveText("Wall");

    server = await startServer(db, port);
    await expect(link).toHaveText("Live", { timeout: 15_000 });
    // The feed is really back: a win closed now is announced.
    const rep = await playwright.request.newContext({ baseURL: base });
    const repIn = await rep.post("/api/v1/session", {
      headers: { Origin: base },
      data: { email: "dana@closeloop.example", password: DEMO_PASSWORD },
    });
    expect(repIn.ok()).toBeTruthy();
    const company = await closeAWin(rep, base, "7,700");
    await expect(tv.locator(".wall-banner")).toContainText(company, { timeout: 2_000 });
    await rep.dispose();
    await admin.dispose();
    await tvContext.close();
  } finally {
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
