//! The action plans of the Convention as reference data: each plan, and its
//! numbered actions with the thematic area the coordinators' work plans give
//! them (their text only where a source quotes it).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ActionPlans {
    Table,
    Code,
    Name,
    FromYear,
    ToYear,
    AdoptedAt,
    Source,
}

#[derive(DeriveIden)]
enum ActionPlanActions {
    Table,
    Id,
    PlanCode,
    Number,
    Area,
    Text,
    Indicators,
    Source,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActionPlans::Table)
                    .col(string(ActionPlans::Code).primary_key())
                    .col(string(ActionPlans::Name))
                    .col(integer(ActionPlans::FromYear))
                    .col(integer(ActionPlans::ToYear))
                    .col(string_null(ActionPlans::AdoptedAt))
                    .col(text(ActionPlans::Source))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActionPlanActions::Table)
                    .col(pk_auto(ActionPlanActions::Id))
                    .col(string(ActionPlanActions::PlanCode))
                    .col(integer(ActionPlanActions::Number))
                    .col(string(ActionPlanActions::Area))
                    .col(text_null(ActionPlanActions::Text))
                    .col(text_null(ActionPlanActions::Indicators))
                    .col(text(ActionPlanActions::Source))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionPlanActions::Table, ActionPlanActions::PlanCode)
                            .to(ActionPlans::Table, ActionPlans::Code)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("action_plan_actions_number_key")
                    .table(ActionPlanActions::Table)
                    .col(ActionPlanActions::PlanCode)
                    .col(ActionPlanActions::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
