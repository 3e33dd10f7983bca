// The committee console: a small single-page application on the public
// GraphQL API. Routes are paths (`/meetings/10MSP`); the server answers each
// with this page.

import { gql, setToken, token, ApiError } from "./api.js";
import { h, problem, session, leave } from "./ui.js";
import { committeePage, meetingsPage, meetingPage, nominationsPage, nominationPage, statePage } from "./pages.js";
import { monthPage, minutesPage, decisionsPage, actionPointsPage } from "./month.js";
import { topicsPage, topicPage, workingGroupsPage, workingGroupPage, progressPage } from "./topics.js";

async function loadMe() {
  session.me = null;
  if (!token()) return;
  try {
    const data = await gql("{ me { subject role organization state { code name } } }");
    session.me = data.me;
  } catch (error) {
    session.me = null;
    return error;
  }
}

function renderAccount(error) {
  const box = document.getElementById("account");
  box.replaceChildren();
  if (session.me) {
    const me = session.me;
    const who = me.state ? `${me.state.name} (${me.role.toLowerCase()})` : `${me.organization || me.subject} (${me.role.toLowerCase()})`;
    box.append(
      h("span", { class: "me", "data-testid": "me" }, "Signed in: ", h("strong", {}, who)),
      h("button", { type: "button", class: "quiet", onclick: async () => { setToken(""); await loadMe(); renderAccount(); route(); } }, "Sign out"),
    );
    return;
  }
  const input = h("input", { id: "token", type: "password", autocomplete: "off", placeholder: "Paste a token", "aria-describedby": "token-help" });
  const form = h("form", { class: "signin", onsubmit: async (event) => {
    event.preventDefault();
    setToken(input.value);
    const failed = await loadMe();
    renderAccount(failed || (!session.me ? new ApiError([{ extensions: { code: "UNAUTHENTICATED" } }]) : null));
    route();
  } },
    h("label", { for: "token" }, "Token"),
    input,
    h("button", { type: "submit" }, "Sign in"),
    h("span", { id: "token-help", class: "hint" }, "From ccm-committee token …; kept for this tab only."),
  );
  box.append(form);
  if (error) box.append(problem(error));
}

const routes = [
  [/^\/$/, () => committeePage()],
  [/^\/committee$/, () => committeePage()],
  [/^\/meetings$/, () => meetingsPage()],
  [/^\/meetings\/([^/]+)$/, (m) => meetingPage(decodeURIComponent(m[1]))],
  [/^\/meetings\/([^/]+)\/minutes$/, (m) => minutesPage(decodeURIComponent(m[1]))],
  [/^\/month$/, () => monthPage()],
  [/^\/decisions$/, () => decisionsPage()],
  [/^\/action-points$/, () => actionPointsPage()],
  [/^\/nominations$/, () => nominationsPage()],
  [/^\/nominations\/([^/]+)$/, (m) => nominationPage(decodeURIComponent(m[1]))],
  [/^\/states\/([^/]+)$/, (m) => statePage(decodeURIComponent(m[1]))],
  [/^\/topics$/, () => topicsPage()],
  [/^\/topics\/([^/]+)$/, (m) => topicPage(decodeURIComponent(m[1]))],
  [/^\/working-groups$/, () => workingGroupsPage()],
  [/^\/working-groups\/([^/]+)$/, (m) => workingGroupPage(decodeURIComponent(m[1]))],
  [/^\/progress\/([^/]+)$/, (m) => progressPage(decodeURIComponent(m[1]))],
];

async function route() {
  leave();
  const main = document.getElementById("main");
  const path = location.pathname;
  for (const a of document.querySelectorAll("[data-nav]")) {
    const here = path === "/" ? "committee" : path.split("/")[1];
    if (a.dataset.nav === here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const match = routes.find(([pattern]) => pattern.test(path));
  main.replaceChildren(h("p", { class: "loading" }, "Loading…"));
  try {
    const content = match ? await match[1](path.match(match[0])) : h("h1", {}, "Not found");
    main.replaceChildren(content);
  } catch (error) {
    main.replaceChildren(h("h1", {}, "Cannot show this page"), problem(error));
  }
  const heading = main.querySelector("h1");
  document.title = `${heading ? heading.textContent + " · " : ""}Coordination Committee`;
}


document.addEventListener("click", (event) => {
  const a = event.target.closest && event.target.closest("a[href]");
  if (!a || a.target || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin || url.pathname === "/graphql") return;
  event.preventDefault();
  history.pushState(null, "", url.pathname + url.search);
  route().then(() => document.getElementById("main").focus());
});
window.addEventListener("popstate", () => route());
// A page that changed who may act asks for the account box to be redrawn.
window.addEventListener("ccm:refresh", () => route());

const failed = await loadMe();
renderAccount(failed);
route();
