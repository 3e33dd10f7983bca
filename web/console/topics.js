// Topics for discussion by all, the working groups and the progress report:
// the topics board by stage, a topic's page (its moves for the signed-in
// role, documents, meetings, history and workflow diagram, live), the
// working groups with their plans and ratings, and the progress report.

import { gql, follow, token } from "./api.js";
import { h, fill, session, onLeave, day, moment, table, run, reloads } from "./ui.js";
import { TOPIC_STATES, OUTCOMES, DOCUMENT_KINDS, RATINGS, ACTIVITY_STATUS, MEETING_STATUS, labelOf } from "./words.js";

const topicHref = (id) => `/topics/${encodeURIComponent(id)}`;
const groupHref = (code) => `/working-groups/${encodeURIComponent(code)}`;
const meetingLink = (m) => (m ? h("a", { href: `/meetings/${encodeURIComponent(m.code)}` }, m.code) : "—");
const badge = (state) => h("span", { class: `badge s-${state.toLowerCase()}` }, labelOf(TOPIC_STATES, state));
const role = () => (session.me ? session.me.role : null);
const isCommittee = () => ["PRESIDENCY", "ADMIN"].includes(role());
const BOARD = ["PROPOSED", "UNDER_CONSIDERATION", "ACCEPTED", "SCHEDULED", "DISCUSSED", "CLOSED", "DECLINED", "WITHDRAWN"];

const field = (id, label, input) => [h("label", { for: id }, label), Object.assign(input, { id })];

/// "For discussion by all" on a meeting's page: the topics on its agenda
/// and what came of each.
export function discussionSection(m) {
  const placed = m.topics || [];
  const committee = m.kind === "COORDINATION_COMMITTEE";
  const rows = placed.map((p) => h("tr", {},
    h("th", { scope: "row" }, h("a", { href: topicHref(p.topic.id) }, p.topic.title)),
    h("td", {}, committee ? "For the committee's consideration" : "For discussion by all"),
    h("td", {}, p.outcome ? labelOf(OUTCOMES, p.outcome) : "On the agenda"),
    h("td", {}, p.outcomeText || "")));
  return h("section", { "data-testid": "discussion-by-all" }, h("h2", {}, "For discussion by all"),
    table(committee ? `Topics the committee considers at ${m.code}` : `Topics for discussion by all at ${m.code}`,
      ["Topic", "Why", "Outcome", "Text"], rows));
}

// ----------------------------------------------------------------- The board

const PROPOSERS = ["COORDINATOR", "DELEGATE", "PRESIDENCY", "OBSERVER", "ADMIN"];

function proposeForm(groups, status, reload) {
  const title = h("input", { required: true, maxlength: 300 });
  const description = h("textarea", { required: true, rows: 3, maxlength: 10000 });
  const area = h("select", {}, h("option", { value: "" }, "No particular area"),
    groups.map((g) => h("option", { value: g.position.code }, g.position.name)));
  const docTitle = h("input", { maxlength: 300 });
  const docKind = h("select", {}, Object.entries(DOCUMENT_KINDS).map(([k, v]) => h("option", { value: k }, v)));
  const symbol = h("input", { placeholder: "CCM/MSP/2026/WP.1", maxlength: 60 });
  const language = h("input", { value: "en", size: 3, maxlength: 3 });
  const url = h("input", { type: "url", placeholder: "https://" });
  return h("form", { class: "raise-topic", "aria-label": "Raise a topic", onsubmit: async (e) => {
    e.preventDefault();
    const documents = docTitle.value.trim() ? [{ title: docTitle.value, kind: docKind.value,
      symbol: symbol.value.trim() || null, language: language.value, url: url.value }] : [];
    await run(status, "proposeTopic", "ProposeTopicInput",
      { title: title.value, description: description.value, area: area.value || null, documents },
      "The topic was raised.", reload);
  } },
    h("h2", {}, "Raise a topic"),
    field("t-title", "Title", title), field("t-description", "Description", description), field("t-area", "Thematic area", area),
    h("fieldset", {}, h("legend", {}, "Background document (optional)"),
      field("d-title", "Title", docTitle), field("d-kind", "Kind", docKind), field("d-symbol", "Symbol", symbol),
      field("d-language", "Language", language), field("d-url", "Link", url)),
    h("button", { type: "submit" }, "Raise the topic"));
}

