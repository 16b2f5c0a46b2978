//! Whom a notice reaches: practitioners selected by specialty, region and
//! organisation, with the notification settings they chose.
//!
//! Owns no table. [`recipients`] is a read-only join across tables owned
//! elsewhere — `accounts` (who is an active, linked, confirmed
//! practitioner), `registry_entries` (their specialty, organisation and
//! region, in clear for exactly this), `chats` (whether the bot may still
//! write to them) and `notification_settings` (what they want) — because a
//! notice to 100 000 people must be one query, not one per person. The
//! rules of each table stay with its module; this one only reads.
//!
//! Who counts as a practitioner: an account at the step `active`, linked to
//! a СНИЛС and confirmed (matched in the register, or activated by an
//! operator). An applicant still waiting for activation is not targeted by
//! the register entry of the СНИЛС they typed: it may be someone else's.
//!
//! Matching ignores case and the spaces around a value: «Терапия»,
//! « терапия » and «ТЕРАПИЯ» are one specialty. Case is folded in
//! PostgreSQL with the ICU collation `und-x-icu`, so Cyrillic folds the same
//! whatever locale the database was created with (a `C` database would fold
//! only Latin letters with the default collation).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::notification_settings::Settings;
use crate::outbox::Category;

/// Whom to reach. Each part narrows: a practitioner must match one of the
/// specialties (if any are given) AND one of the regions (if any) AND the
/// organisation (if given). Nothing given: everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    specialties: Vec<String>,
    regions: Vec<String>,
    organisation: Option<String>,
}

impl Audience {
    /// Every practitioner.
    pub fn everyone() -> Audience {
        Audience::default()
    }

    /// Values are trimmed; blank ones are dropped (a blank list is
    /// "everyone", not "nobody"), and repeats (ignoring case) kept once.
    pub fn new<S: AsRef<str>>(
        specialties: impl IntoIterator<Item = S>,
        regions: impl IntoIterator<Item = S>,
        organisation: Option<&str>,
    ) -> Audience {
        Audience {
            specialties: clean_list(specialties),
            regions: clean_list(regions),
            organisation: organisation
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned),
        }
    }

    pub fn specialties(&self) -> &[String] {
        &self.specialties
    }

    pub fn regions(&self) -> &[String] {
        &self.regions
    }

    pub fn organisation(&self) -> Option<&str> {
        self.organisation.as_deref()
    }

    /// Whether nothing narrows it.
    pub fn is_everyone(&self) -> bool {
        self.specialties.is_empty() && self.regions.is_empty() && self.organisation.is_none()
    }
}

fn clean_list<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .map(|value| value.as_ref().trim().to_owned())
        .filter(|value| !value.is_empty() && seen.insert(value.to_lowercase()))
        .collect()
}

/// One practitioner to notify. Their chat is their private chat with the
/// bot (the Telegram user id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub chat_id: i64,
    pub settings: Settings,
}

/// The name of a category's column in `notification_settings`, for the
/// filter in SQL; `None` for those that cannot be switched off.
fn switch(category: Category) -> Option<&'static str> {
    match category {
        Category::Inspections => Some("inspections"),
        Category::Regulation => Some("regulation"),
        Category::Reminders => Some("reminders"),
        Category::Schedule => Some("schedule"),
        Category::Security | Category::Status => None,
    }
}

/// A practitioner's [`Settings`] from the row of a query that LEFT JOINs
/// `notification_settings` as [`recipients`] does, its columns named
/// `inspections?` … `has_row!` as there. A macro because every `query!`
/// row is a type of its own.
macro_rules! settings_of {
    ($row:ident) => {
        $crate::notification_settings::Settings::from_columns(
            $row.inspections,
            $row.regulation,
            $row.reminders,
            $row.quiet_from,
            $row.quiet_until,
            $row.time_zone,
            $row.has_row,
        )
    };
}
pub(crate) use settings_of;

