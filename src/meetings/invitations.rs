//! Who is invited to a committee meeting, and who came. Members follow the
//! composition on the meeting's date (a State holding two seats is one
//! invitation), the observers and the secretariat are always invited, and
//! the President's office calls upon others to assist, for one meeting or
//! for every meeting of a period. Every change is one transaction with its
//! `meetingUpdates` entry.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{invitation, meeting, organization, position, standing_invitation, state};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::model::{Attendance, Capacity, MeetingKind, MeetingStatus};
use super::rows::{bump, check_open, locked, unchanged};
use crate::auth::{Identity, Role};
use crate::bounds::{NAME_MAX, NOTE_MAX, bounded};
use crate::committee::model::OrganizationKind;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::vocabulary::stored;
use crate::workflow::idempotency::{self, Done, Keyed};

/// The most delegates one invitation names.
pub const DELEGATES_MAX: usize = 20;

/// Who is invited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Party {
    State(String),
    Organization(String),
    Guest {
        name: String,
        affiliation: Option<String>,
        /// The account the guest signs in with, where it has one.
        account: Option<String>,
    },
}

impl Party {
    /// The key that makes one invitation per party and meeting.
    pub fn key(&self) -> String {
        match self {
            Self::State(code) => format!("STATE:{code}"),
            Self::Organization(code) => format!("ORG:{code}"),
            Self::Guest {
                name, affiliation, ..
            } => format!(
                "GUEST:{}|{}",
                name.to_lowercase(),
                affiliation.as_deref().unwrap_or("").to_lowercase()
            ),
        }
    }

    fn columns(&self) -> [Option<String>; 5] {
        match self {
            Self::State(code) => [Some(code.clone()), None, None, None, None],
            Self::Organization(code) => [None, Some(code.clone()), None, None, None],
            Self::Guest {
                name,
                affiliation,
                account,
            } => [
                None,
                None,
                Some(name.clone()),
                affiliation.clone(),
                account.clone(),
            ],
        }
    }

    /// The party an invitation row names.
    pub fn of(row: &invitation::Model) -> Self {
        Self::from_columns([
            &row.state_iso3,
            &row.organization_code,
            &row.guest_name,
            &row.guest_affiliation,
            &row.guest_account,
        ])
    }

    /// The party a standing invitation names.
    fn of_standing(row: &standing_invitation::Model) -> Self {
        Self::from_columns([
            &row.state_iso3,
            &row.organization_code,
            &row.guest_name,
            &row.guest_affiliation,
            &row.guest_account,
        ])
    }

    /// The party stored columns name, in the order [`Party::columns`] writes them.
    fn from_columns([state, org, name, affiliation, account]: [&Option<String>; 5]) -> Self {
        match (state, org) {
            (Some(code), _) => Self::State(code.clone()),
            (None, Some(code)) => Self::Organization(code.clone()),
            (None, None) => Self::Guest {
                name: name.clone().unwrap_or_default(),
                affiliation: affiliation.clone(),
                account: account.clone(),
            },
        }
    }

    /// Whether `who` speaks for this party.
    pub fn spoken_for_by(&self, who: &Identity) -> bool {
        match self {
            Self::State(code) => who.role.is_state_bound() && who.state.as_deref() == Some(code),
            Self::Organization(code) => {
                who.role == Role::Observer && who.organization.as_deref() == Some(code)
            }
            Self::Guest { account, .. } => account.as_deref() == Some(who.subject.as_str()),
        }
    }
}

/// Whether `who` is among the meeting's invitees: the President's office and
/// the ISU always are; a delegation, an observer or a guest when invited.
pub fn is_invitee(who: &Identity, invitations: &[invitation::Model]) -> bool {
    matches!(who.role, Role::Admin | Role::Presidency)
        || invitations.iter().any(|i| Party::of(i).spoken_for_by(who))
}

