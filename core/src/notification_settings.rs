//! What a practitioner wants pushed, and when: the categories they may
//! switch off, their quiet hours and their time zone.
//!
//! Owns the table `notification_settings`. A user without a row has the
//! defaults ([`Settings::default`]): everything on, quiet from 22:00 to
//! 08:00 Moscow time. So nobody is woken at night by a notice they never
//! asked about, and nothing needs writing until someone changes a setting.
//!
//! «Расписание» (the clinic's changes to one's schedule) is a category like
//! the others; its column is read by [`get`] and delivery's claim
//! ([`Settings::with_schedule`]), while the broadcasts' readers, which never
//! send it, keep its default.
//!
//! Two categories cannot be switched off ([`Category::optional`]): security
//! (logins, the second factor) and the status of one's own applications.
//! Quiet hours hold everything but security ([`Category::held_in_quiet_hours`]);
//! an urgent row (a login confirmation) is never held. Changing quiet hours
//! re-times what they hold ([`save`]).

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::channels::Messenger;
use crate::outbox::Category;

/// The zones of Russia, west to east: what /settings offers.
pub const RUSSIAN_TIME_ZONES: [Tz; 11] = [
    Tz::Europe__Kaliningrad,
    Tz::Europe__Moscow,
    Tz::Europe__Samara,
    Tz::Asia__Yekaterinburg,
    Tz::Asia__Omsk,
    Tz::Asia__Krasnoyarsk,
    Tz::Asia__Irkutsk,
    Tz::Asia__Yakutsk,
    Tz::Asia__Vladivostok,
    Tz::Asia__Magadan,
    Tz::Asia__Kamchatka,
];

/// A stretch of local time, possibly across midnight, when non-urgent
/// notices wait. Minute precision; `from` is inside, `until` is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    from: NaiveTime,
    until: NaiveTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuietHoursError {
    /// Not `HH:MM-HH:MM` (or with `–`, `—`, spaces).
    #[error("quiet hours are written HH:MM-HH:MM")]
    Format,
    /// Start and end are the same minute.
    #[error("quiet hours must not start and end at the same time")]
    Empty,
}

impl QuietHours {
    /// 22:00–08:00, the default.
    pub const NIGHT: QuietHours = QuietHours {
        from: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
        until: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
    };

    pub fn new(from: NaiveTime, until: NaiveTime) -> Result<QuietHours, QuietHoursError> {
        let whole_minutes =
            |time: NaiveTime| time.with_second(0).and_then(|t| t.with_nanosecond(0));
        let (Some(from), Some(until)) = (whole_minutes(from), whole_minutes(until)) else {
            return Err(QuietHoursError::Format);
        };
        if from == until {
            return Err(QuietHoursError::Empty);
        }
        Ok(QuietHours { from, until })
    }

    /// Reads what a user types: `22:00-08:00`, `23:30 – 7:00`, `22-8`.
    pub fn parse(text: &str) -> Result<QuietHours, QuietHoursError> {
        let normalised = text.replace(['–', '—'], "-");
        let (from, until) = normalised.split_once('-').ok_or(QuietHoursError::Format)?;
        QuietHours::new(parse_time(from)?, parse_time(until)?)
    }

    pub fn from(self) -> NaiveTime {
        self.from
    }

    pub fn until(self) -> NaiveTime {
        self.until
    }

    /// Whether a local time of day falls inside.
    pub fn contains(self, time: NaiveTime) -> bool {
        if self.from < self.until {
            self.from <= time && time < self.until
        } else {
            // Across midnight: 22:00–08:00 holds 23:00 and 03:00.
            time >= self.from || time < self.until
        }
    }

    fn minutes(time: NaiveTime) -> i16 {
        i16::try_from(time.hour() * 60 + time.minute()).expect("a day has 1440 minutes")
    }

    fn from_minutes(minutes: i16) -> Option<NaiveTime> {
        let minutes = u32::try_from(minutes).ok()?;
        NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0)
    }
}

fn parse_time(text: &str) -> Result<NaiveTime, QuietHoursError> {
    let text = text.trim();
    let (hours, minutes) = text.split_once([':', '.']).unwrap_or((text, "0"));
    let hours: u32 = hours.trim().parse().map_err(|_| QuietHoursError::Format)?;
    let minutes: u32 = minutes
        .trim()
        .parse()
        .map_err(|_| QuietHoursError::Format)?;
    // 24:00 is how people write midnight at the end of a stretch.
    let hours = if hours == 24 && minutes == 0 {
        0
    } else {
        hours
    };
    NaiveTime::from_hms_opt(hours, minutes, 0).ok_or(QuietHoursError::Format)
}

