//! Reading only the columns a selection needs (see `db::Projection`): each
//! type that is read this way lists the columns of its fields once.

use async_graphql::parser::types::Selection;
use async_graphql::{Context, Lookahead};

use crate::db::{Projected, Projection};

/// The columns a type's fields read: each field's name and the columns its
/// resolver reads beyond those every read selects.
pub type FieldColumns = [(&'static str, &'static [&'static str])];

/// The columns that `selections` of a type read (fragments included): each
/// selected field's from `fields`. A field that `fields` does not list
/// reads every column, so a field added without its columns is slower,
/// never wrong.
pub fn projection<T: Projected>(
    selections: &[Lookahead<'_>],
    fields: &FieldColumns,
) -> Projection<T> {
    let mut columns = Projection::ALWAYS;
    for selection in selections {
        for field in selection.selection_fields() {
            for selected in field.selection_set() {
                columns = with_field(columns, fields, selected.name());
            }
        }
    }
    columns
}

/// The columns that the selection of the field `ctx` resolves reads, as
/// [`projection`] works them out. A selection of plain fields (the usual
/// case: a mandate's `state { name }`, once per mandate of a page) is read
/// as it stands, without building a look-ahead; one with fragments goes
/// through [`projection`].
pub fn field_projection<T: Projected>(ctx: &Context<'_>, fields: &FieldColumns) -> Projection<T> {
    let mut columns = Projection::ALWAYS;
    for selection in &ctx.item.node.selection_set.node.items {
        let Selection::Field(selected) = &selection.node else {
            return projection(&[ctx.look_ahead()], fields);
        };
        columns = with_field(columns, fields, selected.node.name.node.as_str());
    }
    columns
}

/// `columns` with those the field `name` reads: every column when `fields`
/// does not list it.
fn with_field<T: Projected>(
    columns: Projection<T>,
    fields: &FieldColumns,
    name: &str,
) -> Projection<T> {
    match fields.iter().find(|(field, _)| *field == name) {
        Some((_, read)) => read.iter().fold(columns, |c, column| c.with(column)),
        None => Projection::ALL,
    }
}