/// The practitioners `audience` reaches who receive `category`: active,
/// linked and confirmed accounts whose chat has not blocked the bot and who
/// did not switch the category off. In chat id order; one query.
pub async fn recipients(
    conn: &mut PgConnection,
    audience: &Audience,
    category: Category,
) -> Result<Vec<Recipient>, sqlx::Error> {
    let rows = sqlx::query_as!(
        RecipientRow,
        r#"
        SELECT a.telegram_user_id AS "chat_id!",
               ns.inspections AS "inspections?", ns.regulation AS "regulation?",
               ns.reminders AS "reminders?", ns.quiet_from AS "quiet_from?",
               ns.quiet_until AS "quiet_until?", ns.time_zone AS "time_zone?",
               ns.telegram_user_id IS NOT NULL AS "has_row!"
        FROM accounts a
        JOIN registry_entries r ON r.snils_index = a.snils_index
        LEFT JOIN chats c ON c.id = a.telegram_user_id
        LEFT JOIN notification_settings ns ON ns.telegram_user_id = a.telegram_user_id
        WHERE a.step = 'active' AND a.linked_at IS NOT NULL AND a.confirmed_at IS NOT NULL
          AND c.unreachable_since IS NULL
          AND (cardinality($1::TEXT[]) = 0
               OR lower(btrim(r.specialty) COLLATE "und-x-icu") = ANY (ARRAY(
                   SELECT lower(btrim(s) COLLATE "und-x-icu") FROM unnest($1::TEXT[]) AS s)))
          AND (cardinality($2::TEXT[]) = 0
               OR lower(btrim(r.region) COLLATE "und-x-icu") = ANY (ARRAY(
                   SELECT lower(btrim(s) COLLATE "und-x-icu") FROM unnest($2::TEXT[]) AS s)))
          AND ($3::TEXT IS NULL
               OR lower(btrim(r.organisation) COLLATE "und-x-icu")
                  = lower(btrim($3::TEXT) COLLATE "und-x-icu"))
          AND CASE $4::TEXT
                  WHEN 'inspections' THEN COALESCE(ns.inspections, true)
                  WHEN 'regulation' THEN COALESCE(ns.regulation, true)
                  WHEN 'reminders' THEN COALESCE(ns.reminders, true)
                  ELSE true
              END
        ORDER BY a.telegram_user_id
        "#,
        &audience.specialties,
        &audience.regions,
        audience.organisation.as_deref(),
        switch(category),
    )
    .fetch_all(conn)
    .await?;
    Ok(RecipientRow::allowed(rows, category))
}

/// Of these chats, those who may still receive `category`: active, linked
/// and confirmed accounts whose chat has not blocked the bot and who did
/// not switch the category off; whatever the register says of them now
/// (the cancellation of an inspection goes to whoever was told of it, even
/// if they moved since). In chat id order; one query.
pub async fn recipients_among(
    conn: &mut PgConnection,
    chat_ids: &[i64],
    category: Category,
) -> Result<Vec<Recipient>, sqlx::Error> {
    let rows = sqlx::query_as!(
        RecipientRow,
        r#"
        SELECT a.telegram_user_id AS "chat_id!",
               ns.inspections AS "inspections?", ns.regulation AS "regulation?",
               ns.reminders AS "reminders?", ns.quiet_from AS "quiet_from?",
               ns.quiet_until AS "quiet_until?", ns.time_zone AS "time_zone?",
               ns.telegram_user_id IS NOT NULL AS "has_row!"
        FROM accounts a
        LEFT JOIN chats c ON c.id = a.telegram_user_id
        LEFT JOIN notification_settings ns ON ns.telegram_user_id = a.telegram_user_id
        WHERE a.telegram_user_id = ANY($1)
          AND a.step = 'active' AND a.linked_at IS NOT NULL AND a.confirmed_at IS NOT NULL
          AND c.unreachable_since IS NULL
        ORDER BY a.telegram_user_id
        "#,
        chat_ids,
    )
    .fetch_all(conn)
    .await?;
    Ok(RecipientRow::allowed(rows, category))
}

/// A row of [`recipients`] or [`recipients_among`].
struct RecipientRow {
    chat_id: i64,
    inspections: Option<bool>,
    regulation: Option<bool>,
    reminders: Option<bool>,
    quiet_from: Option<i16>,
    quiet_until: Option<i16>,
    time_zone: Option<String>,
    has_row: bool,
}

