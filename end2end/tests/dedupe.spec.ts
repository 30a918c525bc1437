// Possible duplicates end to end: two inquiries through the intake API that look like one
// person (same company, a name spelt differently) reach the merge screen; the manager keeps
// the earlier lead and merges the other into it; the contact's page then lists everything.
import { test, expect } from "@playwright/test";
import * as path from "node:path";
import { hydrated, signIn } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

test("a manager merges a likely duplicate and the contact page keeps both inquiries", async ({ browser }) => {
  const marketing = await browser.newPage();
  await signIn(marketing, "riley", "/settings/intake-keys");
  await marketing.goto("/settings/intake-keys");
  await hydrated(marketing);
  await marketing.getByLabel("Label").fill("CRM sync");
  await marketing.getByLabel("Source").selectOption({ label: "Website (Web)" });
  await marketing.getByRole("button", { name: "Create key" }).click();
  const secret = ((await marketing.locator("code.secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^cli_/);

  const stamp = Date.now() % 100000;
  const company = `Hopper Dynamics ${stamp}`;
  const send = async (body: object) => {
    const resp = await marketing.request.post("/api/v1/intake", {
      headers: { Authorization: `Bearer ${secret}` },
      data: body,
    });
    expect(resp.status()).toBe(202);
    return resp.json();
  };
  const first = await send({
    contact_name: "Grace Hopper", email: `grace${stamp}@hopper.example`, company,
    message: "Do you ship to Canada?",
  });
  const second = await send({
    contact_name: "Grace Hoper", email: `ghopper${stamp}@mail.example`, phone: "+1 212 555 0147",
    company: `${company} Inc.`, message: "Following up: 300 units",
  });
  expect(second.possible_duplicates).toEqual([first.lead_id]);

  // Both went to Inside Sales (the demo's catch-all rule), whose manager is Tom.
  const page = await browser.newPage();
  await signIn(page, "tom", "/duplicates");
  await page.goto("/duplicates");
  await hydrated(page);
  const pair = page.locator("li.dupe-card", { hasText: company }).first();
  await expect(pair).toContainText("Same company, name");
  await expect(pair).toContainText("Grace Hoper");
  await pair.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, "duplicates.png") });
  await pair.getByRole("button", { name: new RegExp(`Keep ${company} and merge`) }).last().click();
  await expect(page.getByRole("status").filter({ hasText: "Done." })).toBeVisible();
  await expect(page.locator("li.dupe-card", { hasText: company })).toHaveCount(0);

  // The lead kept shows the merge and gained the phone; its contact's page has both messages.
  await page.goto(`/leads/${first.lead_id}`);
  await hydrated(page);
  await expect(page.getByText(`Merged with #${second.lead_id}`)).toBeVisible();
  await expect(page.getByText("+1 212 555 0147")).toBeVisible();
  await page.getByRole("link", { name: "Contact", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Grace Hopper" })).toBeVisible();
  await hydrated(page);
  await expect(page.getByText("Following up: 300 units")).toBeVisible();
  await expect(page.getByText("Do you ship to Canada?")).toBeVisible();
  await expect(page.getByText("2 leads (1 open)")).toBeVisible();
  await page.screenshot({ path: path.join(shots, "contact.png") });
});