export async function topicsPage() {
  const root = h("div", { class: "topics" });
  const status = h("div", { class: "status-area", "aria-live": "polite" });
  const board = h("div", { class: "board", "data-testid": "topic-board" });
  const groups = (await gql("{ workingGroups { position { code name } } }")).workingGroups;
  const reload = async () => {
    const data = await gql(`{ topics(first: 100) { edges { node { id title state area { name } proposerState { name } proposerOrganization { code } } } } }`);
    const topics = data.topics.edges.map((e) => e.node);
    fill(board, BOARD.map((state) => {
      const here = topics.filter((t) => t.state === state);
      return h("section", { class: "column", "aria-labelledby": `col-${state}` },
        h("h2", { id: `col-${state}` }, `${labelOf(TOPIC_STATES, state)} (${here.length})`),
        h("ul", { class: "plain" }, here.map((t) => h("li", {},
          h("a", { href: topicHref(t.id) }, t.title),
          h("span", { class: "hint" }, ` ${[t.area && t.area.name, t.proposerState ? t.proposerState.name : t.proposerOrganization && t.proposerOrganization.code].filter(Boolean).join(" · ")}`)))));
    }));
  };
  await reload();
  fill(root, h("h1", {}, "Topics for discussion by all"),
    h("p", { class: "lede" }, "Issues or topics a member of the committee raises; the committee considers them at its meetings and may place them on the agenda of a meeting for discussion by all."),
    board, status,
    PROPOSERS.includes(role()) ? proposeForm(groups, status, reload) : null);
  return root;
}

// ------------------------------------------------------------ A topic's page

const TOPIC = `id title description state version allowedEvents proposedBy proposerRole
  proposerState { code name } proposerOrganization { code name } area { code name } createdAt
  documents { title kind symbol language url addedBy }
  placements { purpose outcome outcomeText placedAt endedAt meeting { code kind status } decision { text } }
  history { seq from event to actor at note }`;

let mermaidLoaded = null;

function loadMermaid() {
  if (!mermaidLoaded) {
    mermaidLoaded = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = "/assets/vendor/mermaid.min.js";
      s.onload = () => { window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" }); resolve(window.mermaid); };
      s.onerror = reject;
      document.head.append(s);
    });
  }
  return mermaidLoaded;
}

async function diagram(source, current) {
  const box = h("figure", { class: "diagram", "data-testid": "topic-diagram" },
    h("figcaption", {}, `The topic workflow; the topic is ${labelOf(TOPIC_STATES, current).toLowerCase()} (highlighted)`));
  try {
    const mermaid = await loadMermaid();
    const marked = `${source}\n    classDef current fill:#ffd966,stroke:#7a5c00,stroke-width:3px\n    class ${current} current\n`;
    const { svg } = await mermaid.render(`topic-wf-${Date.now()}`, marked);
    const holder = h("div", { class: "svg", role: "img", "aria-label": `Workflow diagram; the topic is ${labelOf(TOPIC_STATES, current)}` });
    holder.innerHTML = svg; // drawn by mermaid in strict mode from the server's own definition
    box.append(holder);
  } catch {
    box.append(h("pre", {}, source));
  }
  return box;
}

/// Whether the signed-in person raised the topic (or acts for who did).
function isProposer(t) {
  const me = session.me;
  if (!me) return false;
  if (me.role === "ADMIN") return true;
  if (["COORDINATOR", "DELEGATE"].includes(me.role)) return !!(me.state && t.proposerState && me.state.code === t.proposerState.code);
  if (me.role === "OBSERVER") return !!(me.organization && t.proposerOrganization && me.organization === t.proposerOrganization.code);
  return me.role === "PRESIDENCY" && t.proposerRole === "PRESIDENCY";
}

/// The events the signed-in person may fire now, by the definition's roles.
function myEvents(t, wf) {
  if (!session.me) return [];
  return t.allowedEvents.filter((event) => {
    const tr = wf.transitions.find((x) => x.event === event && x.from.includes(t.state));
    if (!tr || !tr.roles.includes(session.me.role)) return false;
    return event === "withdraw" ? isProposer(t) : true;
  });
}

