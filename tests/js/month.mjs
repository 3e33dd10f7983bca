// The committee's month in headless Chromium, as its people run it: the
// President's office schedules two committee meetings from the console and
// invites a guest; a member delegation sends its apologies from "This
// month"; at the meeting the agenda is adopted with an additional item, a
// decision and an action point are recorded, attendance is taken; the ISU
// drafts and circulates the minutes; at the next meeting the action point is
// closed on its follow-up item and the minutes are approved, then published.
// The printed record is printed to PDF and its text read back; the calendar
// feed is parsed by ical.js.
//
// CCM_SCENARIO='{"base": ..., "presidency": ..., "member": [code, token]}' node month.mjs
import { launch, shot, check, until, harness, pdfText } from "./browser.mjs";
import ICAL from "ical.js";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const scenario = JSON.parse(process.env.CCM_SCENARIO);
const { base, presidency } = scenario;
const [memberCode, memberToken] = scenario.member;
const browser = await launch();
const { openPage, audit, signIn, go, clickButton, done, setValue, fillAndSubmit, verdict } = harness(browser, base);

async function recordShows(page, words) {
  await until(page, `the record to show “${words}”`, (words) => (document.querySelector("[data-testid=record]")?.innerText || "").includes(words), words);
}

async function schedule(page, code, dayIso) {
  await go(page, "/meetings", "Meetings");
  await setValue(page, "#s-code", code);
  await page.select("#s-kind", "COORDINATION_COMMITTEE");
  await setValue(page, "#s-starts", dayIso);
  await setValue(page, "#s-ends", dayIso);
  await setValue(page, "#s-city", "Geneva");
  await setValue(page, "#s-start-time", "15:00");
  await setValue(page, "#s-end-time", "17:00");
  await setValue(page, "#s-zone", "Europe/Zurich");
  await setValue(page, "#s-venue", "Permanent Mission of the Lao People's Democratic Republic");
  await page.select("#s-format", "HYBRID");
  await page.evaluate(() => document.querySelector("form.propose").requestSubmit());
  await until(page, `the page of ${code}`, () => /Coordination Committee meeting of/.test(document.querySelector("main h1")?.textContent || ""));
}