fn new_row(
    meeting_id: i32,
    party: &Party,
    capacity: Capacity,
    positions: Vec<String>,
    purpose: Option<String>,
    standing_id: Option<i32>,
    now: DateTime<Utc>,
) -> invitation::ActiveModel {
    let [state, org, name, affiliation, account] = party.columns();
    invitation::ActiveModel {
        meeting_id: Set(meeting_id),
        party: Set(party.key()),
        capacity: Set(capacity.as_str().to_owned()),
        state_iso3: Set(state),
        organization_code: Set(org),
        guest_name: Set(name),
        guest_affiliation: Set(affiliation),
        guest_account: Set(account),
        positions: Set(json!(positions)),
        purpose: Set(purpose),
        standing_id: Set(standing_id),
        attendance: Set(None),
        delegates: Set(json!([])),
        apologies_at: Set(None),
        version: Set(1),
        created_at: Set(now.fixed_offset()),
        updated_at: Set(now.fixed_offset()),
        ..Default::default()
    }
}

/// What should be invited to a committee meeting, by party key.
struct Wanted {
    party: Party,
    capacity: Capacity,
    positions: Vec<String>,
    purpose: Option<String>,
    standing_id: Option<i32>,
}

async fn wanted(txn: &WriteTxn, m: &meeting::Model) -> Result<BTreeMap<String, Wanted>, ApiError> {
    let mut out = BTreeMap::new();
    let organizations = organization::Entity::find()
        .filter(organization::Column::Kind.is_in([
            OrganizationKind::CommitteeObserver.as_str(),
            OrganizationKind::SupportUnit.as_str(),
        ]))
        .order_by_asc(organization::Column::Code)
        .all(&**txn)
        .await?;
    for org in organizations {
        let capacity = if org.kind == OrganizationKind::SupportUnit.as_str() {
            Capacity::Secretariat
        } else {
            Capacity::Observer
        };
        let party = Party::Organization(org.code);
        out.insert(
            party.key(),
            Wanted {
                party,
                capacity,
                positions: Vec::new(),
                purpose: None,
                standing_id: None,
            },
        );
    }
    let Some(date) = m.starts_on else {
        return Ok(out);
    };
    let positions = position::Entity::find().all(&**txn).await?;
    let ids: Vec<i32> = positions.iter().map(|p| p.id).collect();
    let mut seats: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
    for mandate in crate::committee::service::holders_in(&**txn, &ids, date).await? {
        if let Some(p) = positions.iter().find(|p| p.id == mandate.position_id) {
            seats
                .entry(mandate.state_iso3.clone())
                .or_default()
                .push((p.sort_order, p.code.clone()));
        }
    }
    for (code, mut held) in seats {
        held.sort();
        held.dedup();
        let party = Party::State(code);
        out.insert(
            party.key(),
            Wanted {
                party,
                capacity: Capacity::Member,
                positions: held.into_iter().map(|(_, code)| code).collect(),
                purpose: None,
                standing_id: None,
            },
        );
    }
    let standing = standing_invitation::Entity::find()
        .filter(standing_invitation::Column::FromDate.lte(date))
        .filter(standing_invitation::Column::ToDate.gte(date))
        .order_by_asc(standing_invitation::Column::Id)
        .all(&**txn)
        .await?;
    for s in standing {
        if out.contains_key(&s.party) {
            continue;
        }
        let party = Party::of_standing(&s);
        out.insert(
            s.party.clone(),
            Wanted {
                party,
                capacity: Capacity::Invited,
                positions: Vec::new(),
                purpose: s.purpose.clone(),
                standing_id: Some(s.id),
            },
        );
    }
    Ok(out)
}