function moveForms(t, wf, meetings, status, reload) {
  const base = () => ({ topicId: t.id, expectedVersion: t.version });
  const events = myEvents(t, wf);
  const forms = [];
  const select = (id, list) => h("select", { id, required: true }, list.map((m) => h("option", { value: m.id }, `${m.code} (${labelOf(MEETING_STATUS, m.status)}, ${day(m.startsOn)})`)));
  const noteForm = (event, label, mutation, noteLabel, required, done) => {
    const note = h("input", { id: `note-${event}`, maxlength: 4000, required });
    return h("form", { class: "move", "data-event": event, "aria-label": label, onsubmit: (e) => {
      e.preventDefault();
      run(status, mutation, "MoveTopicInput", { ...base(), note: note.value || null }, done, reload);
    } }, h("label", { for: `note-${event}` }, noteLabel), note, h("button", { type: "submit" }, label));
  };
  if (events.includes("placeForConsideration")) {
    const list = meetings.filter((m) => m.kind === "COORDINATION_COMMITTEE");
    const s = select("m-consider", list);
    forms.push(h("form", { class: "move", "data-event": "placeForConsideration", "aria-label": "Place for the committee's consideration", onsubmit: (e) => {
      e.preventDefault();
      run(status, "placeTopicForConsideration", "PlaceTopicInput", { ...base(), meetingId: s.value }, "Placed before the committee.", reload);
    } }, h("label", { for: "m-consider" }, "Committee meeting"), s, h("button", { type: "submit", disabled: !list.length }, "Place for the committee's consideration")));
  }
  if (events.includes("accept")) forms.push(noteForm("accept", "Accept: the committee deems it relevant", "acceptTopic", "Note (optional)", false, "Accepted."));
  if (events.includes("decline")) forms.push(noteForm("decline", "Decline", "declineTopic", "Reason", true, "Declined."));
  if (events.includes("schedule")) {
    const list = meetings.filter((m) => m.kind !== "COORDINATION_COMMITTEE");
    const s = select("m-schedule", list);
    forms.push(h("form", { class: "move", "data-event": "schedule", "aria-label": "Schedule for discussion by all", onsubmit: (e) => {
      e.preventDefault();
      run(status, "scheduleTopic", "PlaceTopicInput", { ...base(), meetingId: s.value }, "Scheduled for discussion by all.", reload);
    } }, h("label", { for: "m-schedule" }, "Meeting for discussion by all"), s, h("button", { type: "submit", disabled: !list.length }, "Schedule for discussion by all")));
  }
  if (events.includes("discuss") || events.includes("carryOver")) {
    const outcome = h("select", { id: "outcome" }, ["CONCLUSIONS", "RECOMMENDATION", "REFERRED_TO_WORKING_GROUP", "CARRIED_OVER"]
      .map((o) => h("option", { value: o }, labelOf(OUTCOMES, o))));
    const text = h("textarea", { id: "outcome-text", rows: 2, required: true, maxlength: 4000 });
    forms.push(h("form", { class: "move", "data-event": "discuss", "aria-label": "Record the outcome", onsubmit: (e) => {
      e.preventDefault();
      run(status, "recordTopicOutcome", "RecordTopicOutcomeInput", { ...base(), outcome: outcome.value, text: text.value }, "The outcome was recorded.", reload);
    } }, h("label", { for: "outcome" }, "Outcome"), outcome, h("label", { for: "outcome-text" }, "Text"), text, h("button", { type: "submit" }, "Record the outcome")));
  }
  if (events.includes("close")) forms.push(noteForm("close", "Close the topic", "closeTopic", "How it was followed up", true, "Closed."));
  if (events.includes("withdraw")) forms.push(noteForm("withdraw", "Withdraw the topic", "withdrawTopic", "Note (optional)", false, "Withdrawn."));
  return forms;
}

function documentForm(t, status, reload) {
  const title = h("input", { required: true, maxlength: 300 });
  const kind = h("select", {}, Object.entries(DOCUMENT_KINDS).map(([k, v]) => h("option", { value: k }, v)));
  const symbol = h("input", { placeholder: "CCM/MSP/2026/WP.1", maxlength: 60 });
  const language = h("input", { value: "en", size: 3, maxlength: 3 });
  const url = h("input", { type: "url", required: true, placeholder: "https://" });
  return h("form", { class: "document", "aria-label": "Add a background document", onsubmit: (e) => {
    e.preventDefault();
    run(status, "addTopicDocument", "AddTopicDocumentInput", { topicId: t.id, document: { title: title.value,
      kind: kind.value, symbol: symbol.value.trim() || null, language: language.value, url: url.value } }, "The document was added.", reload);
  } }, h("h3", {}, "Add a background document"),
    field("n-title", "Title", title), field("n-kind", "Kind", kind), field("n-symbol", "Symbol", symbol),
    field("n-language", "Language", language), field("n-url", "Link", url), h("button", { type: "submit" }, "Add the document"));
}

