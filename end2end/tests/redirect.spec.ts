// The sign-in page's `next` never sends the browser to another site: a tab or newline the
// browser strips (`/%09/evil.example/` becomes `//evil.example/`), a backslash it reads as a
// slash, with and without JavaScript, and when already signed in.
import { test, expect, type Page } from "@playwright/test";
import { hydrated, DEMO_PASSWORD } from "./sign-in";

const HOSTILE = [
  "/\t/evil.example/",
  "/\n/evil.example/",
  "/\\evil.example/",
  "//evil.example/",
  "https://evil.example/",
];

/** Records every request the page makes to another host. */
function offSite(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.hostname !== "127.0.0.1") seen.push(r.url());
  });
  return seen;
}

async function fillAndSubmit(page: Page) {
  await page.getByLabel("E-mail").fill("dana@closeloop.example");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a hostile next after signing in lands on the rep's start page", async ({ page }) => {
  const away = offSite(page);
  // Signing in (each sign-in counts against the per-address throttle, so two of them).
  for (const next of HOSTILE.slice(0, 2)) {
    await page.context().clearCookies();
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await hydrated(page);
    await fillAndSubmit(page);
    await page.waitForURL((u) => u.pathname === "/today");
  }
  // Already signed in, the sign-in page forwards at once: home, for every one of them.
  for (const next of HOSTILE) {
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await page.waitForURL((u) => u.pathname === "/today");
    expect(new URL(page.url()).hostname).toBe("127.0.0.1");
  }
  expect(away).toEqual([]);
});

test("without JavaScript, the form post is redirected home too", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const away = offSite(page);
  await page.goto(`/signin?next=${encodeURIComponent(HOSTILE[0])}`);
  await fillAndSubmit(page);
  await page.waitForURL((u) => u.pathname === "/today");
  expect(new URL(page.url()).hostname).toBe("127.0.0.1");
  expect(away).toEqual([]);
  await context.close();
});
