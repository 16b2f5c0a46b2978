//! /inspection: an inspection of an organisation or a region, question by
//! question, then its preview.

use chrono::{DateTime, NaiveDate, Utc};
use medcab_core::UserId;
use medcab_core::clock::moscow_today;
use medcab_core::dates::{self, DateError};
use medcab_core::inspections::{
    self, InspectionDraft, InspectionKind, InspectionRejection, MAX_ORGANISATION, MAX_PREPARE,
    MAX_REGION, Source,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{
    BcAction, Field, LIST_SHOWN, Target, date_text, question, question_keyboard, recipients_line,
    refused, render_push, shorten, typed_one_of,
};
use crate::chat::Button;
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError};
use crate::i18n::{Arg, Texts};
use medcab_core::broadcasts::PublishError;

/// The questions for an organisation: its region too, since names like
/// «ГКБ № 1» repeat across regions.
const ORGANISATION_FIELDS: [Field; 6] = [
    Field::Target,
    Field::Place,
    Field::Region,
    Field::Date,
    Field::Kind,
    Field::Prepare,
];
const REGION_FIELDS: [Field; 5] = [
    Field::Target,
    Field::Place,
    Field::Date,
    Field::Kind,
    Field::Prepare,
];

/// Where an organisation is. A type of its own: an `Option<Option<String>>`
/// wrote «Во всех регионах» (`Some(None)`) as `null` in the dialogue
/// state's JSON, which came back as "not answered", and the question came
/// back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum OrganisationRegion {
    #[default]
    Unanswered,
    /// «Во всех регионах».
    Everywhere,
    Named(String),
}

impl OrganisationRegion {
    fn name(&self) -> Option<&str> {
        match self {
            OrganisationRegion::Named(name) => Some(name),
            OrganisationRegion::Unanswered | OrganisationRegion::Everywhere => None,
        }
    }
}

/// The answers so far, checked by core again, all together, at the preview
/// and at sending.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub target: Option<Target>,
    /// The organisation's or the region's name, as the register writes it.
    pub place: Option<String>,
    /// An organisation's region.
    pub region: OrganisationRegion,
    pub date: Option<NaiveDate>,
    /// [`InspectionKind::as_str`].
    pub kind: Option<String>,
    pub prepare: Option<String>,
    /// The question open; `None` when the preview is on screen.
    pub asking: Option<Field>,
    /// Tells this draft's «📤 Отправить» from an earlier one's.
    pub nonce: u32,
}

impl Draft {
    pub fn fields(&self) -> &'static [Field] {
        match self.target {
            Some(Target::Organisation) => &ORGANISATION_FIELDS,
            _ => &REGION_FIELDS,
        }
    }

    fn kind(&self) -> Option<InspectionKind> {
        self.kind.as_deref().and_then(InspectionKind::parse)
    }

    fn answered(&self, field: Field) -> bool {
        match field {
            Field::Target => self.target.is_some(),
            Field::Place => self.place.is_some(),
            Field::Region => self.region != OrganisationRegion::Unanswered,
            Field::Date => self.date.is_some(),
            Field::Kind => self.kind().is_some(),
            Field::Prepare => self.prepare.is_some(),
            _ => true,
        }
    }

    fn complete(&self) -> bool {
        self.fields().iter().all(|field| self.answered(*field))
    }

    /// Core's check of everything given, placeholders for what is not yet.
    fn parsed(&self, today: NaiveDate) -> Result<InspectionDraft, InspectionRejection> {
        let place = self.place.as_deref().or(Some("-"));
        let (organisation, region) = match self.target {
            Some(Target::Region) => (None, place),
            _ => (place, self.region.name()),
        };
        InspectionDraft::parse(
            organisation,
            region,
            self.date.unwrap_or(today),
            self.kind().unwrap_or(InspectionKind::PlannedOnsite),
            self.prepare.as_deref().unwrap_or("-"),
            today,
        )
    }

    /// Which question a refusal of core's is about, and its words.
    fn rejection(&self, t: Texts, problem: InspectionRejection) -> (Field, String) {
        let max = |key: &str, max: usize| t.msg_with(key, [("max", Arg::count(max))]);
        match problem {
            InspectionRejection::NoTarget => (Field::Place, t.msg("broadcast-place-empty")),
            InspectionRejection::OrganisationTooLong { max: n } => {
                (Field::Place, max("broadcast-place-too-long", n))
            }
            InspectionRejection::RegionTooLong { max: n } => {
                let field = if self.target == Some(Target::Region) {
                    Field::Place
                } else {
                    Field::Region
                };
                (field, max("broadcast-place-too-long", n))
            }
            InspectionRejection::DateInPast => (Field::Date, t.msg("broadcast-date-in-past")),
            InspectionRejection::PrepareEmpty => (Field::Prepare, t.msg("broadcast-prepare-empty")),
            InspectionRejection::PrepareTooLong { max: n } => {
                (Field::Prepare, max("broadcast-prepare-too-long", n))
            }
        }
    }
}

