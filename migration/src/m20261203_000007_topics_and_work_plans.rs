//! Topics for discussion by all (a workflow: the topic, the meetings that
//! considered or discussed it, its background documents) and the working
//! groups' work plans (a workflow: objectives linked to numbered actions of
//! an action plan, activities, dated progress ratings).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WorkflowInstances {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Positions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ActionPlanActions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Topics {
    Table,
    Id,
    Title,
    Description,
    AreaPositionId,
    Proposer,
    ProposerRole,
    ProposerStateIso3,
    ProposerOrganization,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TopicPlacements {
    Table,
    Id,
    TopicId,
    MeetingId,
    AgendaItemId,
    Purpose,
    PlacedAt,
    Outcome,
    OutcomeText,
    DecisionId,
    EndedAt,
}

#[derive(DeriveIden)]
enum TopicDocuments {
    Table,
    Id,
    TopicId,
    Title,
    Kind,
    Symbol,
    Language,
    Url,
    AddedBy,
    AddedAt,
}

#[derive(DeriveIden)]
enum WorkPlans {
    Table,
    Id,
    PositionId,
    StartsOn,
    EndsOn,
    Title,
    PlanCode,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum WorkPlanObjectives {
    Table,
    Id,
    WorkPlanId,
    Ordinal,
    Text,
}

#[derive(DeriveIden)]
enum ObjectiveActions {
    Table,
    Id,
    ObjectiveId,
    ActionId,
}

#[derive(DeriveIden)]
enum WorkPlanActivities {
    Table,
    Id,
    ObjectiveId,
    Text,
    DueOn,
    Status,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ObjectiveRatings {
    Table,
    Id,
    ObjectiveId,
    Rating,
    Note,
    RatedOn,
    RatedBy,
    RecordedAt,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn index(
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Topics::Table)
                    .col(big_integer(Topics::Id).primary_key())
                    .col(string(Topics::Title))
                    .col(text(Topics::Description))
                    .col(integer_null(Topics::AreaPositionId))
                    .col(string(Topics::Proposer))
                    .col(string(Topics::ProposerRole))
                    .col(string_null(Topics::ProposerStateIso3))
                    .col(string_null(Topics::ProposerOrganization))
                    .col(timestamp_with_time_zone(Topics::CreatedAt))
                    .col(timestamp_with_time_zone(Topics::UpdatedAt))
                    .foreign_key(&mut fk(
                        Topics::Table,
                        Topics::Id,
                        WorkflowInstances::Table,
                        WorkflowInstances::Id,
                    ))
                    .foreign_key(&mut fk(
                        Topics::Table,
                        Topics::AreaPositionId,
                        Positions::Table,
                        Positions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "topics_area_idx",
                Topics::Table,
                vec![Topics::AreaPositionId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TopicPlacements::Table)
                    .col(pk_auto(TopicPlacements::Id))
                    .col(big_integer(TopicPlacements::TopicId))
                    .col(integer(TopicPlacements::MeetingId))
                    .col(integer_null(TopicPlacements::AgendaItemId))
                    .col(string(TopicPlacements::Purpose))
                    .col(timestamp_with_time_zone(TopicPlacements::PlacedAt))
                    .col(string_null(TopicPlacements::Outcome))
                    .col(text_null(TopicPlacements::OutcomeText))
                    .col(integer_null(TopicPlacements::DecisionId))
                    .col(timestamp_with_time_zone_null(TopicPlacements::EndedAt))
                    .foreign_key(&mut fk(
                        TopicPlacements::Table,
                        TopicPlacements::TopicId,
                        Topics::Table,
                        Topics::Id,
                    ))
                    .foreign_key(&mut fk(
                        TopicPlacements::Table,
                        TopicPlacements::MeetingId,
                        Meetings::Table,
                        Meetings::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("topic_placements_topic_idx", TopicPlacements::TopicId),
            ("topic_placements_meeting_idx", TopicPlacements::MeetingId),
            ("topic_placements_item_idx", TopicPlacements::AgendaItemId),
        ] {
            manager
                .create_index(index(
                    name,
                    TopicPlacements::Table,
                    vec![col.into_iden()],
                    false,
                ))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(TopicDocuments::Table)
                    .col(pk_auto(TopicDocuments::Id))
                    .col(big_integer(TopicDocuments::TopicId))
                    .col(string(TopicDocuments::Title))
                    .col(string(TopicDocuments::Kind))
                    .col(string_null(TopicDocuments::Symbol))
                    .col(string(TopicDocuments::Language))
                    .col(string(TopicDocuments::Url))
                    .col(string(TopicDocuments::AddedBy))
                    .col(timestamp_with_time_zone(TopicDocuments::AddedAt))
                    .foreign_key(&mut fk(
                        TopicDocuments::Table,
                        TopicDocuments::TopicId,
                        Topics::Table,
                        Topics::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "topic_documents_symbol_key",
                TopicDocuments::Table,
                vec![TopicDocuments::Symbol.into_iden()],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "topic_documents_topic_idx",
                TopicDocuments::Table,
                vec![TopicDocuments::TopicId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkPlans::Table)
                    .col(big_integer(WorkPlans::Id).primary_key())
                    .col(integer(WorkPlans::PositionId))
                    .col(date(WorkPlans::StartsOn))
                    .col(date(WorkPlans::EndsOn))
                    .col(string(WorkPlans::Title))
                    .col(string(WorkPlans::PlanCode))
                    .col(integer(WorkPlans::Version))
                    .col(string(WorkPlans::CreatedBy))
                    .col(timestamp_with_time_zone(WorkPlans::CreatedAt))
                    .col(timestamp_with_time_zone(WorkPlans::UpdatedAt))
                    .col(timestamp_with_time_zone_null(WorkPlans::PublishedAt))
                    .foreign_key(&mut fk(
                        WorkPlans::Table,
                        WorkPlans::Id,
                        WorkflowInstances::Table,
                        WorkflowInstances::Id,
                    ))
                    .foreign_key(&mut fk(
                        WorkPlans::Table,
                        WorkPlans::PositionId,
                        Positions::Table,
                        Positions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "work_plans_period_key",
                WorkPlans::Table,
                vec![
                    WorkPlans::PositionId.into_iden(),
                    WorkPlans::StartsOn.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkPlanObjectives::Table)
                    .col(pk_auto(WorkPlanObjectives::Id))
                    .col(big_integer(WorkPlanObjectives::WorkPlanId))
                    .col(integer(WorkPlanObjectives::Ordinal))
                    .col(text(WorkPlanObjectives::Text))
                    .foreign_key(&mut fk(
                        WorkPlanObjectives::Table,
                        WorkPlanObjectives::WorkPlanId,
                        WorkPlans::Table,
                        WorkPlans::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "work_plan_objectives_key",
                WorkPlanObjectives::Table,
                vec![
                    WorkPlanObjectives::WorkPlanId.into_iden(),
                    WorkPlanObjectives::Ordinal.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ObjectiveActions::Table)
                    .col(pk_auto(ObjectiveActions::Id))
                    .col(integer(ObjectiveActions::ObjectiveId))
                    .col(integer(ObjectiveActions::ActionId))
                    .foreign_key(&mut fk(
                        ObjectiveActions::Table,
                        ObjectiveActions::ObjectiveId,
                        WorkPlanObjectives::Table,
                        WorkPlanObjectives::Id,
                    ))
                    .foreign_key(&mut fk(
                        ObjectiveActions::Table,
                        ObjectiveActions::ActionId,
                        ActionPlanActions::Table,
                        ActionPlanActions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "objective_actions_key",
                ObjectiveActions::Table,
                vec![
                    ObjectiveActions::ObjectiveId.into_iden(),
                    ObjectiveActions::ActionId.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkPlanActivities::Table)
                    .col(pk_auto(WorkPlanActivities::Id))
                    .col(integer(WorkPlanActivities::ObjectiveId))
                    .col(text(WorkPlanActivities::Text))
                    .col(date_null(WorkPlanActivities::DueOn))
                    .col(string(WorkPlanActivities::Status))
                    .col(timestamp_with_time_zone(WorkPlanActivities::UpdatedAt))
                    .foreign_key(&mut fk(
                        WorkPlanActivities::Table,
                        WorkPlanActivities::ObjectiveId,
                        WorkPlanObjectives::Table,
                        WorkPlanObjectives::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "work_plan_activities_objective_idx",
                WorkPlanActivities::Table,
                vec![WorkPlanActivities::ObjectiveId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ObjectiveRatings::Table)
                    .col(pk_auto(ObjectiveRatings::Id))
                    .col(integer(ObjectiveRatings::ObjectiveId))
                    .col(string(ObjectiveRatings::Rating))
                    .col(text(ObjectiveRatings::Note))
                    .col(date(ObjectiveRatings::RatedOn))
                    .col(string(ObjectiveRatings::RatedBy))
                    .col(timestamp_with_time_zone(ObjectiveRatings::RecordedAt))
                    .foreign_key(&mut fk(
                        ObjectiveRatings::Table,
                        ObjectiveRatings::ObjectiveId,
                        WorkPlanObjectives::Table,
                        WorkPlanObjectives::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "objective_ratings_objective_idx",
                ObjectiveRatings::Table,
                vec![ObjectiveRatings::ObjectiveId.into_iden()],
                false,
            ))
            .await?;
        Ok(())
    }
}
