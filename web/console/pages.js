// The console's pages. Each is an async function that reads what it shows
// through the public API and returns its content.

import { gql, follow, idempotencyKey, ApiError } from "./api.js";
import { h, fill, problem, notice, session, onLeave, navigate, day, moment, today, table, reloads } from "./ui.js";
import { committeeMeetingPage } from "./month.js";
import { discussionSection } from "./topics.js";
import { STATE_LABELS, MEETING_STATUS, SEAT_STATUS, REGIONAL_GROUPS, STANCES, MOVES, UPDATE_KINDS, labelOf } from "./words.js";

const stateLink = (s) => (s ? h("a", { href: `/states/${s.code}` }, s.name) : "—");
const meetingLink = (m) => (m ? h("a", { href: `/meetings/${encodeURIComponent(m.code)}` }, m.code) : "—");
const nominationHref = (id) => `/nominations/${encodeURIComponent(id)}`;
const badge = (state) => h("span", { class: `badge s-${state.toLowerCase()}` }, labelOf(STATE_LABELS, state));

/// Runs a move for the user: the version they saw goes with it, and a key
/// makes a repeated click harmless. On CONFLICT the page reloads and says
/// what changed; any refusal becomes a sentence in `status`.
async function act(status, mutation, inputType, input, { seen, reload, done } = {}) {
  status.replaceChildren(h("p", { class: "working", role: "status" }, "Working…"));
  const key = input.idempotencyKey || idempotencyKey();
  try {
    const data = await gql(
      `mutation($input: ${inputType}!) { result: ${mutation}(input: $input) { __typename } }`,
      { input: { ...input, idempotencyKey: key } },
    );
    status.replaceChildren(notice(done || "Done."));
    if (reload) await reload();
    return data;
  } catch (error) {
    if (error instanceof ApiError && error.code === "CONFLICT" && reload) {
      const now = await reload();
      const changed = seen && now ? describeChange(seen, now) : "";
      status.replaceChildren(problem(error, changed));
    } else {
      status.replaceChildren(problem(error));
    }
    return null;
  }
}

function describeChange(seen, now) {
  if (seen.state && now.state && seen.state !== now.state) {
    return `It moved from “${labelOf(STATE_LABELS, seen.state)}” to “${labelOf(STATE_LABELS, now.state)}”.`;
  }
  if (seen.status && now.status && seen.status !== now.status) {
    return `Its status changed from “${labelOf(MEETING_STATUS, seen.status)}” to “${labelOf(MEETING_STATUS, now.status)}”.`;
  }
  return `It is now at version ${now.version} (you saw ${seen.version}).`;
}

function canPresidency() {
  return session.me && ["PRESIDENCY", "ADMIN"].includes(session.me.role);
}

function canDelegate() {
  return session.me && ["DELEGATE", "COORDINATOR"].includes(session.me.role);
}

// ---------------------------------------------------------------- Committee

const GROUPS = [
  ["Presidency", (p) => ["PRESIDENT", "PRESIDENT_DESIGNATE", "OUTGOING_PRESIDENT"].includes(p.kind)],
  ["Thematic coordinators", (p) => p.kind === "COORDINATOR"],
];