/// Brings a committee meeting's invitations in line with what its date
/// calls for: members from the composition on that date (their positions
/// kept current), the observers, the secretariat and the standing
/// invitations covering it. Invitations the President's office added for
/// this meeting alone stay; so does any invitation with attendance recorded.
pub(super) async fn follow_composition(
    txn: &WriteTxn,
    m: &meeting::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if stored::<MeetingKind>(&m.kind)? != MeetingKind::CoordinationCommittee {
        return Ok(());
    }
    let mut wanted = wanted(txn, m).await?;
    let existing = invitation::Entity::find()
        .filter(invitation::Column::MeetingId.eq(m.id))
        .all(&**txn)
        .await?;
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    for row in existing {
        let follows = row.capacity != Capacity::Invited.as_str() || row.standing_id.is_some();
        match wanted.remove(&row.party) {
            Some(w) => {
                let positions = json!(w.positions);
                if row.positions != positions || row.capacity != w.capacity.as_str() {
                    let version = row.version;
                    let mut changes: invitation::ActiveModel = row.into();
                    changes.positions = Set(positions);
                    changes.capacity = Set(w.capacity.as_str().to_owned());
                    changes.version = Set(version + 1);
                    changes.updated_at = Set(now.fixed_offset());
                    changes.update(&**txn).await?;
                }
            }
            None if follows && row.attendance.is_none() => {
                removed.push(row.party.clone());
                invitation::Entity::delete_by_id(row.id)
                    .exec(&**txn)
                    .await?;
            }
            None => {}
        }
    }
    for (key, w) in wanted {
        new_row(
            m.id,
            &w.party,
            w.capacity,
            w.positions,
            w.purpose,
            w.standing_id,
            now,
        )
        .insert(&**txn)
        .await?;
        added.push(key);
    }
    if !added.is_empty() || !removed.is_empty() {
        let event = Event::InvitationsChanged {
            reason: reason.to_owned(),
            added,
            removed,
        };
        events::append(&**txn, &Topic::Meeting(m.id), None, &event, now).await?;
    }
    Ok(())
}

/// For one meeting, or standing for every committee meeting of a period.
#[derive(Clone, Debug)]
pub enum Reach {
    Meeting(i32),
    Period { from: NaiveDate, to: NaiveDate },
}

/// An invitation to assist.
#[derive(Clone, Debug)]
pub struct Invite {
    pub reach: Reach,
    pub party: Party,
    pub purpose: Option<String>,
}

async fn check_party(txn: &WriteTxn, party: Party) -> Result<Party, ApiError> {
    Ok(match party {
        Party::State(code) => {
            let code = crate::committee::service::parse_iso3(&code)?;
            if state::Entity::find_by_id(code.clone())
                .one(&**txn)
                .await?
                .is_none()
            {
                return Err(ApiError::bad_input(format!("unknown State `{code}`")));
            }
            Party::State(code)
        }
        Party::Organization(code) => {
            let code = code.trim().to_ascii_uppercase();
            if organization::Entity::find_by_id(code.clone())
                .one(&**txn)
                .await?
                .is_none()
            {
                return Err(ApiError::bad_input(format!(
                    "unknown organization `{code}`"
                )));
            }
            Party::Organization(code)
        }
        guest => guest,
    })
}

/// Checks a guest's texts (before any transaction).
pub fn check_guest(party: Party) -> Result<Party, ApiError> {
    let Party::Guest {
        name,
        affiliation,
        account,
    } = party
    else {
        return Ok(party);
    };
    let name = name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::bad_input("a guest has a name"));
    }
    Ok(Party::Guest {
        name: bounded("guestName", Some(name), NAME_MAX)?.unwrap_or_default(),
        affiliation: bounded(
            "guestAffiliation",
            affiliation
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty()),
            NAME_MAX,
        )?,
        account: bounded("guestAccount", account, NAME_MAX)?,
    })
}

async fn committee_meeting(txn: &WriteTxn, id: i32) -> Result<meeting::Model, ApiError> {
    let m = meeting::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))?;
    if stored::<MeetingKind>(&m.kind)? != MeetingKind::CoordinationCommittee {
        return Err(ApiError::bad_input(format!(
            "the {} is not a committee meeting: invitations are for committee meetings",
            m.code
        )));
    }
    Ok(m)
}

