// Web-form intake end to end: marketing creates an intake key, allows a web site and copies
// the form snippet; the rule tester says which rep the next web inquiry goes to; a visitor
// fills the form on a static page served from the other site; the inquiry appears live on
// that rep's board without a reload.
import { test, expect } from "@playwright/test";
import * as http from "node:http";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { hydrated, signIn } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

/** Serves one HTML page at / on 127.0.0.1, another origin than the app's. */
async function staticSite(body: () => string): Promise<{ origin: string; close: () => void }> {
  const server = http.createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><title>Acme contact</title></head><body>
      <h1>Contact Acme Packaging</h1>${body()}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => server.close() };
}

test("a web form on the company's site sends an inquiry live to the rep the rules name", async ({ browser }) => {
  // The company's site, serving the snippet once marketing has copied it.
  const html = { value: "" };
  const served = await staticSite(() => html.value);

  const marketing = await browser.newPage();
  await signIn(marketing, "riley", "/settings/intake-keys");
  await marketing.goto("/settings/intake-keys");
  await hydrated(marketing);
  await marketing.getByLabel("Label").fill("Acme contact form");
  await marketing.getByLabel("Source").selectOption({ label: "Website (Web)" });
  await marketing.getByRole("button", { name: "Create key" }).click();
  await expect(marketing.getByText("Copy it now")).toBeVisible();
  const card = marketing.locator("li.key-card", { hasText: "Acme contact form" }).first();
  // A bad web site is refused by name; the right one is saved.
  await card.getByLabel("Web sites allowed to post the form").fill("acme.example/contact");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByRole("alert")).toContainText("is not an origin");
  await card.getByLabel("Web sites allowed to post the form").fill(served.origin);
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByText("Saved.")).toBeVisible();
  await card.getByText("Web form snippet (HTML)").click();
  html.value = (await card.locator(".snippet pre code").first().textContent()) ?? "";
  expect(html.value).toContain("/api/v1/intake?form=cf_");
  await marketing.setViewportSize({ width: 1100, height: 900 });
  await card.screenshot({ path: path.join(shots, "intake-keys.png") });

  // The manager of Inside Sales asks the rule tester where the next web inquiry goes.
  const manager = await browser.newPage();
  await signIn(manager, "tom", "/settings/routing");
  await manager.goto("/settings/routing");
  await hydrated(manager);
  await expect(manager.getByRole("heading", { name: "Assignment rules" })).toBeVisible();
  await manager.getByLabel("Source").selectOption({ label: "Website (Web)" });
  await manager.getByRole("button", { name: "Test" }).click();
  const verdict = manager.locator(".tester-verdict");
  await expect(verdict).toContainText("by “Everything else to Inside Sales”");
  const rep = /→ (\S+) \S+ \(Inside Sales\)/.exec((await verdict.textContent()) ?? "")?.[1];
  expect(rep).toBeTruthy();
  await manager.screenshot({ path: path.join(shots, "routing.png"), fullPage: true });

  // That rep watches their board live.
  const board = await browser.newPage();
  await signIn(board, rep!.toLowerCase(), "/board");
  await board.goto("/board");
  await expect(board.locator(".live").getByText("Live", { exact: true })).toBeVisible();

  const visitor = await browser.newPage();
  await visitor.goto(served.origin);
  const name = `Ada Lovelace ${Date.now() % 100000}`;
  await visitor.getByLabel("Name").fill(name);
  await visitor.getByLabel("E-mail").fill(`ada${Date.now()}@engines.example`);
  await visitor.getByLabel("Company").fill("Analytical Engines");
  await visitor.getByLabel("Message").fill("We need 40 cases a week from March.");
  await visitor.getByRole("button", { name: "Send" }).click();
  await expect(visitor.getByRole("heading", { name: "Thank you" })).toBeVisible();

  const cardOnBoard = board.locator("li.card", { hasText: "Analytical Engines" }).first();
  await expect(cardOnBoard).toBeVisible({ timeout: 5_000 });
  await expect(board.getByRole("status").filter({ hasText: "New lead: Analytical Engines" })).toHaveCount(1);
  await cardOnBoard.scrollIntoViewIfNeeded();
  await board.screenshot({ path: path.join(shots, "board-web-inquiry.png") });
  served.close();
});