export async function committeePage() {
  const params = new URLSearchParams(location.search);
  const asOf = /^\d{4}-\d{2}-\d{2}$/.test(params.get("asOf") || "") ? params.get("asOf") : today();
  const data = await gql(
    `query($asOf: Date) { committee(asOf: $asOf) { asOf
      positions { position { code name kind seats termYears renewable }
        seats { seat status holder { startsOn endsOn attested state { code name regionalGroup } endsAt { code } designatedAt { code } } } }
      observers { code name } supportUnit { name hostedBy { name } } } }`,
    { asOf },
  );
  const c = data.committee;
  const input = h("input", { id: "as-of", type: "date", name: "asOf", value: c.asOf, min: "2008-12-03", required: true });
  const form = h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); navigate(`/?asOf=${input.value}`); } },
    h("label", { for: "as-of" }, "Composition on"), input, h("button", { type: "submit" }, "Show"));
  const sections = GROUPS.map(([title, wanted]) => {
    const rows = c.positions.filter((p) => wanted(p.position)).flatMap((p) =>
      p.seats.map((seat, i) => h("tr", { class: `seat-${seat.status.toLowerCase()}` },
        i === 0 ? h("th", { scope: "row", rowspan: p.seats.length }, p.position.name) : null,
        h("td", {}, seat.holder ? stateLink(seat.holder.state) : h("em", {}, labelOf(SEAT_STATUS, seat.status))),
        h("td", {}, seat.holder ? `${day(seat.holder.startsOn)} – ${seat.holder.endsOn ? day(seat.holder.endsOn) : "open"}${seat.holder.attested ? " (attested on a date)" : ""}` : ""),
        h("td", {}, seat.holder && seat.holder.endsAt ? meetingLink(seat.holder.endsAt) : "—"),
      )));
    return h("section", {}, h("h2", {}, title),
      table(`${title} on ${day(c.asOf)}`, ["Position", "Holder", "Term", "Term ends at"], rows));
  });
  const observers = h("section", {}, h("h2", {}, "Observers and support"),
    h("ul", { class: "plain" },
      c.observers.map((o) => h("li", {}, `${o.name} — observer`)),
      c.supportUnit ? h("li", {}, `${c.supportUnit.name}${c.supportUnit.hostedBy ? `, hosted by the ${c.supportUnit.hostedBy.name}` : ""} — assists the committee`) : null));
  return h("div", {}, h("h1", {}, `The Coordination Committee on ${day(c.asOf)}`), form, sections, observers);
}

export async function statePage(code) {
  const data = await gql(
    `query($code: String!) { state(code: $code) { code name regionalGroup signedOn depositedOn depositKind entryIntoForceOn withdrawalEffectiveOn relation
      mandates(first: 100) { edges { node { startsOn endsOn attested position { name } designatedAt { code } endsAt { code } } } } } }`,
    { code },
  );
  const s = data.state;
  if (!s) return h("div", {}, h("h1", {}, "No such State"), h("p", {}, `No State has the code ${code}.`));
  const facts = [
    ["Regional group", labelOf(REGIONAL_GROUPS, s.regionalGroup) || "none"],
    ["Signed", day(s.signedOn)],
    [s.depositKind ? `Instrument deposited (${s.depositKind.toLowerCase()})` : "Instrument deposited", day(s.depositedOn)],
    ["Convention in force for it", day(s.entryIntoForceOn)],
    ["Withdrawal effective", s.withdrawalEffectiveOn ? day(s.withdrawalEffectiveOn) : null],
    ["Today", s.relation.toLowerCase().replaceAll("_", " ")],
  ].filter(([, v]) => v);
  const rows = s.mandates.edges.map(({ node: m }) => h("tr", {},
    h("td", {}, m.position.name), h("td", {}, day(m.startsOn)), h("td", {}, m.endsOn ? day(m.endsOn) : "open"),
    h("td", {}, meetingLink(m.designatedAt)), h("td", {}, meetingLink(m.endsAt))));
  return h("div", {},
    h("h1", {}, s.name),
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h("h2", {}, "On the Coordination Committee"),
    table(`Mandates of ${s.name}`, ["Position", "From", "Until", "Designated at", "Ends at"], rows));
}

// ----------------------------------------------------------------- Meetings