export async function topicPage(id) {
  const first = await gql(`query($id: ID!) { latestCursor topic(id: $id) { ${TOPIC} }
    workflow(name: "topic") { mermaid transitions { from event to roles } }
    meetings(filter: { statuses: [PLANNED, IN_SESSION] }, first: 50) { edges { node { id code kind status startsOn } } } }`, { id });
  if (!first.topic) return h("div", {}, h("h1", {}, "No such topic"));
  const wf = first.workflow;
  const meetings = first.meetings.edges.map((e) => e.node);
  let t = first.topic;
  const root = h("div", { class: "topic" });
  const status = h("div", { class: "status-area", "aria-live": "polite" });
  const moves = h("div", { class: "actions", role: "group", "aria-label": "What you can do", "data-testid": "topic-moves" });
  const body = h("div", {});
  let drawnMoves = null;

  const begin = reloads();
  const reload = async () => {
    const current = begin();
    const fresh = (await gql(`query($id: ID!) { topic(id: $id) { ${TOPIC} } }`, { id })).topic;
    if (!current()) return fresh;
    t = fresh;
    await draw();
    return t;
  };

  const draw = async () => {
    // The forms are redrawn only when what they offer changes.
    const shape = JSON.stringify([t.state, t.version]);
    if (shape !== drawnMoves) {
      drawnMoves = shape;
      fill(moves, moveForms(t, wf, meetings, status, reload));
    }
    const by = t.proposerState ? t.proposerState.name : t.proposerOrganization ? t.proposerOrganization.name : t.proposedBy;
    fill(body,
      h("p", { class: "lede" }, badge(t.state), ` Raised by ${by}`, t.area ? [" on ", h("a", { href: groupHref(t.area.code) }, t.area.name)] : "",
        ` · ${moment(t.createdAt)} · version ${t.version}`),
      h("p", {}, t.description),
      h("section", {}, h("h2", {}, "Background documents"),
        table("Documents (links)", ["Title", "Kind", "Symbol", "Language"], t.documents.map((d) => h("tr", {},
          h("td", {}, h("a", { href: d.url, rel: "noopener noreferrer", target: "_blank" }, d.title)),
          h("td", {}, labelOf(DOCUMENT_KINDS, d.kind)), h("td", {}, d.symbol || "—"), h("td", {}, d.language))), { "data-testid": "topic-documents" }),
        isCommittee() || isProposer(t) ? documentForm(t, status, reload) : null),
      h("section", {}, h("h2", {}, "Meetings"),
        table("The meetings that considered or discussed it", ["Meeting", "Why", "Outcome", "Text"], t.placements.map((p) => h("tr", {},
          h("td", {}, meetingLink(p.meeting)),
          h("td", {}, p.purpose === "CONSIDERATION" ? "The committee's consideration" : "Discussion by all"),
          h("td", {}, p.outcome ? labelOf(OUTCOMES, p.outcome) : "On the agenda"),
          h("td", {}, p.outcomeText || (p.decision ? p.decision.text : "")))), { "data-testid": "topic-meetings" })),
      h("section", {}, h("h2", {}, "History"),
        h("ol", { class: "timeline", "data-testid": "topic-history" }, t.history.map((e) => h("li", {},
          h("time", { datetime: e.at }, moment(e.at)), " ",
          h("strong", {}, e.from ? `${labelOf(TOPIC_STATES, e.from)} → ${labelOf(TOPIC_STATES, e.to)}` : `Raised (${labelOf(TOPIC_STATES, e.to)})`),
          ` (${e.event}) by ${e.actor}`, e.note ? ` — ${e.note}` : "")))),
      await diagram(wf.mermaid, t.state));
  };
  await draw();
  fill(root, h("h1", {}, t.title), moves, status, body);
  const stop = follow({
    query: `subscription($id: ID!, $after: String) { topicEvents(topicId: $id, after: $after) { cursor } }`,
    variables: { id: t.id },
    field: "topicEvents",
    after: first.latestCursor,
    onUpdate: () => reload().catch(() => {}),
  });
  onLeave(stop);
  return root;
}

// ------------------------------------------------------------ Working groups

