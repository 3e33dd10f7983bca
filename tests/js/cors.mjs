// Web pages on other origins call the API: a page from a listed origin can
// query and subscribe; the same page from an unlisted origin cannot.
//
// node cors.mjs <api base> <listed port> <unlisted port> <meeting id>
import http from "node:http";
import { launch, restrictToLocalhost, check, until } from "./browser.mjs";

const [api, listedPort, unlistedPort, meetingId, token] = process.argv.slice(2);

const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another origin</title>
<script src="${api}/assets/vendor/graphql-ws.min.js"></script></head><body>
<p id="http">pending</p><p id="ws">pending</p>
<script>
fetch("${api}/graphql", { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer ${token}" },
  body: JSON.stringify({ query: "{ me { role } positions { code } }" }) })
  .then((r) => r.json()).then((b) => { document.getElementById("http").textContent = "ok " + b.data.me.role + " " + b.data.positions.length; })
  .catch((e) => { document.getElementById("http").textContent = "refused"; });
const client = graphqlWs.createClient({ url: "${api.replace("http", "ws")}/graphql/ws", retryAttempts: 0 });
client.subscribe({ query: 'subscription { meetingUpdates(meetingId: "${meetingId}", after: "0") { kind } }' }, {
  next: (v) => { document.getElementById("ws").textContent = "ok " + (v.data ? v.data.meetingUpdates.kind : JSON.stringify(v)); },
  error: () => { document.getElementById("ws").textContent = "refused"; },
  complete: () => {},
});
</script></body></html>`;

const servers = [listedPort, unlistedPort].map((port) => {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page);
  });
  server.listen(Number(port), "127.0.0.1");
  return server;
});

const browser = await launch();
try {
  const results = {};
  for (const [name, port] of [["listed", listedPort], ["unlisted", unlistedPort]]) {
    const tab = await browser.newPage();
    await restrictToLocalhost(tab);
    await tab.goto(`http://127.0.0.1:${port}/`);
    await until(tab, `both answers on the ${name} origin`, () =>
      document.getElementById("http").textContent !== "pending" && document.getElementById("ws").textContent !== "pending");
    results[name] = await tab.evaluate(() => [document.getElementById("http").textContent, document.getElementById("ws").textContent]);
  }
  // The token went along: the browser was allowed to send `authorization`
  // (after a preflight).
  check(/^ok PRESIDENCY \d+$/.test(results.listed[0]), `listed origin over HTTP: ${results.listed[0]}`);
  check(results.listed[1] === "ok MEETING_SCHEDULED", `listed origin over WebSocket: ${results.listed[1]}`);
  check(results.unlisted[0] === "refused", `unlisted origin over HTTP: ${results.unlisted[0]}`);
  check(results.unlisted[1] === "refused", `unlisted origin over WebSocket: ${results.unlisted[1]}`);
  console.log("cors: ok");
} finally {
  await browser.close();
  for (const server of servers) server.close();
}
