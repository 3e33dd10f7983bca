//! Schema assembly: merges the domains' roots and sets limits and extensions.
//! One `build_schema` serves the server, the `schema` command and the tests.

use async_graphql::{Context, ID, Interface, MergedObject, Object, Schema};

use crate::action_points::graphql::ActionPointLoader;
use crate::action_points::types::ActionPoint;
use crate::action_points::{ActionPointsMutation, ActionPointsQuery};
use crate::committee::CommitteeQuery;
use crate::committee::loaders::{MandateLoader, OrganizationLoader, PositionLoader};
use crate::committee::types::{Mandate, Organization, Position, State, load_state};
use crate::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::workflow::Workflow;
use crate::meetings::loaders::{AgendaItemLoader, MeetingLoader};
use crate::meetings::types::{AgendaItem, Meeting};
use crate::meetings::types::{Decision, Invitation};
use crate::meetings::{MeetingsMutation, MeetingsQuery};
use crate::minutes::types::Minutes;
use crate::minutes::{MinutesMutation, MinutesQuery};
use crate::nominations::loaders::NominationLoader;
use crate::nominations::types::Nomination;
use crate::nominations::{NominationsMutation, NominationsQuery};
use crate::seats::{SeatsMutation, SeatsQuery};
use crate::server::subscriptions::{EventsQuery, Subscription};

/// Anything with a global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "An opaque, globally unique ID."))]
pub enum Node {
    State(State),
    Organization(Organization),
    Position(Position),
    Mandate(Mandate),
    Meeting(Meeting),
    AgendaItem(AgendaItem),
    Nomination(Nomination),
    Invitation(Invitation),
    Decision(Decision),
    ActionPoint(ActionPoint),
    Minutes(Minutes),
    Topic(crate::topics::types::Topic),
    TopicDocument(crate::topics::types::TopicDocument),
    WorkPlan(crate::work_plans::types::WorkPlan),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when nothing has that ID.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, ApiError> {
        Ok(match GlobalId::decode(&id)? {
            GlobalId::State(code) => load_state(ctx, &code).await?.map(Node::State),
            GlobalId::Organization(code) => get::<OrganizationLoader, String>(ctx)
                .load_one(code)
                .await?
                .map(|m| Node::Organization(Organization(m))),
            GlobalId::Position(n) => get::<PositionLoader, i32>(ctx)
                .load_one(n)
                .await?
                .map(|m| Node::Position(Position::from(m))),
            GlobalId::Mandate(n) => get::<MandateLoader, i32>(ctx)
                .load_one(n)
                .await?
                .map(|m| Node::Mandate(Mandate::from(m))),
            GlobalId::Meeting(n) => get::<MeetingLoader, i32>(ctx)
                .load_one(n)
                .await?
                .map(|m| Node::Meeting(Meeting(m))),
            GlobalId::AgendaItem(n) => get::<AgendaItemLoader, i32>(ctx)
                .load_one(n)
                .await?
                .map(|m| Node::AgendaItem(AgendaItem(m))),
            GlobalId::Nomination(n) => get::<NominationLoader, i64>(ctx)
                .load_one(n)
                .await?
                .map(|m| Node::Nomination(Nomination(m))),
            GlobalId::Invitation(n) => {
                use sea_orm::EntityTrait;
                entity::invitation::Entity::find_by_id(n)
                    .one(&ctx.data_unchecked::<crate::db::Db>().conn)
                    .await?
                    .map(|m| Node::Invitation(Invitation(m)))
            }
            GlobalId::Decision(n) => {
                use sea_orm::EntityTrait;
                entity::decision::Entity::find_by_id(n)
                    .one(&ctx.data_unchecked::<crate::db::Db>().conn)
                    .await?
                    .map(|m| Node::Decision(Decision(m)))
            }
            GlobalId::ActionPoint(n) => get::<ActionPointLoader, i32>(ctx)
                .load_one(n)
                .await?
                .map(|m| Node::ActionPoint(ActionPoint(m))),
            GlobalId::Minutes(n) => crate::minutes::graphql::by_id(ctx, n)
                .await?
                .map(Node::Minutes),
            GlobalId::Topic(n) => crate::topics::types::load_topics(ctx, &[n])
                .await?
                .pop()
                .map(Node::Topic),
            GlobalId::TopicDocument(n) => {
                use sea_orm::EntityTrait;
                entity::topic_document::Entity::find_by_id(n)
                    .one(&ctx.data_unchecked::<crate::db::Db>().conn)
                    .await?
                    .map(|m| Node::TopicDocument(crate::topics::types::TopicDocument(m)))
            }
            GlobalId::WorkPlan(n) => crate::work_plans::types::load_plan(ctx, n)
                .await?
                .map(Node::WorkPlan),
            // An objective and an activity are read through their plan.
            GlobalId::Objective(_) | GlobalId::Activity(_) => None,
        })
    }