impl RecipientRow {
    /// The recipients of these rows who receive `category`. The SQL filter
    /// and the settings' own rule must agree; the settings have the last
    /// word.
    fn allowed(rows: Vec<RecipientRow>, category: Category) -> Vec<Recipient> {
        rows.into_iter()
            .map(|row| Recipient {
                chat_id: row.chat_id,
                settings: settings_of!(row),
            })
            .filter(|recipient| recipient.settings.allows(category))
            .collect()
    }
}

/// How many a notice would reach if sent at a moment: all of them, and how
/// many of those only once their quiet hours end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    pub total: usize,
    pub after_quiet_hours: usize,
}

/// How many [`recipients`] there are if sent `now`, and how many of them are
/// in their quiet hours (an operator's preview).
pub async fn count(
    conn: &mut PgConnection,
    audience: &Audience,
    category: Category,
    now: DateTime<Utc>,
) -> Result<Reach, sqlx::Error> {
    let recipients = recipients(conn, audience, category).await?;
    let after_quiet_hours = if category.held_in_quiet_hours() {
        recipients
            .iter()
            .filter(|recipient| recipient.settings.release_at(now).is_some())
            .count()
    } else {
        0
    };
    Ok(Reach {
        total: recipients.len(),
        after_quiet_hours,
    })
}

/// Practitioners written straight into the tables, for the storage tests of
/// audience, broadcasts, notices, inspections and reminders. Sealed columns
/// hold placeholders: nothing here opens them.
#[cfg(test)]
pub(crate) mod fixtures {
    pub use crate::dates::test_date as date;
    use chrono::{DateTime, NaiveDate, Utc};
    use sqlx::PgPool;

    use crate::UserId;

    pub fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    /// Midday in Moscow: outside the default quiet hours.
    pub fn noon() -> DateTime<Utc> {
        at("2026-11-25T09:00:00Z")
    }

    /// An operator with a staff session open for years around [`noon`]:
    /// what core's staff check asks before an operator publishes.
    pub async fn staff(db: &PgPool, id: UserId) {
        use crate::{operator_factors, operators, second_factor};
        let days = chrono::Duration::days;
        if operator_factors::access(db, id, noon()).await.unwrap() == operator_factors::Access::Open
        {
            return;
        }
        operators::grant(db, id, "test", noon() - days(31))
            .await
            .unwrap();
        let vault = crate::crypto::Vault::new(&crate::DataKey::generate());
        let secret = operator_factors::enrolment_secret(db, &vault, id, noon())
            .await
            .unwrap();
        let policy = second_factor::FactorPolicy {
            staff: operator_factors::StaffLimits {
                absolute: days(3650),
                idle: days(3650),
            },
            ..Default::default()
        };
        let at = noon() - days(30);
        let code = secret.code_at(at.timestamp());
        let checked = operator_factors::check_code(db, &vault, id, &code, at, policy)
            .await
            .unwrap();
        assert!(matches!(checked, second_factor::CodeCheck::Accepted { .. }));
    }

    #[derive(Debug, Clone)]
    pub struct Practitioner {
        pub id: i64,
        pub specialty: &'static str,
        pub organisation: &'static str,
        pub region: &'static str,
        pub accreditation_valid_until: Option<NaiveDate>,
        pub step: &'static str,
        pub linked: bool,
        pub confirmed: bool,
        pub unreachable: bool,
    }

    /// An active, confirmed therapist of ГП № 5 in Moscow, reachable.
    pub fn practitioner(id: i64) -> Practitioner {
        Practitioner {
            id,
            specialty: "Терапия",
            organisation: "ГП № 5",
            region: "Москва",
            accreditation_valid_until: None,
            step: "active",
            linked: true,
            confirmed: true,
            unreachable: false,
        }
    }

    fn index(id: i64) -> Vec<u8> {
        let mut index = vec![0u8; 32];
        index[24..].copy_from_slice(&id.to_be_bytes());
        index
    }