export async function meetingsPage() {
  const data = await gql(`{ meetings(direction: DESC, first: 100) { edges { node { code kind year startsOn endsOn city status presidingState { code name } } } } }`);
  const all = data.meetings.edges.map((e) => e.node);
  const row = (m) => h("tr", {}, h("th", { scope: "row" }, meetingLink(m)), h("td", {}, m.startsOn ? `${day(m.startsOn)} – ${day(m.endsOn)}` : m.year),
    h("td", {}, m.city || "—"), h("td", {}, stateLink(m.presidingState)), h("td", {}, labelOf(MEETING_STATUS, m.status)));
  const headers = ["Meeting", "Dates", "City", "President", "Status"];
  const part = (title, list) => h("section", {}, h("h2", {}, title), table(title, headers, list.map(row)));
  return h("div", {}, h("h1", {}, "Meetings"),
    canPresidency() ? scheduleForm() : null,
    part("In session", all.filter((m) => m.status === "IN_SESSION")),
    part("Planned", all.filter((m) => m.status === "PLANNED").reverse()),
    part("Past", all.filter((m) => m.status === "CONCLUDED" || m.status === "CANCELLED")));
}

/// The President's office schedules a meeting.
function scheduleForm() {
  const status = h("div", { "aria-live": "polite" });
  const field = (id, label, attrs) => [h("label", { for: id }, label), h("input", { id, ...attrs })];
  const kind = h("select", { id: "s-kind" }, h("option", { value: "MSP" }, "Meeting of States Parties"),
    h("option", { value: "REVIEW_CONFERENCE" }, "Review Conference"),
    h("option", { value: "COORDINATION_COMMITTEE" }, "Coordination Committee meeting"),
    h("option", { value: "INTERSESSIONAL" }, "Intersessional meeting"));
  const format = h("select", { id: "s-format" }, h("option", { value: "" }, "—"), h("option", { value: "IN_PERSON" }, "In person"),
    h("option", { value: "HYBRID" }, "Hybrid"), h("option", { value: "VIRTUAL" }, "Virtual"));
  const key = idempotencyKey();
  const form = h("form", { class: "propose", onsubmit: async (e) => {
    e.preventDefault();
    const value = (id) => form.querySelector(`#${id}`).value.trim() || null;
    try {
      const made = await gql(`mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { code } }`,
        { input: { code: value("s-code"), kind: kind.value, startsOn: value("s-starts"), endsOn: value("s-ends"), city: value("s-city"),
          startTime: value("s-start-time"), endTime: value("s-end-time"), timeZone: value("s-zone"), venue: value("s-venue"),
          format: format.value || null, idempotencyKey: key } });
      navigate(`/meetings/${encodeURIComponent(made.scheduleMeeting.code)}`);
    } catch (error) {
      status.replaceChildren(problem(error));
    }
  } },
    h("h2", {}, "Schedule a meeting"),
    field("s-code", "Code", { required: true, placeholder: "15MSP", maxlength: 20 }),
    h("label", { for: "s-kind" }, "Kind"), kind,
    field("s-starts", "First day", { type: "date" }),
    field("s-ends", "Last day", { type: "date" }),
    field("s-city", "City", { maxlength: 200 }),
    field("s-start-time", "Starts at (HH:MM)", { type: "time" }),
    field("s-end-time", "Ends at (HH:MM)", { type: "time" }),
    field("s-zone", "Time zone", { placeholder: "Europe/Zurich", maxlength: 60 }),
    field("s-venue", "Venue", { placeholder: "Permanent Mission of …, Geneva", maxlength: 200 }),
    h("label", { for: "s-format" }, "Format"), format,
    h("button", { type: "submit" }, "Schedule"), status);
  return form;
}

/// The President's office moves a planned meeting's dates or venue.
function datesForm(m, status, reload) {
  const starts = h("input", { id: "m-starts", type: "date", value: m.startsOn || "" });
  const ends = h("input", { id: "m-ends", type: "date", value: m.endsOn || "" });
  const city = h("input", { id: "m-city", value: m.city || "", maxlength: 200 });
  return h("details", { class: "edit" }, h("summary", {}, "Change the dates or the city"),
    h("form", { class: "propose", onsubmit: (e) => {
      e.preventDefault();
      act(status, "updateMeeting", "UpdateMeetingInput",
        { meetingId: m.id, expectedVersion: m.version, startsOn: starts.value || null, endsOn: ends.value || null, city: city.value || null },
        { seen: m, reload, done: "The meeting was changed; its open nominations follow its new dates." });
    } },
      h("label", { for: "m-starts" }, "First day"), starts,
      h("label", { for: "m-ends" }, "Last day"), ends,
      h("label", { for: "m-city" }, "City"), city,
      h("button", { type: "submit" }, "Save")));
}