try {
  const office = await browser.createBrowserContext();
  const p = await openPage(office, "presidency");
  await p.goto(`${base}/`, { waitUntil: "networkidle0" });
  await signIn(p, presidency);

  // Scheduling from the console: hours, zone, venue and format.
  await schedule(p, "CC-2026-11", "2026-11-26");
  check((await p.$eval("main h1", (el) => el.textContent)) === "1st Coordination Committee meeting of 2026", "the first meeting of the year");
  await recordShows(p, "INVITED");
  await schedule(p, "CC-2026-12", "2026-12-17");
  check((await p.$eval("main h1", (el) => el.textContent)) === "2nd Coordination Committee meeting of 2026", "the second meeting of the year");

  // A guest called upon to assist.
  await go(p, "/meetings/CC-2026-11", "1st Coordination Committee");
  await fillAndSubmit(p, "Invite to assist", { "#g-name": "Dr A. Expert", "#g-affiliation": "GICHD" });
  await done(p, "Invited.");
  await recordShows(p, "Dr A. Expert (GICHD)");

  // A member delegation sends its apologies from "This month".
  const delegation = await browser.createBrowserContext();
  const d = await openPage(delegation, "member");
  await d.goto(`${base}/month`, { waitUntil: "networkidle0" });
  await signIn(d, memberToken);
  await until(d, "the next meeting", () => !!document.querySelector("[data-testid=next-meeting]"));
  await audit(d, "this month");
  await clickButton(d, "Send our apologies");
  await until(d, "the apologies acknowledged", () => document.querySelector("main").innerText.includes("Your apologies have been received."));
  await until(d, "the apologies received", () => document.querySelector("[data-testid=invitations]").innerText.includes("Apologies received"));
  await shot(d, "console-month");

  // At the meeting: open, adopt the agenda with an item, decide, add an action point.
  await go(p, "/meetings/CC-2026-11", "1st Coordination Committee");
  await clickButton(p, "Open the meeting");
  await done(p, "The meeting is in session.");
  await fillAndSubmit(p, "Adopt the agenda", { "#a-extra": "Preparation of the Third Review Conference" });
  await done(p, "The agenda was adopted.");
  await recordShows(p, "The agenda was adopted with the additional items");
  await fillAndSubmit(p, "Record a decision", { "#d-item": "text:Preparation of the Third Review Conference",
    "#d-kind": "REQUESTED", "#d-text": "The Coordinators to prepare a working paper." });
  await done(p, "The decision was recorded.");
  await recordShows(p, "The Coordinators to prepare a working paper.");
  await fillAndSubmit(p, "Add an action point", { "#p-item": "text:Preparation of the Third Review Conference",
    "#p-text": "Circulate the working paper", "#p-owner": "UNIVERSALIZATION", "#p-due": "2026-12-10" });
  await done(p, "The action point was added.");
  await recordShows(p, "Circulate the working paper");

  // Attendance for all: the first member present with its delegate's name.
  await until(p, "the attendance form", () => !!document.querySelector(".attendance-form"));
  await p.evaluate(() => {
    const first = document.querySelector(".attendance-form input[data-delegates]");
    first.value = "Ms C. Delegate";
    document.querySelector(".attendance-form").requestSubmit();
  });
  await done(p, "Attendance was recorded.");
  await recordShows(p, "APOLOGIES RECEIVED");
  await recordShows(p, "Ms C. Delegate");
  await audit(p, "a committee meeting");
  await shot(p, "console-committee-meeting");
  await clickButton(p, "Conclude the meeting");
  await done(p, "The meeting is concluded.");

  // The ISU drafts and circulates the minutes.
  await go(p, "/meetings/CC-2026-11/minutes", "Minutes of the");
  await clickButton(p, "Start the minutes");
  await done(p, "The minutes were started.");
  const itemId = await (await until(p, "the minutes' item on the Review Conference", () => [...document.querySelectorAll(".minutes-item")]
    .find((s) => s.querySelector("h3").textContent.includes("Third Review Conference"))?.querySelector("textarea")?.id)).jsonValue();
  await setValue(p, `#${itemId}`, "The President introduced the item. **Agreed**: a working paper will be prepared.");
  await clickButton(p, "Save item 5");
  await done(p, "Saved Preparation of the Third Review Conference");
  await until(p, "the rendered text", () => !!document.querySelector(".minutes-preview strong"));
  await audit(p, "the minutes editor");
  await shot(p, "console-minutes");
  await clickButton(p, "Circulate");
  await until(p, "circulated minutes", () => document.querySelector("[data-testid=minutes-state]")?.textContent === "Circulated");

  // The next meeting: the action point on its follow-up, closed there; the minutes approved.
  await go(p, "/meetings/CC-2026-12", "2nd Coordination Committee");
  await clickButton(p, "Open the meeting");
  await done(p, "The meeting is in session.");
  await recordShows(p, "Circulate the working paper");
  await clickButton(p, "Done at this meeting: Circulate the working paper");
  await done(p, "The action point was closed.");
  await go(p, "/meetings/CC-2026-11/minutes", "Minutes of the");
  await clickButton(p, "Approve at CC-2026-12");
  await until(p, "approved minutes", () => document.querySelector("[data-testid=minutes-state]")?.textContent === "Approved");
  await clickButton(p, "Publish");
  await until(p, "published minutes", () => document.querySelector("[data-testid=minutes-state]")?.textContent === "Published");

  // The register and the board.
  await go(p, "/decisions", "Decision register");
  await setValue(p, "#d-search", "correct record");
  await p.evaluate(() => document.querySelector("form[role=search]").requestSubmit());
  await until(p, "one decision found", () => document.querySelector("main").innerText.includes("1 decisions"));
  await audit(p, "the decision register");
  await shot(p, "console-decisions");
  await go(p, "/action-points", "Action points");
  await until(p, "the done column", () => document.querySelector("section[aria-label=Done]")?.innerText.includes("Circulate the working paper"));
  await audit(p, "the action-point board");
  await shot(p, "console-action-points");

  // The printed record, read back from the PDF Chromium prints.
  const reader = await browser.createBrowserContext();
  const r = await openPage(reader, "record");
  await r.goto(`${base}/meetings/CC-2026-11/record`, { waitUntil: "networkidle0" });
  await shot(r, "record");
  const pdf = await r.pdf({ format: "A4", printBackground: false });
  const printed = await pdfText(getDocument, pdf);
  for (const words of ["1st Coordination Committee meeting of 2026", "PRESENT", "APOLOGIES RECEIVED", "Ms C. Delegate",
    "Dr A. Expert", "Preparation of the Third Review Conference", "a working paper will be prepared",
    "Circulate the working paper", "approved as a correct record at the CC-2026-12"]) {
    check(printed.replace(/\s+/g, " ").includes(words), `the printed record shows “${words}”:\n${printed}`);
  }

  // The calendar feed, parsed by an independent iCalendar parser.
  const ics = await (await fetch(`${base}/calendar.ics?kinds=COORDINATION_COMMITTEE`)).text();
  const calendar = new ICAL.Component(ICAL.parse(ics));
  // The feed's own VTIMEZONE definitions are what the parser converts with.
  const zones = calendar.getAllSubcomponents("vtimezone");
  check(zones.length === 1, `one VTIMEZONE, not ${zones.length}`);
  for (const zone of zones) ICAL.TimezoneService.register(zone);
  const events = calendar.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
  check(events.length === 2, `two committee meetings in the feed, not ${events.length}`);
  const first = events.find((e) => e.summary.includes("CC-2026-11"));
  check(first && first.summary.startsWith("1st Coordination Committee meeting of 2026"), `the first meeting's summary: ${first && first.summary}`);
  const tzid = first.component.getFirstProperty("dtstart").getParameter("tzid");
  check(tzid === "Europe/Zurich" && first.startDate.hour === 15, `starts at 15:00 Zurich time: ${tzid} ${first.startDate}`);
  check(first.startDate.toJSDate().toISOString() === "2026-11-26T14:00:00.000Z", `in UTC: ${first.startDate.toJSDate().toISOString()}`);
  check(first.location.includes("Permanent Mission"), `location: ${first.location}`);
  check(first.uid.startsWith("meeting-"), `a stable UID: ${first.uid}`);
  check(first.sequence === 0, `sequence: ${first.sequence}`);

  verdict();
  console.log("month: ok");
} finally {
  await browser.close();
}
