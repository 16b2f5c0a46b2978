//! Finding a referral's receiver, never by a СНИЛС: a practitioner by
//! surname or organisation, an organisation by name, ИНН or ОГРН.
//!
//! Receivers are only those who can read a referral: practitioners with a
//! confirmed account (linked and confirmed: the register vouches for who
//! they are), and organisations with at least one operator bound to them.
//!
//! The register's names are sealed, so a name is found by a blind index of
//! the surname (`registry_entries.surname_index`, the import writes it:
//! the first word of the name, lower case, ё as е), an exact match on an
//! index — the search never opens names to compare them, and costs the
//! same on a register of a hundred or a million. The organisation is in
//! clear and matched by substring. Only the page shown is opened (names
//! for the buttons). Every search is bounded: at least
//! [`MIN_QUERY_CHARS`] ([`MIN_ORGANISATION_CHARS`] for a practitioner's
//! organisation), [`PAGE`] results a page, [`MAX_PAGES`] pages; and only a
//! confirmed practitioner searches practitioners (an applicant the register
//! does not know could otherwise list who has an account).

use sqlx::PgPool;

use crate::UserId;
use crate::crypto::{RowKey, Vault};
use crate::registry::SEALED_FULL_NAME;

/// Results on one page of a search.
pub const PAGE: usize = 5;
/// A shorter query would match half the register.
pub const MIN_QUERY_CHARS: usize = 3;
/// A practitioner's organisation is matched by substring only from this
/// long a query («ГКБ 1»): «бол» or «ГБУ» would list every colleague of
/// every hospital, which is a directory of who has an account.
pub const MIN_ORGANISATION_CHARS: usize = 5;
/// Pages a search goes to: fifteen practitioners are enough to pick from;
/// past them the searcher is asked to say more, and nobody pages through
/// the register.
pub const MAX_PAGES: usize = 3;
/// The longest query taken.
pub const MAX_QUERY_CHARS: usize = 100;

/// The blind index kind of a surname.
const SURNAME_INDEX: &str = "surname";

/// A surname as indexed and as searched: lower case, ё as е.
fn normalise(word: &str) -> String {
    word.to_lowercase().replace('ё', "е")
}

/// The blind index of the surname of a full name as the register writes
/// it («Иванова Анна Сергеевна» → «иванова»); `None` for an empty name.
pub fn surname_index(vault: &Vault, full_name: &str) -> Option<Vec<u8>> {
    let surname = full_name.split_whitespace().next()?;
    Some(vault.blind_index(SURNAME_INDEX, &normalise(surname)))
}

/// Why a query is not searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryProblem {
    #[error("shorter than {MIN_QUERY_CHARS} characters")]
    TooShort,
    #[error("longer than {MAX_QUERY_CHARS} characters")]
    TooLong,
    /// Eleven digits (or a СНИЛС's shape): a receiver is never found by a
    /// СНИЛС.
    #[error("looks like a SNILS")]
    Snils,
}

/// A query as typed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query(String);

impl Query {
    pub fn parse(text: &str) -> Result<Query, QueryProblem> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 11
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-'))
        {
            return Err(QueryProblem::Snils);
        }
        match text.chars().count() {
            n if n < MIN_QUERY_CHARS => Err(QueryProblem::TooShort),
            n if n > MAX_QUERY_CHARS => Err(QueryProblem::TooLong),
            _ => Ok(Query(text)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `%text%` for ILIKE, with the pattern's own characters escaped.
    fn like(&self) -> String {
        let escaped = self
            .0
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    }
}

/// One page of results, and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    pub items: Vec<T>,
    pub page: usize,
    pub more: bool,
}

/// A practitioner who may receive a referral. `registry_id` is what a
/// button carries: not their Telegram id, which is nobody else's business.
#[derive(Clone, PartialEq, Eq)]
pub struct Practitioner {
    pub registry_id: i64,
    pub full_name: String,
    pub specialty: String,
    pub organisation: String,
}

impl std::fmt::Debug for Practitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Practitioner")
            .field("registry_id", &self.registry_id)
            .field("full_name", &"<redacted>")
            .field("specialty", &self.specialty)
            .field("organisation", &self.organisation)
            .finish()
    }
}

/// An organisation that receives referrals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub ogrn: String,
    /// As the register or the licences name it; `None` when neither does.
    pub name: Option<String>,
    pub inn: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("a register name does not decrypt: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
    /// The searcher's account is not confirmed by the register.
    #[error("only a confirmed practitioner searches the register")]
    NotConfirmed,
}