const MEETING_FIELDS = `id code kind year startsOn endsOn city status version country { name } presidingState { code name }
  sessions { part startsOn endsOn city } agenda { id order title kind decision decidedAt }
  topics { purpose outcome outcomeText topic { id title state } }`;
const MEETING_NOMINATIONS = `query($m: ID!) { nominations(first: 100, filter: { meetingId: $m }) { edges { node {
  id state version position { code name } nominee { code name regionalGroup } termStartsOn termEndsOn agendaItem { id }
  consultation { responseCount policyMet } } } } }`;

const KIND_TITLES = {
  MSP: "Meeting of States Parties",
  REVIEW_CONFERENCE: "Review Conference",
  INTERSESSIONAL: "Intersessional meeting",
  INFORMAL_CONSULTATION: "Informal consultation",
};

function describeUpdate(u) {
  const d = u.details || {};
  const n = u.nomination;
  const who = n ? `${n.nominee.name} for ${n.position.name}` : "";
  switch (d.__typename) {
    case "TransitionDetails":
      return `${who}: ${labelOf(STATE_LABELS, d.from) || "new"} → ${labelOf(STATE_LABELS, d.to)}`;
    case "ConsultationDetails":
      return `${who}: ${d.state || d.organization || "a responder"} — ${d.stance ? labelOf(STANCES, d.stance) : "response withdrawn"}`;
    case "DecisionDetails":
      return `Decision: ${d.decision}`;
    case "MeetingDetails":
      return [d.status ? labelOf(MEETING_STATUS, d.status) : null, d.startsOn ? `${day(d.startsOn)} – ${day(d.endsOn)}` : null].filter(Boolean).join(", ") || "Meeting changed";
    case "TermDetails":
      return `${who}: term now ${day(d.termStartsOn)} – ${day(d.termEndsOn)}`;
    case "MandateDetails":
      return `${d.state}, ${d.position}, from ${day(d.startsOn)}`;
    default:
      return "";
  }
}

