//! The kinds of document a practitioner submits and what each must state.
//!
//! What each kind requires, from Russian practice:
//!
//! | kind                    | number   | issued on | valid until |
//! |-------------------------|----------|-----------|-------------|
//! | passport                | required | required  | not asked   |
//! | snils                   | required | required  | not asked   |
//! | diploma                 | required | required  | not asked   |
//! | accreditation           | required | required  | required    |
//! | qualification_upgrade   | required | required  | not asked   |
//! | licence                 | required | required  | optional    |
//! | employer_confirmation   | required | required  | optional    |
//! | other                   | optional | required  | optional    |
//!
//! - A passport states no end date: it is replaced at 20 and 45, which
//!   follows from the birth date, not from the document. Its number is the
//!   series and number, checked as [`PassportNumber`].
//! - A СНИЛС does not expire; its number is checked as [`Snils`]. The issue
//!   date is that of the green card or of the АДИ-РЕГ notice that replaced it.
//! - Accreditation — the certificate (свидетельство об аккредитации
//!   специалиста, issued until 2021) or the extract from the register
//!   (выписка из ФРМР, since 2022) — holds for five years from the
//!   commission's decision, so its end date is required: periodic
//!   accreditation and the reminders before it count from that date.
//! - A qualification-upgrade certificate (удостоверение о повышении
//!   квалификации) has no validity of its own; the five-year cycle it counts
//!   towards belongs to the accreditation.
//! - Licences have been issued without a term since 2011 (99-ФЗ), and older
//!   ones were made indefinite, so the end date is optional: asked, and may
//!   be skipped.
//! - An employer's confirmation (справка с места работы) may state how long
//!   it holds; optional.
//!
//! A date given for a kind that does not ask for it is still checked (not in
//! the past, not before issue) rather than dropped: what the practitioner
//! typed is kept or refused, never silently lost.

use std::fmt;

use chrono::NaiveDate;

use crate::domain::{PassportError, PassportNumber, Snils, SnilsError};

/// The kinds of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Passport,
    Snils,
    Diploma,
    /// Certificate of accreditation or extract from the register.
    Accreditation,
    /// Удостоверение о повышении квалификации.
    QualificationUpgrade,
    Licence,
    EmployerConfirmation,
    Other,
}

/// Whether the bot asks for a kind's end date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidUntilRule {
    Required,
    /// Asked; the practitioner may say there is none.
    Optional,
    /// The kind does not expire.
    NotAsked,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 8] = [
        DocumentKind::Passport,
        DocumentKind::Snils,
        DocumentKind::Diploma,
        DocumentKind::Accreditation,
        DocumentKind::QualificationUpgrade,
        DocumentKind::Licence,
        DocumentKind::EmployerConfirmation,
        DocumentKind::Other,
    ];

    /// As stored in `documents.kind` (and usable in callback_data).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Passport => "passport",
            DocumentKind::Snils => "snils",
            DocumentKind::Diploma => "diploma",
            DocumentKind::Accreditation => "accreditation",
            DocumentKind::QualificationUpgrade => "qualification_upgrade",
            DocumentKind::Licence => "licence",
            DocumentKind::EmployerConfirmation => "employer_confirmation",
            DocumentKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<DocumentKind> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    pub fn number_required(self) -> bool {
        self != DocumentKind::Other
    }

    pub fn valid_until(self) -> ValidUntilRule {
        match self {
            DocumentKind::Accreditation => ValidUntilRule::Required,
            DocumentKind::Licence | DocumentKind::EmployerConfirmation | DocumentKind::Other => {
                ValidUntilRule::Optional
            }
            DocumentKind::Passport
            | DocumentKind::Snils
            | DocumentKind::Diploma
            | DocumentKind::QualificationUpgrade => ValidUntilRule::NotAsked,
        }
    }
}

/// What the practitioner states about a document.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentMeta {
    pub kind: DocumentKind,
    pub number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub issuer: Option<String>,
}

impl fmt::Debug for DocumentMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentMeta")
            .field("kind", &self.kind)
            .field("number", &self.number.as_ref().map(|_| "<redacted>"))
            .field("issued_on", &self.issued_on)
            .field("valid_until", &self.valid_until)
            .field("issuer", &self.issuer.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why the metadata is refused; the first problem found, in the order the
/// bot asks the questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MetaRejection {
    #[error("the document's number is missing")]
    MissingNumber,
    #[error("the issue date is missing")]
    MissingIssueDate,
    #[error("the valid-until date is missing")]
    MissingValidUntil,
    /// A passport's number is not a series and number.
    #[error("the passport number is malformed: {0}")]
    MalformedPassportNumber(PassportError),
    /// A СНИЛС document's number is not a valid СНИЛС.
    #[error("the SNILS is malformed: {0}")]
    MalformedSnils(SnilsError),
    #[error("the issue date is in the future")]
    IssuedInFuture,
    #[error("the valid-until date is before the issue date")]
    ValidUntilBeforeIssue,
    /// The document ran out on this date (the last day it held).
    #[error("the document expired on {valid_until}")]
    Expired { valid_until: NaiveDate },
}

