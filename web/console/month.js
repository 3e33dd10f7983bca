// The committee's month: "This month" (the next committee meeting, who is
// invited, apologies, open action points), a committee meeting's record
// with its live feed and the President's office's actions, the minutes
// editor of the ISU, the decision register and the action-point board.

import { gql, follow, idempotencyKey, token, ApiError } from "./api.js";
import { h, fill, problem, notice, session, onLeave, day, moment, table, run, reloads } from "./ui.js";
import { discussionSection } from "./topics.js";
import { MEETING_STATUS, UPDATE_KINDS, MINUTES_STATES, ATTENDANCE, CAPACITIES, DECISION_KINDS, ACTION_STATUS, labelOf } from "./words.js";

const canPresidency = () => session.me && ["PRESIDENCY", "ADMIN"].includes(session.me.role);
const meetingHref = (code) => `/meetings/${encodeURIComponent(code)}`;

const ordinal = (n) => {
  const s = ["th", "st", "nd", "rd"], v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
};

/// "3rd Coordination Committee meeting of 2026".
export function committeeTitle(m) {
  return m.number ? `${ordinal(m.number)} Coordination Committee meeting of ${m.year}` : `Coordination Committee meeting ${m.code}`;
}

const when = (m) => [day(m.startsOn), m.startTime ? `${m.startTime}${m.endTime ? `–${m.endTime}` : ""} (${m.timeZone})` : null].filter(Boolean).join(", ");

const COMMITTEE_MEETING = `id code kind number year startsOn endsOn startTime endTime timeZone venue city format status version closed agendaAdoptedAt
  invitations { id capacity attendance label delegates state { code } organization { code } positions { name } }
  agenda { id order title kind standing decisions { kind text } actionPoints { id text status version } }
  topics { purpose outcome outcomeText topic { id title state } }`;

// ---------------------------------------------------------------- This month

export async function monthPage() {
  const data = await gql(`{ meetings(filter: { kinds: [COORDINATION_COMMITTEE], statuses: [PLANNED, IN_SESSION] }, first: 1) {
      edges { node { ${COMMITTEE_MEETING} } } }
    actionPoints(filter: { statuses: [OPEN] }, first: 100) { edges { node { id text dueOn overdue ownerKind
      ownerPosition { name } ownerState { name } ownerOrganization { code } meeting { code } } } } }`);
  const next = data.meetings.edges[0] && data.meetings.edges[0].node;
  const points = data.actionPoints.edges.map((e) => e.node);
  const status = h("div", { class: "status-area", "aria-live": "polite" });
  const byOwner = new Map();
  for (const p of points) {
    const owner = ownerName(p);
    if (!byOwner.has(owner)) byOwner.set(owner, []);
    byOwner.get(owner).push(p);
  }
  const mine = next && session.me && next.invitations.find((i) =>
    (session.me.state && i.state && i.state.code === session.me.state.code) ||
    (session.me.organization && i.organization && i.organization.code === session.me.organization));
  return h("div", {}, h("h1", {}, "This month"),
    next ? h("section", { "data-testid": "next-meeting" },
      h("h2", {}, h("a", { href: meetingHref(next.code) }, committeeTitle(next))),
      h("p", {}, when(next), next.venue ? ` · ${next.venue}` : "", ` · ${labelOf(MEETING_STATUS, next.status)}`),
      mine && mine.attendance !== "APOLOGIES_RECEIVED" && mine.attendance !== "PRESENT"
        ? h("button", { type: "button", onclick: () => run(status, "sendApologies", "SendApologiesInput", { invitationId: mine.id },
          "Your apologies were sent.", async () => { document.getElementById("main").replaceChildren(await monthPage()); }) }, "Send our apologies")
        : null,
      mine && mine.attendance === "APOLOGIES_RECEIVED" ? h("p", { class: "notice" }, "Your apologies have been received.") : null,
      status,
      h("h3", {}, "Provisional agenda"),
      h("ol", { class: "agenda" }, next.agenda.map((a) => h("li", {}, a.title))),
      invitationList(next))
      : h("p", {}, "No committee meeting is planned."),
    h("section", {}, h("h2", {}, "Open action points by owner"),
      byOwner.size ? [...byOwner].map(([owner, list]) => h("div", {}, h("h3", {}, owner),
        h("ul", { class: "plain" }, list.map((p) => h("li", { class: p.overdue ? "overdue" : "" },
          p.text, ` — due ${day(p.dueOn)}`, p.overdue ? " (overdue)" : "", " · ", h("a", { href: meetingHref(p.meeting.code) }, p.meeting.code))))))
        : h("p", {}, "None.")));
}

