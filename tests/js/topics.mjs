// Topics and working groups in headless Chromium, as their people use them:
// the Universalization coordinator raises a topic with a background
// document; the President's office places it before a committee meeting,
// opens that meeting, accepts the topic and schedules it for discussion by
// all at the next Meeting of States Parties; the meeting is postponed from
// its page (the topic returns to accepted), the topic is scheduled again,
// discussed with an outcome and closed. The coordinator drafts a work plan
// whose objectives are guided by Actions 10 and 11, publishes it and rates
// each objective twice. The progress report shows both, in the console and
// printed to PDF (its text read back).
//
// CCM_SCENARIO='{"base": ..., "presidency": ..., "coordinator": ..., "other": ...}' node topics.mjs
import { launch, shot, check, until, harness, pdfText } from "./browser.mjs";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const { base, presidency, coordinator, other } = JSON.parse(process.env.CCM_SCENARIO);
const browser = await launch();
const { openPage, audit, signIn, go, clickButton, done, fillAndSubmit, verdict } = harness(browser, base);
const TITLE = "Universalization in South-East Asia";

async function mainShows(page, words) {
  await until(page, `the page to show “${words}”`, (words) => document.querySelector("main").innerText.includes(words), words);
}

const moveLabels = (page) => page.evaluate(() => [...document.querySelectorAll("[data-testid=topic-moves] form")].map((f) => f.dataset.event));

