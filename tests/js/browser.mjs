// What the browser tests share: Debian's Chromium driven by puppeteer-core,
// with the network restricted to 127.0.0.1 (a page that reaches for a CDN
// fails the test), axe-core's checks, and screenshots.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const p of ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (existsSync(p)) return p;
  }
  throw new Error("Chromium is not installed (apt-get install chromium)");
}

export async function launch() {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
  });
}

/// Requests that left 127.0.0.1 (each one is refused).
export async function restrictToLocalhost(page, outside = []) {
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = new URL(request.url());
    const local = ["127.0.0.1", "localhost"].includes(url.hostname) || url.protocol === "data:" || url.protocol === "blob:";
    if (local) request.continue();
    else {
      outside.push(request.url());
      request.abort("blockedbyclient");
    }
  });
  return outside;
}

/// Fails on page errors the application did not handle.
export function watchErrors(page, label, errors = []) {
  page.on("pageerror", (error) => errors.push(`${label}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/ERR_INTERNET_DISCONNECTED|net::ERR|WebSocket|Failed to load resource/.test(message.text())) {
      errors.push(`${label} console: ${message.text()}`);
    }
  });
  return errors;
}

/// axe-core on the page as it is now: the serious and critical violations.
export async function axe(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    await axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`);
}

export function screenshotDir() {
  const dir = process.env.CCM_SCREENSHOTS || new URL("../../target/screenshots/", import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function shot(page, name) {
  await page.screenshot({ path: `${screenshotDir()}/${name}.png`, fullPage: false });
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/// Waits until `fn` (run in the page) returns truthy; `what` names it in the failure.
export async function until(page, what, fn, arg, timeout = 15000) {
  try {
    return await page.waitForFunction(fn, { timeout, polling: 100 }, arg);
  } catch (error) {
    const text = await page.evaluate(() => document.body.innerText.slice(0, 3000)).catch(() => "");
    throw new Error(`timed out waiting for ${what}\n--- page text ---\n${text}`);
  }
}