/// One practitioner's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub inspections: bool,
    pub regulation: bool,
    pub reminders: bool,
    /// The clinic's changes to the schedule («Расписание»).
    pub schedule: bool,
    /// `None`: deliver at any hour.
    pub quiet_hours: Option<QuietHours>,
    pub time_zone: Tz,
    /// For an account on more than one messenger: where notifications go
    /// (`None`: to every one). Security goes to every one regardless. Read
    /// when a notification is written (`outbox::enqueue`, which writes a
    /// row per messenger), so delivery's claim leaves it at `None`.
    pub deliver_to: Option<Messenger>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            inspections: true,
            regulation: true,
            reminders: true,
            schedule: true,
            quiet_hours: Some(QuietHours::NIGHT),
            time_zone: Tz::Europe__Moscow,
            deliver_to: None,
        }
    }
}

impl Settings {
    /// Whether notifications of this category reach the user at all.
    pub fn allows(&self, category: Category) -> bool {
        match category {
            Category::Security | Category::Status => true,
            Category::Inspections => self.inspections,
            Category::Regulation => self.regulation,
            Category::Reminders => self.reminders,
            Category::Schedule => self.schedule,
        }
    }

    /// Switches an optional category; security and status stay on.
    pub fn set(&mut self, category: Category, on: bool) {
        match category {
            Category::Security | Category::Status => {}
            Category::Inspections => self.inspections = on,
            Category::Regulation => self.regulation = on,
            Category::Reminders => self.reminders = on,
            Category::Schedule => self.schedule = on,
        }
    }

    /// When a held notification may go: `None` if `now` is outside the
    /// user's quiet hours, else the moment they end (in UTC).
    pub fn release_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let quiet = self.quiet_hours?;
        let local = now.with_timezone(&self.time_zone).naive_local();
        if !quiet.contains(local.time()) {
            return None;
        }
        let mut end = local.date().and_time(quiet.until);
        if end <= local {
            end += Duration::days(1);
        }
        Some(self.instant_of(end))
    }

    /// A local wall-clock time as an instant. Russia has no daylight saving
    /// now, but a zone that skips the hour gets the first instant after it.
    fn instant_of(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let mut candidate = local;
        for _ in 0..3 {
            if let Some(instant) = self.time_zone.from_local_datetime(&candidate).earliest() {
                return instant.with_timezone(&Utc);
            }
            candidate += Duration::hours(1);
        }
        Utc.from_utc_datetime(&local)
    }

    /// Builds settings from a row that may be missing (a LEFT JOIN): each
    /// `None` takes the default. An unknown zone name falls back to Moscow.
    pub fn from_columns(
        inspections: Option<bool>,
        regulation: Option<bool>,
        reminders: Option<bool>,
        quiet_from: Option<i16>,
        quiet_until: Option<i16>,
        time_zone: Option<String>,
        has_row: bool,
    ) -> Settings {
        let defaults = Settings::default();
        let quiet_hours = if has_row {
            match (quiet_from, quiet_until) {
                (Some(from), Some(until)) => QuietHours::from_minutes(from)
                    .zip(QuietHours::from_minutes(until))
                    .and_then(|(from, until)| QuietHours::new(from, until).ok()),
                _ => None,
            }
        } else {
            defaults.quiet_hours
        };
        Settings {
            inspections: inspections.unwrap_or(defaults.inspections),
            regulation: regulation.unwrap_or(defaults.regulation),
            reminders: reminders.unwrap_or(defaults.reminders),
            schedule: defaults.schedule,
            quiet_hours,
            time_zone: zone_named(time_zone),
            deliver_to: None,
        }
    }
}

impl Settings {
    /// With the «Расписание» switch from its column (`None`: the default),
    /// for the reads that join it (delivery's claim).
    pub fn with_schedule(mut self, schedule: Option<bool>) -> Settings {
        if let Some(schedule) = schedule {
            self.schedule = schedule;
        }
        self
    }
}

/// A stored row, as both reads take it.
struct Stored {
    inspections: bool,
    regulation: bool,
    reminders: bool,
    quiet_from: Option<i16>,
    quiet_until: Option<i16>,
    time_zone: String,
    schedule: bool,
    deliver_to: Option<String>,
}

impl Stored {
    fn settings(self) -> Settings {
        Settings {
            deliver_to: self.deliver_to.as_deref().and_then(Messenger::parse),
            ..Settings::from_columns(
                Some(self.inspections),
                Some(self.regulation),
                Some(self.reminders),
                self.quiet_from,
                self.quiet_until,
                Some(self.time_zone),
                true,
            )
            .with_schedule(Some(self.schedule))
        }
    }
}