    /// A workflow definition (`nomination`, `minutes`, `topic` or `workPlan`): its states,
    /// transitions, roles, guards and Mermaid diagram.
    async fn workflow(&self, name: String) -> Option<Workflow> {
        match name.as_str() {
            crate::nominations::definition::NAME => Some(Workflow(
                crate::nominations::definition::current().describe(),
            )),
            crate::minutes::NAME => {
                Some(Workflow(crate::minutes::definition::current().describe()))
            }
            crate::topics::NAME => Some(Workflow(crate::topics::definition::current().describe())),
            crate::work_plans::NAME => Some(Workflow(
                crate::work_plans::definition::current().describe(),
            )),
            _ => None,
        }
    }
}

#[derive(MergedObject, Default)]
pub struct Query(
    CommitteeQuery,
    MeetingsQuery,
    NominationsQuery,
    SeatsQuery,
    MinutesQuery,
    ActionPointsQuery,
    crate::plans::PlansQuery,
    crate::topics::TopicsQuery,
    crate::work_plans::WorkPlansQuery,
    EventsQuery,
    NodeQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    NominationsMutation,
    MeetingsMutation,
    MinutesMutation,
    ActionPointsMutation,
    crate::topics::TopicsMutation,
    crate::work_plans::WorkPlansMutation,
    SeatsMutation,
);

pub type CcmSchema = Schema<Query, Mutation, Subscription>;

/// Limits async-graphql applies (the document's size and depth are checked
/// before, by `graphql::limits`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub max_complexity: usize,
}

/// async-graphql's own depth limit, a backstop behind `graphql::limits`
/// (which bounds introspection separately).
const BACKSTOP_DEPTH: usize = 64;

/// What every operation of a running server reads and no request changes:
/// the database, the clock, the policy, the event dispatcher and the meeting
/// hooks. The schema holds it once; each request adds only its own data
/// (`server::request::prepare`).
pub struct Shared {
    pub db: crate::db::Db,
    pub clock: crate::clock::SharedClock,
    pub policy: crate::config::Policy,
    pub dispatcher: std::sync::Arc<crate::events::dispatcher::Dispatcher>,
    pub meeting_hooks: crate::meetings::hooks::MeetingHooks,
}

/// The schema with its limits and, for a server, the data every operation
/// shares (none for printing the SDL).
pub fn build_schema(limits: Limits, shared: Option<Shared>) -> CcmSchema {
    // No extension otherwise: with none, async-graphql resolves fields on its fast path.
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .limit_depth(BACKSTOP_DEPTH)
        .limit_complexity(limits.max_complexity);
    if let Some(shared) = shared {
        builder = builder
            .data(shared.db)
            .data(shared.clock)
            .data(shared.policy)
            .data(shared.dispatcher)
            .data(shared.meeting_hooks);
    }
    // A span per resolved field costs about a tenth of a nested query's CPU:
    // only when asked for (`CCM_LOG=...,async_graphql::graphql=info`).
    if tracing::enabled!(target: "async_graphql::graphql", tracing::Level::INFO) {
        builder = builder.extension(async_graphql::extensions::Tracing);
        crate::graphql::eager::with_field_extensions();
    }
    builder.finish()
}

/// The SDL, as `ccm-committee schema` prints it.
pub fn sdl() -> String {
    build_schema(
        Limits {
            max_complexity: crate::config::defaults::MAX_COMPLEXITY,
        },
        None,
    )
    .sdl()
}