export async function meetingPage(code) {
  const first = await gql(`query($code: String!) { latestCursor meeting(code: $code) { ${MEETING_FIELDS} } }`, { code });
  if (!first.meeting) return h("div", {}, h("h1", {}, "No such meeting"), h("p", {}, `No meeting has the code ${code}.`));
  if (first.meeting.kind === "COORDINATION_COMMITTEE") return committeeMeetingPage(code);
  let meeting = first.meeting;
  const cursor = first.latestCursor;
  let nominations = (await gql(MEETING_NOMINATIONS, { m: meeting.id })).nominations.edges.map((e) => e.node);

  const body = h("div", {});
  const status = h("div", { class: "status-area", "aria-live": "polite" });
  const feed = h("ol", { class: "feed", "data-testid": "feed", "aria-label": "Live updates", tabindex: 0 });
  const liveState = h("span", { class: "live", "data-testid": "live-state" }, "connecting");

  const begin = reloads();
  const reload = async () => {
    const current = begin();
    const fresh = (await gql(`query($code: String!) { meeting(code: $code) { ${MEETING_FIELDS} } }`, { code })).meeting;
    const listed = (await gql(MEETING_NOMINATIONS, { m: fresh.id })).nominations.edges.map((e) => e.node);
    if (!current()) return fresh;
    meeting = fresh;
    nominations = listed;
    draw();
    return meeting;
  };

  const draw = () => {
    const m = meeting;
    const actions = [];
    if (canPresidency()) {
      const move = (label, mutation) => h("button", { type: "button", onclick: () =>
        act(status, mutation, "MeetingVersionInput", { meetingId: m.id, expectedVersion: m.version },
          { seen: m, reload, done: `${label}: done.` }) }, label);
      if (m.status === "PLANNED") actions.push(move("Open the meeting", "openMeeting"));
      if (m.status === "IN_SESSION") actions.push(move("Conclude the meeting", "concludeMeeting"));
      for (const item of m.agenda.filter((a) => a.kind === "NOMINATIONS" && !a.decision)) {
        const slate = nominations.filter((n) => n.state === "ON_AGENDA" && n.agendaItem && n.agendaItem.id === item.id);
        if (slate.length && m.status === "IN_SESSION") {
          actions.push(h("button", { type: "button", onclick: () => act(status, "adoptSlate", "AdoptSlateInput",
            { agendaItemId: item.id, expectedVersions: slate.map((n) => ({ nominationId: n.id, expectedVersion: n.version })) },
            { reload, done: `The slate of ${slate.length} was adopted.` }) }, `Adopt the slate (${slate.length})`));
        }
      }
    }
    const rows = nominations.map((n) => h("tr", {},
      h("th", { scope: "row" }, h("a", { href: nominationHref(n.id) }, n.nominee.name)),
      h("td", {}, n.position.name), h("td", {}, badge(n.state)),
      h("td", {}, n.consultation.policyMet ? "met" : `${n.consultation.responseCount} responses`),
      h("td", {}, `${day(n.termStartsOn)} – ${day(n.termEndsOn)}`)));
    fill(body,
      h("h1", {}, `${m.code}: ${KIND_TITLES[m.kind] || "Meeting"}`),
      h("dl", { class: "facts" },
        h("dt", {}, "Status"), h("dd", { "data-testid": "meeting-status" }, labelOf(MEETING_STATUS, m.status)),
        h("dt", {}, "Dates"), h("dd", {}, m.startsOn ? `${day(m.startsOn)} – ${day(m.endsOn)}` : `${m.year}, dates not established`),
        h("dt", {}, "Where"), h("dd", {}, [m.city, m.country && m.country.name].filter(Boolean).join(", ") || "—"),
        h("dt", {}, "President"), h("dd", {}, stateLink(m.presidingState))),
      actions.length ? h("div", { class: "actions" }, actions) : null,
      canPresidency() && m.status === "PLANNED" ? datesForm(m, status, reload) : null,
      status,
      m.sessions.length ? h("section", {}, h("h2", {}, "Sessions"), h("ul", { class: "plain" },
        m.sessions.map((s) => h("li", {}, `Part ${s.part}: ${day(s.startsOn)} – ${day(s.endsOn)}${s.city ? `, ${s.city}` : ""}`)))) : null,
      h("section", {}, h("h2", {}, "Agenda"), m.agenda.length
        ? h("ol", { class: "agenda" }, m.agenda.map((a) => h("li", {}, a.title, a.decision ? h("span", { class: "decision" }, ` — decided: ${a.decision}`) : null)))
        : h("p", {}, "No agenda yet.")),
      discussionSection(m),
      m.kind !== "INFORMAL_CONSULTATION" && m.startsOn ? h("p", {}, h("a", { href: `/progress/${encodeURIComponent(m.code)}` }, `The progress report to the ${m.code}`)) : null,
      h("section", {}, h("h2", {}, "Nominations it will decide"),
        table(`Nominations before ${m.code}`, ["Nominee", "Position", "Stage", "Consultation", "Term"], rows, { "data-testid": "meeting-nominations" })),
    );
  };
  draw();

  let pending = null;
  const stop = follow({
    query: `subscription($m: ID!, $after: String) { meetingUpdates(meetingId: $m, after: $after) { cursor kind at
      details { __typename ... on TransitionDetails { from to event }
        ... on ConsultationDetails { state organization stance } ... on DecisionDetails { decision }
        ... on MeetingDetails { status startsOn endsOn } ... on TermDetails { termStartsOn termEndsOn }
        ... on MandateDetails { state position startsOn } }
      nomination { id nominee { name } position { name } } } }`,
    variables: { m: meeting.id },
    field: "meetingUpdates",
    after: cursor,
    onUpdate: (u) => {
      feed.prepend(h("li", { "data-cursor": u.cursor },
        h("time", { datetime: u.at }, moment(u.at)), " ",
        h("strong", {}, labelOf(UPDATE_KINDS, u.kind)), " ", describeUpdate(u)));
      // Redraw once a burst of updates has passed.
      clearTimeout(pending);
      pending = setTimeout(() => reload().catch(() => {}), 150);
    },
    onStatus: (s) => { liveState.textContent = s; liveState.className = `live ${s}`; },
  });
  onLeave(stop);
  return h("div", { class: "meeting" }, body,
    h("aside", { class: "feed-box", "aria-labelledby": "feed-title" },
      h("h2", { id: "feed-title" }, "Live ", liveState), feed));
}

