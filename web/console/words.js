// What the console says to people: workflow states, events and refusals in
// plain words. Refusals come from `extensions.code`, never from raw JSON.

export const STATE_LABELS = {
  DRAFT: "Draft",
  SUBMITTED: "Submitted",
  IN_CONSULTATION: "In consultation",
  ENDORSED: "Endorsed",
  ON_AGENDA: "On the agenda",
  SELECTED: "Selected",
  NOT_SELECTED: "Not selected",
  WITHDRAWN: "Withdrawn",
  LAPSED: "Lapsed",
};

export const MEETING_STATUS = {
  PLANNED: "Planned",
  IN_SESSION: "In session",
  CONCLUDED: "Concluded",
  CANCELLED: "Cancelled",
};

export const SEAT_STATUS = { HELD: "Held", VACANT: "Vacant", UNKNOWN: "Not recorded" };

export const REGIONAL_GROUPS = {
  AFRICAN: "African Group",
  ASIA_PACIFIC: "Asia-Pacific Group",
  EASTERN_EUROPEAN: "Eastern European Group",
  LATIN_AMERICAN_CARIBBEAN: "Latin American and Caribbean Group",
  WESTERN_EUROPEAN_OTHERS: "Western European and Others Group",
};

export const STANCES = {
  SUPPORT: "Support",
  NO_OBJECTION: "No objection",
  OBJECTION: "Objection",
  ABSTAIN: "Abstain",
};

/// The moves a person can make, by workflow event: the button's words and
/// the mutation behind it.
export const MOVES = {
  submit: { label: "Submit the nomination", mutation: "submitNomination", input: "TransitionInput" },
  openConsultation: { label: "Open the consultation", mutation: "openConsultation", input: "OpenConsultationInput" },
  endorse: { label: "Endorse", mutation: "endorseNomination", input: "TransitionInput" },
  returnForRevision: { label: "Return for revision", mutation: "returnNomination", input: "TransitionInput" },
  placeOnAgenda: { label: "Place on the agenda", mutation: "placeNominationOnAgenda", input: "PlaceOnAgendaInput" },
  select: { label: "Select", mutation: "selectNomination", input: "TransitionInput" },
  decline: { label: "Decline", mutation: "declineNomination", input: "TransitionInput" },
  withdraw: { label: "Withdraw the nomination", mutation: "withdrawNomination", input: "TransitionInput" },
};

export const UPDATE_KINDS = {
  TRANSITION: "Nomination moved",
  CONSULTATION_RESPONSE: "Consultation response",
  CONSULTATION_RESPONSE_WITHDRAWN: "Response withdrawn",
  TERM_CHANGED: "Term changed",
  MANDATE_DESIGNATED: "Mandate designated",
  MANDATE_STARTED: "Mandate started",
  MANDATE_ENDED: "Mandate ended",
  DECISION_RECORDED: "Decision recorded",
  MEETING_SCHEDULED: "Meeting scheduled",
  MEETING_UPDATED: "Meeting changed",
  MEETING_STATUS_CHANGED: "Meeting status changed",
  AGENDA_CHANGED: "Agenda changed",
  CALL_OPENED: "Call for nominations opened",
  CALL_DEADLINE_WARNING: "Call deadline nears",
  REFERENCE_CORRECTED: "Reference data corrected",
  INVITATIONS_CHANGED: "Invitations changed",
  APOLOGIES_SENT: "Apologies received",
  ATTENDANCE_RECORDED: "Attendance recorded",
  AGENDA_ADOPTED: "Agenda adopted",
  ACTION_POINT_ADDED: "Action point added",
  ACTION_POINT_DUE: "Action point due",
  ACTION_POINT_CLOSED: "Action point closed",
  MINUTES_TRANSITION: "Minutes moved",
  MINUTES_REVISED: "Minutes revised",
  MINUTES_COMMENTS_CLOSED: "Comments closed",
  TOPIC_TRANSITION: "Topic moved",
  TOPIC_DOCUMENT_ADDED: "Document added",
  WORK_PLAN_TRANSITION: "Work plan moved",
  WORK_PLAN_CHANGED: "Work plan changed",
};

export const TOPIC_STATES = {
  PROPOSED: "Proposed",
  UNDER_CONSIDERATION: "Under consideration",
  ACCEPTED: "Accepted",
  SCHEDULED: "Scheduled for discussion by all",
  DISCUSSED: "Discussed",
  CLOSED: "Closed",
  DECLINED: "Declined",
  WITHDRAWN: "Withdrawn",
};