fn kind_name(t: Texts, kind: InspectionKind) -> String {
    t.msg_with("broadcast-kind", [("kind", Arg::Text(kind.as_str()))])
}

fn target_name(t: Texts, target: Target) -> String {
    match target {
        Target::Organisation => t.msg("broadcast-target-organisation"),
        Target::Region => t.msg("broadcast-target-region"),
    }
}

/// The screen asking `field`.
pub fn ask(t: Texts, draft: &Draft, field: Field) -> Screen {
    let editing = draft.complete();
    let organisation = draft.target != Some(Target::Region);
    let (text, rows): (String, Vec<Vec<Button>>) = match field {
        Field::Target => (
            t.msg("broadcast-ask-target"),
            vec![vec![
                button(
                    target_name(t, Target::Organisation),
                    Action::Bc(BcAction::Target(Target::Organisation)),
                ),
                button(
                    target_name(t, Target::Region),
                    Action::Bc(BcAction::Target(Target::Region)),
                ),
            ]],
        ),
        Field::Place if organisation => (
            t.msg_with(
                "broadcast-ask-organisation",
                [("max", Arg::count(MAX_ORGANISATION))],
            ),
            vec![],
        ),
        Field::Place => (
            t.msg_with("broadcast-ask-region", [("max", Arg::count(MAX_REGION))]),
            vec![],
        ),
        Field::Region => (
            t.msg("broadcast-ask-organisation-region"),
            vec![vec![button(
                t.msg("broadcast-all-regions"),
                Action::Bc(BcAction::Everyone),
            )]],
        ),
        Field::Date => (t.msg("broadcast-ask-date"), vec![]),
        Field::Kind => (
            t.msg("broadcast-ask-kind"),
            InspectionKind::ALL
                .chunks(2)
                .map(|pair| {
                    pair.iter()
                        .map(|kind| button(kind_name(t, *kind), Action::Bc(BcAction::Kind(*kind))))
                        .collect()
                })
                .collect(),
        ),
        _ => (
            t.msg_with("broadcast-ask-prepare", [("max", Arg::count(MAX_PREPARE))]),
            vec![],
        ),
    };
    let current = editing.then(|| match field {
        Field::Target => draft
            .target
            .map(|t_| target_name(t, t_))
            .unwrap_or_default(),
        Field::Place => draft.place.clone().unwrap_or_default(),
        Field::Region => draft
            .region
            .name()
            .map_or_else(|| t.msg("broadcast-all-regions"), str::to_owned),
        Field::Date => draft.date.map(date_text).unwrap_or_default(),
        Field::Kind => draft.kind().map(|k| kind_name(t, k)).unwrap_or_default(),
        _ => draft.prepare.clone().unwrap_or_default(),
    });
    // Whom it concerns decides how many questions follow, so it is asked
    // before the steps are counted: their total never changes on the way.
    let steps: Vec<Field> = draft
        .fields()
        .iter()
        .copied()
        .filter(|f| *f != Field::Target)
        .collect();
    let step = steps
        .iter()
        .position(|f| *f == field)
        .map(|at| (at + 1, steps.len()));
    let mut text = question(t, text, step, current);
    if field == Field::Target && !editing {
        text = format!("{}\n\n{text}", t.msg("broadcast-inspection-intro"));
    }
    Screen {
        text,
        keyboard: question_keyboard(t, rows, editing),
    }
}