/// The zone a stored name names; Moscow (the default) when there is none
/// or the name is unknown.
pub fn zone_named(name: Option<String>) -> Tz {
    name.and_then(|name| name.parse().ok())
        .unwrap_or(Settings::default().time_zone)
}

/// The user's settings, or the defaults when they never changed any.
pub async fn get(db: &PgPool, user_id: UserId) -> Result<Settings, sqlx::Error> {
    let row = sqlx::query_as!(
        Stored,
        r#"
        SELECT inspections, regulation, reminders, quiet_from, quiet_until, time_zone, schedule,
               deliver_to
        FROM notification_settings WHERE telegram_user_id = $1
        "#,
        user_id.get()
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map_or_else(Settings::default, Stored::settings))
}

/// Stores the user's settings whole, and re-times what waits for the end
/// of their quiet hours by the new ones (`outbox::retime_held`), in one
/// transaction: quiet hours switched off release it now. Returns how many
/// waiting notifications were re-timed. A change a person makes goes
/// through [`update`], which cannot lose one made meanwhile elsewhere.
pub async fn save(
    db: &PgPool,
    user_id: UserId,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    write(&mut tx, user_id, settings, now, false).await?;
    let retimed =
        crate::outbox::retime_held(&mut tx, user_id.private_chat(), settings, now).await?;
    tx.commit().await?;
    Ok(retimed)
}

/// Changes the user's settings by `change`, applied to what is stored at
/// this moment under the row's lock, then stores them and re-times what
/// waits as [`save`] does. An account open on two messengers may have
/// /settings open in both chats: a switch pressed in one and quiet hours
/// typed in the other both stay, where reading, changing and saving
/// the whole would keep only the later. Returns the settings as stored,
/// and how many waiting notifications were re-timed.
pub async fn update(
    db: &PgPool,
    user_id: UserId,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut Settings),
) -> Result<(Settings, u64), sqlx::Error> {
    let mut tx = db.begin().await?;
    // The defaults as a row, when there is none yet, so that there is a row
    // to lock (two first changes at once would otherwise both insert).
    write(&mut tx, user_id, &Settings::default(), now, true).await?;
    let mut settings = sqlx::query_as!(
        Stored,
        r#"
        SELECT inspections, regulation, reminders, quiet_from, quiet_until, time_zone, schedule,
               deliver_to
        FROM notification_settings WHERE telegram_user_id = $1
        FOR UPDATE
        "#,
        user_id.get()
    )
    .fetch_one(&mut *tx)
    .await?
    .settings();
    let before = settings;
    change(&mut settings);
    if settings == before {
        // A double tap, or a choice already made: nothing to write or to
        // re-time (and no row of defaults left behind).
        tx.rollback().await?;
        return Ok((settings, 0));
    }
    write(&mut tx, user_id, &settings, now, false).await?;
    let retimed =
        crate::outbox::retime_held(&mut tx, user_id.private_chat(), &settings, now).await?;
    tx.commit().await?;
    Ok((settings, retimed))
}