// -------------------------------------------------------------- Nominations

const BOARD = ["DRAFT", "SUBMITTED", "IN_CONSULTATION", "ENDORSED", "ON_AGENDA", "SELECTED", "NOT_SELECTED", "WITHDRAWN", "LAPSED"];

export async function nominationsPage() {
  const data = await gql(`{ nominations(first: 100) { totalCount edges { node { id state version position { name } nominee { code name } decidingMeeting { code } } } } }`);
  const all = data.nominations.edges.map((e) => e.node);
  const columns = BOARD.map((state) => {
    const cards = all.filter((n) => n.state === state);
    return h("section", { class: "column", "aria-labelledby": `col-${state}` },
      h("h2", { id: `col-${state}` }, labelOf(STATE_LABELS, state), h("span", { class: "count" }, ` (${cards.length})`)),
      h("ul", { class: "cards" }, cards.map((n) => h("li", {},
        h("a", { href: nominationHref(n.id) }, n.nominee.name), h("br"), n.position.name, h("br"),
        h("small", {}, `decided at ${n.decidingMeeting.code}`)))));
  });
  return h("div", {}, h("h1", {}, "Nominations"),
    session.me && (canDelegate() || canPresidency()) ? await proposeForm() : null,
    data.nominations.totalCount > all.length ? h("p", {}, `The ${all.length} latest of ${data.nominations.totalCount} are shown.`) : null,
    h("div", { class: "board" }, columns));
}

async function proposeForm() {
  const data = await gql(`{ positions { code name kind retiredAt { code } } meetings(direction: DESC, first: 20, filter: { statuses: [PLANNED, IN_SESSION] }) { edges { node { id code kind } } } }`);
  const positions = data.positions.filter((p) => p.kind === "COORDINATOR" && !p.retiredAt);
  const meetings = data.meetings.edges.map((e) => e.node);
  const status = h("div", { "aria-live": "polite" });
  const position = h("select", { id: "p-position", required: true }, positions.map((p) => h("option", { value: p.code }, p.name)));
  const meeting = h("select", { id: "p-meeting", required: true }, meetings.map((m) => h("option", { value: m.id }, m.code)));
  const own = session.me.state;
  const state = h("input", { id: "p-state", required: true, value: own ? own.code : "", readonly: canDelegate() ? true : null, size: 4, pattern: "[A-Za-z]{3}", "aria-describedby": "p-state-help" });
  const form = h("form", { class: "propose", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const made = await gql(`mutation($input: ProposeNominationInput!) { proposeNomination(input: $input) { id } }`,
        { input: { position: position.value, state: state.value.toUpperCase(), meetingId: meeting.value, idempotencyKey: key } });
      navigate(nominationHref(made.proposeNomination.id));
    } catch (error) {
      status.replaceChildren(problem(error));
    }
  } },
    h("h2", {}, "Propose a nomination"),
    h("label", { for: "p-position" }, "Position"), position,
    h("label", { for: "p-state" }, "Nominee State (ISO code)"), state,
    h("span", { id: "p-state-help", class: "hint" }, own && canDelegate() ? "A delegation nominates its own State." : "Three letters, e.g. NOR."),
    h("label", { for: "p-meeting" }, "Deciding meeting"), meeting,
    h("button", { type: "submit" }, "Propose"), status);
  // One key per form: a second click on a slow answer does not propose twice.
  const key = idempotencyKey();
  if (!meetings.length) return h("p", {}, "No planned meeting takes nominations now.");
  return form;
}