/// Metadata that passed [`validate`], normalised: numbers and issuers
/// trimmed (a blank one is none), a passport number and a СНИЛС written the
/// one way they are displayed.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct CheckedMeta {
    pub kind: DocumentKind,
    pub number: Option<String>,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub issuer: Option<String>,
}

/// Checks what is stated about a document against what its kind requires,
/// as of `today` (the practitioner's date; [`crate::clock::moscow_today`] where no better
/// one is known). A document valid until today still holds today.
pub fn validate(meta: &DocumentMeta, today: NaiveDate) -> Result<(), MetaRejection> {
    check(meta, today).map(|_| ())
}

pub(super) fn check(meta: &DocumentMeta, today: NaiveDate) -> Result<CheckedMeta, MetaRejection> {
    let number = non_blank(meta.number.as_deref());
    if number.is_none() && meta.kind.number_required() {
        return Err(MetaRejection::MissingNumber);
    }
    let number = match (meta.kind, number) {
        (DocumentKind::Passport, Some(number)) => Some(
            PassportNumber::parse(&number)
                .map_err(MetaRejection::MalformedPassportNumber)?
                .to_string(),
        ),
        (DocumentKind::Snils, Some(number)) => Some(
            Snils::parse(&number)
                .map_err(MetaRejection::MalformedSnils)?
                .to_string(),
        ),
        (_, number) => number,
    };
    let issued_on = meta.issued_on.ok_or(MetaRejection::MissingIssueDate)?;
    if meta.valid_until.is_none() && meta.kind.valid_until() == ValidUntilRule::Required {
        return Err(MetaRejection::MissingValidUntil);
    }
    if issued_on > today {
        return Err(MetaRejection::IssuedInFuture);
    }
    if let Some(valid_until) = meta.valid_until {
        // Before "expired": a date before the issue is a typo to fix, and
        // calling it expired would send the practitioner for a new document.
        if valid_until < issued_on {
            return Err(MetaRejection::ValidUntilBeforeIssue);
        }
        if is_expired(valid_until, today) {
            return Err(MetaRejection::Expired { valid_until });
        }
    }
    Ok(CheckedMeta {
        kind: meta.kind,
        number,
        issued_on,
        valid_until: meta.valid_until,
        issuer: non_blank(meta.issuer.as_deref()),
    })
}

