//! The committee's GraphQL types.

use std::sync::Arc;

use async_graphql::parser::types::Field;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::Datelike;
use entity::{mandate, organization, position, state};

use super::loaders::{
    HoldersLoader, MandateCountLoader, MandateLoader, MandatePageKey, MandatePageLoader,
    OrganizationLoader, PageMandate, PositionLoader, Shown, StateColumns, StateKey, StateLoader,
};
use super::model::{DepositKind, OrganizationKind, PositionKind, RegionalGroup, StateRelation};
use super::service::{MandateColumns, MandateParent};
use crate::clock::SharedClock;
use crate::error::ApiError;
use crate::graphql::eager::{Eager, ReadyFields, answers_at_once};
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::pagination::{self, Page, PageArgs};
use crate::graphql::projection::{FieldColumns, field_projection, projection};
use crate::graphql::scalars::Date;
use crate::meetings::loaders::MeetingLoader;
use crate::meetings::types::Meeting;
use crate::vocabulary::stored;

/// Today, by the server's clock.
pub fn today(ctx: &Context<'_>) -> chrono::NaiveDate {
    ctx.data_unchecked::<SharedClock>().today()
}

fn date_or_today(ctx: &Context<'_>, date: Option<Date>) -> chrono::NaiveDate {
    date.map_or_else(|| today(ctx), |d| d.0)
}

/// A State, read whole.
pub async fn load_state(ctx: &Context<'_>, code: &str) -> Result<Option<State>, ApiError> {
    Ok(get::<StateLoader, StateKey>(ctx)
        .load_one((code.to_owned(), StateColumns::ALL))
        .await?
        .map(State))
}

/// The columns each field of [`State`] reads beyond its code.
const STATE_FIELD_COLUMNS: &FieldColumns = &[
    ("__typename", &[]),
    ("id", &[]),
    ("code", &[]),
    ("name", &["name"]),
    ("regionalGroup", &["un_regional_group"]),
    ("signedOn", &["signed_on"]),
    ("depositedOn", &["deposited_on"]),
    ("depositKind", &["deposit_kind"]),
    ("entryIntoForceOn", &["entry_into_force_on"]),
    ("withdrawalEffectiveOn", &["withdrawal_effective_on"]),
    ("relation", RELATION_COLUMNS),
    ("isStateParty", RELATION_COLUMNS),
    ("mandates", &[]),
    ("source", &["source"]),
];

/// What [`StateRelation::of`] reads.
const RELATION_COLUMNS: &[&str] = &[
    "signed_on",
    "deposited_on",
    "entry_into_force_on",
    "withdrawal_effective_on",
];

/// The State that a field answers with, read with only the columns the
/// field's selection uses (a field whose answer is not the State itself
/// reads it whole, with [`load_state`]).
pub async fn selected_state(ctx: &Context<'_>, code: &str) -> Result<Option<State>, ApiError> {
    let columns = field_projection(ctx, STATE_FIELD_COLUMNS);
    Ok(get::<StateLoader, StateKey>(ctx)
        .load_one((code.to_owned(), columns))
        .await?
        .map(State))
}

/// A position by id; a missing one is a broken invariant.
pub async fn load_position(ctx: &Context<'_>, id: i32) -> Result<Position, ApiError> {
    get::<PositionLoader, i32>(ctx)
        .load_one(id)
        .await?
        .map(Position::from)
        .ok_or_else(|| ApiError::broken("a referenced row exists"))
}

