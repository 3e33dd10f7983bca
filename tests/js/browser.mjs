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

/// Clicks the button of `main` whose text starts with `label`, found and
/// clicked in one step, so that no redraw can come between.
export async function clickButton(page, label) {
  await until(page, `a “${label}” button`, (label) => {
    const button = [...document.querySelectorAll("main button")].find((b) => b.textContent.startsWith(label));
    button?.click();
    return !!button;
  }, label);
}

/// What a console scenario drives its pages with, against the server at
/// `base`: pages restricted to 127.0.0.1 whose errors, reaches outside and
/// accessibility violations are collected (`verdict` checks all three).
export function harness(browser, base) {
  const errors = [];
  const outside = [];
  const accessibility = [];
  const t = {
    async openPage(context, label) {
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      await restrictToLocalhost(page, outside);
      watchErrors(page, label, errors);
      return page;
    },
    async audit(page, name) {
      for (const v of await axe(page)) accessibility.push(`${name}: ${v}`);
      const shown = await page.evaluate(() => document.querySelector("main").innerText);
      const leak = shown.match(/\bnull\b|\bundefined\b|\[object Object\]|NaN/);
      check(!leak, `${name} shows “${leak && leak[0]}”:\n${shown.slice(0, 1500)}`);
    },
    async signIn(page, token) {
      await page.waitForSelector("#token");
      await page.focus("#token");
      await page.keyboard.type(token);
      await page.keyboard.press("Enter");
      await page.waitForSelector("[data-testid=me]");
    },
    async go(page, path, heading) {
      await page.goto(`${base}${path}`, { waitUntil: "networkidle0" });
      await until(page, `the page ${path}`, (heading) => (document.querySelector("main h1")?.textContent || "").includes(heading), heading);
    },
    clickButton,
    async done(page, words) {
      await until(page, `the notice “${words}”`, (words) => [...document.querySelectorAll(".notice")].some((n) => n.textContent.includes(words)), words);
    },
    async setValue(page, selector, value) {
      await page.$eval(selector, (el, value) => { el.value = value; el.dispatchEvent(new Event("input", { bubbles: true })); }, value);
    },
    /// Fills a form's fields and submits it in one step, so that no live
    /// redraw can come between (`values`: selector → value; a select's value
    /// may be given as the text of its option, prefixed with "text:"). It
    /// waits until the form, each field and each named option are drawn: a
    /// redraw may show the form before its options are up to date.
    async fillAndSubmit(page, formLabel, values) {
      await until(page, `the form “${formLabel}” with ${JSON.stringify(values)}`, ([label, values]) => {
        const form = document.querySelector(`form[aria-label="${label}"]`);
        if (!form) return false;
        const chosen = [];
        for (const [selector, value] of Object.entries(values)) {
          const el = form.querySelector(selector);
          if (!el) return false;
          if (value.startsWith("text:")) {
            const option = [...el.options].find((o) => o.textContent.includes(value.slice(5)));
            if (!option) return false;
            chosen.push([el, option.value]);
          } else {
            chosen.push([el, value]);
          }
        }
        for (const [el, value] of chosen) el.value = value;
        form.requestSubmit();
        return true;
      }, [formLabel, values]);
    },
    /// Fails unless no page erred, reached outside 127.0.0.1 or had a serious accessibility violation.
    verdict() {
      check(outside.length === 0, `pages reached outside 127.0.0.1: ${outside.join(", ")}`);
      check(accessibility.length === 0, `serious accessibility violations:\n${accessibility.join("\n")}`);
      check(errors.length === 0, `page errors:\n${errors.join("\n")}`);
    },
  };
  return t;
}

/// The text of a PDF, page after page.
export async function pdfText(getDocument, pdf) {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: true }).promise;
  let printed = "";
  for (let n = 1; n <= doc.numPages; n += 1) {
    const content = await (await doc.getPage(n)).getTextContent();
    printed += content.items.map((i) => i.str).join(" ") + "\n";
  }
  return printed;
}
