// The committee console in headless Chromium, as its people use it: a
// delegation proposes and submits; eleven delegations respond from two
// browser contexts; the President's office endorses, places on the agenda,
// opens the meeting and adopts the slate; a third context watches the
// meeting page, loses its network for a while, and still sees every move
// exactly once. Then the committee page shows the new coordinator.
//
// CCM_SCENARIO='{"base": ..., "meeting": "14MSP", "asOf": ..., "presidency": ..., "nominee": ["NOR", token], "responders": [[code, token], ...]}' node console.mjs
import { launch, restrictToLocalhost, watchErrors, shot, check, until, axe, clickButton } from "./browser.mjs";

const scenario = JSON.parse(process.env.CCM_SCENARIO);
const { base, meeting, asOf, presidency } = scenario;
const [nomineeCode, nomineeToken] = scenario.nominee;
const errors = [];
const outside = [];
const accessibility = [];
const browser = await launch();

async function openPage(context, label, width = 1280, height = 800) {
  const page = await context.newPage();
  await page.setViewport({ width, height });
  await restrictToLocalhost(page, outside);
  watchErrors(page, label, errors);
  return page;
}

async function audit(page, name) {
  for (const v of await axe(page)) accessibility.push(`${name}: ${v}`);
  const shown = await page.evaluate(() => document.querySelector("main").innerText);
  const leak = shown.match(/\bnull\b|\bundefined\b|\[object Object\]|NaN/);
  check(!leak, `${name} shows “${leak && leak[0]}”:\n${shown.slice(0, 1500)}`);
}

const text = (page, selector) => page.$eval(selector, (el) => el.innerText);

async function signIn(page, token) {
  if (await page.$("[data-testid=me]")) {
    await page.evaluate(() => [...document.querySelectorAll("#account button")].find((b) => b.textContent === "Sign out").click());
    await page.waitForSelector("#token");
  }
  // By keyboard: focus the field, type, Enter.
  await page.focus("#token");
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
  await page.waitForSelector("[data-testid=me]");
}

async function stage(page, label) {
  await until(page, `the stage “${label}”`, (label) => document.querySelector(".lede .badge")?.textContent === label, label);
}

async function done(page, words) {
  await until(page, `the notice “${words}”`, (words) => document.querySelector(".notice")?.textContent.includes(words), words);
}

