//! Identifiers and values a user types, parsed at the edge into types that
//! cannot hold an invalid value ("parse, don't validate").
//!
//! Every type here has `parse(&str) -> Result<Self, XError>`, where `XError`
//! names exactly what is wrong so the bot can tell the user (in their
//! language) how to fix it. `Display` gives the form a person reads; an
//! accessor gives the form a machine stores. Serde goes through the machine
//! form and back through `parse`, so a stored value that no longer satisfies
//! the rules fails to load instead of slipping in.
//!
//! `UserId` is the one id here no user types: the messenger's id of a
//! person, made from Telegram's unsigned id by a checked conversion; serde
//! carries it as the bare number.

pub mod characters;
mod digits;
mod email;
mod inn;
mod ogrn;
mod oms_policy;
mod passport;
mod person_name;
mod phone;
mod snils;
mod user_id;

pub use email::{Email, EmailError};
pub use inn::{Inn, InnError, OrganisationInn, OrganisationInnError};
pub use ogrn::{Ogrn, OgrnError};
pub use oms_policy::{OmsPolicy, OmsPolicyError};
pub use passport::{DivisionCode, DivisionCodeError, PassportError, PassportNumber};
pub use person_name::{PersonName, PersonNameError};
pub use phone::{PhoneError, PhoneNumber};
pub use snils::{Snils, SnilsError};
pub use user_id::{UserId, UserIdError, UserIdOutOfRange};

/// `FromStr` and serde for a type whose `parse` is the one way in and whose
/// `$canonical` accessor is the form we store.
macro_rules! parsed_string_impls {
    ($ty:ty, $err:ty, $canonical:ident) => {
        impl ::std::str::FromStr for $ty {
            type Err = $err;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::parse(s)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.$canonical())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                // Owned, not `&str`: a JSON string with escapes cannot be
                // borrowed from the input.
                let s = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                <$ty>::parse(&s).map_err(::serde::de::Error::custom)
            }
        }
    };
}
use parsed_string_impls;

#[cfg(test)]
pub(crate) mod test_support {
    use std::fmt;

    /// What `Serialize` writes, through serde's `Serializer` for
    /// `fmt::Formatter`, which writes a string as is: no JSON crate needed.
    pub(crate) fn serialized<T: serde::Serialize>(value: &T) -> String {
        struct Via<'a, T>(&'a T);
        impl<T: serde::Serialize> fmt::Display for Via<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.serialize(f)
            }
        }
        Via(value).to_string()
    }

    /// `T` deserialized from a string, as from a JSON string value.
    pub(crate) fn deserialized<T: serde::de::DeserializeOwned>(
        s: &str,
    ) -> Result<T, serde::de::value::Error> {
        T::deserialize(serde::de::IntoDeserializer::into_deserializer(s))
    }
}