pub async fn load_meeting(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Meeting>, ApiError> {
    let Some(id) = id else { return Ok(None) };
    Ok(get::<MeetingLoader, i32>(ctx)
        .load_one(id)
        .await?
        .map(Meeting))
}

/// The columns each field of [`Mandate`] reads beyond its id, position,
/// State and start, so that a page reads only what its selection needs.
const MANDATE_FIELD_COLUMNS: &FieldColumns = &[
    ("__typename", &[]),
    ("id", &[]),
    ("position", &[]),
    ("state", &[]),
    ("startsOn", &[]),
    ("seat", &["seat"]),
    ("endsOn", &["ends_on"]),
    ("designatedAt", &["designated_at_meeting_id"]),
    ("endsAt", &["ends_at_meeting_id"]),
    ("renews", &["renews_mandate_id"]),
    ("attested", &["attested_on"]),
    ("attestedOn", &["attested_on"]),
    ("isActive", &["ends_on"]),
    ("source", &["source"]),
];

/// The columns of the mandates that a page's nodes (`edges.node`, `nodes`)
/// read, and what else of theirs the selection shows: their States (with
/// the columns those read) and their positions.
fn page_columns(ctx: &Context<'_>) -> (MandateColumns, Shown) {
    let page = ctx.look_ahead();
    let nodes = [page.field("edges").field("node"), page.field("nodes")];
    let states = nodes.each_ref().map(|node| node.field("state"));
    let shown = Shown {
        states: states
            .iter()
            .any(|state| state.exists())
            .then(|| projection(&states, STATE_FIELD_COLUMNS)),
        positions: nodes.iter().any(|node| node.field("position").exists()),
    };
    (projection(&nodes, MANDATE_FIELD_COLUMNS), shown)
}

async fn mandates_of(
    ctx: &Context<'_>,
    parent: MandateParent,
    args: PageArgs,
) -> Result<Page<Mandate>, ApiError> {
    args.validate()?;
    let (columns, shown) = page_columns(ctx);
    // Without `totalCount` (and without counting back from the end), one row
    // past the page tells whether there is a next page: no count is run.
    let counted = args.last.is_some()
        || args.before.is_some()
        || ctx.look_ahead().field("totalCount").exists();
    if !counted {
        let page = args.window(u64::MAX)?;
        let probe = pagination::Window {
            offset: page.offset,
            limit: page.limit + 1,
        };
        let rows = if page.limit == 0 {
            None
        } else {
            get::<MandatePageLoader, MandatePageKey>(ctx)
                .load_one((parent, probe, columns, shown))
                .await?
        };
        let rows = rows.as_deref().unwrap_or_default();
        let more = rows.len() as u64 > page.limit;
        let rows = &rows[..rows.len().min(page.limit as usize)];
        let window = pagination::Window {
            offset: page.offset,
            limit: rows.len() as u64,
        };
        let known = page.offset + rows.len() as u64 + u64::from(more);
        return Ok(pagination::connection(
            window,
            known,
            rows.iter().map(Mandate::from).collect(),
        ));
    }
    let total = get::<MandateCountLoader, MandateParent>(ctx)
        .load_one(parent.clone())
        .await?
        .unwrap_or(0);
    let window = args.window(total)?;
    // Siblings share one batch only when they share a key: ask for the window
    // as if every list were endless, which depends on the arguments alone
    // (unless counting back from the end with `last`).
    let requested = if args.last.is_none() {
        args.window(u64::MAX)?
    } else {
        window
    };
    let rows = if window.limit == 0 {
        None
    } else {
        get::<MandatePageLoader, MandatePageKey>(ctx)
            .load_one((parent, requested, columns, shown))
            .await?
    };
    let rows = rows.as_deref().unwrap_or_default();
    Ok(pagination::connection(
        window,
        total,
        rows.iter().map(Mandate::from).collect(),
    ))
}

/// A State that signed the Convention or deposited an instrument, with its dates.
#[derive(Clone)]
pub struct State(pub Arc<state::Model>);

impl From<state::Model> for State {
    fn from(state: state::Model) -> Self {
        Self(Arc::new(state))
    }
}

#[Object]
impl State {
    pub async fn id(&self) -> ID {
        GlobalId::State(self.0.iso3.clone()).encode()
    }

    /// ISO 3166 alpha-3 code.
    async fn code(&self) -> &str {
        &self.0.iso3
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The UN regional group; none for the Holy See, the Cook Islands and Niue.
    async fn regional_group(&self) -> Result<Option<RegionalGroup>, ApiError> {
        self.0.un_regional_group.as_deref().map(stored).transpose()
    }

    async fn signed_on(&self) -> Option<Date> {
        self.0.signed_on.map(Date)
    }

    /// When its instrument of ratification or accession was deposited.
    async fn deposited_on(&self) -> Option<Date> {
        self.0.deposited_on.map(Date)
    }

    async fn deposit_kind(&self) -> Result<Option<DepositKind>, ApiError> {
        self.0.deposit_kind.as_deref().map(stored).transpose()
    }

    /// When the Convention entered into force for it (Article 17).
    async fn entry_into_force_on(&self) -> Option<Date> {
        self.0.entry_into_force_on.map(Date)
    }

    /// When its withdrawal took effect (Article 20).
    async fn withdrawal_effective_on(&self) -> Option<Date> {
        self.0.withdrawal_effective_on.map(Date)
    }

    /// Its relation to the Convention on a date (default today).
    async fn relation(&self, ctx: &Context<'_>, as_of: Option<Date>) -> StateRelation {
        StateRelation::of(&self.0, date_or_today(ctx, as_of))
    }

    /// Whether it is a State Party, the Convention in force for it, on a date (default today).
    async fn is_state_party(&self, ctx: &Context<'_>, as_of: Option<Date>) -> bool {
        StateRelation::of(&self.0, date_or_today(ctx, as_of)) == StateRelation::StateParty
    }

    /// Its mandates on the committee, latest first.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn mandates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Mandate>, ApiError> {
        let args = PageArgs::new(first, after, last, before);
        mandates_of(ctx, MandateParent::State(self.0.iso3.clone()), args).await
    }

    /// Where these facts come from.
    async fn source(&self) -> &str {
        &self.0.source
    }
}

impl ReadyFields for State {
    const READY: &'static [&'static str] = &[
        "id",
        "code",
        "name",
        "regionalGroup",
        "signedOn",
        "depositedOn",
        "depositKind",
        "entryIntoForceOn",
        "withdrawalEffectiveOn",
        "relation",
        "isStateParty",
        "source",
    ];
}

