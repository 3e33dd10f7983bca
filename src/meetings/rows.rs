//! A meeting's row as the meetings domain changes it: its status, the
//! refusal to change a closed meeting, the version the caller saw, and the
//! version bump with its event-log entry. `changes`, `agenda` and
//! `invitations` build on these.

use chrono::{DateTime, Utc};
use entity::meeting;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::model::MeetingStatus;
use crate::db::WriteTxn;
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::vocabulary::stored;

/// The meeting's status, read from its row.
pub fn status_of(meeting: &meeting::Model) -> Result<MeetingStatus, ApiError> {
    stored(&meeting.status)
}

/// Refuses any change to a concluded or cancelled meeting: it is history.
pub fn check_open(meeting: &meeting::Model) -> Result<MeetingStatus, ApiError> {
    let status = status_of(meeting)?;
    if status.is_closed() {
        return Err(ApiError::InvalidTransition {
            message: format!(
                "the {} is {}: a closed meeting is history and does not change",
                meeting.code, meeting.status
            ),
            state: meeting.status.clone(),
            allowed: Vec::new(),
        });
    }
    Ok(status)
}

/// The meeting the caller saw at `expected_version`, or CONFLICT.
pub(super) async fn locked(
    txn: &WriteTxn,
    id: i32,
    expected_version: i32,
) -> Result<meeting::Model, ApiError> {
    let found = meeting::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))?;
    if found.version != expected_version {
        return Err(ApiError::Conflict {
            message: format!(
                "the meeting changed since you saw it: it is now at version {}",
                found.version
            ),
            current_version: Some(found.version),
        });
    }
    Ok(found)
}

/// Bumps the meeting's version (guarded by the version the caller saw) and
/// logs the change that `event` describes once it knows the new version.
pub(super) async fn bump(
    txn: &WriteTxn,
    mut changes: meeting::ActiveModel,
    before: &meeting::Model,
    event: impl FnOnce(&meeting::Model) -> Event,
    now: DateTime<Utc>,
) -> Result<meeting::Model, ApiError> {
    changes.version = Set(before.version + 1);
    changes.updated_at = Set(now.fixed_offset());
    let updated = meeting::Entity::update_many()
        .set(changes)
        .filter(meeting::Column::Id.eq(before.id))
        .filter(meeting::Column::Version.eq(before.version))
        .exec(&**txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict {
            message: "the meeting changed since you saw it".to_owned(),
            current_version: Some(before.version + 1),
        });
    }
    let after = reread(txn, before.id).await?;
    events::append(&**txn, &Topic::Meeting(after.id), None, &event(&after), now).await?;
    Ok(after)
}

/// Holds the meeting at the version the caller saw until the transaction
/// ends (PostgreSQL: its row; SQLite: the write lock), for a change that
/// bumps the version later through [`touch`]: a concurrent change at the same
/// version waits, then gets CONFLICT.
pub(super) async fn claim(
    txn: &WriteTxn,
    meeting_id: i32,
    expected_version: i32,
) -> Result<(), ApiError> {
    let held = meeting::Entity::update_many()
        .col_expr(
            meeting::Column::Version,
            Expr::col(meeting::Column::Version),
        )
        .filter(meeting::Column::Id.eq(meeting_id))
        .filter(meeting::Column::Version.eq(expected_version))
        .exec(&**txn)
        .await?;
    if held.rows_affected != 1 {
        return Err(ApiError::Conflict {
            message: "the meeting changed since you saw it".to_owned(),
            current_version: None,
        });
    }
    Ok(())
}

/// Bumps the meeting's version for a change another domain made to it (an
/// agenda item the workflow created, a decision recorded), and logs it.
pub(super) async fn touch(
    txn: &WriteTxn,
    meeting_id: i32,
    event: impl FnOnce(&meeting::Model) -> Event,
    now: DateTime<Utc>,
) -> Result<meeting::Model, ApiError> {
    meeting::Entity::update_many()
        .col_expr(
            meeting::Column::Version,
            Expr::col(meeting::Column::Version).add(1),
        )
        .col_expr(meeting::Column::UpdatedAt, now.fixed_offset().into())
        .filter(meeting::Column::Id.eq(meeting_id))
        .exec(&**txn)
        .await?;
    let after = reread(txn, meeting_id).await?;
    events::append(&**txn, &Topic::Meeting(after.id), None, &event(&after), now).await?;
    Ok(after)
}

async fn reread(txn: &WriteTxn, id: i32) -> Result<meeting::Model, ApiError> {
    meeting::Entity::find_by_id(id)
        .one(&**txn)
        .await?
        .ok_or_else(|| {
            tracing::error!(meeting = id, "a meeting vanished inside its transaction");
            ApiError::Internal
        })
}

/// An update that changes nothing but what `bump` sets.
pub(super) fn unchanged() -> meeting::ActiveModel {
    <meeting::ActiveModel as Default>::default()
}
