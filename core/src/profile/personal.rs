//! The profile's rules: a draft of what the practitioner typed, and
//! [`validate`], which turns it into a [`Profile`] or lists every problem.

use std::fmt;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::fields::{
    DateProblem, TextProblem, bounded_text, given, parse_date, past_date, required,
};
use crate::domain::{
    DivisionCode, DivisionCodeError, Email, EmailError, Inn, InnError, PassportError,
    PassportNumber, PersonName, PersonNameError,
};

pub const ADDRESS_CHARS: (usize, usize) = (5, 300);
pub const ISSUED_BY_CHARS: (usize, usize) = (3, 200);
/// A Russian internal passport is first issued at 14.
pub const PASSPORT_AGE_YEARS: u32 = 14;

/// What the practitioner has typed so far, field by field, as typed. Blank
/// counts as not given. The bot keeps it while asking, then [`validate`]s.
///
/// Dates are `ДД.ММ.ГГГГ` or ISO text; [`Profile::to_draft`] writes ISO.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileDraft {
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
    pub address: Option<String>,
    pub email: Option<String>,
    pub inn: Option<String>,
    pub passport: Option<String>,
    pub passport_issued_on: Option<String>,
    pub division_code: Option<String>,
    pub passport_issued_by: Option<String>,
}

/// A field of the profile: what a problem concerns, what an edit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileField {
    FullName,
    BirthDate,
    Address,
    Email,
    Inn,
    Passport,
    PassportIssuedOn,
    DivisionCode,
    PassportIssuedBy,
}

impl ProfileField {
    pub const ALL: [ProfileField; 9] = [
        ProfileField::FullName,
        ProfileField::BirthDate,
        ProfileField::Address,
        ProfileField::Email,
        ProfileField::Inn,
        ProfileField::Passport,
        ProfileField::PassportIssuedOn,
        ProfileField::DivisionCode,
        ProfileField::PassportIssuedBy,
    ];

    /// A short stable name, for callback_data and Fluent keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileField::FullName => "full_name",
            ProfileField::BirthDate => "birth_date",
            ProfileField::Address => "address",
            ProfileField::Email => "email",
            ProfileField::Inn => "inn",
            ProfileField::Passport => "passport",
            ProfileField::PassportIssuedOn => "passport_issued_on",
            ProfileField::DivisionCode => "division_code",
            ProfileField::PassportIssuedBy => "passport_issued_by",
        }
    }

    pub fn parse(text: &str) -> Option<ProfileField> {
        ProfileField::ALL
            .into_iter()
            .find(|field| field.as_str() == text)
    }

    /// E-mail and ИНН may be left out; everything else is required.
    pub fn is_required(self) -> bool {
        !matches!(self, ProfileField::Email | ProfileField::Inn)
    }

    pub fn value(self, draft: &ProfileDraft) -> &Option<String> {
        match self {
            ProfileField::FullName => &draft.full_name,
            ProfileField::BirthDate => &draft.birth_date,
            ProfileField::Address => &draft.address,
            ProfileField::Email => &draft.email,
            ProfileField::Inn => &draft.inn,
            ProfileField::Passport => &draft.passport,
            ProfileField::PassportIssuedOn => &draft.passport_issued_on,
            ProfileField::DivisionCode => &draft.division_code,
            ProfileField::PassportIssuedBy => &draft.passport_issued_by,
        }
    }

    /// A value of this field as people write it, whether typed or stored:
    /// «14.03.1985», «45 10 123456», «770-001», the name and ИНН as they
    /// are. A value that does not parse is shown as it was typed, for the
    /// check card to point at.
    pub fn shown(self, value: &str) -> String {
        let people_form = match self {
            ProfileField::BirthDate | ProfileField::PassportIssuedOn => {
                parse_date(value).ok().map(crate::dates::date_text)
            }
            ProfileField::Passport => PassportNumber::parse(value).ok().map(|v| v.to_string()),
            ProfileField::DivisionCode => DivisionCode::parse(value).ok().map(|v| v.to_string()),
            ProfileField::Inn => Inn::parse(value).ok().map(|v| v.to_string()),
            ProfileField::FullName => PersonName::parse(value).ok().map(|v| v.to_string()),
            ProfileField::Email | ProfileField::Address | ProfileField::PassportIssuedBy => None,
        };
        people_form.unwrap_or_else(|| value.trim().to_owned())
    }

    /// The draft's slot for this field, to fill it.
    pub fn slot(self, draft: &mut ProfileDraft) -> &mut Option<String> {
        match self {
            ProfileField::FullName => &mut draft.full_name,
            ProfileField::BirthDate => &mut draft.birth_date,
            ProfileField::Address => &mut draft.address,
            ProfileField::Email => &mut draft.email,
            ProfileField::Inn => &mut draft.inn,
            ProfileField::Passport => &mut draft.passport,
            ProfileField::PassportIssuedOn => &mut draft.passport_issued_on,
            ProfileField::DivisionCode => &mut draft.division_code,
            ProfileField::PassportIssuedBy => &mut draft.passport_issued_by,
        }
    }
}