/// Writes the row whole; `only_if_missing`: leaves a stored one as it is.
async fn write(
    tx: &mut PgConnection,
    user_id: UserId,
    settings: &Settings,
    now: DateTime<Utc>,
    only_if_missing: bool,
) -> Result<(), sqlx::Error> {
    let quiet = settings.quiet_hours;
    sqlx::query!(
        r#"
        INSERT INTO notification_settings
            (telegram_user_id, inspections, regulation, reminders, quiet_from, quiet_until,
             time_zone, updated_at, schedule, deliver_to)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (telegram_user_id) DO UPDATE SET
            inspections = EXCLUDED.inspections,
            regulation = EXCLUDED.regulation,
            reminders = EXCLUDED.reminders,
            quiet_from = EXCLUDED.quiet_from,
            quiet_until = EXCLUDED.quiet_until,
            time_zone = EXCLUDED.time_zone,
            updated_at = EXCLUDED.updated_at,
            schedule = EXCLUDED.schedule,
            deliver_to = EXCLUDED.deliver_to
        WHERE NOT $11
        "#,
        user_id.get(),
        settings.inspections,
        settings.regulation,
        settings.reminders,
        quiet.map(|q| QuietHours::minutes(q.from)),
        quiet.map(|q| QuietHours::minutes(q.until)),
        settings.time_zone.name(),
        now,
        settings.schedule,
        settings.deliver_to.map(Messenger::as_str),
        only_if_missing,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Why a choice of where notifications go was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceRefused {
    /// There is nothing to choose between (one messenger linked), or the
    /// one chosen is not linked (an old or forged button).
    NotLinked,
}

/// For an account with two messengers: notifications to `choice` only, or
/// to every one (`None`). `Ok(true)` when saved, `Ok(false)` when it was
/// already so (a double tap).
pub async fn choose_messenger(
    db: &PgPool,
    user_id: UserId,
    choice: Option<Messenger>,
    now: DateTime<Utc>,
) -> Result<Result<bool, ChoiceRefused>, sqlx::Error> {
    let linked = crate::channels::of_account(db, user_id).await?;
    let valid = linked.len() > 1 && choice.is_none_or(|m| linked.iter().any(|c| c.messenger == m));
    if !valid {
        return Ok(Err(ChoiceRefused::NotLinked));
    }
    let mut changed = false;
    update(db, user_id, now, |settings| {
        changed = settings.deliver_to != choice;
        settings.deliver_to = choice;
    })
    .await?;
    Ok(Ok(changed))
}

/// /forget: the choices go with the rest.
pub async fn erase(tx: &mut PgConnection, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM notification_settings WHERE telegram_user_id = $1",
        user_id.get()
    )
    .execute(tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn hm(hours: u32, minutes: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hours, minutes, 0).unwrap()
    }

    #[test]
    fn quiet_hours_read_what_people_type() {
        assert_eq!(QuietHours::parse("22:00-08:00"), Ok(QuietHours::NIGHT));
        assert_eq!(QuietHours::parse(" 22 – 8 "), Ok(QuietHours::NIGHT));
        assert_eq!(
            QuietHours::parse("23.30—7.15").map(|q| (q.from(), q.until())),
            Ok((hm(23, 30), hm(7, 15)))
        );
        assert_eq!(
            QuietHours::parse("13:00-24:00").map(|q| q.until()),
            Ok(hm(0, 0))
        );
        assert_eq!(QuietHours::parse("8:00-8:00"), Err(QuietHoursError::Empty));
        for bad in [
            "",
            "22:00",
            "25:00-08:00",
            "22:61-08:00",
            "ночь",
            "22:00-08:00-09:00",
        ] {
            assert_eq!(
                QuietHours::parse(bad),
                Err(QuietHoursError::Format),
                "{bad}"
            );
        }
    }

    #[test]
    fn quiet_hours_across_midnight_and_within_a_day() {
        let night = QuietHours::NIGHT;
        assert!(night.contains(hm(22, 0)) && night.contains(hm(3, 0)) && night.contains(hm(7, 59)));
        assert!(!night.contains(hm(8, 0)) && !night.contains(hm(21, 59)));
        let lunch = QuietHours::new(hm(13, 0), hm(14, 0)).unwrap();
        assert!(
            lunch.contains(hm(13, 30)) && !lunch.contains(hm(14, 0)) && !lunch.contains(hm(2, 0))
        );
    }

    #[test]
    fn held_until_the_end_of_the_users_own_night() {
        let moscow = Settings::default();
        // 20:00 UTC is 23:00 in Moscow: held until 08:00 Moscow, 05:00 UTC.
        assert_eq!(
            moscow.release_at(at("2026-11-25T20:00:00Z")),
            Some(at("2026-11-26T05:00:00Z"))
        );
        // 02:00 Moscow the same night: released the same morning.
        assert_eq!(
            moscow.release_at(at("2026-11-25T23:00:00Z")),
            Some(at("2026-11-26T05:00:00Z"))
        );
        assert_eq!(moscow.release_at(at("2026-11-25T05:00:00Z")), None);
        assert_eq!(moscow.release_at(at("2026-11-25T18:59:00Z")), None);

        // 12:00 UTC is 22:00 in Vladivostok (UTC+10): held until 22:00 UTC.
        let vladivostok = Settings {
            time_zone: Tz::Asia__Vladivostok,
            ..Settings::default()
        };
        assert_eq!(
            vladivostok.release_at(at("2026-11-25T12:00:00Z")),
            Some(at("2026-11-25T22:00:00Z"))
        );
        assert_eq!(moscow.release_at(at("2026-11-25T12:00:00Z")), None);

        let awake = Settings {
            quiet_hours: None,
            ..Settings::default()
        };
        assert_eq!(awake.release_at(at("2026-11-25T23:00:00Z")), None);
    }

    #[test]
    fn security_and_status_cannot_be_switched_off() {
        let mut settings = Settings::default();
        for category in [
            Category::Security,
            Category::Status,
            Category::Inspections,
            Category::Regulation,
            Category::Reminders,
            Category::Schedule,
        ] {
            settings.set(category, false);
            assert_eq!(
                settings.allows(category),
                !category.optional(),
                "{category:?}"
            );
        }
    }

    #[test]
    fn a_missing_row_means_the_defaults() {
        assert_eq!(
            Settings::from_columns(None, None, None, None, None, None, false),
            Settings::default()
        );
        let no_quiet = Settings::from_columns(
            Some(false),
            Some(true),
            Some(true),
            None,
            None,
            Some("Asia/Omsk".into()),
            true,
        );
        assert_eq!(no_quiet.quiet_hours, None);
        assert!(!no_quiet.inspections);
        assert_eq!(no_quiet.time_zone, Tz::Asia__Omsk);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_messenger_is_chosen_only_among_two_linked(db: PgPool) {
        let anna = UserId::from_stored(7);
        let link = |messenger: &'static str, external: i64| {
            sqlx::query(
                "INSERT INTO channels (messenger, external_id, chat_id, user_id) VALUES ($1, $2, $2, 7)",
            )
            .bind(messenger)
            .bind(external)
        };
        link("telegram", 7).execute(&db).await.unwrap();
        let choose = |choice| choose_messenger(&db, anna, choice, Utc::now());
        // One messenger: nothing to choose.
        assert_eq!(
            choose(Some(Messenger::Telegram)).await.unwrap(),
            Err(ChoiceRefused::NotLinked)
        );
        link("max", 90).execute(&db).await.unwrap();
        assert_eq!(choose(Some(Messenger::Max)).await.unwrap(), Ok(true));
        assert_eq!(choose(Some(Messenger::Max)).await.unwrap(), Ok(false));
        assert_eq!(
            get(&db, anna).await.unwrap().deliver_to,
            Some(Messenger::Max)
        );
        // Every one again; the rest of the settings untouched.
        assert_eq!(choose(None).await.unwrap(), Ok(true));
        let settings = get(&db, anna).await.unwrap();
        assert_eq!(settings, Settings::default());
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn settings_round_trip_and_are_erased(db: PgPool) {
        assert_eq!(
            get(&db, UserId::from_stored(7)).await.unwrap(),
            Settings::default()
        );
        let chosen = Settings {
            regulation: false,
            quiet_hours: Some(QuietHours::new(hm(23, 30), hm(7, 0)).unwrap()),
            time_zone: Tz::Asia__Yekaterinburg,
            ..Settings::default()
        };
        save(&db, UserId::from_stored(7), &chosen, Utc::now())
            .await
            .unwrap();
        assert_eq!(get(&db, UserId::from_stored(7)).await.unwrap(), chosen);
        let always = Settings {
            quiet_hours: None,
            ..chosen
        };
        save(&db, UserId::from_stored(7), &always, Utc::now())
            .await
            .unwrap();
        assert_eq!(get(&db, UserId::from_stored(7)).await.unwrap(), always);

        let mut tx = db.begin().await.unwrap();
        erase(&mut tx, UserId::from_stored(7)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            get(&db, UserId::from_stored(7)).await.unwrap(),
            Settings::default()
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn changes_made_at_once_in_two_chats_both_stay(db: PgPool) {
        let anna = UserId::from_stored(7);
        let now = Utc::now();
        // The first change ever: a row of defaults, then the change.
        let (first, _) = update(&db, anna, now, |s| s.regulation = false)
            .await
            .unwrap();
        assert_eq!(
            first,
            Settings {
                regulation: false,
                ..Settings::default()
            }
        );

        // One chat holds the row; the other's change waits, then applies to
        // what the first stored, not to what it read before.
        let mut holding = db.begin().await.unwrap();
        sqlx::query("SELECT 1 FROM notification_settings WHERE telegram_user_id = 7 FOR UPDATE")
            .execute(&mut *holding)
            .await
            .unwrap();
        let other = tokio::spawn({
            let db = db.clone();
            async move {
                update(&db, anna, now, |s| s.quiet_hours = None)
                    .await
                    .unwrap()
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!other.is_finished(), "waits for the lock");
        sqlx::query(
            "UPDATE notification_settings SET inspections = false WHERE telegram_user_id = 7",
        )
        .execute(&mut *holding)
        .await
        .unwrap();
        holding.commit().await.unwrap();
        let (after, _) = other.await.unwrap();
        assert!(!after.inspections && !after.regulation && after.quiet_hours.is_none());
        assert_eq!(get(&db, anna).await.unwrap(), after);
    }
}