/// Invites a party to assist: to one meeting, or to every committee meeting
/// of a period (those scheduled now and those scheduled later). Answers the
/// invitations created.
pub async fn invite(
    db: &Db,
    who: &Identity,
    invite: Invite,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<Vec<i32>>, ApiError> {
    let party = check_guest(invite.party)?;
    let purpose = bounded(
        "purpose",
        invite.purpose.map(|p| p.trim().to_owned()),
        NOTE_MAX,
    )?;
    if let Reach::Period { from, to } = &invite.reach
        && (to < from || !crate::bounds::accepts(*from) || !crate::bounds::accepts(*to))
    {
        return Err(ApiError::bad_input(
            "a period runs from `from` to `to`, within the dates the server accepts",
        ));
    }
    let input = json!({ "op": "inviteToMeeting", "reach": format!("{:?}", invite.reach),
        "party": party.key(), "purpose": purpose });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let party = check_party(txn, party.clone()).await?;
        let (meetings, standing_id) = match invite.reach {
            Reach::Meeting(id) => {
                let m = committee_meeting(txn, id).await?;
                check_open(&m)?;
                (vec![m], None)
            }
            Reach::Period { from, to } => {
                let [state, org, name, affiliation, account] = party.columns();
                let standing = standing_invitation::ActiveModel {
                    party: Set(party.key()),
                    state_iso3: Set(state),
                    organization_code: Set(org),
                    guest_name: Set(name),
                    guest_affiliation: Set(affiliation),
                    guest_account: Set(account),
                    purpose: Set(purpose.clone()),
                    from_date: Set(from),
                    to_date: Set(to),
                    created_by: Set(who.subject.clone()),
                    created_at: Set(now.fixed_offset()),
                    ..Default::default()
                }
                .insert(&**txn)
                .await?;
                let meetings = meeting::Entity::find()
                    .filter(meeting::Column::Kind.eq(MeetingKind::CoordinationCommittee.as_str()))
                    .filter(meeting::Column::Status.eq(MeetingStatus::Planned.as_str()))
                    .filter(meeting::Column::StartsOn.gte(from))
                    .filter(meeting::Column::StartsOn.lte(to))
                    .order_by_asc(meeting::Column::StartsOn)
                    .all(&**txn)
                    .await?;
                (meetings, Some(standing.id))
            }
        };
        let mut created = Vec::new();
        for m in meetings {
            let taken = invitation::Entity::find()
                .filter(invitation::Column::MeetingId.eq(m.id))
                .filter(invitation::Column::Party.eq(party.key()))
                .one(&**txn)
                .await?
                .is_some();
            if taken {
                if standing_id.is_some() {
                    continue;
                }
                return Err(ApiError::bad_input(format!(
                    "this party is already invited to the {}",
                    m.code
                )));
            }
            let row = new_row(
                m.id,
                &party,
                Capacity::Invited,
                Vec::new(),
                purpose.clone(),
                standing_id,
                now,
            )
            .insert(&**txn)
            .await?;
            let event = Event::InvitationsChanged {
                reason: "invited".to_owned(),
                added: vec![row.party.clone()],
                removed: Vec::new(),
            };
            events::append(&**txn, &Topic::Meeting(m.id), None, &event, now).await?;
            created.push(row.id);
        }
        Ok(created)
    })
    .await
}