/// One thing wrong with a draft; [`ProfileProblem::field`] says where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProfileProblem {
    #[error("{} is required", .0.as_str())]
    Missing(ProfileField),
    #[error("full name: {0}")]
    FullName(PersonNameError),
    #[error("birth date: {0}")]
    BirthDate(DateProblem),
    #[error("registration address: {0}")]
    Address(TextProblem),
    #[error("e-mail: {0}")]
    Email(EmailError),
    #[error("INN: {0}")]
    Inn(InnError),
    #[error("passport: {0}")]
    Passport(PassportError),
    #[error("passport issue date: {0}")]
    PassportIssuedOn(DateProblem),
    /// Issued before the holder turned 14; `earliest` is the 14th birthday.
    #[error("passport issued before the age of 14 (not before {earliest})")]
    PassportIssuedTooYoung { earliest: NaiveDate },
    #[error("division code: {0}")]
    DivisionCode(DivisionCodeError),
    #[error("passport issued by: {0}")]
    PassportIssuedBy(TextProblem),
}

impl ProfileProblem {
    pub fn field(self) -> ProfileField {
        match self {
            ProfileProblem::Missing(field) => field,
            ProfileProblem::FullName(_) => ProfileField::FullName,
            ProfileProblem::BirthDate(_) => ProfileField::BirthDate,
            ProfileProblem::Address(_) => ProfileField::Address,
            ProfileProblem::Email(_) => ProfileField::Email,
            ProfileProblem::Inn(_) => ProfileField::Inn,
            ProfileProblem::Passport(_) => ProfileField::Passport,
            ProfileProblem::PassportIssuedOn(_) | ProfileProblem::PassportIssuedTooYoung { .. } => {
                ProfileField::PassportIssuedOn
            }
            ProfileProblem::DivisionCode(_) => ProfileField::DivisionCode,
            ProfileProblem::PassportIssuedBy(_) => ProfileField::PassportIssuedBy,
        }
    }
}

/// A valid profile. Only [`validate`] makes one, so whatever is saved has
/// passed every rule.
#[derive(Clone, PartialEq, Eq)]
pub struct Profile {
    full_name: PersonName,
    birth_date: NaiveDate,
    address: String,
    email: Option<Email>,
    inn: Option<Inn>,
    passport: PassportNumber,
    passport_issued_on: NaiveDate,
    division_code: DivisionCode,
    passport_issued_by: String,
}

impl Profile {
    pub fn full_name(&self) -> &PersonName {
        &self.full_name
    }
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }
    pub fn address(&self) -> &str {
        &self.address
    }
    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }
    pub fn inn(&self) -> Option<&Inn> {
        self.inn.as_ref()
    }
    pub fn passport(&self) -> &PassportNumber {
        &self.passport
    }
    pub fn passport_issued_on(&self) -> NaiveDate {
        self.passport_issued_on
    }
    pub fn division_code(&self) -> &DivisionCode {
        &self.division_code
    }
    pub fn passport_issued_by(&self) -> &str {
        &self.passport_issued_by
    }

    /// The profile as a draft of canonical text (dates ISO, the passport and
    /// the division code as digits): what an edit starts from, and the
    /// snapshot history keeps. It validates back to this very profile.
    pub fn to_draft(&self) -> ProfileDraft {
        ProfileDraft {
            full_name: Some(self.full_name.full().to_owned()),
            birth_date: Some(self.birth_date.to_string()),
            address: Some(self.address.clone()),
            email: self.email.as_ref().map(|email| email.as_str().to_owned()),
            inn: self.inn.as_ref().map(|inn| inn.digits().to_owned()),
            passport: Some(self.passport.digits().to_owned()),
            passport_issued_on: Some(self.passport_issued_on.to_string()),
            division_code: Some(self.division_code.digits().to_owned()),
            passport_issued_by: Some(self.passport_issued_by.clone()),
        }
    }
}

/// Checks every field of `draft` as of `today` (Moscow's date: see
/// [`crate::clock::moscow_today`]) and returns the profile, or every
/// problem found, in the order of [`ProfileField::ALL`] — not just the first,
/// so the bot can show them all on one card.
pub fn validate(draft: &ProfileDraft, today: NaiveDate) -> Result<Profile, Vec<ProfileProblem>> {
    check(draft, Some(today))
}