let workflowCache = null;

async function workflow() {
  if (!workflowCache) {
    workflowCache = (await gql(`{ workflow(name: "nomination") { mermaid transitions { from event to roles } } }`)).workflow;
  }
  return workflowCache;
}

/// The events the signed-in person may fire now: allowed from the state,
/// open to their role, and (for a delegation) on their own State's nomination.
function myMoves(n, wf) {
  if (!session.me) return [];
  const role = session.me.role;
  return n.allowedEvents.filter((event) => {
    if (!MOVES[event]) return false;
    const t = wf.transitions.find((t) => t.event === event && t.from.includes(n.state));
    if (!t || !(t.roles.includes(role) || role === "ADMIN")) return false;
    if (["DELEGATE", "COORDINATOR"].includes(role)) return session.me.state && session.me.state.code === n.nominee.code;
    return true;
  });
}

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
  const box = h("figure", { class: "diagram" }, h("figcaption", {}, "The nomination workflow (the current stage is highlighted)"));
  try {
    const mermaid = await loadMermaid();
    const marked = `${source}\n    classDef current fill:#ffd966,stroke:#7a5c00,stroke-width:2px\n    class ${current} current\n`;
    const { svg } = await mermaid.render(`wf-${Date.now()}`, marked);
    const holder = h("div", { class: "svg", role: "img", "aria-label": `Workflow diagram; the nomination is ${labelOf(STATE_LABELS, current)}` });
    holder.innerHTML = svg; // produced by mermaid from the server's own definition, strict mode
    box.append(holder);
  } catch {
    box.append(h("pre", {}, source));
  }
  return box;
}

const NOMINATION = `query($id: ID!) { latestCursor nomination(id: $id) { id kind state version allowedEvents note proposedBy createdAt
  position { code name } nominee { code name regionalGroup } decidingMeeting { id code status } termStartsOn termEndsOn consultationDeadline
  agendaItem { title } mandate { startsOn endsOn }
  consultation { responseCount policyMet unmet nomineeView observerViews standingObjections byStance { key count } byRegionalGroup { key count }
    responses { stance note state { code name } organization { name } } }
  inclusiveness { regionalGroups warnings }
  history { seq from event to actor actorRole at note } } }`;