try {
  // Anyone can read: the committee, the meetings.
  const reader = await browser.createBrowserContext();
  const home = await openPage(reader, "reader");
  await home.goto(`${base}/`, { waitUntil: "networkidle0" });
  await until(home, "the committee page", () => /The Coordination Committee on/.test(document.querySelector("h1")?.textContent || ""));
  check((await text(home, "main")).includes("President"), "the committee page shows the presidency");
  await shot(home, "console-committee");
  await audit(home, "committee");
  await home.goto(`${base}/meetings`, { waitUntil: "networkidle0" });
  await until(home, "the meetings", () => document.querySelector("h1")?.textContent === "Meetings");
  check((await text(home, "main")).includes(meeting), `the meetings page lists ${meeting}`);
  await shot(home, "console-meetings");
  await audit(home, "meetings");

  // The watcher follows the meeting live from the start.
  const watching = await browser.createBrowserContext();
  const watcher = await openPage(watching, "watcher");
  await watcher.goto(`${base}/meetings/${meeting}`, { waitUntil: "networkidle0" });
  await until(watcher, "the live feed to connect", () => document.querySelector("[data-testid=live-state]")?.textContent === "live");

  // The delegation proposes and submits.
  const delegation = await browser.createBrowserContext();
  const d = await openPage(delegation, "delegation");
  await d.goto(`${base}/nominations`, { waitUntil: "networkidle0" });
  await signIn(d, nomineeToken);
  await until(d, "the proposal form", () => !!document.querySelector("form.propose"));
  await d.select("#p-position", "UNIVERSALIZATION");
  const meetingValue = await d.$eval("#p-meeting", (select, code) => [...select.options].find((o) => o.textContent === code).value, meeting);
  await d.select("#p-meeting", meetingValue);
  await shot(d, "console-propose");
  await audit(d, "nominations board with the proposal form");
  await d.click("form.propose button[type=submit]");
  await until(d, "the new nomination's page", () => location.pathname.startsWith("/nominations/") && !!document.querySelector(".lede .badge"));
  await stage(d, "Draft");
  const nominationUrl = d.url();
  await clickButton(d, "Submit the nomination");
  await stage(d, "Submitted");
  check(!(await d.$("button[data-event=openConsultation]")), "a delegation is not offered the presidency's moves");

  // The President's office opens the consultation.
  const office = await browser.createBrowserContext();
  const p = await openPage(office, "presidency");
  await p.goto(nominationUrl, { waitUntil: "networkidle0" });
  await signIn(p, presidency);
  await clickButton(p, "Open the consultation");
  await stage(p, "In consultation");

  // Eleven delegations respond, from two contexts; the watcher loses its
  // network in the middle.
  const contexts = [await browser.createBrowserContext(), await browser.createBrowserContext()];
  const pages = [await openPage(contexts[0], "responders-1"), await openPage(contexts[1], "responders-2")];
  for (const page of pages) await page.goto(nominationUrl, { waitUntil: "networkidle0" });
  for (const [i, [code, token]] of scenario.responders.entries()) {
    if (i === 4) {
      await watcher.setOfflineMode(true);
      await until(watcher, "the feed to notice the lost network", () => document.querySelector("[data-testid=live-state]")?.textContent === "reconnecting", undefined, 20000);
    }
    if (i === 8) await watcher.setOfflineMode(false);
    const page = pages[i % 2];
    await signIn(page, token);
    await until(page, `the response form for ${code}`, () => !!document.querySelector("form.respond"));
    await page.select("#stance", "SUPPORT");
    await page.click("form.respond button[type=submit]");
    await done(page, "Your response was recorded.");
  }
  await shot(pages[0], "console-nomination");
  await audit(pages[0], "nomination");
  await until(p, "the policy to be met, live on the presidency's page", () => /policy is met/.test(document.querySelector("[data-testid=policy]")?.textContent || ""));

  // A stale page: a tab whose live connection is blocked (a proxy that
  // refuses WebSockets) still shows “In consultation” after another tab
  // endorsed; its Endorse meets a CONFLICT, said in a sentence, and the page
  // reloads and says what changed.
  const stale = await openPage(office, "presidency-stale");
  await stale.evaluateOnNewDocument(() => {
    // Every connection attempt fails, as behind such a proxy.
    class Blocked extends EventTarget {
      constructor(url) {
        super();
        this.url = url;
        this.readyState = 0;
        this.protocol = "";
        setTimeout(() => {
          this.readyState = 3;
          const error = new Event("error");
          if (this.onerror) this.onerror(error);
          this.dispatchEvent(error);
          const close = new CloseEvent("close", { code: 1006, reason: "", wasClean: false });
          if (this.onclose) this.onclose(close);
          this.dispatchEvent(close);
        }, 10);
      }
      send() {}
      close() {}
    }
    Object.assign(Blocked, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    window.WebSocket = Blocked;
  });
  await stale.goto(nominationUrl, { waitUntil: "networkidle0" });
  // A token is kept for its tab only: the new tab signs in.
  await signIn(stale, presidency);
  await stage(stale, "In consultation");
  await clickButton(p, "Endorse");
  await stage(p, "Endorsed");
  await clickButton(stale, "Endorse");
  await until(stale, "a sentence about the conflict", () => /changed this in the meantime/.test(document.querySelector(".problem")?.textContent || ""));
  const said = await stale.$eval(".problem", (el) => el.textContent);
  check(said.includes("It moved from “In consultation” to “Endorsed”"), `the refusal says what changed: ${said}`);
  check(!/[{}]/.test(said), `no raw JSON in a refusal: ${said}`);
  await stage(stale, "Endorsed");
  await shot(stale, "console-conflict");
  await stale.close();

  await clickButton(p, "Place on the agenda");
  await stage(p, "On the agenda");

  // The meeting: open it, adopt the slate.
  await p.goto(`${base}/meetings/${meeting}`, { waitUntil: "networkidle0" });
  await clickButton(p, "Open the meeting");
  await until(p, "the meeting in session", () => document.querySelector("[data-testid=meeting-status]")?.textContent === "In session");
  await clickButton(p, "Adopt the slate (1)");
  await done(p, "The slate of 1 was adopted.");

  // The watcher saw every move, once each, though it was offline for three responses.
  await until(watcher, "the feed to be back", () => document.querySelector("[data-testid=live-state]")?.textContent === "live");
  await until(watcher, "the selection in the feed", () => [...document.querySelectorAll("[data-testid=feed] li")].some((li) => /→ Selected/.test(li.textContent)));
  const feed = await watcher.$$eval("[data-testid=feed] li", (items) => items.map((li) => ({ cursor: li.dataset.cursor, text: li.textContent })));
  const cursors = feed.map((f) => f.cursor);
  check(new Set(cursors).size === cursors.length, `duplicates in the feed: ${cursors}`);
  const responses = feed.filter((f) => /Consultation response/.test(f.text));
  check(responses.length === scenario.responders.length, `the feed shows ${responses.length} responses, not ${scenario.responders.length}:\n${feed.map((f) => f.text).join("\n")}`);
  for (const [code] of scenario.responders) {
    check(responses.some((r) => r.text.includes(code)), `the response of ${code} is missing from the feed`);
  }
  for (const move of ["→ Draft", "Draft → Submitted", "Submitted → In consultation", "In consultation → Endorsed", "Endorsed → On the agenda", "On the agenda → Selected", "In session", "Decision"]) {
    check(feed.some((f) => f.text.includes(move)), `the feed misses “${move}”:\n${feed.map((f) => f.text).join("\n")}`);
  }
  const sorted = [...cursors].map(BigInt);
  check(sorted.every((c, i) => i === 0 || c < sorted[i - 1]), "the feed is newest first, in log order");
  await until(watcher, "the meeting page redrawn with the selection", () => /Selected/.test(document.querySelector("[data-testid=meeting-nominations]")?.textContent || ""));
  await shot(watcher, "console-meeting-live");
  await audit(watcher, "meeting");

  // The President's office schedules the next meeting, then moves it.
  await p.goto(`${base}/meetings`, { waitUntil: "networkidle0" });
  await until(p, "the scheduling form", () => !!document.querySelector("#s-code"));
  await audit(p, "meetings with the scheduling form");
  await p.type("#s-code", "15MSP");
  await p.$eval("#s-starts", (el) => { el.value = "2028-09-11"; });
  await p.$eval("#s-ends", (el) => { el.value = "2028-09-14"; });
  await p.type("#s-city", "Geneva");
  await p.click("form.propose button[type=submit]");
  await until(p, "the new meeting's page", () => location.pathname === "/meetings/15MSP" && document.querySelector("[data-testid=meeting-status]")?.textContent === "Planned");
  await p.click("details.edit summary");
  await p.$eval("#m-starts", (el) => { el.value = "2028-09-18"; });
  await p.$eval("#m-ends", (el) => { el.value = "2028-09-21"; });
  await p.click("details.edit button[type=submit]");
  await done(p, "The meeting was changed");
  check((await text(p, "main")).includes("18 September 2028 – 21 September 2028"), "the new dates are shown");

  // The committee on a date inside the new term shows the coordinator.
  await home.goto(`${base}/?asOf=${asOf}`, { waitUntil: "networkidle0" });
  await until(home, "the committee on the chosen date", () => /The Coordination Committee on/.test(document.querySelector("h1")?.textContent || ""));
  const universalization = await home.evaluate(() => [...document.querySelectorAll("tr")]
    .filter((tr) => tr.querySelector("th")?.textContent === "Universalization" || tr.previousElementSibling?.querySelector("th")?.textContent === "Universalization")
    .map((tr) => tr.textContent).join(" | "));
  check(universalization.includes(scenario.nomineeName), `Universalization on ${asOf}: ${universalization}`);

  // Readable on a phone: nothing wider than the screen.
  const phone = await openPage(reader, "phone", 390, 844);
  for (const path of ["/", `/meetings/${meeting}`, "/nominations"]) {
    await phone.goto(`${base}${path}`, { waitUntil: "networkidle0" });
    await until(phone, `${path} on a phone`, () => !!document.querySelector("main h1"));
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 391, `${path} is ${wide}px wide on a 390px screen`);
  }
  await shot(phone, "console-phone");

  check(outside.length === 0, `pages reached outside 127.0.0.1: ${outside.join(", ")}`);
  check(accessibility.length === 0, `serious accessibility violations:\n${accessibility.join("\n")}`);
  check(errors.length === 0, `page errors:\n${errors.join("\n")}`);
  console.log("console: ok");
} finally {
  await browser.close();
}