/// An observer organization or the Implementation Support Unit.
pub struct Organization(pub organization::Model);

#[Object]
impl Organization {
    pub async fn id(&self) -> ID {
        GlobalId::Organization(self.0.code.clone()).encode()
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> Result<OrganizationKind, ApiError> {
        stored(&self.0.kind)
    }

    /// The organization that hosts it (the ISU is hosted by the GICHD).
    async fn hosted_by(&self, ctx: &Context<'_>) -> Result<Option<Organization>, ApiError> {
        let Some(code) = &self.0.hosted_by else {
            return Ok(None);
        };
        Ok(get::<OrganizationLoader, String>(ctx)
            .load_one(code.clone())
            .await?
            .map(Organization))
    }

    /// The year it took up this role, where known.
    async fn since_year(&self) -> Option<i32> {
        self.0.since_year
    }

    async fn source(&self) -> &str {
        &self.0.source
    }
}

/// A kind of seat on the committee: the presidency or a thematic coordination.
#[derive(Clone)]
pub struct Position(pub Arc<position::Model>);

impl From<position::Model> for Position {
    fn from(position: position::Model) -> Self {
        Self(Arc::new(position))
    }
}

#[Object]
impl Position {
    pub async fn id(&self) -> ID {
        GlobalId::Position(self.0.id).encode()
    }

    /// A stable code, e.g. `UNIVERSALIZATION`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> Result<PositionKind, ApiError> {
        stored(&self.0.kind)
    }

    /// How many States hold it at once.
    async fn seats(&self) -> i32 {
        self.0.seats
    }

    /// The length of a term, in years (meeting to meeting).
    async fn term_years(&self) -> i32 {
        self.0.term_years
    }

    /// Whether a term can be renewed by decision of a meeting.
    async fn renewable(&self) -> bool {
        self.0.renewable
    }

    /// The meeting that created the position, where one did.
    async fn introduced_at(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, self.0.introduced_at_meeting_id).await
    }

    /// The meeting that retired the position, if any.
    async fn retired_at(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, self.0.retired_at_meeting_id).await
    }

    /// The mandates active on a date (default today), by seat.
    async fn holders(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> Result<Vec<Mandate>, ApiError> {
        let key = (self.0.id, date_or_today(ctx, as_of));
        Ok(get::<HoldersLoader, _>(ctx)
            .load_one(key)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Mandate::from)
            .collect())
    }

    /// Every mandate of the position, latest first.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn mandates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Mandate>, ApiError> {
        let args = PageArgs::new(first, after, last, before);
        mandates_of(ctx, MandateParent::Position(self.0.id), args).await
    }

    /// Regional balance of the States holding its seats on a date (default
    /// today) and of those nominated for it: an aim, never a rule, so it only warns.
    #[graphql(complexity = "crate::graphql::SQL_PER_ITEM + child_complexity")]
    async fn inclusiveness(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> Result<crate::nominations::types::Inclusiveness, ApiError> {
        let date = date_or_today(ctx, as_of);
        let mut codes: Vec<String> = get::<HoldersLoader, _>(ctx)
            .load_one((self.0.id, date))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.state_iso3)
            .collect();
        let db = ctx.data_unchecked::<crate::db::Db>();
        let nominees = crate::graphql::batch::direct(
            ctx,
            crate::nominations::read::open_nominees(&db.conn, self.0.id),
        )
        .await?;
        codes.extend(nominees);
        codes.sort();
        codes.dedup();
        let columns = StateColumns::ALWAYS.with("un_regional_group");
        let states = get::<StateLoader, StateKey>(ctx)
            .load_many(codes.iter().map(|code| (code.clone(), columns)))
            .await?;
        let members: Vec<(String, Option<String>)> = codes
            .into_iter()
            .map(|code| {
                let group = states
                    .get(&(code.clone(), columns))
                    .and_then(|s| s.un_regional_group.clone());
                (code, group)
            })
            .collect();
        Ok(crate::nominations::inclusiveness::assess(&members, None).into())
    }

    async fn source(&self) -> &str {
        &self.0.source
    }
}