fn bounds(page: usize) -> (i64, i64) {
    let page = page.min(MAX_PAGES - 1);
    let offset = i64::try_from(page.saturating_mul(PAGE)).unwrap_or(i64::MAX);
    // One more than a page tells whether another follows.
    (offset, i64::try_from(PAGE + 1).unwrap_or(i64::MAX))
}

/// Practitioners with a confirmed account whose surname is the query's
/// first word, or whose organisation contains the query; the searcher
/// excluded. Ordered by organisation, then the entry.
pub async fn practitioners(
    db: &PgPool,
    vault: &Vault,
    query: &Query,
    searcher: UserId,
    page: usize,
) -> Result<Found<Practitioner>, SearchError> {
    if !crate::accounts::is_confirmed(db, searcher).await? {
        return Err(SearchError::NotConfirmed);
    }
    let page = page.min(MAX_PAGES - 1);
    let organisation =
        (query.as_str().chars().count() >= MIN_ORGANISATION_CHARS).then(|| query.like());
    let surname = query
        .as_str()
        .split_whitespace()
        .next()
        .map(|word| vault.blind_index(SURNAME_INDEX, &normalise(word)));
    let (offset, limit) = bounds(page);
    let rows = sqlx::query!(
        r#"
        SELECT r.id, r.snils_index, r.full_name, r.specialty, r.organisation
        FROM registry_entries r
        JOIN accounts a ON a.snils_index = r.snils_index
        WHERE a.linked_at IS NOT NULL AND a.confirmed_at IS NOT NULL
          AND a.telegram_user_id <> $1
          AND (r.surname_index = $2 OR r.organisation ILIKE $3)
        ORDER BY r.organisation, r.id
        OFFSET $4 LIMIT $5
        "#,
        searcher.get(),
        surname,
        organisation,
        offset,
        limit,
    )
    .fetch_all(db)
    .await?;
    let more = rows.len() > PAGE && page + 1 < MAX_PAGES;
    let items = rows
        .into_iter()
        .take(PAGE)
        .map(|row| {
            let full_name = vault.open_str(
                SEALED_FULL_NAME,
                &RowKey::bytes(&row.snils_index),
                &row.full_name,
            )?;
            Ok(Practitioner {
                registry_id: row.id,
                full_name,
                specialty: row.specialty,
                organisation: row.organisation,
            })
        })
        .collect::<Result<_, SearchError>>()?;
    Ok(Found { items, page, more })
}

/// Organisations with an operator bound to them, by name (substring), ИНН
/// or ОГРН (exact).
pub async fn organisations(
    db: &PgPool,
    query: &Query,
    page: usize,
) -> Result<Found<Organisation>, SearchError> {
    let (offset, limit) = bounds(page);
    let rows = sqlx::query!(
        r#"
        WITH bound AS (
            SELECT DISTINCT o.ogrn FROM operator_organisations o
            JOIN operators p ON p.telegram_user_id = o.operator_id AND p.revoked_at IS NULL
        ), named AS (
            SELECT b.ogrn,
                   COALESCE(
                       (SELECT l.organisation FROM organisation_licences l
                        WHERE l.ogrn = b.ogrn AND l.organisation IS NOT NULL
                        ORDER BY l.id LIMIT 1),
                       (SELECT r.organisation FROM registry_entries r
                        WHERE r.organisation_ogrn = b.ogrn ORDER BY r.id LIMIT 1)
                   ) AS name,
                   COALESCE(
                       (SELECT l.inn FROM organisation_licences l WHERE l.ogrn = b.ogrn
                        ORDER BY l.id LIMIT 1),
                       (SELECT r.organisation_inn FROM registry_entries r
                        WHERE r.organisation_ogrn = b.ogrn AND r.organisation_inn IS NOT NULL
                        ORDER BY r.id LIMIT 1)
                   ) AS inn
            FROM bound b
        )
        SELECT ogrn AS "ogrn!", name, inn FROM named
        WHERE name ILIKE $1 OR ogrn = $2 OR inn = $2
        ORDER BY name, ogrn
        OFFSET $3 LIMIT $4
        "#,
        query.like(),
        query.as_str(),
        offset,
        limit,
    )
    .fetch_all(db)
    .await?;
    let page = page.min(MAX_PAGES - 1);
    let more = rows.len() > PAGE && page + 1 < MAX_PAGES;
    let items = rows
        .into_iter()
        .take(PAGE)
        .map(|row| Organisation {
            ogrn: row.ogrn,
            name: row.name,
            inn: row.inn,
        })
        .collect();
    Ok(Found { items, page, more })
}