try {
  // The coordinator raises a topic with a concept note.
  const group = await browser.createBrowserContext();
  const c = await openPage(group, "coordinator");
  await c.goto(`${base}/topics`, { waitUntil: "networkidle0" });
  await signIn(c, coordinator);
  await go(c, "/topics", "Topics for discussion by all");
  await fillAndSubmit(c, "Raise a topic", { "#t-title": TITLE,
    "#t-description": "How States Parties can support accession in the region.",
    "#t-area": "UNIVERSALIZATION", "#d-title": "Concept note", "#d-kind": "CONCEPT_NOTE",
    "#d-symbol": "CCM/CC/2026/CRP.1", "#d-language": "en", "#d-url": "https://www.clusterconvention.org/documents/concept-note" });
  await done(c, "The topic was raised.");
  await until(c, "the topic on the board", (title) => document.querySelector("#col-PROPOSED").parentElement.innerText.includes(title), TITLE);
  await audit(c, "the topics board");
  await shot(c, "console-topics");
  const href = await c.evaluate((title) => [...document.querySelectorAll("[data-testid=topic-board] a")].find((a) => a.textContent === title).getAttribute("href"), TITLE);
  await go(c, href, TITLE);
  const mine = await moveLabels(c);
  check(JSON.stringify(mine) === JSON.stringify(["withdraw"]), `the coordinator may only withdraw it: ${mine}`);

  // The President's office: before the committee, accepted, scheduled.
  const office = await browser.createBrowserContext();
  const p = await openPage(office, "presidency");
  await p.goto(`${base}${href}`, { waitUntil: "networkidle0" });
  await signIn(p, presidency);
  await go(p, href, TITLE);
  await fillAndSubmit(p, "Place for the committee's consideration", { "select": "text:CC-2026-12" });
  await done(p, "Placed before the committee.");
  await go(p, "/meetings/CC-2026-12", "Coordination Committee meeting");
  await until(p, "the topic before the committee", (title) => document.querySelector("[data-testid=discussion-by-all]")?.innerText.includes(title), TITLE);
  await clickButton(p, "Open the meeting");
  await done(p, "The meeting is in session.");
  await go(p, href, TITLE);
  await fillAndSubmit(p, "Accept: the committee deems it relevant", { "input": "Relevant to the universalization actions" });
  await done(p, "Accepted.");
  await fillAndSubmit(p, "Schedule for discussion by all", { "select": "text:14MSP" });
  await done(p, "Scheduled for discussion by all.");

  // The Meeting of States Parties is postponed from its page.
  await go(p, "/meetings/14MSP", "14MSP");
  await until(p, "the topic for discussion by all", (title) => document.querySelector("[data-testid=discussion-by-all]")?.innerText.includes(title), TITLE);
  await p.evaluate(() => {
    const form = document.querySelector("#m-starts").form;
    form.querySelector("#m-starts").value = "2027-11-16";
    form.querySelector("#m-ends").value = "2027-11-19";
    form.requestSubmit();
  });
  await done(p, "The meeting was changed");
  await until(p, "the topic postponed", () => document.querySelector("[data-testid=discussion-by-all]")?.innerText.includes("Meeting postponed"));
  await go(p, href, TITLE);
  await until(p, "accepted again", () => document.querySelector(".lede .badge")?.textContent === "Accepted");
  await fillAndSubmit(p, "Schedule for discussion by all", { "select": "text:14MSP" });
  await done(p, "Scheduled for discussion by all.");
  await go(p, "/meetings/14MSP", "14MSP");
  await clickButton(p, "Open the meeting");
  await done(p, "Open the meeting: done.");
  await go(p, href, TITLE);
  await fillAndSubmit(p, "Record the outcome", { "select": "CONCLUSIONS", "textarea": "States Parties agreed to intensify outreach in the region." });
  await done(p, "The outcome was recorded.");
  await fillAndSubmit(p, "Close the topic", { "input": "Outreach plan adopted by the working group" });
  await done(p, "Closed.");
  await until(p, "the diagram", () => !!document.querySelector("[data-testid=topic-diagram] svg"));
  const history = await p.$eval("[data-testid=topic-history]", (el) => el.innerText);
  for (const event of ["(propose)", "(placeForConsideration)", "(accept)", "(schedule)", "(unschedule)", "(discuss)", "(close)"]) {
    check(history.includes(event), `the history shows ${event}:\n${history}`);
  }
  await mainShows(p, "Meeting postponed");
  await audit(p, "a topic's page");
  await shot(p, "console-topic");

  // The coordinator's work plan: objectives guided by Actions 10 and 11, published, rated twice.
  await go(c, "/working-groups", "Working groups");
  await audit(c, "the working groups");
  await go(c, "/working-groups/UNIVERSALIZATION", "Universalization");
  await fillAndSubmit(c, "Draft a work plan", { "#wp-title": "Work plan on universalization, 13MSP to 14MSP",
    "#wp-from": "2025-09-20", "#wp-to": "2027-09-17", "#wp-objective": "Promote accession by States not party", "#wp-actions": "10" });
  await done(c, "The work plan was drafted.");
  await fillAndSubmit(c, "Add an objective", { "#o-text": "Encourage ratification by signatories", "#o-actions": "11", "#o-activity": "Regional workshop" });
  await done(c, "The objective was added.");
  await clickButton(c, "Publish the plan");
  await done(c, "Published.");
  for (const [objective, rating, note] of [[1, "ON_TRACK", "Two outreach letters sent"], [2, "NOT_STARTED", "Workshop being organised"],
    [1, "ACHIEVED", "Two accessions in the region"], [2, "DELAYED", "Workshop moved to next year"]]) {
    await fillAndSubmit(c, `Rate objective ${objective}`, { "select": rating, "input": note });
    await done(c, "Rated.");
    await until(c, "the rating shown", (note) => document.querySelector("[data-testid=work-plan]").innerText.includes(note), note);
  }
  const plan = await c.$eval("[data-testid=work-plan]", (el) => el.innerText);
  for (const words of ["Action 10", "Action 11", "Achieved", "Delayed", "2 ratings"]) {
    check(plan.includes(words), `the work plan shows “${words}”:\n${plan}`);
  }
  await until(c, "the group's topic", (title) => document.querySelector("[data-testid=group-topics]").innerText.includes(title), TITLE);
  await audit(c, "a working group");
  await shot(c, "console-working-group");

  // A coordinator of another group is offered no form on this one.
  const elsewhere = await browser.createBrowserContext();
  const o = await openPage(elsewhere, "other coordinator");
  await o.goto(`${base}/working-groups/UNIVERSALIZATION`, { waitUntil: "networkidle0" });
  await signIn(o, other);
  await go(o, "/working-groups/UNIVERSALIZATION", "Universalization");
  const forms = await o.evaluate(() => document.querySelectorAll("main form").length);
  check(forms === 0, `another group's coordinator sees ${forms} forms`);

  // The progress report, in the console and printed.
  await go(p, "/meetings/14MSP", "14MSP");
  await p.evaluate(() => [...document.querySelectorAll("main a")].find((a) => a.textContent.startsWith("The progress report")).click());
  await until(p, "the report", () => (document.querySelector("main h1")?.textContent || "").includes("Progress report to the 14MSP"));
  const report = await p.$eval("[data-testid=progress-report]", (el) => el.innerText);
  for (const words of ["Universalization", "Action 10", "Action 11", "Achieved", "Delayed", TITLE, "States Parties agreed to intensify outreach"]) {
    check(report.includes(words), `the report shows “${words}”:\n${report}`);
  }
  const chart = await p.$eval("[data-testid=progress-report] svg", (svg) => ({ role: svg.getAttribute("role"), desc: svg.querySelector("desc").textContent, patterns: svg.querySelectorAll("pattern").length }));
  check(chart.role === "img" && chart.patterns >= 4 && chart.desc.includes("1 delayed, 1 achieved"), `the chart reads without colour: ${JSON.stringify(chart)}`);
  await audit(p, "the progress report");
  await shot(p, "console-progress-report");

  const reader = await browser.createBrowserContext();
  const r = await openPage(reader, "printed report");
  await r.goto(`${base}/meetings/14MSP/progress-report`, { waitUntil: "networkidle0" });
  await shot(r, "progress-report");
  const pdf = await r.pdf({ format: "A4", printBackground: false });
  const printed = await pdfText(getDocument, pdf);
  const flat = printed.replace(/\s+/g, " ");
  for (const words of ["Progress report to the 14MSP", "Universalization", "Action 10", "Action 11", "Achieved", "Delayed",
    "Not started", "On track", TITLE, "Conclusions at the 14MSP"]) {
    check(flat.includes(words), `the printed report shows “${words}”:\n${printed}`);
  }

  verdict();
  console.log("topics: ok");
} finally {
  await browser.close();
}