/// Withdraws an invitation to assist (with `standing`, the standing
/// invitation it came from too, and its invitations to meetings not yet held).
pub async fn withdraw(
    db: &Db,
    who: &Identity,
    invitation_id: i32,
    standing: bool,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let input = json!({ "op": "withdrawInvitation", "invitation": invitation_id,
        "standing": standing });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let row = invitation::Entity::find_by_id(invitation_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such invitation".to_owned()))?;
        if row.capacity != Capacity::Invited.as_str() {
            return Err(ApiError::bad_input(format!(
                "a {} invitation follows the committee's composition and cannot be withdrawn",
                row.capacity
            )));
        }
        let m = committee_meeting(txn, row.meeting_id).await?;
        check_open(&m)?;
        let mut rows = vec![row.clone()];
        if standing && let Some(standing_id) = row.standing_id {
            let others = invitation::Entity::find()
                .filter(invitation::Column::StandingId.eq(standing_id))
                .filter(invitation::Column::Id.ne(row.id))
                .filter(invitation::Column::Attendance.is_null())
                .all(&**txn)
                .await?;
            for other in others {
                let held = meeting::Entity::find_by_id(other.meeting_id)
                    .one(&**txn)
                    .await?
                    .is_some_and(|m| m.status != MeetingStatus::Planned.as_str());
                if !held {
                    rows.push(other);
                }
            }
            standing_invitation::Entity::update_many()
                .col_expr(
                    standing_invitation::Column::ToDate,
                    sea_orm::sea_query::Expr::value(now.date_naive()),
                )
                .filter(standing_invitation::Column::Id.eq(standing_id))
                .exec(&**txn)
                .await?;
        }
        for row in rows {
            invitation::Entity::delete_by_id(row.id)
                .exec(&**txn)
                .await?;
            let event = Event::InvitationsChanged {
                reason: "withdrawn".to_owned(),
                added: Vec::new(),
                removed: vec![row.party.clone()],
            };
            events::append(&**txn, &Topic::Meeting(row.meeting_id), None, &event, now).await?;
        }
        Ok(m.id)
    })
    .await
}

/// A delegation, an observer or a guest sends apologies for its own
/// invitation, before or during the meeting.
pub async fn send_apologies(
    db: &Db,
    who: &Identity,
    invitation_id: i32,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let input = json!({ "op": "sendApologies", "invitation": invitation_id });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let row = invitation::Entity::find_by_id(invitation_id)
            .one(&**txn)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such invitation".to_owned()))?;
        let party = Party::of(&row);
        if !party.spoken_for_by(who) {
            return Err(ApiError::Forbidden(
                "apologies are sent by the invited delegation itself".to_owned(),
            ));
        }
        let m = committee_meeting(txn, row.meeting_id).await?;
        let status: MeetingStatus = stored(&m.status)?;
        if status.is_closed() {
            return Err(ApiError::GuardFailed {
                guard: "beforeOrDuringMeeting".to_owned(),
                reason: format!(
                    "the {} is {}: apologies are sent before or during the meeting",
                    m.code, m.status
                ),
            });
        }
        if row.attendance.as_deref() == Some(Attendance::Present.as_str()) {
            return Err(ApiError::GuardFailed {
                guard: "notPresent".to_owned(),
                reason: "this delegation is recorded as present".to_owned(),
            });
        }
        let version = row.version;
        let label = row.party.clone();
        let mut changes: invitation::ActiveModel = row.into();
        changes.attendance = Set(Some(Attendance::ApologiesReceived.as_str().to_owned()));
        changes.apologies_at = Set(Some(now.fixed_offset()));
        changes.version = Set(version + 1);
        changes.updated_at = Set(now.fixed_offset());
        changes.update(&**txn).await?;
        let event = Event::ApologiesSent {
            invitation_id,
            party: label,
            by: who.subject.clone(),
        };
        events::append(&**txn, &Topic::Meeting(m.id), None, &event, now).await?;
        Ok(m.id)
    })
    .await
}

/// One invitation's attendance, as the President's office records it.
#[derive(Clone, Debug)]
pub struct Present {
    pub invitation_id: i32,
    pub attendance: Attendance,
    pub delegates: Vec<String>,
}

