//! A row's text and buttons, in its recipient's language: each
//! [`Push`] core writes becomes a Fluent message here, and only here;
//! instants are shown in the recipient's zone, at delivery.

use crate::chat::{Button, Keyboard};
use crate::config::Brand;
use crate::handlers::{Action, RefAction};
use crate::i18n::{Arg, Texts};
use medcab_core::login_confirmations::{self, Response};
use medcab_core::outbox::{InspectionFacts, InspectionScope, Kind, Payload, Push};

/// The text of a row for its recipient (`t` carries their language and
/// zone); string arguments are escaped by `msg_with`. `brand` names the
/// support a push may send the reader to (none when it has no contact).
pub fn render(t: Texts, brand: &Brand, payload: &Payload) -> String {
    let (key, values) = words(t, brand, &payload.push);
    let args = values.iter().map(|(name, value)| {
        let arg = match value {
            Shown::Text(text) => Arg::Text(text),
            Shown::Number(number) => Arg::Number(*number),
        };
        (*name, arg)
    });
    t.msg_with(key, args)
}

/// An argument as its reader sees it.
enum Shown {
    Text(String),
    Number(i64),
}

type Args = Vec<(&'static str, Shown)>;

fn text(value: &str) -> Shown {
    Shown::Text(value.to_owned())
}

/// The Fluent message of a push and its arguments, instants and dates as
/// the reader reads them.
fn words(t: Texts, brand: &Brand, push: &Push) -> (&'static str, Args) {
    let reader = t.reader();
    match push {
        Push::LoginAttempt {
            time,
            device,
            place,
        } => (
            "login-push",
            vec![
                ("time", Shown::Text(reader.time(*time))),
                ("device", text(device)),
                ("place", text(place)),
            ],
        ),
        Push::ApplicationStatusChanged { number, status } => (
            "application-status-changed",
            vec![("number", text(number)), ("status", text(status.as_str()))],
        ),
        Push::FactorResetRequested { earliest } => (
            "factor-reset-requested-push",
            vec![("earliest", Shown::Text(reader.date_time(*earliest)))],
        ),
        Push::FactorResetScheduled { at } => (
            "factor-reset-scheduled-push",
            vec![("at", Shown::Text(reader.date_time(*at)))],
        ),
        Push::FactorResetApplied {} => ("factor-reset-approved", vec![]),
        Push::FactorResetRejected {} => ("factor-reset-rejected-push", vec![]),
        Push::UnlinkedSuperseded {} => ("identity-unlinked-superseded", support(brand)),
        Push::UnlinkedBySupport {} => ("identity-unlinked-by-support", vec![]),
        Push::MessengerLinked { messenger } => {
            let mut args = support(brand);
            args.push(("linked", text(messenger.name())));
            ("messenger-linked-push", args)
        }
        Push::LinkConflict {} => ("identity-link-conflict", support(brand)),
        Push::RegulatoryNotice {
            title,
            summary,
            has_link,
            link,
        } => (
            "regulatory-notice-push",
            vec![
                ("title", text(title)),
                ("summary", text(summary)),
                ("has_link", text(if *has_link { "yes" } else { "no" })),
                ("link", text(link)),
            ],
        ),
        Push::FeedProposals { count } => (
            "feed-proposals-push",
            vec![("count", Shown::Number(*count))],
        ),
        Push::InspectionScheduled {
            inspection,
            prepare,
        } => {
            let mut args = inspection_args(t, inspection);
            args.push(("prepare", text(prepare)));
            ("inspection-push", args)
        }
        Push::InspectionReminder {
            inspection,
            prepare,
            days,
        } => {
            let mut args = inspection_args(t, inspection);
            args.push(("prepare", text(prepare)));
            args.push(("days", Shown::Number(*days)));
            ("inspection-reminder-push", args)
        }
        Push::InspectionCancelled { inspection } => {
            ("inspection-cancelled-push", inspection_args(t, inspection))
        }
        Push::DocumentExpiring { kind, days, date } => (
            "document-expiring-push",
            vec![
                ("kind", text(kind.as_str())),
                ("days", Shown::Number(*days)),
                ("date", Shown::Text(reader.date(*date))),
            ],
        ),
        Push::AccreditationWindow { days, date } => (
            "accreditation-window-push",
            vec![
                ("days", Shown::Number(*days)),
                ("date", Shown::Text(reader.date(*date))),
            ],
        ),
        Push::AccreditationExpiring { days, date } => (
            "accreditation-expiring-push",
            vec![
                ("days", Shown::Number(*days)),
                ("date", Shown::Text(reader.date(*date))),
            ],
        ),
        Push::ReferralReceived { number, urgency } => (
            "referral-received-push",
            vec![
                ("number", text(number)),
                ("urgency", text(urgency.as_str())),
            ],
        ),
        Push::ReferralStatusChanged { number, status } => (
            "referral-status-push",
            vec![("number", text(number)), ("status", text(status.as_str()))],
        ),
        Push::AccreditationReminder {
            months,
            days,
            date,
            stage,
            filing,
        } => (
            "accreditation-reminder-push",
            vec![
                ("months", Shown::Number(i64::from(*months))),
                ("days", Shown::Number(*days)),
                ("date", Shown::Text(reader.date(*date))),
                ("stage", text(stage.as_str())),
                (
                    "total",
                    Shown::Number(brand.requirements.total_hours.into()),
                ),
                (
                    "programme",
                    Shown::Number(brand.requirements.programme_hours.into()),
                ),
                ("month", Shown::Number(i64::from(filing.month()))),
                // A text: a year is not a quantity to group into thousands.
                ("year", Shown::Text(filing.year().to_string())),
            ],
        ),
        Push::ScheduleChanged {
            changes,
            first,
            overridden,
        } => (
            "schedule-changed-push",
            vec![
                ("changes", Shown::Number(*changes)),
                (
                    "first",
                    Shown::Text(first.map(|day| reader.date(day)).unwrap_or_default()),
                ),
                ("overridden", Shown::Number(*overridden)),
                ("any_changes", text(if *changes > 0 { "yes" } else { "no" })),
                (
                    "any_overridden",
                    text(if *overridden > 0 { "yes" } else { "no" }),
                ),
            ],
        ),
    }
}

/// How to reach support, for a text that sends the reader there: it
/// promises no support the service does not name.
fn support(brand: &Brand) -> Args {
    let contact = brand.support_contact.as_deref();
    vec![
        (
            "has_support",
            text(if contact.is_some() { "yes" } else { "no" }),
        ),
        ("contact", text(contact.unwrap_or_default())),
    ]
}

/// What every push about an inspection says of it.
fn inspection_args(t: Texts, inspection: &InspectionFacts) -> Args {
    vec![
        (
            "scope",
            text(match inspection.scope {
                InspectionScope::Organisation => "organisation",
                InspectionScope::Region => "region",
            }),
        ),
        ("place", text(&inspection.place)),
        ("date", Shown::Text(t.reader().date(inspection.date))),
        ("kind", text(inspection.kind.as_str())),
    ]
}

/// The buttons a kind of notification carries. A login confirmation's
/// need its challenge's `match_number` (read at delivery, never in the
/// outbox): the three numbers offered, in a row, and «Это не я» below.
pub fn keyboard(
    t: Texts,
    kind: Kind,
    payload: &Payload,
    match_number: Option<u8>,
) -> Option<Keyboard> {
    match kind {
        Kind::LoginConfirmation => {
            let challenge = payload.login_challenge?;
            let button = |label: String, response: Response| {
                Button::press(
                    label,
                    Action::Login {
                        challenge,
                        response,
                    }
                    .encode(),
                )
            };
            let numbers = login_confirmations::choices(match_number?)
                .map(|number| button(number.to_string(), Response::Number(number)));
            Some(Keyboard::new([
                numbers.to_vec(),
                vec![button(t.msg("login-deny"), Response::NotMe)],
            ]))
        }
        // Whoever holds the chat may cancel a reset: cancelling only keeps
        // the old factor.
        Kind::FactorReset => {
            let request = payload.factor_reset?;
            Some(Keyboard::new([[Button::press(
                t.msg("factor-reset-cancel-button"),
                Action::CancelReset(request).encode(),
            )]]))
        }
        // Opens the card: behind the second factor (a practitioner's) or
        // the staff session (an operator's), and re-checked in core.
        Kind::Referral | Kind::OrganisationReferral => {
            let id = payload.referral?;
            let action = match kind {
                Kind::Referral => Action::Ref(RefAction::Open(id)),
                _ => Action::OrgRef(RefAction::Open(id)),
            };
            Some(Keyboard::new([[Button::press(
                t.msg("referral-open-button"),
                action.encode(),
            )]]))
        }
        // The others only inform; the details are behind the second
        // factor, not in the push.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};
    use medcab_core::Language;
    use serde_json::{Value, json};
    use uuid::Uuid;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn push(device: &str) -> Payload {
        Payload {
            login_challenge: Some(Uuid::new_v4()),
            ..Payload::new(Push::LoginAttempt {
                time: at("2026-11-25T09:00:00Z"),
                device: device.to_owned(),
                place: "Москва".to_owned(),
            })
        }
    }

    /// One push of every kind core writes. The match makes a new variant
    /// fail to compile here until it has an example.
    fn every_push() -> Vec<Push> {
        let moment = at("2026-11-26T09:00:00Z");
        let date = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let inspection = InspectionFacts {
            scope: InspectionScope::Organisation,
            place: "ГКБ № 1, Москва".to_owned(),
            date,
            kind: medcab_core::inspections::InspectionKind::PlannedOnsite,
        };
        let pushes = vec![
            Push::LoginAttempt {
                time: moment,
                device: "Firefox".to_owned(),
                place: "Москва".to_owned(),
            },
            Push::ApplicationStatusChanged {
                number: "А-2026-000007".to_owned(),
                status: medcab_core::applications::Status::Approved,
            },
            Push::FactorResetRequested { earliest: moment },
            Push::FactorResetScheduled { at: moment },
            Push::FactorResetApplied {},
            Push::FactorResetRejected {},
            Push::UnlinkedSuperseded {},
            Push::UnlinkedBySupport {},
            Push::MessengerLinked {
                messenger: medcab_core::channels::Messenger::Max,
            },
            Push::LinkConflict {},
            Push::RegulatoryNotice {
                title: "Приказ № 1".to_owned(),
                summary: "Кратко".to_owned(),
                has_link: true,
                link: "https://minzdrav.gov.ru/documents/1".to_owned(),
            },
            Push::FeedProposals { count: 2 },
            Push::InspectionScheduled {
                inspection: inspection.clone(),
                prepare: "licence".to_owned(),
            },
            Push::InspectionReminder {
                inspection: inspection.clone(),
                prepare: "licence".to_owned(),
                days: 7,
            },
            Push::InspectionCancelled { inspection },
            Push::DocumentExpiring {
                kind: medcab_core::documents::DocumentKind::Licence,
                days: 30,
                date,
            },
            Push::AccreditationWindow { days: 365, date },
            Push::AccreditationExpiring { days: 90, date },
            Push::AccreditationReminder {
                months: 3,
                days: 92,
                date,
                stage: medcab_core::qualification::Stage::FilingMonth,
                filing: medcab_core::qualification::CalendarMonth::of(date),
            },
            Push::ReferralReceived {
                number: "НП-2026-000001".to_owned(),
                urgency: medcab_core::referrals::Urgency::Emergency,
            },
            Push::ReferralStatusChanged {
                number: "НП-2026-000001".to_owned(),
                status: medcab_core::referrals::Status::Declined,
            },
            Push::ScheduleChanged {
                changes: 2,
                first: Some(date),
                overridden: 1,
            },
            Push::ScheduleChanged {
                changes: 0,
                first: None,
                overridden: 1,
            },
        ];
        for push in &pushes {
            match push {
                Push::LoginAttempt { .. }
                | Push::ApplicationStatusChanged { .. }
                | Push::FactorResetRequested { .. }
                | Push::FactorResetScheduled { .. }
                | Push::FactorResetApplied {}
                | Push::FactorResetRejected {}
                | Push::UnlinkedSuperseded {}
                | Push::UnlinkedBySupport {}
                | Push::MessengerLinked { .. }
                | Push::LinkConflict {}
                | Push::RegulatoryNotice { .. }
                | Push::FeedProposals { .. }
                | Push::InspectionScheduled { .. }
                | Push::InspectionReminder { .. }
                | Push::InspectionCancelled { .. }
                | Push::DocumentExpiring { .. }
                | Push::AccreditationWindow { .. }
                | Push::AccreditationExpiring { .. }
                | Push::AccreditationReminder { .. }
                | Push::ReferralReceived { .. }
                | Push::ReferralStatusChanged { .. }
                | Push::ScheduleChanged { .. } => {}
            }
        }
        pushes
    }

    /// Whether a text came out whole: not the bare key (a message missing
    /// in a language), no argument left unfilled.
    fn assert_whole(text: &str, key: &str, what: &str) {
        assert!(!text.is_empty() && text != key, "{what}: {text}");
        assert!(
            !text.contains("{$") && !text.contains("{ $"),
            "{what}: a missing argument: {text}"
        );
    }

    /// Every push core writes exists in both languages with all its
    /// arguments (a missing key renders as the key itself, a missing
    /// argument as `{$name}`).
    #[test]
    fn security_pushes_render_in_both_languages() {
        for brand in [Brand::default(), with_support()] {
            for language in Language::ALL {
                for push in every_push() {
                    let (key, _) = words(Texts::new(language), &brand, &push);
                    let payload = Payload {
                        factor_reset: Some(1),
                        ..Payload::new(push.clone())
                    };
                    let text = render(Texts::new(language), &brand, &payload);
                    assert_whole(&text, key, &format!("{language}: {push:?}"));
                }
            }
        }
    }

    fn with_support() -> Brand {
        Brand {
            support_contact: Some("+7 800 555-35-35 <поддержка>".to_owned()),
            ..Brand::default()
        }
    }

    /// The identity pushes send the reader to support only when the
    /// service names a contact, and then name it.
    #[test]
    fn identity_pushes_name_the_support_contact_or_promise_none() {
        for push in [Push::UnlinkedSuperseded {}, Push::LinkConflict {}] {
            let payload = Payload::new(push);
            let told = render(Texts::new(Language::Ru), &with_support(), &payload);
            assert!(
                told.contains("службу поддержки: +7 800 555-35-35 &lt;поддержка&gt;"),
                "{told}"
            );
            let told = render(Texts::new(Language::En), &with_support(), &payload);
            assert!(told.contains("support: +7 800 555-35-35"), "{told}");
            for language in Language::ALL {
                let bare = render(Texts::new(language), &Brand::default(), &payload);
                let lower = bare.to_lowercase();
                assert!(
                    !lower.contains("поддерж") && !lower.contains("support"),
                    "{language}: {bare}"
                );
            }
        }
    }

    /// Rows queued before pushes were typed, byte for byte as that version
    /// stored them, still read, render, and would be stored the same.
    #[test]
    fn rows_stored_by_the_previous_version_render() {
        let inspection = json!({
            "scope": "organisation", "place": "ГКБ № 1, Москва",
            "date": "01.03.2027", "kind": "planned_onsite"
        });
        let with = |extra: Value| {
            let mut args = inspection.clone();
            for (name, value) in extra.as_object().unwrap() {
                args[name] = value.clone();
            }
            args
        };
        let stored = [
            json!({"key": "login-push", "args": {
                "time": {"moment": "2026-11-25T19:39:00+00:00", "shown": "time"},
                "device": "Firefox", "place": "Москва"},
                "login_challenge": "67e55044-10b1-426f-9247-bb680e5fe0c8"}),
            json!({"key": "application-status-changed",
                "args": {"number": "А-2026-000007", "status": "approved"}}),
            json!({"key": "factor-reset-requested-push", "args": {
                "earliest": {"moment": "2026-11-26T09:00:00+00:00", "shown": "date_time"}},
                "factor_reset": 3}),
            json!({"key": "factor-reset-scheduled-push", "args": {
                "at": {"moment": "2026-11-26T09:00:00+00:00", "shown": "date_time"}},
                "factor_reset": 3}),
            json!({"key": "factor-reset-approved", "args": {}}),
            json!({"key": "factor-reset-rejected-push", "args": {}}),
            json!({"key": "identity-unlinked-superseded", "args": {}}),
            json!({"key": "identity-unlinked-by-support", "args": {}}),
            json!({"key": "messenger-linked-push", "args": {"messenger": "max"}}),
            json!({"key": "identity-link-conflict", "args": {}}),
            json!({"key": "regulatory-notice-push", "args": {
                "title": "Приказ № 1", "summary": "Кратко", "has_link": "no", "link": ""}}),
            json!({"key": "feed-proposals-push", "args": {"count": 2}}),
            json!({"key": "inspection-push", "args": with(json!({"prepare": "licence"}))}),
            json!({"key": "inspection-reminder-push",
                "args": with(json!({"prepare": "licence", "days": 7}))}),
            json!({"key": "inspection-cancelled-push", "args": inspection}),
            json!({"key": "document-expiring-push",
                "args": {"kind": "licence", "days": 30, "date": "01.03.2027"}}),
            json!({"key": "accreditation-window-push",
                "args": {"days": 365, "date": "01.03.2027"}}),
            json!({"key": "accreditation-expiring-push",
                "args": {"days": 90, "date": "01.03.2027"}}),
            json!({"key": "accreditation-reminder-push", "args": {
                "months": 12, "days": 365, "date": "01.03.2027",
                "stage": "collecting", "filing": "12.2026"}}),
            json!({"key": "referral-received-push",
                "args": {"number": "НП-2026-000001", "urgency": "emergency"},
                "referral": 5}),
            json!({"key": "referral-status-push",
                "args": {"number": "НП-2026-000001", "status": "declined"},
                "referral": 5}),
            json!({"key": "schedule-changed-push",
                "args": {"changes": 2, "first": "01.03.2027", "overridden": 1}}),
            json!({"key": "schedule-changed-push",
                "args": {"changes": 0, "first": "", "overridden": 1}}),
        ];
        assert_eq!(stored.len(), every_push().len(), "a row of every kind");
        for row in stored {
            let payload = Payload::read(&row).unwrap_or_else(|| panic!("reads: {row}"));
            assert_eq!(serde_json::to_value(&payload).unwrap(), row);
            for language in Language::ALL {
                let text = render(Texts::new(language), &Brand::default(), &payload);
                assert_whole(&text, row["key"].as_str().unwrap(), &row.to_string());
            }
        }
        let login = Payload::read(&json!({"key": "login-push", "args": {
            "time": {"moment": "2026-11-25T19:39:00+00:00", "shown": "time"},
            "device": "Firefox", "place": "Москва"}}))
        .unwrap();
        assert!(render(Texts::new(Language::Ru), &Brand::default(), &login).contains("22:39"));
    }

    /// Core names what happened, the bot words it: no Fluent message id
    /// appears in core's sources, except as the stored names of pushes
    /// (`#[serde(rename = …)]`, which must never change).
    #[test]
    fn core_names_no_fluent_message() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut ids = std::collections::BTreeSet::new();
        for language in ["ru", "en"] {
            for entry in std::fs::read_dir(root.join("locales").join(language)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for line in text.lines() {
                    if let Some((id, _)) = line.split_once(" =")
                        && !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        ids.insert(format!("\"{id}\""));
                    }
                }
            }
        }
        assert!(ids.len() > 100, "read the locales: {}", ids.len());
        let mut files = vec![root.join("core").join("src")];
        let mut found = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (number, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("#[serde(rename = ") {
                    continue;
                }
                for id in ids.iter().filter(|id| line.contains(id.as_str())) {
                    found.push(format!("{}:{}: {id}", path.display(), number + 1));
                }
            }
        }
        assert!(found.is_empty(), "Fluent ids in core: {found:#?}");
    }

    /// The accreditation's reminder says what to do now, with the month
    /// to file in named and the days in Russian plurals.
    #[test]
    fn an_accreditation_reminder_says_what_to_do_now() {
        use medcab_core::qualification::{CalendarMonth, Stage};
        let until = NaiveDate::from_ymd_opt(2029, 5, 20).unwrap();
        let reminder = |months, days, stage| {
            let payload = Payload::new(Push::AccreditationReminder {
                months,
                days,
                date: until,
                stage,
                filing: CalendarMonth::of(NaiveDate::from_ymd_opt(2029, 3, 1).unwrap()),
            });
            render(Texts::new(Language::Ru), &Brand::default(), &payload)
        };
        let twelve = reminder(12, 365, Stage::Collecting);
        assert!(twelve.contains("Начните собирать портфолио"), "{twelve}");
        assert!(twelve.contains("в марте 2029"), "{twelve}");
        assert!(twelve.contains("осталось 365 дней"), "{twelve}");
        assert!(twelve.contains("20.05.2029"), "{twelve}");
        let six = reminder(6, 181, Stage::Collecting);
        assert!(six.contains("хватает ли часов обучения"), "{six}");
        assert!(six.contains("остался 181 день"), "{six}");
        let filing = reminder(2, 62, Stage::FilingMonth);
        assert!(
            filing.contains("подайте документы в этом месяце"),
            "{filing}"
        );
        assert!(filing.contains("осталось 62 дня"), "{filing}");
        let late = reminder(1, 30, Stage::Late);
        assert!(late.contains("срок подачи документов прошёл"), "{late}");
        assert!(late.contains("март 2029"), "{late}");
        let english = render(
            Texts::new(Language::En),
            &Brand::default(),
            &Payload::new(Push::AccreditationReminder {
                months: 1,
                days: 1,
                date: until,
                stage: Stage::Late,
                filing: CalendarMonth::of(NaiveDate::from_ymd_opt(2029, 3, 1).unwrap()),
            }),
        );
        assert!(
            english.contains("1 day left") && english.contains("March 2029"),
            "{english}"
        );
    }

    /// A time in a push reads in the recipient's zone, at delivery.
    #[test]
    fn an_instant_in_a_push_is_shown_in_the_recipients_zone() {
        let payload = Payload::new(Push::LoginAttempt {
            time: at("2026-11-25T19:39:00Z"),
            device: "Firefox".to_owned(),
            place: "Москва".to_owned(),
        });
        let moscow = render(Texts::new(Language::Ru), &Brand::default(), &payload);
        assert!(moscow.contains("22:39"), "{moscow}");
        let omsk = render(
            Texts::new(Language::Ru).in_zone(chrono_tz::Tz::Asia__Omsk),
            &Brand::default(),
            &payload,
        );
        assert!(omsk.contains("01:39"), "{omsk}");
    }

    #[test]
    fn the_push_renders_in_both_languages_with_escaped_arguments() {
        for language in Language::ALL {
            let text = render(
                Texts::new(language),
                &Brand::default(),
                &push("<Firefox & Co>"),
            );
            assert_whole(&text, "login-push", &language.to_string());
            assert!(text.contains("&lt;Firefox &amp; Co&gt;"), "{text}");
            assert!(text.contains("12:00") && text.contains("Москва"), "{text}");
        }
    }

    #[test]
    fn a_login_push_offers_three_numbers_and_not_me_within_telegrams_limits() {
        let payload = push("Firefox");
        let challenge = payload.login_challenge.unwrap();
        let buttons = keyboard(
            Texts::new(Language::Ru),
            Kind::LoginConfirmation,
            &payload,
            Some(42),
        )
        .expect("buttons");
        let rows = &buttons.rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].len(), 3);
        assert_eq!(rows[1].len(), 1);
        let mut numbers = Vec::new();
        for button in rows.iter().flatten() {
            let Some(data) = button.data() else {
                panic!("a button to press");
            };
            assert!(data.len() <= 64, "{data}");
            let Some(Action::Login {
                challenge: named,
                response,
            }) = Action::parse(data)
            else {
                panic!("a login answer: {data}");
            };
            assert_eq!(named, challenge);
            match response {
                Response::Number(number) => {
                    assert_eq!(button.label, number.to_string());
                    numbers.push(number);
                }
                Response::NotMe => assert_eq!(button.label, "🚫 Это не я"),
            }
        }
        assert!(numbers.contains(&42), "{numbers:?}");
        // Without its number (the challenge is gone) there are no buttons.
        assert!(
            keyboard(
                Texts::new(Language::Ru),
                Kind::LoginConfirmation,
                &payload,
                None
            )
            .is_none()
        );
    }

    #[test]
    fn only_a_login_push_has_buttons() {
        let payload = push("Firefox");
        for kind in Kind::ALL {
            let buttons = keyboard(Texts::new(Language::Ru), kind, &payload, Some(42));
            assert_eq!(
                buttons.is_some(),
                kind == Kind::LoginConfirmation,
                "{kind:?}"
            );
        }
    }
}
