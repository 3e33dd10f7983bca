// GraphiQL, served by the server, in headless Chromium with no network but
// 127.0.0.1: it loads, runs a query (with a token from its headers editor)
// and a subscription, and its documentation explorer shows the schema.
//
// node graphiql.mjs <base url> <meeting id> <presidency token>
import { launch, restrictToLocalhost, watchErrors, shot, check, until, axe } from "./browser.mjs";

const [base, meetingId, token] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const outside = await restrictToLocalhost(page);
  const errors = watchErrors(page, "graphiql");
  const response = await page.goto(`${base}/graphql`, { waitUntil: "networkidle0" });
  const csp = response.headers()["content-security-policy"] || "";
  check(csp.includes("default-src 'self'"), `no Content-Security-Policy limiting the page to its origin: ${csp}`);
  await until(page, "GraphiQL's editors", () => document.querySelectorAll(".graphiql-container .CodeMirror").length >= 3);

  const setEditor = (selector, index, text) => page.evaluate((selector, index, text) => {
    document.querySelectorAll(selector)[index].CodeMirror.setValue(text);
  }, selector, index, text);
  const result = () => page.evaluate(() => document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue());
  const run = () => page.click(".graphiql-execute-button");

  // A query.
  await setEditor(".graphiql-query-editor .CodeMirror", 0, "{ positions { code name } }");
  await run();
  await until(page, "the query's result", () => document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue().includes("UNIVERSALIZATION"));
  const answer = JSON.parse(await result());
  check(answer.data.positions.length >= 10, `positions: ${JSON.stringify(answer)}`);
  await shot(page, "graphiql-query");

  // A token in the headers editor reaches the server.
  await setEditor(".graphiql-editor-tool .CodeMirror", 1, JSON.stringify({ Authorization: `Bearer ${token}` }));
  await setEditor(".graphiql-query-editor .CodeMirror", 0, "{ me { role subject } }");
  await run();
  await until(page, "`me` answered with the token", () => document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue().includes("PRESIDENCY"));

  // A subscription over /graphql/ws: the meeting's updates from the start of the log.
  await setEditor(".graphiql-query-editor .CodeMirror", 0,
    `subscription { meetingUpdates(meetingId: "${meetingId}", after: "0") { cursor kind } }`);
  await run();
  await until(page, "the subscription's first update", () => document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue().includes("MEETING_SCHEDULED"));
  await shot(page, "graphiql-subscription");
  await run(); // stops it

  // The documentation explorer: GraphiQL's introspection query was accepted.
  await page.click('[aria-label="Show Documentation Explorer"], [aria-label="Documentation Explorer"]').catch(async () => {
    await page.evaluate(() => [...document.querySelectorAll("button")].find((b) => /Documentation/.test(b.getAttribute("aria-label") || ""))?.click());
  });
  await until(page, "the schema's root types in the documentation explorer", () => {
    const doc = document.querySelector(".graphiql-doc-explorer");
    return doc && /Query/.test(doc.innerText) && /Mutation/.test(doc.innerText) && /Subscription/.test(doc.innerText);
  });
  await page.evaluate(() => [...document.querySelectorAll(".graphiql-doc-explorer a")].find((a) => a.textContent === "Query")?.click());
  await until(page, "Query's fields in the explorer", () => /committee/.test(document.querySelector(".graphiql-doc-explorer").innerText));
  await shot(page, "graphiql-docs");

  check(outside.length === 0, `the page reached outside 127.0.0.1: ${outside.join(", ")}`);
  check(errors.length === 0, errors.join("\n"));
  const violations = await axe(page);
  // GraphiQL is a third-party editor: its violations are reported, not failed on.
  if (violations.length) console.log(`axe on GraphiQL (reported): ${violations.join(" | ")}`);
  console.log("graphiql: ok");
} finally {
  await browser.close();
}