function ownerName(p) {
  if (p.ownerKind === "POSITION") return `${p.ownerPosition.name} (its coordinators)`;
  if (p.ownerKind === "STATE") return p.ownerState.name;
  if (p.ownerKind === "ORGANIZATION") return p.ownerOrganization.code;
  return "Implementation Support Unit";
}

function invitationList(m) {
  return h("section", { "data-testid": "invitations" }, h("h3", {}, "Invited"),
    Object.entries(CAPACITIES).map(([capacity, title]) => {
      const list = m.invitations.filter((i) => i.capacity === capacity);
      if (!list.length) return null;
      return h("div", {}, h("h4", {}, title), h("ul", { class: "plain" }, list.map((i) => h("li", {},
        i.label, i.positions.length ? ` (${i.positions.map((p) => p.name).join(", ")})` : "",
        i.attendance ? h("span", { class: `badge a-${i.attendance.toLowerCase()}` }, ` ${labelOf(ATTENDANCE, i.attendance)}`) : null))));
    }));
}

// ------------------------------------------------------ A committee meeting

/// A committee meeting: its record (as printed), the President's office's
/// actions at the meeting, and its live feed.
export async function committeeMeetingPage(code) {
  const first = await gql(`query($code: String!) { latestCursor meeting(code: $code) { ${COMMITTEE_MEETING} } }`, { code });
  let meeting = first.meeting;
  const record = h("div", { class: "record-box", "data-testid": "record" });
  const topics = h("div", {});
  const actions = h("div", {});
  const status = h("div", { class: "status-area", "aria-live": "polite" });
  const feed = h("ol", { class: "feed", "data-testid": "feed", "aria-label": "Live updates", tabindex: 0 });
  const liveState = h("span", { class: "live", "data-testid": "live-state" }, "connecting");

  const begin = reloads();
  const reload = async () => {
    const current = begin();
    const fresh = (await gql(`query($code: String!) { meeting(code: $code) { ${COMMITTEE_MEETING} } }`, { code })).meeting;
    const headers = token() ? { authorization: `Bearer ${token()}` } : {};
    const response = await fetch(`${meetingHref(code)}/record?fragment=1`, { headers });
    // The record is built by the server from the API: every text escaped,
    // the minutes rendered from Markdown and sanitised there.
    const html = response.ok ? await response.text() : "<p>The record cannot be read now.</p>";
    if (!current()) return fresh;
    meeting = fresh;
    const parsed = new DOMParser().parseFromString(html, "text/html");
    record.replaceChildren(...parsed.body.childNodes);
    fill(topics, discussionSection(meeting));
    drawActions();
    return meeting;
  };

  // The forms are redrawn only when what they offer changes, so that a live
  // update never wipes what someone is typing; they read the meeting's
  // current version when submitted.
  let drawn = null;
  const drawActions = () => {
    const m = meeting;
    const shape = JSON.stringify([m.status, !!m.agendaAdoptedAt, m.agenda.map((a) => [a.id, a.title, a.actionPoints.map((p) => p.status)]),
      m.invitations.map((i) => [i.id, i.attendance])]);
    if (shape === drawn) return;
    drawn = shape;
    if (!canPresidency()) return fill(actions, h("p", {}, h("a", { href: `${meetingHref(code)}/record` }, "Printable record")));
    const items = m.agenda;
    const itemSelect = (id) => h("select", { id }, items.map((a) => h("option", { value: a.id }, `${a.order}. ${a.title}`)));
    const parts = [];
    const button = (label, onclick) => h("button", { type: "button", onclick }, label);
    if (m.status === "PLANNED") parts.push(button("Open the meeting", () => run(status, "openMeeting", "MeetingVersionInput", { meetingId: m.id, expectedVersion: meeting.version }, "The meeting is in session.", reload)));
    if (m.status === "IN_SESSION") parts.push(button("Conclude the meeting", () => run(status, "concludeMeeting", "MeetingVersionInput", { meetingId: m.id, expectedVersion: meeting.version }, "The meeting is concluded.", reload)));
    parts.push(h("a", { href: `${meetingHref(code)}/minutes` }, "Minutes"), " · ", h("a", { href: `${meetingHref(code)}/record` }, "Printable record"));
    const forms = [];
    if (m.status === "PLANNED" || m.status === "IN_SESSION") {
      const name = h("input", { id: "g-name", maxlength: 200 });
      const affiliation = h("input", { id: "g-affiliation", maxlength: 200 });
      const purpose = h("input", { id: "g-purpose", maxlength: 2000 });
      forms.push(h("form", { class: "propose", "aria-label": "Invite to assist", onsubmit: (e) => { e.preventDefault();
        run(status, "inviteToMeeting", "InviteToMeetingInput", { meetingId: m.id, guestName: name.value, guestAffiliation: affiliation.value || null, purpose: purpose.value || null }, "Invited.", reload); } },
        h("h3", {}, "Invite someone to assist"), h("label", { for: "g-name" }, "Name"), name,
        h("label", { for: "g-affiliation" }, "Affiliation"), affiliation, h("label", { for: "g-purpose" }, "Purpose"), purpose,
        h("button", { type: "submit" }, "Invite")));
    }
    if (m.status === "IN_SESSION" && !m.agendaAdoptedAt) {
      const extra = h("input", { id: "a-extra", maxlength: 500 });
      forms.push(h("form", { class: "propose", "aria-label": "Adopt the agenda", onsubmit: (e) => { e.preventDefault();
        run(status, "adoptAgenda", "AdoptAgendaInput", { meetingId: m.id, expectedVersion: meeting.version, additionalItems: extra.value ? [extra.value] : [] }, "The agenda was adopted.", reload); } },
        h("h3", {}, "Adopt the agenda"), h("label", { for: "a-extra" }, "Additional item"), extra, h("button", { type: "submit" }, "Adopt the agenda")));
    }
    if (m.status === "IN_SESSION") {
      const kind = h("select", { id: "d-kind" }, Object.entries(DECISION_KINDS).map(([v, t]) => h("option", { value: v }, t)));
      const text = h("textarea", { id: "d-text", maxlength: 4000, rows: 2 });
      forms.push(h("form", { class: "propose", "aria-label": "Record a decision", onsubmit: (e) => { e.preventDefault();
        run(status, "recordDecision", "RecordDecisionInput", { agendaItemId: e.target.querySelector("#d-item").value, expectedVersion: meeting.version, kind: kind.value, text: text.value }, "The decision was recorded.", reload); } },
        h("h3", {}, "Record a decision"), h("label", { for: "d-item" }, "Item"), itemSelect("d-item"),
        h("label", { for: "d-kind" }, "Kind"), kind, h("label", { for: "d-text" }, "Text"), text, h("button", { type: "submit" }, "Record the decision")));
      const ptext = h("input", { id: "p-text", maxlength: 4000 });
      const owner = h("input", { id: "p-owner", placeholder: "UNIVERSALIZATION, a State's code, an organisation or ISU", maxlength: 40 });
      const due = h("input", { id: "p-due", type: "date" });
      forms.push(h("form", { class: "propose", "aria-label": "Add an action point", onsubmit: (e) => { e.preventDefault();
        const o = owner.value.trim().toUpperCase();
        const ownerInput = o === "ISU" ? { isu: true } : /^[A-Z]{3}$/.test(o) ? { state: o } : ["ICRC", "UN", "CMC"].includes(o) ? { organization: o } : { position: o };
        run(status, "addActionPoint", "AddActionPointInput", { agendaItemId: e.target.querySelector("#p-item").value, text: ptext.value, owner: ownerInput, dueOn: due.value }, "The action point was added.", reload); } },
        h("h3", {}, "Add an action point"), h("label", { for: "p-item" }, "Item"), itemSelect("p-item"),
        h("label", { for: "p-text" }, "What"), ptext, h("label", { for: "p-owner" }, "Owner"), owner,
        h("label", { for: "p-due" }, "Due"), due, h("button", { type: "submit" }, "Add the action point")));
    }
    const followUp = m.agenda.find((a) => a.kind === "ACTION_POINTS_FOLLOW_UP");
    const open = followUp ? followUp.actionPoints.filter((p) => p.status === "OPEN") : [];
    if (m.status === "IN_SESSION" && open.length) {
      forms.push(h("section", { "aria-label": "Follow-up of action points" }, h("h3", {}, "Follow-up of action points"),
        h("ul", { class: "plain" }, open.map((p) => h("li", {}, p.text, " ",
          h("button", { type: "button", onclick: () => run(status, "closeActionPoint", "CloseActionPointInput",
            { actionPointId: p.id, expectedVersion: p.version, status: "DONE", meetingId: m.id }, "The action point was closed.", reload) }, `Done at this meeting: ${p.text}`))))));
    }
    if (m.status === "IN_SESSION" || m.status === "CONCLUDED") {
      const rows = m.invitations.map((i) => h("tr", {},
        h("th", { scope: "row" }, i.label),
        h("td", {}, h("select", { "data-invitation": i.id, "aria-label": `Attendance of ${i.label}` },
          Object.entries(ATTENDANCE).map(([v, t]) => h("option", { value: v, selected: (i.attendance || "PRESENT") === v }, t)))),
        h("td", {}, h("input", { "data-delegates": i.id, "aria-label": `Delegates of ${i.label}`, value: i.delegates.join(", ") }))));
      forms.push(h("form", { class: "attendance-form", "aria-label": "Record attendance", onsubmit: (e) => { e.preventDefault();
        const entries = m.invitations.map((i) => ({ invitationId: i.id,
          attendance: e.target.querySelector(`[data-invitation="${i.id}"]`).value,
          delegates: e.target.querySelector(`[data-delegates="${i.id}"]`).value.split(",").map((s) => s.trim()).filter(Boolean) }));
        run(status, "recordAttendance", "RecordAttendanceInput", { meetingId: m.id, expectedVersion: meeting.version, entries }, "Attendance was recorded.", reload); } },
        table("Attendance", ["Invitee", "Attendance", "Delegates (comma-separated)"], rows),
        h("button", { type: "submit" }, "Record attendance")));
    }
    // What someone was typing survives a redraw (fields keep their ids).
    const typed = new Map([...actions.querySelectorAll("input[id], textarea[id], select[id]")].map((el) => [el.id, el.value]));
    fill(actions, h("div", { class: "actions" }, parts), forms.length ? h("details", { class: "edit", open: m.status === "IN_SESSION" }, h("summary", {}, "At the meeting"), forms) : null);
    for (const [id, value] of typed) {
      const el = actions.querySelector(`#${CSS.escape(id)}`);
      if (el && value) el.value = value;
    }
  };

  const body = h("div", {}, h("h1", {}, committeeTitle(meeting)), actions, status, topics, record);
  await reload();
  let pending = null;
  const stop = follow({
    query: `subscription($m: ID!, $after: String) { meetingUpdates(meetingId: $m, after: $after) { cursor kind at } }`,
    variables: { m: meeting.id },
    field: "meetingUpdates",
    after: first.latestCursor,
    onUpdate: (u) => {
      feed.prepend(h("li", { "data-cursor": u.cursor }, h("time", { datetime: u.at }, moment(u.at)), " ", h("strong", {}, labelOf(UPDATE_KINDS, u.kind))));
      clearTimeout(pending);
      pending = setTimeout(() => reload().catch(() => {}), 150);
    },
    onStatus: (s) => { liveState.textContent = s; liveState.className = `live ${s}`; },
  });
  onLeave(stop);
  return h("div", { class: "meeting" }, body,
    h("aside", { class: "feed-box", "aria-labelledby": "feed-title" }, h("h2", { id: "feed-title" }, "Live ", liveState), feed));
}