impl ReadyFields for Position {
    const READY: &'static [&'static str] = &[
        "id",
        "code",
        "name",
        "kind",
        "seats",
        "termYears",
        "renewable",
        "source",
    ];
}

/// A State holding one seat of a position for a term. A term runs from the
/// end of the designating meeting to the end of the meeting where it expires
/// (since the First Review Conference, a presidency from the close of the
/// meeting before the one presided over to the close of that meeting).
///
/// A mandate of a page whose selection shows its State or position holds
/// them (read with the page, see `MandatePageLoader`): its `state` and
/// `position` then answer without a load.
pub struct Mandate(pub Arc<mandate::Model>, Option<State>, Option<Position>);

impl From<mandate::Model> for Mandate {
    fn from(mandate: mandate::Model) -> Self {
        Self(Arc::new(mandate), None, None)
    }
}

impl From<&PageMandate> for Mandate {
    fn from(row: &PageMandate) -> Self {
        Self(
            row.mandate.clone(),
            row.state.clone().map(State),
            row.position.clone().map(Position),
        )
    }
}

#[Object]
impl Mandate {
    pub async fn id(&self) -> ID {
        GlobalId::Mandate(self.0.id).encode()
    }

    async fn position(&self, ctx: &Context<'_>) -> Result<Eager<Position>, ApiError> {
        if let Some(position) = &self.2 {
            return Ok(Eager(position.clone()));
        }
        load_position(ctx, self.0.position_id).await.map(Eager)
    }

    async fn state(&self, ctx: &Context<'_>) -> Result<Eager<State>, ApiError> {
        if let Some(state) = &self.1 {
            return Ok(Eager(state.clone()));
        }
        selected_state(ctx, &self.0.state_iso3)
            .await?
            .map(Eager)
            .ok_or_else(|| ApiError::broken("a referenced row exists"))
    }

    /// Which seat of the position (1..seats).
    async fn seat(&self) -> i32 {
        self.0.seat
    }

    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }

    /// The first day it no longer runs; null when not established.
    async fn ends_on(&self) -> Option<Date> {
        self.0.ends_on.map(Date)
    }

    /// The meeting that designated the holder, where known.
    async fn designated_at(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, self.0.designated_at_meeting_id).await
    }

    /// The meeting at which the term ends.
    async fn ends_at(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, self.0.ends_at_meeting_id).await
    }

    /// The mandate this one renews, for a renewed one-year term.
    async fn renews(&self, ctx: &Context<'_>) -> Result<Option<Mandate>, ApiError> {
        let Some(id) = self.0.renews_mandate_id else {
            return Ok(None);
        };
        Ok(get::<MandateLoader, i32>(ctx)
            .load_one(id)
            .await?
            .map(Mandate::from))
    }

    /// Whether a source only attests the holder on a date (the mandate then
    /// spans the period between the meetings around that date), rather than
    /// giving the term.
    async fn attested(&self) -> bool {
        self.0.attested_on.is_some()
    }

    /// The date on which a source shows the holder in the seat, for an attested holding.
    async fn attested_on(&self) -> Option<Date> {
        self.0.attested_on.map(Date)
    }

    /// Whether it runs on a date (default today).
    async fn is_active(&self, ctx: &Context<'_>, as_of: Option<Date>) -> bool {
        let d = date_or_today(ctx, as_of);
        self.0.starts_on <= d && self.0.ends_on.is_none_or(|end| d < end)
    }

    async fn source(&self) -> &str {
        &self.0.source
    }
}