/// A typed answer to the open question; `Err` words what to fix (the
/// question stays open).
pub fn answer(t: Texts, draft: &mut Draft, text: &str, now: DateTime<Utc>) -> Result<(), String> {
    let today = moscow_today(now);
    let Some(field) = draft.asking else {
        return Err(t.msg("broadcast-use-buttons"));
    };
    let mut changed = draft.clone();
    let text = text.trim();
    match field {
        Field::Place => changed.place = Some(text.to_owned()),
        Field::Region => {
            changed.region = if typed_one_of("broadcast-region-everywhere-words", text) {
                OrganisationRegion::Everywhere
            } else {
                OrganisationRegion::Named(text.to_owned())
            };
        }
        Field::Date => {
            let date = dates::parse(text).map_err(|error| match error {
                DateError::Shape => t.msg("broadcast-date-format"),
                DateError::NoSuchDate => t.msg_with("date-no-such", [("date", Arg::Text(text))]),
            })?;
            changed.date = Some(date);
        }
        Field::Prepare => changed.prepare = Some(text.to_owned()),
        // The target and the kind are chosen with buttons.
        _ => return Err(t.msg("broadcast-use-buttons")),
    }
    if let Err(problem) = changed.parsed(today) {
        let (about, words) = changed.rejection(t, problem);
        if about == field {
            return Err(words);
        }
    }
    *draft = changed;
    Ok(())
}

/// A button answering the open question: whether it did.
pub fn press(draft: &mut Draft, action: BcAction) -> bool {
    match (draft.asking, action) {
        (Some(Field::Target), BcAction::Target(target)) => {
            // Another target: the name given was of the other kind.
            if draft.target != Some(target) {
                draft.place = None;
                draft.region = OrganisationRegion::Unanswered;
            }
            draft.target = Some(target);
        }
        (Some(Field::Region), BcAction::Everyone) => draft.region = OrganisationRegion::Everywhere,
        (Some(Field::Kind), BcAction::Kind(kind)) => draft.kind = Some(kind.as_str().to_owned()),
        _ => return false,
    }
    true
}

/// The next question, or the preview when all are answered.
pub async fn next(
    t: Texts,
    db: &PgPool,
    draft: &mut Draft,
    now: DateTime<Utc>,
) -> Result<Screen, HandlerError> {
    if let Some(field) = draft
        .fields()
        .iter()
        .copied()
        .find(|field| !draft.answered(*field))
    {
        draft.asking = Some(field);
        return Ok(ask(t, draft, field));
    }
    let parsed = match draft.parsed(moscow_today(now)) {
        Ok(parsed) => parsed,
        // The date passed while the operator was away, say.
        Err(problem) => {
            let (field, words) = draft.rejection(t, problem);
            draft.asking = Some(field);
            let mut screen = ask(t, draft, field);
            screen.text = format!("{words}\n\n{}", screen.text);
            return Ok(screen);
        }
    };
    draft.asking = None;
    let count = inspections::preview_count(db, &parsed, now).await?;
    let push = render_push(t, &inspections::announcement(&parsed));
    let text = format!(
        "{}\n\n{push}\n\n{}",
        t.msg("broadcast-inspection-preview"),
        recipients_line(t, count)
    );
    Ok(Screen {
        text,
        keyboard: super::preview_keyboard(t, draft.nonce),
    })
}

/// Schedules the inspection on screen: its broadcast's id and what the
/// progress message calls it; `Err` when the preview is not on screen.
pub async fn send(
    t: Texts,
    db: &PgPool,
    draft: &Draft,
    operator: UserId,
    now: DateTime<Utc>,
) -> Result<Result<(i64, String), String>, HandlerError> {
    if draft.asking.is_some() || !draft.complete() {
        return Ok(Err(t.msg("broadcast-answer-first")));
    }
    let parsed = match draft.parsed(moscow_today(now)) {
        Ok(parsed) => parsed,
        Err(problem) => return Ok(Err(draft.rejection(t, problem).1)),
    };
    let scheduled = match inspections::schedule(db, &parsed, Source::Operator(operator), now).await
    {
        Ok(scheduled) => scheduled,
        Err(PublishError::Refused(refusal)) => return Ok(Err(refused(t, refusal))),
        Err(PublishError::Db(error)) => return Err(error.into()),
    };
    tracing::info!(
        operator = operator.get(),
        inspection = scheduled.inspection_id,
        broadcast = scheduled.broadcast_id,
        total = scheduled.total,
        "an inspection was scheduled"
    );
    let place = parsed
        .organisation()
        .or(parsed.region())
        .unwrap_or_default();
    let what = t.msg_with(
        "broadcast-what-inspection",
        [
            ("place", Arg::Text(&shorten(place, LIST_SHOWN))),
            ("date", Arg::Text(&date_text(parsed.date()))),
        ],
    );
    Ok(Ok((scheduled.broadcast_id, what)))
}