// -------------------------------------------------------- The minutes editor

const MINUTES = `id state version allowedEvents approvedAt { code }
  items { agendaItem { id order title } text html revision nonAttributable revisedBy revisedAt }`;

export async function minutesPage(code) {
  const found = await gql(`query($code: String!) { meeting(code: $code) { id code number year kind status } }`, { code });
  const m = found.meeting;
  if (!m) return h("h1", {}, "No such meeting");
  const status = h("div", { class: "status-area", "aria-live": "polite" });
  const body = h("div", {});
  const load = async () => {
    let minutes = null;
    let refused = null;
    try {
      minutes = (await gql(`query($id: ID!) { minutes(meetingId: $id) { ${MINUTES} } }`, { id: m.id })).minutes;
    } catch (error) {
      refused = error;
    }
    draw(minutes, refused);
  };
  const draw = async (minutes, refused) => {
    if (refused) return fill(body, problem(refused));
    if (!minutes) {
      return fill(body, h("p", {}, "No minutes yet."), canPresidency() && (m.status === "IN_SESSION" || m.status === "CONCLUDED")
        ? h("button", { type: "button", onclick: () => run(status, "startMinutes", "StartMinutesInput", { meetingId: m.id }, "The minutes were started.", load) }, "Start the minutes") : null);
    }
    const editable = canPresidency() && minutes.state === "DRAFT";
    const moves = [];
    const move = (label, mutation, inputType, extra = {}) => h("button", { type: "button", onclick: () =>
      run(status, mutation, inputType, { minutesId: minutes.id, expectedVersion: minutes.version, ...extra }, `${label}: done.`, load) }, label);
    if (canPresidency()) {
      if (minutes.allowedEvents.includes("circulate") && minutes.state === "DRAFT") moves.push(move("Circulate", "circulateMinutes", "CirculateMinutesInput"));
      if (minutes.state === "CIRCULATED") {
        moves.push(move("Return to draft", "returnMinutesToDraft", "MoveMinutesInput"));
        const later = (await gql(`{ meetings(filter: { kinds: [COORDINATION_COMMITTEE], statuses: [IN_SESSION] }, first: 20) { edges { node { id code } } } }`))
          .meetings.edges.map((e) => e.node).filter((x) => x.id !== m.id);
        for (const l of later) moves.push(move(`Approve at ${l.code}`, "approveMinutes", "ApproveMinutesInput", { meetingId: l.id }));
      }
      if (minutes.state === "APPROVED") moves.push(move("Publish", "publishMinutes", "MoveMinutesInput"));
    }
    fill(body,
      h("p", { class: "lede" }, "Minutes: ", h("span", { class: "badge", "data-testid": "minutes-state" }, labelOf(MINUTES_STATES, minutes.state)),
        minutes.approvedAt ? ` — approved as a correct record at the ${minutes.approvedAt.code}` : ""),
      moves.length ? h("div", { class: "actions" }, moves) : null,
      minutes.items.map((i) => {
        const id = `t-${i.agendaItem.id}`;
        const text = h("textarea", { id, rows: 5, maxlength: 20000, readonly: !editable }, i.text || "");
        const hidden = h("input", { type: "checkbox", id: `n-${i.agendaItem.id}`, checked: i.nonAttributable, disabled: !editable });
        const preview = h("div", { class: "minutes-preview" });
        if (i.html) preview.replaceChildren(...new DOMParser().parseFromString(i.html, "text/html").body.childNodes);
        return h("section", { class: "minutes-item" }, h("h3", {}, `${i.agendaItem.order}. ${i.agendaItem.title}`),
          h("label", { for: id }, "Text (Markdown)"), text,
          h("label", { class: "check" }, hidden, " Non-attributable (the public record of a closed meeting names no State)"),
          editable ? h("button", { type: "button", onclick: () => run(status, "saveMinutesItem", "SaveMinutesItemInput",
            { minutesId: minutes.id, agendaItemId: i.agendaItem.id, expectedRevision: i.revision, text: text.value, nonAttributable: hidden.checked },
            `Saved ${i.agendaItem.title}.`, load) }, `Save item ${i.agendaItem.order}`) : null,
          i.revision ? h("p", { class: "hint" }, `Revision ${i.revision} by ${i.revisedBy}, ${moment(i.revisedAt)}`) : null,
          preview);
      }));
  };
  await load();
  return h("div", {}, h("h1", {}, `Minutes of the ${m.number ? committeeTitle(m) : m.code}`), status, body);
}