/// One practitioner of [`practitioners`] by the entry's id, if they may
/// still receive a referral (their account confirmed), the searcher never.
pub async fn practitioner(
    db: &PgPool,
    vault: &Vault,
    registry_id: i64,
    searcher: UserId,
) -> Result<Option<Practitioner>, SearchError> {
    if !crate::accounts::is_confirmed(db, searcher).await? {
        return Err(SearchError::NotConfirmed);
    }
    let row = sqlx::query!(
        r#"
        SELECT r.id, r.snils_index, r.full_name, r.specialty, r.organisation
        FROM registry_entries r
        JOIN accounts a ON a.snils_index = r.snils_index
        WHERE r.id = $1 AND a.linked_at IS NOT NULL AND a.confirmed_at IS NOT NULL
          AND a.telegram_user_id <> $2
        "#,
        registry_id,
        searcher.get(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        let full_name = vault.open_str(
            SEALED_FULL_NAME,
            &RowKey::bytes(&row.snils_index),
            &row.full_name,
        )?;
        Ok(Practitioner {
            registry_id: row.id,
            full_name,
            specialty: row.specialty,
            organisation: row.organisation,
        })
    })
    .transpose()
}

/// One organisation of [`organisations`] by its ОГРН, if it has operators.
pub async fn organisation(db: &PgPool, ogrn: &str) -> Result<Option<Organisation>, SearchError> {
    let mut conn = db.acquire().await?;
    if super::organisations::operators_of(&mut conn, ogrn)
        .await?
        .is_empty()
    {
        return Ok(None);
    }
    let name = organisation_name(&mut conn, ogrn).await?;
    Ok(Some(Organisation {
        ogrn: ogrn.to_owned(),
        name,
        inn: None,
    }))
}

/// The name of an organisation as [`organisations`] shows it.
pub(crate) async fn organisation_name(
    db: &mut sqlx::PgConnection,
    ogrn: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT COALESCE(
            (SELECT l.organisation FROM organisation_licences l
             WHERE l.ogrn = $1 AND l.organisation IS NOT NULL ORDER BY l.id LIMIT 1),
            (SELECT r.organisation FROM registry_entries r
             WHERE r.organisation_ogrn = $1 ORDER BY r.id LIMIT 1)
        ) AS name
        "#,
        ogrn,
    )
    .fetch_one(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_bounded_and_never_a_snils() {
        assert_eq!(Query::parse("  Иванова  ").unwrap().as_str(), "Иванова");
        assert_eq!(
            Query::parse("ГБУЗ   ГП № 1").unwrap().as_str(),
            "ГБУЗ ГП № 1"
        );
        assert_eq!(Query::parse("Ив"), Err(QueryProblem::TooShort));
        assert_eq!(
            Query::parse(&"а".repeat(MAX_QUERY_CHARS + 1)),
            Err(QueryProblem::TooLong)
        );
        for snils in ["112-233-445 95", "11223344595", "112 233 445 95"] {
            assert_eq!(Query::parse(snils), Err(QueryProblem::Snils), "{snils}");
        }
        // An ОГРН (13 digits) and an ИНН (10) are organisations' and fine.
        assert!(Query::parse("1027700132195").is_ok());
        assert!(Query::parse("7707083893").is_ok());
    }

    #[test]
    fn like_patterns_escape_their_own_characters() {
        assert_eq!(Query::parse("100%").unwrap().like(), "%100\\%%");
        assert_eq!(Query::parse("a_b").unwrap().like(), "%a\\_b%");
    }

    #[test]
    fn surnames_index_alike_whatever_the_case_and_the_yo() {
        let vault = Vault::new(&crate::DataKey::generate());
        let stored = surname_index(&vault, "Пётрова Анна Сергеевна").unwrap();
        assert_eq!(Some(stored.clone()), surname_index(&vault, "ПЕТРОВА"));
        assert_ne!(Some(stored), surname_index(&vault, "Петров"));
        assert_eq!(surname_index(&vault, "   "), None);
    }
}
