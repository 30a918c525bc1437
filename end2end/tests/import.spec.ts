// Importing a trade-show list in the browser: upload, the guessed mapping with a preview, a
// check that reports the bad rows by field, an import that can be cancelled (nothing
// written), and the import of the good rows with its progress bar.
import { test, expect, request } from "@playwright/test";
import * as path from "node:path";
import { DEMO_PASSWORD, hydrated, signIn } from "./sign-in";

const shots = path.resolve(__dirname, "../../docs/img");

/** A list of `good` visitors and three broken rows (no name, a bad e-mail, a bad amount). */
function tradeShowList(good: number): string {
  const lines = ["Full Name,E-mail Address,Organisation,Topic,Budget,Booth"];
  for (let i = 1; i <= good; i++) {
    lines.push(`Expo Visitor ${i},visitor-${i}@expo.example,Visitor Co ${i % 40},Forklifts,${1000 + i},B${i % 12}`);
    if (i === 4) lines.push(",nameless@expo.example,,,,");
    if (i === 9) lines.push("Wrong Mail,not-an-address,,,,");
    if (i === 12) lines.push("Big Spender,big@expo.example,,,a lot,");
  }
  return lines.join("\n") + "\n";
}

test("a manager imports a trade-show list: report, cancel, then the good rows", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await signIn(page, "morgan", "/import");
  await page.goto("/import");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Import leads" })).toBeVisible();

  const good = 3000;
  await page.locator('input[type="file"]').setInputFiles({
    name: "expo-visitors.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(tradeShowList(good)),
  });
  await expect(page.getByText("expo-visitors.csv · 3,003 rows")).toBeVisible();
  // The guessed mapping, over a preview of the first rows.
  await expect(page.getByLabel("Field for column Full Name")).toHaveValue("contact_name");
  await expect(page.getByLabel("Field for column E-mail Address")).toHaveValue("email");
  await expect(page.getByLabel("Field for column Topic")).toHaveValue("");
  await expect(page.getByRole("cell", { name: "Expo Visitor 1", exact: true })).toBeVisible();
  await page.getByLabel("Field for column Topic").selectOption("product_interest");

  // Checking without a source names the field and starts nothing.
  await page.getByRole("button", { name: "Check 3,003 rows" }).click();
  await expect(page.getByText("Choose the source these leads came from")).toBeVisible();
  await page.getByLabel("Source").selectOption({ label: "Trade shows (Trade show)" });
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.getByRole("heading", { name: "Match the columns" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, "import-mapping.png") });

  await page.getByRole("button", { name: "Check 3,003 rows" }).click();
  // A check only reads a snapshot: its report is back within moments (the bar is watched
  // moving during the import below).
  const report = page.getByRole("region", { name: "What the import will do" });
  await expect(report).toBeVisible({ timeout: 60_000 });
  await expect(report.locator(".stat-danger .stat-value")).toHaveText("3");
  await expect(report.locator(".stat-ok .stat-value")).toHaveText("3,000");
  const bad = report.locator("tr.row-bad");
  await expect(bad).toHaveCount(3);
  await expect(bad.nth(0)).toContainText("contact_name");
  await expect(bad.nth(1)).toContainText("email");
  await expect(bad.nth(2)).toContainText("value");
  await report.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, "import-report.png") });

  // Start the import, then think better of it: nothing is written.
  await report.getByRole("button", { name: "Import the 3,000 good rows, skip 3 bad rows" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Importing: [\d,]+ of 3,003 rows/ })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByText("Stopped: nothing was written.")).toBeVisible({ timeout: 60_000 });

  // The REST API as an admin (who sees every lead), signed in like a browser on this origin.
  const admin = await request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
  expect(
    (await admin.post("/api/v1/session", { data: { email: "admin@closeloop.example", password: DEMO_PASSWORD } })).status(),
  ).toBe(200);
  const find = async (q: string) => (await (await admin.get(`/api/v1/leads?q=${encodeURIComponent(q)}`)).json()).items;
  expect(await find("visitor-1@expo.example")).toHaveLength(0);

  // Check again and import the good rows, watching the bar.
  await page.getByRole("button", { name: "Check 3,003 rows" }).click();
  await expect(report).toBeVisible({ timeout: 60_000 });
  await report.getByRole("button", { name: "Import the 3,000 good rows, skip 3 bad rows" }).click();
  const bar = page.getByRole("progressbar");
  await expect(bar).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: /Importing: [1-9][\d,]* of 3,003 rows/ })).toBeVisible();
  const done = page.getByRole("region", { name: "Imported 3,000 rows" });
  await expect(done).toBeVisible({ timeout: 60_000 });
  await expect(bar).toHaveAttribute("value", "3003");
  await expect(done.getByRole("link", { name: "Open the board" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Imported: 3,003 of 3,003 rows" })).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await done.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, "import-phone.png") });

  const [lead] = await find("visitor-1@expo.example");
  expect(lead.contact_name).toBe("Expo Visitor 1");
  expect(lead.product_interest).toBe("Forklifts");
  expect(await find("not-an-address")).toHaveLength(0);
  await admin.dispose();
});