impl ReadyFields for Mandate {
    const READY: &'static [&'static str] = &[
        "id",
        "seat",
        "startsOn",
        "endsOn",
        "attested",
        "attestedOn",
        "isActive",
        "source",
    ];

    fn ready(&self, field: &Field) -> bool {
        match field.name.node.as_str() {
            "state" => self.1.as_ref().is_some_and(|s| answers_at_once(s, field)),
            "position" => self.2.as_ref().is_some_and(|p| answers_at_once(p, field)),
            name => Self::READY.contains(&name),
        }
    }
}

/// The committee on one date.
pub struct Committee {
    pub as_of: chrono::NaiveDate,
    pub positions: Vec<position::Model>,
    pub organizations: Vec<organization::Model>,
}

#[Object]
impl Committee {
    async fn as_of(&self) -> Date {
        Date(self.as_of)
    }

    /// Each position that existed on the date, with its holders.
    async fn positions(&self) -> Vec<CommitteePosition> {
        self.positions
            .iter()
            .map(|p| CommitteePosition {
                position: p.clone(),
                as_of: self.as_of,
            })
            .collect()
    }

    /// The organizations invited to take part as observers (ICRC, UN, CMC).
    async fn observers(&self) -> Result<Vec<Organization>, ApiError> {
        let mut out = Vec::new();
        for org in &self.organizations {
            if stored::<OrganizationKind>(&org.kind)? == OrganizationKind::CommitteeObserver {
                out.push(Organization(org.clone()));
            }
        }
        Ok(out)
    }

    /// The Implementation Support Unit, once it was operational.
    async fn support_unit(&self) -> Result<Option<Organization>, ApiError> {
        for org in &self.organizations {
            if stored::<OrganizationKind>(&org.kind)? == OrganizationKind::SupportUnit
                && org.since_year.is_none_or(|y| y <= self.as_of.year())
            {
                return Ok(Some(Organization(org.clone())));
            }
        }
        Ok(None)
    }
}

/// A position on the committee's composition at a date.
pub struct CommitteePosition {
    pub position: position::Model,
    pub as_of: chrono::NaiveDate,
}

#[Object]
impl CommitteePosition {
    async fn position(&self) -> Position {
        Position::from(self.position.clone())
    }

    /// The mandates that run on the date, by seat.
    async fn holders(&self, ctx: &Context<'_>) -> Result<Vec<Mandate>, ApiError> {
        Ok(get::<HoldersLoader, _>(ctx)
            .load_one((self.position.id, self.as_of))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Mandate::from)
            .collect())
    }

    /// Each seat on the date: held (by whom), known to be vacant, or unknown.
    async fn seats(&self, ctx: &Context<'_>) -> Result<Vec<CommitteeSeat>, ApiError> {
        let held = get::<HoldersLoader, _>(ctx)
            .load_one((self.position.id, self.as_of))
            .await?
            .unwrap_or_default();
        let empty = if crate::reference::compositions::complete_on(self.as_of, today(ctx)) {
            SeatStatus::Vacant
        } else {
            SeatStatus::Unknown
        };
        Ok((1..=self.position.seats)
            .map(|seat| match held.iter().find(|m| m.seat == seat) {
                Some(m) => CommitteeSeat {
                    seat,
                    status: SeatStatus::Held,
                    holder: Some(Mandate::from(m.clone())),
                },
                None => CommitteeSeat {
                    seat,
                    status: empty,
                    holder: None,
                },
            })
            .collect())
    }

    /// Seats known to have no holder on the date.
    async fn vacant_seats(&self, ctx: &Context<'_>) -> Result<i32, ApiError> {
        self.count(ctx, SeatStatus::Vacant).await
    }

    /// Seats whose holder on the date the records do not show.
    async fn unknown_seats(&self, ctx: &Context<'_>) -> Result<i32, ApiError> {
        self.count(ctx, SeatStatus::Unknown).await
    }
}

impl CommitteePosition {
    async fn count(&self, ctx: &Context<'_>, status: SeatStatus) -> Result<i32, ApiError> {
        let seats = self.seats(ctx).await?;
        Ok(seats.iter().filter(|s| s.status == status).count() as i32)
    }
}

/// Whether a seat had a holder on a date, as far as the records show.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SeatStatus {
    /// A mandate (a known term, or a holding a source attests) runs on the date.
    Held,
    /// The records for the date are complete and name no holder.
    Vacant,
    /// No holder is known, and the records for the date are incomplete.
    Unknown,
}

/// One seat of a position on the committee's composition at a date.
#[derive(SimpleObject)]
pub struct CommitteeSeat {
    pub seat: i32,
    pub status: SeatStatus,
    pub holder: Option<Mandate>,
}
