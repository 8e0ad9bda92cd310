// Drives Debian's Chromium (headless, over the DevTools protocol, through playwright-core: no browser download) through
// the search-by-image page, and prints what it saw as one JSON line for test_search_page.py to check.
//
//   PAGE_URL=http://127.0.0.1:8765/ DEAD_PAGE_URL=http://127.0.0.1:8766/ QUERY_IMAGE=q.png NOT_IMAGE=x.txt \
//   BROKEN_IMAGE=broken.png SHOTS=docs/ \
//   [SEARCH_K=12 MAX_DISTANCE=8 FILTER_FIELD=label FILTER_VALUE=sandal] node search_page.mjs
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const shots = process.env.SHOTS;
const profile = mkdtempSync(join(tmpdir(), "search-page-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
  viewport: { width: 1100, height: 760 },
  timeout: 60000,
});
const seen = { console_errors: [] };
try {
  const page = browser.pages()[0] || (await browser.newPage());
  page.setDefaultTimeout(30000);
  page.on("pageerror", (e) => seen.console_errors.push(String(e)));

  const grid = async () => page.$$eval("#grid .hit", (cards) => cards.map((c) => ({
    id: c.dataset.id, distance: Number(c.dataset.distance),
    thumbnail_loaded: (() => { const img = c.querySelector("img"); return !!img && img.complete && img.naturalWidth > 0; })(),
  })));
  const searchDone = async (action) => {
    await page.$eval("#grid", (g) => { g.dataset.state = "busy"; });
    await action();
    await page.waitForSelector("#grid[data-state=done], #grid[data-state=error]", { state: "attached" });
    await page.waitForFunction(() => [...document.querySelectorAll("#grid img")].every((i) => i.complete));
    return page.$eval("#grid", (g) => g.dataset.state);
  };
  const errorText = async () => page.$eval("#error", (e) => (getComputedStyle(e).display === "none" ? "" : e.textContent));

  await page.goto(env("PAGE_URL"));
  await page.waitForFunction(() => document.getElementById("index").value !== "");
  seen.config_error = await errorText();
  if (process.env.SEARCH_K) await page.fill("#k", process.env.SEARCH_K);

  // 1. upload an image: the grid of its nearest documents
  seen.image_state = await searchDone(() => page.setInputFiles("#file", env("QUERY_IMAGE")));
  seen.image_hits = await grid();
  seen.image_status = await page.textContent("#status");
  if (shots) await page.screenshot({ path: join(shots, "search-page.png"), fullPage: true });

  // 1b. the same image dropped on the drop zone
  const bytes = readFileSync(env("QUERY_IMAGE")).toString("base64");
  const dataTransfer = await page.evaluateHandle((b64) => {
    const transfer = new DataTransfer();
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([data], "dropped.png", { type: "image/png" }));
    return transfer;
  }, bytes);
  seen.drop_state = await searchDone(() => page.dispatchEvent("#drop", "drop", { dataTransfer }));
  seen.drop_hits = await grid();

  // 1c. the form: max_distance and a keyword filter, then Search repeats the image search with them
  if (process.env.FILTER_FIELD) {
    await page.fill("#max_distance", env("MAX_DISTANCE"));
    await page.fill("#filter_field", env("FILTER_FIELD"));
    await page.fill("#filter_value", env("FILTER_VALUE"));
    seen.filtered_state = await searchDone(() => page.click("#search"));
    seen.filtered_hits = await grid();
    for (const id of ["#max_distance", "#filter_field", "#filter_value"]) await page.fill(id, "");
  }

  // 2. click a result: more like it
  const shown = await grid();
  const clicked = shown[shown.length > 1 ? 1 : 0].id;
  seen.like_id = clicked;
  seen.like_state = await searchDone(() => page.click(`#grid .hit[data-id="${clicked}"]`));
  seen.like_hits = await grid();
  seen.like_status = await page.textContent("#status");

  // 3. bad input, each a sentence in the page
  await page.setInputFiles("#file", env("NOT_IMAGE"));
  await page.waitForSelector("#error", { state: "visible" });
  seen.not_image_error = await errorText();
  const field = await page.inputValue("#field");
  await page.fill("#field", "no_such_field");  // Search repeats the last search ("more like" above) on this field
  seen.no_field_state = await searchDone(() => page.click("#search"));
  seen.no_field_error = await errorText();
  await page.fill("#field", field);
  seen.broken_state = await searchDone(() => page.setInputFiles("#file", env("BROKEN_IMAGE")));
  seen.broken_image_error = await errorText();
  if (shots) await page.screenshot({ path: join(shots, "search-page-error.png") });
  if (process.env.DEAD_PAGE_URL) {  // a page server whose cluster is down
    await page.goto(process.env.DEAD_PAGE_URL);
    await page.waitForSelector("#error", { state: "visible" });
    seen.cluster_down_error = await errorText();
  }
} catch (e) {
  console.error("seen so far:", JSON.stringify(seen));
  throw e;
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(seen));