/// Records attendance for all invitations of a meeting in session or
/// concluded, at once: those not listed are recorded as having sent
/// apologies (where they did) or absent.
pub async fn record_attendance(
    db: &Db,
    who: &Identity,
    meeting_id: i32,
    expected_version: i32,
    entries: Vec<Present>,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Done<i32>, ApiError> {
    let mut listed = BTreeMap::new();
    for entry in entries {
        if entry.delegates.len() > DELEGATES_MAX {
            return Err(ApiError::bad_input(format!(
                "at most {DELEGATES_MAX} delegates per invitation"
            )));
        }
        let mut names = Vec::with_capacity(entry.delegates.len());
        for name in entry.delegates {
            let name = name.trim().to_owned();
            if name.is_empty() {
                return Err(ApiError::bad_input("a delegate has a name"));
            }
            names.push(bounded("delegates", Some(name), NAME_MAX)?.unwrap_or_default());
        }
        if listed
            .insert(entry.invitation_id, (entry.attendance, names))
            .is_some()
        {
            return Err(ApiError::bad_input(format!(
                "invitation {} is listed twice",
                entry.invitation_id
            )));
        }
    }
    let input = json!({ "op": "recordAttendance", "meeting": meeting_id,
        "expectedVersion": expected_version,
        "entries": listed.iter().map(|(id, (a, d))| json!([id, a.as_str(), d])).collect::<Vec<_>>() });
    idempotency::run(db, Keyed::new(&who.subject, key, input), now, async |txn| {
        let before = locked(txn, meeting_id, expected_version).await?;
        let status: MeetingStatus = stored(&before.status)?;
        if !status.has_started() {
            return Err(ApiError::GuardFailed {
                guard: "meetingStarted".to_owned(),
                reason: format!(
                    "the {} is {}: attendance is recorded once the meeting is in session",
                    before.code, before.status
                ),
            });
        }
        let rows = invitation::Entity::find()
            .filter(invitation::Column::MeetingId.eq(meeting_id))
            .all(&**txn)
            .await?;
        let known: BTreeSet<i32> = rows.iter().map(|r| r.id).collect();
        if let Some(stranger) = listed.keys().find(|id| !known.contains(id)) {
            return Err(ApiError::bad_input(format!(
                "invitation {stranger} is not an invitation to the {}",
                before.code
            )));
        }
        let (mut present, mut apologies, mut absent) = (0, 0, 0);
        for row in rows {
            let (attendance, delegates) = match listed.remove(&row.id) {
                Some(entry) => entry,
                None if row.attendance.as_deref()
                    == Some(Attendance::ApologiesReceived.as_str()) =>
                {
                    (Attendance::ApologiesReceived, Vec::new())
                }
                None => (Attendance::Absent, Vec::new()),
            };
            match attendance {
                Attendance::Present => present += 1,
                Attendance::ApologiesReceived => apologies += 1,
                Attendance::Absent => absent += 1,
            }
            let delegates = json!(delegates);
            if row.attendance.as_deref() == Some(attendance.as_str()) && row.delegates == delegates
            {
                continue;
            }
            let version = row.version;
            let mut changes: invitation::ActiveModel = row.into();
            changes.attendance = Set(Some(attendance.as_str().to_owned()));
            changes.delegates = Set(delegates);
            changes.version = Set(version + 1);
            changes.updated_at = Set(now.fixed_offset());
            changes.update(&**txn).await?;
        }
        bump(
            txn,
            unchanged(),
            &before,
            |after| Event::AttendanceRecorded {
                present,
                apologies_received: apologies,
                absent,
                version: after.version,
            },
            now,
        )
        .await?;
        Ok(meeting_id)
    })
    .await
}

/// The invitations of each meeting, by capacity then party.
pub async fn of_meetings(db: &Db, meetings: &[i32]) -> Result<Vec<invitation::Model>, ApiError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::MeetingId.is_in(meetings.iter().copied()))
        .order_by_asc(invitation::Column::MeetingId)
        .order_by_asc(invitation::Column::Id)
        .all(&db.conn)
        .await?)
}