    pub async fn add(db: &PgPool, p: &Practitioner) {
        let now = noon();
        sqlx::query(
            r#"
            INSERT INTO registry_entries (snils_index, snils, full_name, birth_date,
                                          specialty, position, organisation, region,
                                          accreditation_valid_until)
            VALUES ($1, '\x00', '\x00', '\x00', $2, 'Врач', $3, $4, $5)
            "#,
        )
        .bind(index(p.id))
        .bind(p.specialty)
        .bind(p.organisation)
        .bind(p.region)
        .bind(p.accreditation_valid_until)
        .execute(db)
        .await
        .unwrap();
        sqlx::query(
            r#"
            INSERT INTO accounts (telegram_user_id, step, snils, snils_index, created_at,
                                  linked_at, confirmed_at)
            VALUES ($1, $2, '\x00', $3, $4, $5, $6)
            "#,
        )
        .bind(p.id)
        .bind(p.step)
        .bind(index(p.id))
        .bind(now)
        .bind(p.linked.then_some(now))
        .bind((p.linked && p.confirmed).then_some(now))
        .execute(db)
        .await
        .unwrap();
        sqlx::query("INSERT INTO chats (id, kind, unreachable_since) VALUES ($1, 'private', $2)")
            .bind(p.id)
            .bind(p.unreachable.then_some(now))
            .execute(db)
            .await
            .unwrap();
    }

    /// [`practitioner`] `id`, whose register entry has an accreditation
    /// until `until`, added.
    pub async fn add_accredited(db: &PgPool, id: i64, until: NaiveDate) {
        let accredited = Practitioner {
            accreditation_valid_until: Some(until),
            ..practitioner(id)
        };
        add(db, &accredited).await;
    }

