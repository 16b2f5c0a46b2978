//! What the practitioner's record sections share: profile, documents,
//! education and applications (and the sections still to come: schedule,
//! referrals, the НМО portfolio).
//!
//! - ids in buttons ([`parse_id`]): one spelling per id;
//! - a button naming what is not the presser's ([`forged`]): answered as
//!   outdated, and recorded;
//! - a record's history ([`versions_text`]);
//! - core's problems with a typed date or text ([`date_problem`],
//!   [`text_problem`]), in the same words in every section;
//! - the conversation that fills a record in question by question, its
//!   answers a sealed draft in PostgreSQL ([`conversation`]).
//!
//! A section uses these and never another section's internals; it links
//! to another section by an [`Action`] alone.

pub mod conversation;

use chrono::{DateTime, Utc};
use medcab_core::UserId;
use medcab_core::history::{Action as Change, Entity, Version};
use medcab_core::profile::{DateProblem, TextProblem};
use medcab_core::security_events;
use sqlx::PgPool;

use super::{HandlerResult, Turn};
use crate::chat::{Press, Ui};
use crate::i18n::{Arg, Texts};

/// An id in callback data: plain decimal digits of a positive number,
/// nothing else (no sign, no spaces), so one id has one spelling.
pub fn parse_id(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// A code in callback data, and the action it names on a record's id.
pub type OnRecord<A> = (&'static str, fn(i64) -> A);

/// A button about one record, `code:id`, read against the section's table
/// of codes (`("o", DocAction::Open)` …), so that every section spells its
/// ids the same way.
pub fn parse_on_record<A>(data: &str, table: &[OnRecord<A>]) -> Option<A> {
    let (code, id) = data.split_once(':')?;
    let (_, make) = table.iter().find(|(known, _)| *known == code)?;
    parse_id(id).map(make)
}

/// A button left from an earlier screen: it no longer means anything.
pub async fn outdated(ui: &Ui, press: &Press, t: Texts) -> HandlerResult {
    ui.answer_with(press, t.msg("button-outdated")).await
}

/// A button naming a record that is not the presser's (or no longer
/// exists: core does not tell the two apart, so neither does the answer).
/// Answered as an outdated button and recorded.
pub async fn forged(
    turn: &Turn,
    press: &Press,
    entity: Entity,
    id: i64,
    now: DateTime<Utc>,
) -> HandlerResult {
    // Recorded before the answer: whoever sees the answer (a test, an
    // operator looking at the events) finds the attempt already there.
    record_forged(&turn.db, turn.user, entity, id, now).await?;
    outdated(&turn.ui, press, turn.t).await
}

/// Records a button naming what is not the presser's.
pub async fn record_forged(
    db: &PgPool,
    user_id: UserId,
    entity: Entity,
    id: i64,
    now: DateTime<Utc>,
) -> HandlerResult {
    let entity = entity.as_str();
    tracing::warn!(
        user_id = user_id.get(),
        entity,
        id,
        "a button named what is not the presser's"
    );
    let mut conn = db.acquire().await?;
    security_events::record(
        &mut conn,
        user_id,
        security_events::Kind::ForgedCallback,
        serde_json::json!({ "entity": entity, "id": id }),
        now,
    )
    .await?;
    Ok(())
}

/// What is wrong with a typed date of a record, by core's rules.
pub fn date_problem(t: Texts, problem: DateProblem) -> String {
    match problem {
        DateProblem::Malformed => t.msg("profile-problem-date-format"),
        DateProblem::NoSuchDate => t.msg("date-problem-no-such"),
        DateProblem::InFuture => t.msg("profile-problem-date-future"),
        DateProblem::TooEarly => t.msg("profile-problem-date-early"),
    }
}

/// What is wrong with a typed text of a record (its length), by core's
/// rules.
pub fn text_problem(t: Texts, problem: TextProblem) -> String {
    match problem {
        TextProblem::TooShort { min } => {
            t.msg_with("profile-problem-text-short", [("min", Arg::count(min))])
        }
        TextProblem::TooLong { max } => {
            t.msg_with("profile-problem-text-long", [("max", Arg::count(max))])
        }
    }
}

/// The versions of a record (a document, an application, an education
/// record), newest first, under the history's title.
pub fn versions_text(t: Texts, entity: Entity, versions: &[Version]) -> String {
    format!(
        "{}\n\n{}",
        t.msg("record-history-title"),
        version_lines(t, entity, versions)
    )
}

/// The versions of a record (the profile too), newest first, as «N. date
/// — what happened».
pub fn version_lines(t: Texts, entity: Entity, versions: &[Version]) -> String {
    let entity_code = entity.as_str();
    // The newest matter most; a Telegram message holds 4096 characters.
    let lines: Vec<String> = versions
        .iter()
        .rev()
        .take(20)
        .map(|version| {
            let what = match version.action {
                Change::Created => t.msg_with(
                    "record-history-created",
                    [("entity", Arg::Text(entity_code))],
                ),
                Change::Deleted => t.msg_with(
                    "record-history-deleted",
                    [("entity", Arg::Text(entity_code))],
                ),
                Change::Restored => t.msg("record-history-restored"),
                Change::StatusChanged => {
                    let status = version.snapshot["status"].as_str().unwrap_or_default();
                    let name = t.msg_with("app-status", [("status", Arg::Text(status))]);
                    t.msg_with("record-history-status", [("status", Arg::Text(&name))])
                }
                // The only change of an application besides its status.
                Change::Updated if !version.snapshot["escalated_at"].is_null() => {
                    t.msg("record-history-escalated")
                }
                Change::Updated => t.msg_with(
                    "record-history-updated",
                    [("entity", Arg::Text(entity_code))],
                ),
            };
            let date = t.date_time(version.at);
            t.msg_with(
                "record-history-line",
                [
                    ("version", Arg::Number(version.version.into())),
                    ("date", Arg::Text(&date)),
                    ("what", Arg::Text(&what)),
                ],
            )
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_button_is_read_by_its_code() {
        let table: [OnRecord<(char, i64)>; 2] = [("o", |id| ('o', id)), ("rm", |id| ('r', id))];
        assert_eq!(parse_on_record("o:7", &table), Some(('o', 7)));
        assert_eq!(parse_on_record("rm:7", &table), Some(('r', 7)));
        for bad in ["o", "o:", "o:07", "x:7", "o:7:1", "rm:-7"] {
            assert_eq!(parse_on_record(bad, &table), None, "{bad:?}");
        }
    }

    #[test]
    fn ids_have_one_spelling() {
        assert_eq!(parse_id("42"), Some(42));
        for bad in [
            "",
            "-1",
            "+1",
            "042",
            "0",
            "1 ",
            "99999999999999999999",
            "1e3",
        ] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }
}