// ------------------------------------------------------ The decision register

export async function decisionsPage() {
  const list = h("div", {});
  const search = h("input", { id: "d-search", type: "search", maxlength: 100 });
  const load = async () => {
    const data = await gql(`query($f: DecisionFilter) { decisions(filter: $f, first: 100) { totalCount edges { node { kind text recordedAt meeting { code kind } agendaItem { title } } } } }`,
      { f: search.value ? { search: search.value } : null });
    const rows = data.decisions.edges.map(({ node: d }) => h("tr", {},
      h("td", {}, day(d.recordedAt)), h("td", {}, h("a", { href: meetingHref(d.meeting.code) }, d.meeting.code)),
      h("td", {}, d.agendaItem ? d.agendaItem.title : "—"), h("td", {}, labelOf(DECISION_KINDS, d.kind)), h("td", {}, d.text)));
    fill(list, h("p", {}, `${data.decisions.totalCount} decisions`), table("Decisions", ["Recorded", "Meeting", "Item", "Kind", "Decision"], rows, { "data-testid": "decisions" }));
  };
  await load();
  return h("div", {}, h("h1", {}, "Decision register"),
    h("form", { role: "search", onsubmit: (e) => { e.preventDefault(); load(); } }, h("label", { for: "d-search" }, "Search"), search, h("button", { type: "submit" }, "Search")),
    list);
}