const PLAN = `id title state version startsOn endsOn allowedEvents
  objectives { id ordinal text actions { number area } activities { id text dueOn status }
    latestRating { rating label note ratedOn } ratings { rating ratedOn note } }`;

export async function workingGroupsPage() {
  const data = await gql(`{ workingGroups { position { code name } holders { state { name } }
    currentWorkPlan { title state } topics { id } } }`);
  const rows = data.workingGroups.map((g) => h("tr", {},
    h("th", { scope: "row" }, h("a", { href: groupHref(g.position.code) }, g.position.name)),
    h("td", {}, g.holders.map((x) => x.state.name).join(", ") || "Not recorded"),
    h("td", {}, g.currentWorkPlan ? `${g.currentWorkPlan.title} (${g.currentWorkPlan.state.toLowerCase()})` : "—"),
    h("td", {}, String(g.topics.length))));
  return h("div", {}, h("h1", {}, "Working groups"),
    h("p", { class: "lede" }, "Each thematic coordinator's position is a working group, led by the States holding its seats, with a yearly work plan tied to the action plan."),
    table("Working groups", ["Group", "Led today by", "Current work plan", "Topics"], rows, { "data-testid": "working-groups" }));
}

function leads(group) {
  const me = session.me;
  if (!me) return false;
  if (["PRESIDENCY", "ADMIN"].includes(me.role)) return true;
  return me.role === "COORDINATOR" && !!me.state && group.holders.some((x) => x.state.code === me.state.code);
}

function planSection(plan, group, status, reload) {
  const mine = leads(group);
  const base = () => ({ expectedVersion: plan.version });
  const rows = plan.objectives.map((o) => {
    const rating = h("select", { id: `rate-${o.id}` }, Object.entries(RATINGS).map(([k, v]) => h("option", { value: k }, v)));
    const note = h("input", { id: `rate-note-${o.id}`, required: true, maxlength: 2000 });
    const rate = mine ? h("form", { class: "rate", "aria-label": `Rate objective ${o.ordinal}`, onsubmit: (e) => {
      e.preventDefault();
      run(status, "rateObjective", "RateObjectiveInput", { ...base(), objectiveId: o.id, rating: rating.value, note: note.value }, "Rated.", reload);
    } }, h("label", { for: `rate-${o.id}` }, "Rating"), rating, h("label", { for: `rate-note-${o.id}` }, "Note"), note, h("button", { type: "submit" }, "Rate")) : null;
    return h("tr", { "data-objective": o.ordinal },
      h("td", {}, `${o.ordinal}. ${o.text}`),
      h("td", {}, o.actions.map((a) => `Action ${a.number}`).join(", ")),
      h("td", {}, h("ul", { class: "plain" }, o.activities.map((a) => h("li", {}, `${a.text}${a.dueOn ? ` (${day(a.dueOn)})` : ""}: ${labelOf(ACTIVITY_STATUS, a.status)}`,
        mine && a.status === "PLANNED" ? h("button", { type: "button", class: "quiet", onclick: () =>
          run(status, "setWorkPlanActivityStatus", "SetWorkPlanActivityStatusInput", { ...base(), activityId: a.id, status: "DONE" }, "Marked done.", reload) }, "Done") : null)))),
      h("td", { "data-testid": "latest-rating" }, o.latestRating ? `${o.latestRating.label} (${day(o.latestRating.ratedOn)}): ${o.latestRating.note}` : "Not rated",
        o.ratings.length > 1 ? h("span", { class: "hint" }, ` · ${o.ratings.length} ratings`) : ""),
      h("td", {}, rate));
  });
  return h("section", { "data-testid": "work-plan" }, h("h2", {}, plan.title),
    h("p", {}, `${day(plan.startsOn)} – ${day(plan.endsOn)} · ${plan.state === "DRAFT" ? "draft" : "published"} · version ${plan.version}`,
      mine && plan.allowedEvents.includes("publish") ? h("button", { type: "button", onclick: () =>
        run(status, "publishWorkPlan", "PublishWorkPlanInput", { ...base(), workPlanId: plan.id }, "Published.", reload) }, "Publish the plan") : null),
    table("Objectives, the actions that guide them, activities and progress", ["Objective", "Actions", "Activities", "Latest rating", "Rate it"], rows),
    mine && plan.state === "DRAFT" ? objectiveForm(plan, status, reload) : null);
}

