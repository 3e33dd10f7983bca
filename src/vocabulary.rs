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