fn non_blank(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// Whether a document valid until `valid_until` has run out by `today`: it
/// is still valid on that day itself.
pub fn is_expired(valid_until: NaiveDate, today: NaiveDate) -> bool {
    valid_until < today
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;

    fn today() -> NaiveDate {
        date(2026, 11, 25)
    }

    /// Complete metadata of a kind, short of an end date.
    fn meta(kind: DocumentKind) -> DocumentMeta {
        let number = match kind {
            DocumentKind::Snils => "112-233-445 95",
            _ => "4510 123456",
        };
        DocumentMeta {
            kind,
            number: Some(number.into()),
            issued_on: Some(date(2022, 3, 1)),
            valid_until: None,
            issuer: Some("ГУ МВД России по г. Москве".into()),
        }
    }

    fn accreditation() -> DocumentMeta {
        DocumentMeta {
            number: Some("7722 031234567".into()),
            valid_until: Some(date(2027, 3, 1)),
            ..meta(DocumentKind::Accreditation)
        }
    }

    #[test]
    fn kinds_round_trip_and_follow_the_table() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DocumentKind::parse("license"), None);
        let required: Vec<_> = DocumentKind::ALL
            .into_iter()
            .filter(|kind| kind.valid_until() == ValidUntilRule::Required)
            .collect();
        assert_eq!(required, [DocumentKind::Accreditation]);
        assert_eq!(
            DocumentKind::Licence.valid_until(),
            ValidUntilRule::Optional
        );
        assert_eq!(
            DocumentKind::QualificationUpgrade.valid_until(),
            ValidUntilRule::NotAsked
        );
        let no_number: Vec<_> = DocumentKind::ALL
            .into_iter()
            .filter(|kind| !kind.number_required())
            .collect();
        assert_eq!(no_number, [DocumentKind::Other]);
    }

    #[test]
    fn complete_metadata_of_every_kind_passes() {
        for kind in DocumentKind::ALL {
            let mut meta = meta(kind);
            if kind.valid_until() == ValidUntilRule::Required {
                meta.valid_until = Some(date(2027, 3, 1));
            }
            assert_eq!(validate(&meta, today()), Ok(()), "{kind:?}");
        }
        // "Other" needs no number.
        let other = DocumentMeta {
            number: None,
            ..meta(DocumentKind::Other)
        };
        assert_eq!(validate(&other, today()), Ok(()));
    }

    #[test]
    fn a_missing_or_blank_number_is_refused_for_every_kind_but_other() {
        for kind in DocumentKind::ALL {
            if kind == DocumentKind::Other {
                continue;
            }
            for number in [None, Some(String::new()), Some("  \t ".into())] {
                let meta = DocumentMeta {
                    number,
                    ..meta(kind)
                };
                assert_eq!(
                    validate(&meta, today()),
                    Err(MetaRejection::MissingNumber),
                    "{kind:?}"
                );
            }
        }
    }

    #[test]
    fn a_missing_issue_date_is_refused_for_every_kind() {
        for kind in DocumentKind::ALL {
            let meta = DocumentMeta {
                issued_on: None,
                ..meta(kind)
            };
            assert_eq!(
                validate(&meta, today()),
                Err(MetaRejection::MissingIssueDate),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn accreditation_without_its_end_date_is_refused() {
        let meta = DocumentMeta {
            valid_until: None,
            ..accreditation()
        };
        assert_eq!(
            validate(&meta, today()),
            Err(MetaRejection::MissingValidUntil)
        );
        // A licence may have none.
        assert_eq!(
            validate(&self::meta(DocumentKind::Licence), today()),
            Ok(())
        );
    }

    #[test]
    fn passport_and_snils_numbers_are_parsed() {
        let passport = DocumentMeta {
            number: Some("4510 12345".into()),
            ..meta(DocumentKind::Passport)
        };
        assert_eq!(
            validate(&passport, today()),
            Err(MetaRejection::MalformedPassportNumber(
                PassportError::WrongLength { digits: 9 }
            ))
        );
        let snils = DocumentMeta {
            number: Some("112-233-445 96".into()),
            ..meta(DocumentKind::Snils)
        };
        assert_eq!(
            validate(&snils, today()),
            Err(MetaRejection::MalformedSnils(SnilsError::Checksum))
        );
        // Stored the one way they are displayed.
        let passport = DocumentMeta {
            number: Some(" 4510123456 ".into()),
            ..meta(DocumentKind::Passport)
        };
        assert_eq!(
            check(&passport, today()).unwrap().number.as_deref(),
            Some("45 10 123456")
        );
        let snils = DocumentMeta {
            number: Some("11223344595".into()),
            ..meta(DocumentKind::Snils)
        };
        assert_eq!(
            check(&snils, today()).unwrap().number.as_deref(),
            Some("112-233-445 95")
        );
    }

    #[test]
    fn an_issue_date_after_today_is_refused_and_today_is_fine() {
        let tomorrow = DocumentMeta {
            issued_on: Some(date(2026, 11, 26)),
            ..meta(DocumentKind::Diploma)
        };
        assert_eq!(
            validate(&tomorrow, today()),
            Err(MetaRejection::IssuedInFuture)
        );
        let issued_today = DocumentMeta {
            issued_on: Some(today()),
            ..meta(DocumentKind::Diploma)
        };
        assert_eq!(validate(&issued_today, today()), Ok(()));
    }

    #[test]
    fn an_expired_document_is_refused_with_its_date() {
        let expired = DocumentMeta {
            valid_until: Some(date(2026, 11, 24)),
            ..accreditation()
        };
        assert_eq!(
            validate(&expired, today()),
            Err(MetaRejection::Expired {
                valid_until: date(2026, 11, 24)
            })
        );
        // The last day it holds is still a day it holds.
        let last_day = DocumentMeta {
            valid_until: Some(today()),
            ..accreditation()
        };
        assert_eq!(validate(&last_day, today()), Ok(()));
        // An optional end date is checked too.
        let licence = DocumentMeta {
            valid_until: Some(date(2025, 1, 1)),
            ..meta(DocumentKind::Licence)
        };
        assert_eq!(
            validate(&licence, today()),
            Err(MetaRejection::Expired {
                valid_until: date(2025, 1, 1)
            })
        );
    }

    #[test]
    fn an_end_before_the_issue_is_a_typo_not_an_expiry() {
        let meta = DocumentMeta {
            issued_on: Some(date(2022, 3, 1)),
            valid_until: Some(date(2021, 3, 1)),
            ..accreditation()
        };
        assert_eq!(
            validate(&meta, today()),
            Err(MetaRejection::ValidUntilBeforeIssue)
        );
    }

    #[test]
    fn blank_issuers_are_none_and_text_is_trimmed() {
        let meta = DocumentMeta {
            issuer: Some("   ".into()),
            number: Some("  ДВС 0123456 ".into()),
            ..meta(DocumentKind::Diploma)
        };
        let checked = check(&meta, today()).unwrap();
        assert_eq!(checked.issuer, None);
        assert_eq!(checked.number.as_deref(), Some("ДВС 0123456"));
    }

    #[test]
    fn debug_hides_the_number_and_the_issuer() {
        let printed = format!("{:?}", meta(DocumentKind::Passport));
        assert!(!printed.contains("123456"), "{printed}");
        assert!(!printed.contains("МВД"), "{printed}");
    }
}