/// [`validate`] with `today = None` for values read back from storage: the
/// "not in the future" rules held on the day they were given and are not
/// re-judged by a server clock that may lag the one that saved them.
pub(crate) fn check(
    draft: &ProfileDraft,
    today: Option<NaiveDate>,
) -> Result<Profile, Vec<ProfileProblem>> {
    let mut problems = Vec::new();
    let full_name = required(
        &mut problems,
        &draft.full_name,
        ProfileProblem::Missing(ProfileField::FullName),
    );
    let birth_date = required(
        &mut problems,
        &draft.birth_date,
        ProfileProblem::Missing(ProfileField::BirthDate),
    );
    let address = required(
        &mut problems,
        &draft.address,
        ProfileProblem::Missing(ProfileField::Address),
    );
    let passport = required(
        &mut problems,
        &draft.passport,
        ProfileProblem::Missing(ProfileField::Passport),
    );
    let issued_on = required(
        &mut problems,
        &draft.passport_issued_on,
        ProfileProblem::Missing(ProfileField::PassportIssuedOn),
    );
    let division_code = required(
        &mut problems,
        &draft.division_code,
        ProfileProblem::Missing(ProfileField::DivisionCode),
    );
    let issued_by = required(
        &mut problems,
        &draft.passport_issued_by,
        ProfileProblem::Missing(ProfileField::PassportIssuedBy),
    );

    let full_name = full_name.and_then(|value| {
        PersonName::parse(value)
            .map_err(|e| problems.push(ProfileProblem::FullName(e)))
            .ok()
    });
    let birth_date = birth_date.and_then(|value| {
        past_date(value, today)
            .map_err(|e| problems.push(ProfileProblem::BirthDate(e)))
            .ok()
    });
    let address = address.and_then(|value| {
        bounded_text(value, ADDRESS_CHARS.0, ADDRESS_CHARS.1)
            .map_err(|e| problems.push(ProfileProblem::Address(e)))
            .ok()
    });
    let email = given(&draft.email).map(|value| {
        Email::parse(value)
            .map(Some)
            .map_err(|e| problems.push(ProfileProblem::Email(e)))
            .ok()
            .flatten()
    });
    let inn = given(&draft.inn).map(|value| {
        Inn::parse(value)
            .map(Some)
            .map_err(|e| problems.push(ProfileProblem::Inn(e)))
            .ok()
            .flatten()
    });
    let passport = passport.and_then(|value| {
        PassportNumber::parse(value)
            .map_err(|e| problems.push(ProfileProblem::Passport(e)))
            .ok()
    });
    let issued_on = issued_on.and_then(|value| {
        let date = past_date(value, today)
            .map_err(|e| problems.push(ProfileProblem::PassportIssuedOn(e)))
            .ok()?;
        // Judged only against a valid birth date; a bad one is its own problem.
        if let Some(earliest) = birth_date.and_then(passport_age)
            && date < earliest
        {
            problems.push(ProfileProblem::PassportIssuedTooYoung { earliest });
            return None;
        }
        Some(date)
    });
    let division_code = division_code.and_then(|value| {
        DivisionCode::parse(value)
            .map_err(|e| problems.push(ProfileProblem::DivisionCode(e)))
            .ok()
    });
    let issued_by = issued_by.and_then(|value| {
        bounded_text(value, ISSUED_BY_CHARS.0, ISSUED_BY_CHARS.1)
            .map_err(|e| problems.push(ProfileProblem::PassportIssuedBy(e)))
            .ok()
    });

    match (
        full_name,
        birth_date,
        address,
        email,
        inn,
        passport,
        issued_on,
        division_code,
        issued_by,
    ) {
        (
            Some(full_name),
            Some(birth_date),
            Some(address),
            email,
            inn,
            Some(passport),
            Some(passport_issued_on),
            Some(division_code),
            Some(passport_issued_by),
        ) if problems.is_empty() => Ok(Profile {
            full_name,
            birth_date,
            address,
            email: email.flatten(),
            inn: inn.flatten(),
            passport,
            passport_issued_on,
            division_code,
            passport_issued_by,
        }),
        _ => {
            // Missing fields were found first; the card lists by field.
            problems.sort_by_key(|problem| {
                ProfileField::ALL
                    .iter()
                    .position(|field| *field == problem.field())
            });
            Err(problems)
        }
    }
}

/// The 14th birthday. Born on 29 February, one turns 14 on 28 February of a
/// common year: a period ending in a month without that day ends on its last
/// day (ГК РФ ст. 192), which is what `checked_add_months` does.
pub fn passport_age(birth_date: NaiveDate) -> Option<NaiveDate> {
    birth_date.checked_add_months(Months::new(12 * PASSPORT_AGE_YEARS))
}

// Redacted: a profile or a draft in a log line would leak all of it.
impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Profile(<redacted>)")
    }
}

impl fmt::Debug for ProfileDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut given_fields = f.debug_set();
        for field in ProfileField::ALL {
            if given(field.value(self)).is_some() {
                given_fields.entry(&field.as_str());
            }
        }
        given_fields.finish()
    }
}
