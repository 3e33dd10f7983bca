//! The action plans as reference data: the Lausanne Action Plan's numbered
//! actions with their areas, text only where a source quotes it, corrected
//! in place on a database that holds an earlier release's rows.

use serde_json::json;

use crate::helpers::{Backend, spawn_app};

const PLAN: &str = "query($code: String!) { actionPlan(code: $code) {
  code name fromYear toYear source adoptedAt { code }
  actions { number area text source }
  ten: action(number: 10) { area } zero: action(number: 0) { area } } }";

async fn the_lausanne_action_plan_is_reference_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app.query(PLAN, json!({ "code": "lap" })).await;
    let plan = &data["actionPlan"];
    assert_eq!(plan["name"], "Lausanne Action Plan");
    assert_eq!(
        (plan["fromYear"].clone(), plan["toYear"].clone()),
        (json!(2021), json!(2026))
    );
    assert_eq!(
        plan["adoptedAt"]["code"], "2RC",
        "at its second part (2021)"
    );
    let actions = plan["actions"].as_array().expect("actions");
    let numbers: Vec<i64> = actions
        .iter()
        .map(|a| a["number"].as_i64().expect("number"))
        .collect();
    let known: Vec<i64> = (10..=37).chain(43..=46).collect();
    assert_eq!(numbers, known, "only the numbers the sources establish");
    let with_text: Vec<i64> = actions
        .iter()
        .filter(|a| !a["text"].is_null())
        .map(|a| a["number"].as_i64().expect("number"))
        .collect();
    assert_eq!(with_text, [13], "text only where a source quotes it");
    assert!(
        actions
            .iter()
            .all(|a| !a["source"].as_str().unwrap_or("").is_empty())
    );
    assert_eq!(plan["ten"]["area"], "Universalization");
    assert!(plan["zero"].is_null(), "no action 0");
    let all = app.query("{ actionPlans { code } }", json!({})).await;
    assert_eq!(all["actionPlans"][0]["code"], "LAP");

    // A database holding a corrupted row is corrected at the next start.
    use entity::action_plan_action;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let row = action_plan_action::Entity::find()
        .filter(action_plan_action::Column::Number.eq(11))
        .one(&app.db().conn)
        .await
        .expect("query")
        .expect("action 11");
    let mut wrong: action_plan_action::ActiveModel = row.into();
    wrong.area = Set("Somewhere else".to_owned());
    wrong.update(&app.db().conn).await.expect("update");
    ccm_committee::reference::load(app.db(), chrono::Utc::now())
        .await
        .expect("reconcile");
    let data = app.query(PLAN, json!({ "code": "LAP" })).await;
    let eleven = data["actionPlan"]["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["number"] == 11)
        .expect("action 11")
        .clone();
    assert_eq!(eleven["area"], "Universalization");
    app.stop().await;
}

crate::on_both_databases!(the_lausanne_action_plan_is_reference_data);
