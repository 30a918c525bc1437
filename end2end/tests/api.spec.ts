// The REST API from a rep's side: create a read-only API token on its page, see the secret
// once, use it from a script (reads work, writes are refused), revoke it; and the API
// reference page rendered from the OpenAPI document.
import { test, expect, request } from "@playwright/test";
import * as path from "node:path";
import { hydrated, signIn } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("a rep issues a read-only API token, uses it, and revokes it", async ({ page, baseURL }) => {
  await signIn(page, "dana", "/settings/api-tokens");
  await page.goto("/settings/api-tokens");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await page.getByLabel("Label").fill("Spreadsheet sync");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText("Copy it now")).toBeVisible();
  const secret = ((await page.locator("code.secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^clt_/);
  const row = page.getByRole("row", { name: /Spreadsheet sync/ });
  await expect(row).toContainText("Read only");
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.screenshot({ path: path.join(shots, "api-tokens.png") });

  // A script with the token: Dana's leads, page by page; no writes.
  const api = await request.newContext({
    baseURL,
    extraHTTPHeaders: { authorization: `Bearer ${secret}` },
  });
  const list = await api.get("/api/v1/leads?status=open&limit=5");
  expect(list.status()).toBe(200);
  const page1 = await list.json();
  expect(page1.items.length).toBe(5);
  expect(page1.items.every((l: { owner: { name: string } }) => l.owner.name === "Dana Whitfield")).toBe(true);
  expect(page1.next).toBeTruthy();
  const write = await api.patch(`/api/v1/leads/${page1.items[0].id}`, {
    data: { version: page1.items[0].version, company: "Script Ltd" },
  });
  expect(write.status()).toBe(403);

  // Revoked from the page: the script is locked out.
  await row.getByRole("button", { name: "Revoke Spreadsheet sync" }).click();
  await expect(page.getByRole("row", { name: /Spreadsheet sync/ })).toContainText("Revoked");
  expect((await api.get("/api/v1/leads")).status()).toBe(401);
  await api.dispose();
});

test("the API reference lists every operation from the OpenAPI document", async ({ page }) => {
  const doc = await (await page.request.get("/api/v1/openapi.json")).json();
  expect(doc.openapi).toBe("3.1.0");
  await page.goto("/api/docs");
  await expect(page.getByRole("heading", { level: 1, name: "Closeloop API" })).toBeVisible();
  let operations = 0;
  for (const item of Object.values(doc.paths) as Record<string, unknown>[]) {
    operations += Object.keys(item).length;
  }
  await expect(page.locator("section.apidoc-op")).toHaveCount(operations);
  await expect(page.locator("#schema-Lead")).toContainText("contact_name");
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.locator("section.apidoc-op", { hasText: "/leads/{id}/next-step" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, "api-docs.png") });
});
