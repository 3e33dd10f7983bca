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
                let Some((_, read)) = fields.iter().find(|(name, _)| *name == selected.name())
                else {
                    return Projection::ALL;
                };
                columns = read.iter().fold(columns, |c, column| c.with(column));
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
        let name = selected.node.name.node.as_str();
        let Some((_, read)) = fields.iter().find(|(field, _)| *field == name) else {
            return Projection::ALL;
        };
        columns = read.iter().fold(columns, |c, column| c.with(column));
    }
    columns
}