// ---------------------------------------------------------- Action points

export async function actionPointsPage() {
  const status = h("div", { class: "status-area", "aria-live": "polite" });
  const board = h("div", { class: "board" });
  const load = async () => {
    const data = await gql(`{ actionPoints(first: 100) { edges { node { id text dueOn status version overdue closedNote ownerKind
      ownerPosition { name } ownerState { name } ownerOrganization { code } meeting { code } closedAtMeeting { code } } } } }`);
    const all = data.actionPoints.edges.map((e) => e.node);
    fill(board, Object.entries(ACTION_STATUS).map(([s, title]) => h("section", { class: "column", "aria-label": title },
      h("h2", {}, `${title} (${all.filter((p) => p.status === s).length})`),
      h("ul", { class: "plain" }, all.filter((p) => p.status === s).map((p) => h("li", { class: `card${p.overdue ? " overdue" : ""}` },
        h("strong", {}, p.text), h("br"), `${ownerName(p)} · due ${day(p.dueOn)}`, p.overdue ? " (overdue)" : "",
        h("br"), "From ", h("a", { href: meetingHref(p.meeting.code) }, p.meeting.code),
        p.closedAtMeeting ? ` · closed at ${p.closedAtMeeting.code}` : "", p.closedNote ? ` · ${p.closedNote}` : "",
        canPresidency() && p.status === "OPEN" ? h("div", {},
          h("button", { type: "button", onclick: () => run(status, "closeActionPoint", "CloseActionPointInput", { actionPointId: p.id, expectedVersion: p.version, status: "DONE" }, "Closed.", load) }, "Done"),
          h("button", { type: "button", class: "quiet", onclick: () => run(status, "closeActionPoint", "CloseActionPointInput", { actionPointId: p.id, expectedVersion: p.version, status: "DROPPED" }, "Dropped.", load) }, "Drop")) : null))))));
  };
  await load();
  return h("div", {}, h("h1", {}, "Action points"), status, board);
}