export const OUTCOMES = {
  ACCEPTED: "Accepted by the committee",
  DECLINED: "Declined by the committee",
  CONCLUSIONS: "Conclusions",
  RECOMMENDATION: "Recommendation",
  REFERRED_TO_WORKING_GROUP: "Referred to a working group",
  CARRIED_OVER: "Carried over",
  POSTPONED: "Meeting postponed",
  CANCELLED: "Meeting cancelled",
  NOT_REACHED: "Not reached",
  WITHDRAWN: "Withdrawn",
};

export const DOCUMENT_KINDS = { NON_PAPER: "Non-paper", WORKING_PAPER: "Working paper", CONCEPT_NOTE: "Concept note", REPORT: "Report" };

export const RATINGS = { NOT_STARTED: "Not started", ON_TRACK: "On track", DELAYED: "Delayed", ACHIEVED: "Achieved" };

export const ACTIVITY_STATUS = { PLANNED: "Planned", DONE: "Done", DROPPED: "Dropped" };

export const MINUTES_STATES = { DRAFT: "Draft", CIRCULATED: "Circulated", APPROVED: "Approved", PUBLISHED: "Published" };

export const ATTENDANCE = { PRESENT: "Present", APOLOGIES_RECEIVED: "Apologies received", ABSENT: "Absent" };

export const CAPACITIES = { MEMBER: "Members", OBSERVER: "Observers", SECRETARIAT: "Secretariat", INVITED: "Invited to assist" };

export const DECISION_KINDS = { AGREED: "Agreed", TOOK_NOTE: "Took note", REQUESTED: "Requested", DEFERRED: "Deferred" };

export const ACTION_STATUS = { OPEN: "Open", DONE: "Done", DROPPED: "Dropped" };

const GUARDS = {
  meetingInSession: "this is recorded while the meeting is in session",
  meetingStarted: "attendance is recorded once the meeting is in session",
  beforeOrDuringMeeting: "apologies are sent before or during the meeting",
  notYetAdopted: "the agenda is already adopted",
  dueAfterMeeting: "an action point cannot be due before its meeting",
  laterCommitteeMeetingInSession: "minutes are approved at a later committee meeting, while it is in session",
  commentsClosed: "comments on the minutes are still open",
  textWritten: "write the minutes before circulating them",
  stateParty: "only a State Party may do this on that date",
  ownState: "a delegation may act only for its own State",
  noDuplicate: "the State already has an open nomination for this position at this meeting",
  consultationPolicy: "the broad-based consultation does not yet meet the policy",
  meetingTakesNominations: "the deciding meeting no longer takes nominations",
  meetingInSession: "the meeting is not in session",
  seatFree: "no seat of the position is free for the term",
  openingWindow: "the meeting cannot be opened this early",
  renewable: "this mandate cannot be renewed",
};

/// A refusal as a sentence: what happened and what to do.
export function sentence(error) {
  const ext = (error && error.extensions) || {};
  switch (ext.code) {
    case "UNAUTHENTICATED":
      return "You are not signed in, or your token has expired. Sign in with a valid token and try again.";
    case "FORBIDDEN":
      return "Your role does not allow this, or you are acting for another State's nomination.";
    case "CONFLICT":
      return "Someone else changed this in the meantime. The page has been reloaded with the current version; check it and try again.";
    case "INVALID_TRANSITION":
      return "This step is not possible from where the matter stands now" +
        (ext.state ? ` (${STATE_LABELS[ext.state] || MEETING_STATUS[ext.state] || ext.state})` : "") + ".";
    case "GUARD_FAILED": {
      const why = GUARDS[ext.guard] || ext.reason || "a rule of the Committee does not allow it";
      return `This is not possible: ${why}.` + (ext.reason && GUARDS[ext.guard] ? ` (${ext.reason})` : "");
    }
    case "NOT_FOUND":
      return "What you asked for does not exist (it may have been removed).";
    case "BAD_USER_INPUT":
      return "Some of what was entered is not valid: " + (error.message || "please check it") + ".";
    case "RATE_LIMITED":
      return "Too many requests at once; wait a moment and try again.";
    case "TIMEOUT":
      return "The server took too long to answer; try again in a moment.";
    case "OFFLINE":
      return "The server cannot be reached. Check the network connection and try again.";
    default:
      return "Something went wrong on the server; try again, and tell the ISU if it persists.";
  }
}

export function labelOf(map, key) {
  return (key && map[key]) || key || "";
}