    /// `count` reachable therapists of ГП № 5 in Moscow with ids from
    /// `first`, in three statements.
    pub async fn add_many(db: &PgPool, first: i64, count: i64) {
        let last = first + count - 1;
        sqlx::query(
            r#"
            INSERT INTO registry_entries (snils_index, snils, full_name, birth_date,
                                          specialty, position, organisation, region)
            SELECT decode(lpad(to_hex(g), 64, '0'), 'hex'), '\x00', '\x00', '\x00',
                   'Терапия', 'Врач', 'ГП № 5', 'Москва'
            FROM generate_series($1::BIGINT, $2::BIGINT) AS g
            "#,
        )
        .bind(first)
        .bind(last)
        .execute(db)
        .await
        .unwrap();
        sqlx::query(
            r#"
            INSERT INTO accounts (telegram_user_id, step, snils, snils_index, created_at,
                                  linked_at, confirmed_at)
            SELECT g, 'active', '\x00', decode(lpad(to_hex(g), 64, '0'), 'hex'), now(),
                   now(), now()
            FROM generate_series($1::BIGINT, $2::BIGINT) AS g
            "#,
        )
        .bind(first)
        .bind(last)
        .execute(db)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO chats (id, kind) SELECT g, 'private' FROM generate_series($1::BIGINT, $2::BIGINT) AS g",
        )
        .bind(first)
        .bind(last)
        .execute(db)
        .await
        .unwrap();
    }

    /// Switches one category off for a practitioner, or sets quiet hours.
    pub async fn settings(
        db: &PgPool,
        id: i64,
        change: impl FnOnce(&mut crate::notification_settings::Settings),
    ) {
        let id = UserId::from_stored(id);
        let mut settings = crate::notification_settings::get(db, id).await.unwrap();
        change(&mut settings);
        crate::notification_settings::save(db, id, &settings, noon())
            .await
            .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::fixtures::*;
    use super::*;
    use crate::notification_settings::QuietHours;

    async fn ids(db: &PgPool, audience: &Audience, category: Category) -> Vec<i64> {
        let mut conn = db.acquire().await.unwrap();
        recipients(&mut conn, audience, category)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.chat_id)
            .collect()
    }

    #[test]
    fn blank_and_repeated_values_are_dropped() {
        let audience = Audience::new([" Терапия ", "", "терапия", "Хирургия"], ["  "], Some("  "));
        assert_eq!(audience.specialties(), ["Терапия", "Хирургия"]);
        assert!(audience.regions().is_empty());
        assert_eq!(audience.organisation(), None);
        assert!(!audience.is_everyone());
        assert!(Audience::new(Vec::<&str>::new(), vec![], None).is_everyone());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn targeting_reaches_exactly_the_targeted(db: PgPool) {
        let cardiologist_tver = Practitioner {
            specialty: "Кардиология",
            organisation: "ГКБ № 1",
            region: "Тверская область",
            ..practitioner(2)
        };
        let surgeon_moscow = Practitioner {
            specialty: " ХИРУРГИЯ ",
            organisation: "ГКБ № 1",
            ..practitioner(3)
        };
        for p in [
            practitioner(1),
            cardiologist_tver,
            surgeon_moscow,
            // Excluded whatever the audience: not there yet, blocked the
            // bot, an unconfirmed applicant.
            Practitioner {
                step: "second_factor",
                ..practitioner(10)
            },
            Practitioner {
                linked: false,
                ..practitioner(11)
            },
            Practitioner {
                unreachable: true,
                ..practitioner(12)
            },
            Practitioner {
                confirmed: false,
                ..practitioner(13)
            },
        ] {
            add(&db, &p).await;
        }
        let all = Audience::everyone();
        assert_eq!(ids(&db, &all, Category::Regulation).await, [1, 2, 3]);
        let by = |s: &[&str], r: &[&str], o: Option<&str>| Audience::new(s.to_vec(), r.to_vec(), o);
        assert_eq!(
            ids(&db, &by(&["хирургия"], &[], None), Category::Regulation).await,
            [3],
            "case and spaces do not matter, Cyrillic included"
        );
        assert_eq!(
            ids(
                &db,
                &by(&["Терапия", "Кардиология"], &[], None),
                Category::Regulation
            )
            .await,
            [1, 2]
        );
        assert_eq!(
            ids(&db, &by(&[], &["москва"], None), Category::Regulation).await,
            [1, 3]
        );
        assert_eq!(
            ids(
                &db,
                &by(&["Кардиология"], &["Москва"], None),
                Category::Regulation
            )
            .await,
            Vec::<i64>::new(),
            "specialty AND region"
        );
        assert_eq!(
            ids(&db, &by(&[], &[], Some("гкб № 1")), Category::Inspections).await,
            [2, 3]
        );
        assert_eq!(
            ids(
                &db,
                &by(&[], &["Тверская область"], Some("ГКБ № 1")),
                Category::Inspections
            )
            .await,
            [2]
        );
        assert_eq!(
            ids(&db, &by(&["Педиатрия"], &[], None), Category::Regulation).await,
            Vec::<i64>::new()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_category_switched_off_is_not_sent_and_settings_come_along(db: PgPool) {
        for id in [1, 2, 3] {
            add(&db, &practitioner(id)).await;
        }
        settings(&db, 2, |s| s.regulation = false).await;
        settings(&db, 3, |s| {
            s.quiet_hours = None;
            s.time_zone = chrono_tz::Tz::Asia__Omsk;
        })
        .await;
        let all = Audience::everyone();
        assert_eq!(ids(&db, &all, Category::Regulation).await, [1, 3]);
        assert_eq!(ids(&db, &all, Category::Inspections).await, [1, 2, 3]);
        assert_eq!(ids(&db, &all, Category::Reminders).await, [1, 2, 3]);

        let mut conn = db.acquire().await.unwrap();
        let found = recipients(&mut conn, &all, Category::Inspections)
            .await
            .unwrap();
        assert_eq!(found[0].settings, Settings::default());
        assert_eq!(found[0].settings.quiet_hours, Some(QuietHours::NIGHT));
        assert!(!found[1].settings.regulation);
        assert_eq!(found[2].settings.quiet_hours, None);
        assert_eq!(found[2].settings.time_zone, chrono_tz::Tz::Asia__Omsk);
        assert_eq!(
            count(&mut conn, &all, Category::Regulation, noon())
                .await
                .unwrap(),
            Reach {
                total: 2,
                after_quiet_hours: 0
            }
        );
        // 23:00 in Moscow: the one with Moscow's default quiet hours gets
        // it in the morning, the one without quiet hours at once.
        let night = at("2026-11-25T20:00:00Z");
        assert_eq!(
            count(&mut conn, &all, Category::Regulation, night)
                .await
                .unwrap(),
            Reach {
                total: 2,
                after_quiet_hours: 1
            }
        );
    }
}