function objectiveForm(plan, status, reload) {
  const text = h("input", { required: true, maxlength: 2000 });
  const actions = h("input", { required: true, placeholder: "11" });
  const activity = h("input", { maxlength: 2000 });
  return h("form", { class: "objective", "aria-label": "Add an objective", onsubmit: (e) => {
    e.preventDefault();
    const numbers = actions.value.split(/[^0-9]+/).filter(Boolean).map(Number);
    run(status, "addWorkPlanObjective", "AddWorkPlanObjectiveInput", { workPlanId: plan.id, expectedVersion: plan.version,
      objective: { text: text.value, actions: numbers, activities: activity.value.trim() ? [{ text: activity.value }] : [] } },
    "The objective was added.", reload);
  } }, h("h3", {}, "Add an objective"),
    field("o-text", "Objective", text), field("o-actions", "Guided by actions (numbers)", actions), field("o-activity", "A first activity (optional)", activity),
    h("button", { type: "submit" }, "Add the objective"));
}

function createPlanForm(group, status, reload) {
  const title = h("input", { required: true, maxlength: 2000 });
  const from = h("input", { type: "date", required: true });
  const to = h("input", { type: "date", required: true });
  const objective = h("input", { required: true, maxlength: 2000 });
  const actions = h("input", { required: true, placeholder: "10, 11" });
  return h("form", { class: "create-plan", "aria-label": "Draft a work plan", onsubmit: (e) => {
    e.preventDefault();
    const numbers = actions.value.split(/[^0-9]+/).filter(Boolean).map(Number);
    run(status, "createWorkPlan", "CreateWorkPlanInput", { position: group.position.code, title: title.value,
      startsOn: from.value, endsOn: to.value, objectives: [{ text: objective.value, actions: numbers }] }, "The work plan was drafted.", reload);
  } }, h("h2", {}, "Draft a work plan"),
    field("wp-title", "Title", title), field("wp-from", "From", from), field("wp-to", "To", to),
    field("wp-objective", "First objective", objective), field("wp-actions", "Guided by actions (numbers)", actions),
    h("button", { type: "submit" }, "Draft the plan"));
}

export async function workingGroupPage(code) {
  const root = h("div", { class: "working-group" });
  const status = h("div", { class: "status-area", "aria-live": "polite" });
  const body = h("div", {});
  let group = null;
  const reload = async () => {
    group = (await gql(`query($code: String!) { workingGroup(position: $code) { position { code name }
      holders { state { code name } } currentWorkPlan { ${PLAN} } workPlans { id title state startsOn endsOn }
      topics { id title state } } }`, { code })).workingGroup;
    if (!group) return fill(body, h("p", {}, `${code} is not a working group.`));
    const g = group;
    fill(body,
      h("h1", {}, g.position.name),
      h("p", { class: "lede" }, "Led today by ", g.holders.map((x) => x.state.name).join(" and ") || "no State on record"),
      g.currentWorkPlan ? planSection(g.currentWorkPlan, g, status, reload) : h("p", {}, "No work plan yet."),
      leads(g) ? createPlanForm(g, status, reload) : null,
      status,
      h("section", {}, h("h2", {}, "Its topics"),
        h("ul", { class: "plain", "data-testid": "group-topics" }, g.topics.map((t) => h("li", {}, h("a", { href: topicHref(t.id) }, t.title), " ", badge(t.state))))),
      g.workPlans.length > 1 ? h("section", {}, h("h2", {}, "Earlier plans"),
        h("ul", { class: "plain" }, g.workPlans.slice(1).map((p) => h("li", {}, `${p.title} (${day(p.startsOn)} – ${day(p.endsOn)})`)))) : null);
    return group;
  };
  await reload();
  fill(root, body);
  return root;
}

// --------------------------------------------------------- The progress report

export async function progressPage(code) {
  const headers = token() ? { authorization: `Bearer ${token()}` } : {};
  const href = `/meetings/${encodeURIComponent(code)}/progress-report`;
  const response = await fetch(`${href}?fragment=1`, { headers });
  // Built by the server from the API: every text escaped; the chart is the server's SVG.
  const html = response.ok ? await response.text() : `<p>The progress report to ${code} cannot be read: ${response.status}.</p>`;
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const article = h("div", { class: "report-box", "data-testid": "progress-report" });
  article.replaceChildren(...parsed.body.childNodes);
  return h("div", {}, h("p", { class: "actions" }, h("a", { href, target: "_blank", rel: "noopener" }, "Printable version")), article);
}