export async function nominationPage(id) {
  const wf = await workflow();
  const first = await gql(NOMINATION, { id });
  let n = first.nomination;
  if (!n) return h("div", {}, h("h1", {}, "No such nomination"));
  const root = h("div", { class: "nomination" });
  const status = h("div", { class: "status-area", "aria-live": "polite" });

  const begin = reloads();
  const reload = async () => {
    const current = begin();
    const fresh = (await gql(NOMINATION, { id })).nomination;
    if (!current()) return fresh;
    n = fresh;
    await draw();
    return n;
  };

  const draw = async () => {
    const moves = myMoves(n, wf).map((event) => h("button", { type: "button", "data-event": event, onclick: () =>
      act(status, MOVES[event].mutation, MOVES[event].input, { nominationId: n.id, expectedVersion: n.version },
        { seen: n, reload, done: `${MOVES[event].label}: done.` }) }, MOVES[event].label));
    const c = n.consultation;
    const respond = n.state === "IN_CONSULTATION" && session.me && (session.me.state || session.me.organization) ? respondForm() : null;
    fill(root,
      h("h1", {}, `${n.nominee.name} for ${n.position.name}`),
      h("p", { class: "lede" }, badge(n.state), ` Decided at `, meetingLink(n.decidingMeeting),
        ` · term ${day(n.termStartsOn)} – ${day(n.termEndsOn)} · version ${n.version}`),
      moves.length ? h("div", { class: "actions", "aria-label": "What you can do" }, moves) : null,
      status,
      h("section", {}, h("h2", {}, "Consultation"),
        h("p", { "data-testid": "policy" }, c.policyMet ? "The broad-based consultation policy is met." : `Still needed: ${c.unmet.join("; ")}.`),
        h("div", { class: "tallies" },
          table("By stance", ["Stance", "Responses"], c.byStance.map((s) => h("tr", {}, h("td", {}, labelOf(STANCES, s.key)), h("td", {}, s.count)))),
          table("By regional group", ["Group", "Responses"], c.byRegionalGroup.map((g) => h("tr", {}, h("td", {}, labelOf(REGIONAL_GROUPS, g.key)), h("td", {}, g.count))))),
        h("p", {}, `${c.responseCount} responses from States Parties counted`,
          c.nomineeView ? "; the nominee's own view is shown, not counted" : "",
          c.observerViews ? `; ${c.observerViews} observer views` : "", "."),
        c.standingObjections.length ? h("p", {}, `Standing objections: ${c.standingObjections.join(", ")}.`) : null,
        respond),
      h("section", {}, h("h2", {}, "Regional balance"),
        h("p", {}, `Regional groups holding or nominated for the position's seats over this term: ${n.inclusiveness.regionalGroups.map((g) => labelOf(REGIONAL_GROUPS, g)).join(", ") || "none"}.`),
        n.inclusiveness.warnings.length
          ? h("ul", { class: "warnings", "aria-label": "Warnings (they never block)" }, n.inclusiveness.warnings.map((w) => h("li", {}, w)))
          : h("p", {}, "No imbalance to note.")),
      h("section", {}, h("h2", {}, "History"),
        h("ol", { class: "timeline" }, n.history.map((e) => h("li", {},
          h("time", { datetime: e.at }, moment(e.at)), " ",
          h("strong", {}, e.from ? `${labelOf(STATE_LABELS, e.from)} → ${labelOf(STATE_LABELS, e.to)}` : `Proposed (${labelOf(STATE_LABELS, e.to)})`),
          ` by ${e.actor} (${e.actorRole.toLowerCase()})`, e.note ? ` — ${e.note}` : "")))),
      await diagram(wf.mermaid, n.state),
    );
  };

  const respondForm = () => {
    const stance = h("select", { id: "stance" }, Object.entries(STANCES).map(([k, v]) => h("option", { value: k }, v)));
    const note = h("input", { id: "stance-note", maxlength: 2000 });
    const key = idempotencyKey();
    return h("form", { class: "respond", onsubmit: (e) => {
      e.preventDefault();
      act(status, "recordConsultationResponse", "ConsultationResponseInput",
        { nominationId: n.id, stance: stance.value, note: note.value || null, idempotencyKey: key },
        { reload, done: "Your response was recorded." });
    } },
      h("h3", {}, session.me.state ? `Respond for ${session.me.state.name}` : "Record your organization's view"),
      h("label", { for: "stance" }, "Stance"), stance,
      h("label", { for: "stance-note" }, "Note (optional)"), note,
      h("button", { type: "submit" }, "Record the response"));
  };

  await draw();
  const stop = follow({
    query: `subscription($id: ID!, $after: String) { nominationEvents(nominationId: $id, after: $after) { cursor } }`,
    variables: { id: n.id },
    field: "nominationEvents",
    after: first.latestCursor,
    onUpdate: () => reload().catch(() => {}),
  });
  onLeave(stop);
  return root;
}
