//! The stored names of the domain's closed sets of values. Each enum declares
//! its names once, with [`names!`]; the database stores them and GraphQL
//! shows the same names.

/// A stored name that no variant has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown(pub String);

/// Declares the stored name of each variant of an enum: `as_str`, `FromStr`, `ALL`.
#[macro_export]
macro_rules! names {
    ($name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored (and GraphQL) name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocabulary::Unknown;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)*
                    other => Err($crate::vocabulary::Unknown(other.to_owned())),
                }
            }
        }
    };
}

/// Reads a stored name; an unknown one is a broken invariant (logged, INTERNAL).
pub fn stored<E: std::str::FromStr<Err = Unknown>>(
    text: &str,
) -> Result<E, crate::error::ApiError> {
    text.parse().map_err(|Unknown(value)| {
        tracing::error!(value, "unknown stored name in the database");
        crate::error::ApiError::Internal
    })
}

#[cfg(test)]
mod tests {
    use async_graphql::EnumType;

    /// The stored names and the GraphQL names are one vocabulary: they must agree.
    fn agree<E: EnumType + Copy + PartialEq + std::fmt::Debug>(as_str: fn(E) -> &'static str) {
        for item in E::items() {
            assert_eq!(
                as_str(item.value),
                item.name,
                "{:?} is stored under another name than GraphQL shows",
                item.value
            );
        }
    }

    #[test]
    fn stored_names_are_the_graphql_names() {
        use crate::committee::model::*;
        use crate::meetings::model::*;
        agree::<RegionalGroup>(RegionalGroup::as_str);
        agree::<DepositKind>(DepositKind::as_str);
        agree::<StateRelation>(StateRelation::as_str);
        agree::<PositionKind>(PositionKind::as_str);
        agree::<OrganizationKind>(OrganizationKind::as_str);
        agree::<MeetingKind>(MeetingKind::as_str);
        agree::<MeetingStatus>(MeetingStatus::as_str);
        agree::<AgendaItemKind>(AgendaItemKind::as_str);
        agree::<SessionFormat>(SessionFormat::as_str);
        agree::<crate::auth::Role>(crate::auth::Role::as_str);
        agree::<crate::nominations::types::Stance>(crate::nominations::types::Stance::as_str);
        agree::<crate::nominations::types::NominationKind>(
            crate::nominations::types::NominationKind::as_str,
        );
        agree::<crate::nominations::types::TimerStatus>(
            crate::nominations::types::TimerStatus::as_str,
        );
        for state in crate::nominations::definition::NominationState::ALL {
            let mirrored = crate::nominations::types::NominationState::from(state);
            agree::<crate::nominations::types::NominationState>(|s| {
                crate::nominations::definition::NominationState::from(s).as_str()
            });
            assert_eq!(
                crate::nominations::definition::NominationState::from(mirrored),
                state
            );
        }
    }
}
