// Quotes: a rep builds a quote on a lead from the catalogue and a free-text line, sends it
// (the lead enters Quoted) and records it accepted (the lead's value becomes the quote's
// total). The printed quote is checked on both paper sizes, and axe finds no violations.
import { test, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import * as path from "node:path";
import { signIn, hydrated } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`,
  );
}

/** The page size of a PDF's first page, in points. */
function pageSize(pdf: Buffer): [number, number] {
  const m = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString("latin1"));
  expect(m, "the PDF names its page size").not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

test("a quote is built, sent and accepted, and the lead's stage and value follow", async ({ page }) => {
  await signIn(page, "dana");
  const stages: { id: number; key: string }[] = (await (await page.request.get("/api/v1/stages")).json()).stages;
  const stage = (key: string) => stages.find((s) => s.key === key)!.id;
  const open = await (await page.request.get("/api/v1/leads?status=open&limit=200")).json();
  const lead = open.items.find((l: { stage_id: number }) => l.stage_id === stage("contacted"));
  expect(lead, "Dana has a lead in Contacted").toBeTruthy();

  // From the lead, start a quote.
  await page.goto(`/leads/${lead.id}`);
  await hydrated(page);
  const quotes = page.getByRole("region", { name: "Quotes" });
  await quotes.getByRole("button", { name: "New quote" }).click();
  await expect(page).toHaveURL(/\/quotes\/\d+$/);
  await hydrated(page);
  const doc = page.getByRole("article");
  await expect(doc).toContainText("Closeloop Packaging Systems");
  await expect(doc).toContainText(lead.contact_name);

  // Two robotic palletizers at 10 % off, from the catalogue; three days of installation as a
  // free-text line; 5 % off the total; tax 8.875 %.
  const catalogue = page.getByLabel("Add from the catalogue");
  const palletizer = await catalogue.locator("option", { hasText: "PAL-R1" }).getAttribute("value");
  await catalogue.selectOption(palletizer!);
  await expect(page.getByLabel("Description, line 1")).toHaveValue("Palletizer, robotic cell");
  await page.getByLabel("Quantity, line 1").fill("2");
  await page.getByLabel("Discount, line 1").fill("10");
  await page.getByRole("button", { name: "Add a free-text line" }).click();
  await page.getByLabel("Description, line 2").fill("Installation <b>on site</b>");
  await page.getByLabel("Quantity, line 2").fill("three");
  await page.getByLabel("Unit price, line 2").fill("1450");
  await page.getByLabel("Discount on the total (%)").fill("5");
  await page.getByLabel("Tax (%)").fill("8.875");

  // A bad quantity is named and nothing is saved.
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.locator(".field-error").filter({ hasText: "A whole number of units" })).toBeVisible();
  await expect(page.locator(".quote-bar").getByRole("alert")).toHaveText(
    "Line 2, quantity: A whole number of units, like 3",
  );
  await expect(page.getByLabel("Quantity, line 2")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Quantity, line 2").fill("3");

  // 128,000 − 12,800 + 4,350 = 119,550; − 5,977.50 = 113,572.50; tax 10,079.56.
  await expect(doc.locator("dd.quote-total")).toHaveText("$123,652.06");
  // Markup typed into a line is text on the quote.
  await expect(doc).toContainText("Installation <b>on site</b>");
  expect(await violations(page)).toEqual([]);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Draft saved" })).toBeVisible();
  await page.getByLabel("Notes and terms (printed)").fill("Delivery 6 weeks after order.\nPayment: 30 % with order, 70 % on commissioning.");
  await page.screenshot({ path: path.join(shots, "quote-draft.png"), fullPage: true });

  await page.getByRole("button", { name: "Mark as sent" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Marked as sent" })).toBeVisible();
  await expect(page.locator(".quote-bar .quote-status")).toHaveText("Sent");
  let now = await (await page.request.get(`/api/v1/leads/${lead.id}`)).json();
  expect(now.stage_id).toBe(stage("quoted"));

  await page.getByRole("button", { name: "Accepted" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Accepted" })).toBeVisible();
  await expect(page.locator(".quote-bar .quote-status")).toHaveText("Accepted");
  now = await (await page.request.get(`/api/v1/leads/${lead.id}`)).json();
  expect(now.stage_id).toBe(stage("quoted"));
  expect(now.value).toEqual({ cents: 12_365_206, currency: "USD" });
  await expect(doc.getByRole("region", { name: "Notes and terms" })).toContainText("Delivery 6 weeks");
  expect(await violations(page)).toEqual([]);
  await page.screenshot({ path: path.join(shots, "quote.png"), fullPage: true });

  // Printed: only the document, on the paper chosen.
  await page.getByRole("radio", { name: "A4" }).check();
  const a4 = pageSize(await page.pdf({ preferCSSPageSize: true }));
  expect(Math.round(a4[0])).toBeGreaterThanOrEqual(594);
  expect(Math.round(a4[0])).toBeLessThanOrEqual(596);
  expect(Math.round(a4[1])).toBeGreaterThanOrEqual(841);
  expect(Math.round(a4[1])).toBeLessThanOrEqual(843);
  await page.getByRole("radio", { name: "Letter" }).check();
  const letter = pageSize(await page.pdf({ preferCSSPageSize: true }));
  expect(letter.map(Math.round)).toEqual([612, 792]);
  await page.emulateMedia({ media: "print" });
  await expect(page.locator(".topbar")).toBeHidden();
  await expect(page.getByRole("button", { name: "Print" })).toBeHidden();
  await expect(doc).toBeVisible();
  await page.screenshot({ path: path.join(shots, "quote-print.png"), fullPage: true });
  await page.emulateMedia({ media: "screen" });

  // The lead lists the quote with its status, and its history records each step.
  await page.goto(`/leads/${lead.id}`);
  await hydrated(page);
  await expect(quotes.getByRole("listitem")).toContainText(["Accepted"]);
  await expect(quotes).toContainText("$123,652.06");
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText(/Quote Q-\d+ accepted/);
  await expect(history).toContainText(/Quote Q-\d+ sent/);
});

test("reps cannot reach the catalogue; an admin adds a product with field errors first", async ({ page, browser }) => {
  const rep = await (await browser.newContext()).newPage();
  await signIn(rep, "dana");
  const denied = await rep.goto("/admin/products");
  expect(denied!.status()).toBe(403);

  await signIn(page, "admin");
  await page.goto("/admin/products");
  await hydrated(page);
  await page.getByRole("button", { name: "Add product" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Name the product" })).toBeVisible();
  const sku = `E2E-${Date.now() % 1_000_000}`;
  await page.getByLabel("Name").fill("Stretch wrapper");
  await page.getByLabel("SKU").fill(sku);
  await page.getByLabel("Unit price").fill("9,800");
  await page.getByRole("button", { name: "Add product" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Added" })).toContainText("$9,800.00");
  await expect(page.getByRole("row", { name: /Stretch wrapper/ })).toContainText(sku);
  expect(await violations(page)).toEqual([]);
});
