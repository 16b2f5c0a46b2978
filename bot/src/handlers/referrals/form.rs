//! A new referral, question by question: whom to (a practitioner or an
//! organisation, found by a search over the register), the reason in
//! general words, the urgency, the kind of care, the patient's case or
//! card number, then a summary card that sends it.
//!
//! ```text
//! user: <presses ➕ Новое направление>
//! bot:  Кому направить? [👤 Врачу] [🏥 Организации] [« Направления]
//! user: <presses 👤 Врачу>
//! bot:  Введите фамилию врача или часть названия организации… (не СНИЛС)
//! user: Петров
//! bot:  Найдено: [Петров Пётр Иванович — Хирургия, ГКБ № 1] … [« Направления]
//! user: <presses Петров Пётр Иванович — Хирургия, ГКБ № 1>
//! bot:  Причина направления — в общих словах. В направлении нет ФИО
//!       пациента, диагноза, номера полиса и СНИЛС…
//! user: Консультация: СНИЛС 112-233-445 95       (deleted from the chat)
//! bot:  Похоже на СНИЛС пациента (***-***-*** 95): его в направлении быть
//!       не должно. Напишите причину ещё раз…
//! user: Консультация хирурга по поводу грыжи      (deleted from the chat)
//! bot:  Срочность: [🔴 Экстренная] [🟠 Неотложная] [🟢 Плановая]
//! user: <presses 🟢 Плановая>
//! bot:  Вид помощи: [Консультация] [Обследование] [Госпитализация] …
//! user: <presses Консультация>
//! bot:  Номер истории болезни или карты пациента в МИС клиники…
//! user: ИБ № 2026/1234                            (deleted from the chat)
//! bot:  📨 Новое направление: кому, причина, срочность… 📎 Файл: не
//!       приложен … [📨 Отправить] [📎 Приложить файл] [🗑 Удалить черновик]
//! user: <ecg.pdf>                                 (deleted from the chat)
//! bot:  📎 Файл приложен. 📨 Новое направление … 📎 Файл: PDF, 120 КБ.
//!       [📨 Отправить] [✖️ Убрать файл] [🗑 Удалить черновик]
//! user: <presses 📨 Отправить>
//! bot:  ✅ Направление НП-2026-000001 отправлено. [📤 Исходящие]
//! ```
//!
//! Every answer is written at once to a sealed draft in PostgreSQL
//! (`medcab_core::drafts`, kind `referral`, through
//! `records::conversation`); Redis holds only which question is open, so a
//! restart or a flush loses nothing typed, and after a lost position the
//! next message answers the draft's question. The answers are checked by
//! core (`referrals::Reason`, `PatientRef`, `search::Query`) as they come,
//! and checked again when the referral is sent. The summary card takes a
//! file (`file`): the draft holds only its id, the file is core's
//! (`referrals::files`), sealed.

use medcab_core::UserId;
use medcab_core::accounts;
use medcab_core::drafts::Kind as DraftKind;
use medcab_core::history::Entity;
use medcab_core::referrals::search::{self, Query, QueryProblem};
use medcab_core::referrals::{
    self, Care, Outgoing, PatientRef, Reason, ReferralError, To, Urgency,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{RefAction, care_name, file, parse_page, problem_text, urgency_name};
use crate::chat::{Button, Keyboard, Press, Said};
use crate::handlers::records;
use crate::handlers::records::conversation::{self, Conversation};
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError, HandlerResult, State, Turn, code_entry};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// A question of the section open for a typed answer (the position in
/// Redis; the answers are the draft's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Question {
    /// Whom to: the text to search for.
    Search,
    Reason,
    PatientRef,
    /// The file, at the summary card.
    File,
    /// The reason for declining this referral (not part of the form).
    DeclineReason {
        referral: i64,
    },
}

/// Whom the referral goes to, as the sender looks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToKind {
    Practitioner,
    Organisation,
}

impl ToKind {
    fn code(self) -> &'static str {
        match self {
            ToKind::Practitioner => "p",
            ToKind::Organisation => "o",
        }
    }
}

/// The receiver picked: what is sent, and how the summary names it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Chosen {
    Practitioner { registry_id: i64, label: String },
    Organisation { ogrn: String, label: String },
}

/// Where the form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Search,
    Reason,
    Urgency,
    Care,
    PatientRef,
    Summary,
}

/// A referral being filled in: the answers so far, a sealed draft.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    to_kind: ToKind,
    query: Option<String>,
    to: Option<Chosen>,
    reason: Option<String>,
    urgency: Option<String>,
    care: Option<String>,
    patient_ref: Option<String>,
    /// The attached file's id (`referrals::files`); the file is not here.
    #[serde(default)]
    file: Option<i64>,
    step: Step,
}

/// Without the answers: a draft may end up in a log.
impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Form")
            .field("to_kind", &self.to_kind)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Conversation for Form {
    const KIND: DraftKind = DraftKind::Referral;

    fn position(&self) -> Option<State> {
        match self.step {
            Step::Search => Some(State::Referral(Question::Search)),
            Step::Reason => Some(State::Referral(Question::Reason)),
            Step::PatientRef => Some(State::Referral(Question::PatientRef)),
            // The summary card takes a file.
            Step::Summary => Some(State::Referral(Question::File)),
            Step::Urgency | Step::Care => None,
        }
    }

    /// A file is an answer too (at the summary card).
    fn takes(said: &crate::chat::Said) -> bool {
        said.text().is_some() || said.has_file()
    }
}

impl Form {
    fn new(to_kind: ToKind) -> Form {
        Form {
            to_kind,
            query: None,
            to: None,
            reason: None,
            urgency: None,
            care: None,
            patient_ref: None,
            file: None,
            step: Step::Search,
        }
    }

    /// Everything answered, parsed again (a draft is stored text).
    fn outgoing(&self) -> Option<Outgoing> {
        Some(Outgoing {
            to: match self.to.as_ref()? {
                Chosen::Practitioner { registry_id, .. } => To::Practitioner {
                    registry_id: *registry_id,
                },
                Chosen::Organisation { ogrn, .. } => To::Organisation { ogrn: ogrn.clone() },
            },
            urgency: Urgency::parse(self.urgency.as_deref()?)?,
            care: Care::parse(self.care.as_deref()?)?,
            reason: Reason::parse(self.reason.as_deref()?).ok()?,
            patient_ref: PatientRef::parse(self.patient_ref.as_deref()?).ok()?,
            file: self.file,
        })
    }
}

/// A button of the form, inside [`RefAction::Form`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    New,
    Resume,
    Kind(ToKind),
    /// Another page of the search's results.
    Results(usize),
    PickPractitioner(i64),
    /// An ОГРН: thirteen digits, kept as a number so the action is `Copy`.
    PickOrganisation(u64),
    Urgency(Urgency),
    Care(Care),
    Send,
    Discard,
    /// Asks for the file.
    Attach,
    /// Removes the attached file.
    RemoveFile,
    /// Back to the summary card.
    Summary,
}

impl FormAction {
    pub fn encode(&self) -> String {
        match self {
            FormAction::New => "new".to_owned(),
            FormAction::Resume => "resume".to_owned(),
            FormAction::Kind(kind) => format!("k:{}", kind.code()),
            FormAction::Results(page) => format!("r:{page}"),
            FormAction::PickPractitioner(id) => format!("pp:{id}"),
            FormAction::PickOrganisation(ogrn) => format!("po:{ogrn:013}"),
            FormAction::Urgency(urgency) => format!("u:{}", urgency.as_str()),
            FormAction::Care(care) => format!("cr:{}", care.as_str()),
            FormAction::Send => "send".to_owned(),
            FormAction::Discard => "drop".to_owned(),
            FormAction::Attach => "att".to_owned(),
            FormAction::RemoveFile => "rmf".to_owned(),
            FormAction::Summary => "sum".to_owned(),
        }
    }

    pub fn parse(data: &str) -> Option<FormAction> {
        match data.split_once(':') {
            None => match data {
                "new" => Some(FormAction::New),
                "resume" => Some(FormAction::Resume),
                "send" => Some(FormAction::Send),
                "drop" => Some(FormAction::Discard),
                "att" => Some(FormAction::Attach),
                "rmf" => Some(FormAction::RemoveFile),
                "sum" => Some(FormAction::Summary),
                _ => None,
            },
            Some(("k", "p")) => Some(FormAction::Kind(ToKind::Practitioner)),
            Some(("k", "o")) => Some(FormAction::Kind(ToKind::Organisation)),
            Some(("r", page)) => parse_page(page).map(FormAction::Results),
            Some(("pp", id)) => records::parse_id(id).map(FormAction::PickPractitioner),
            // Thirteen digits, as every ОГРН.
            Some(("po", ogrn)) if ogrn.len() == 13 && ogrn.bytes().all(|b| b.is_ascii_digit()) => {
                ogrn.parse().ok().map(FormAction::PickOrganisation)
            }
            Some(("u", code)) => Urgency::parse(code).map(FormAction::Urgency),
            Some(("cr", code)) => Care::parse(code).map(FormAction::Care),
            _ => None,
        }
    }

    #[cfg(test)]
    pub fn examples() -> Vec<FormAction> {
        let mut all = vec![
            FormAction::New,
            FormAction::Resume,
            FormAction::Kind(ToKind::Practitioner),
            FormAction::Kind(ToKind::Organisation),
            FormAction::Results(0),
            FormAction::Results(12),
            FormAction::PickPractitioner(i64::MAX),
            FormAction::PickOrganisation(1_027_700_132_195),
            FormAction::Send,
            FormAction::Discard,
            FormAction::Attach,
            FormAction::RemoveFile,
            FormAction::Summary,
        ];
        all.extend(Urgency::ALL.map(FormAction::Urgency));
        all.extend(Care::ALL.map(FormAction::Care));
        all
    }
}

fn act(action: FormAction) -> Action {
    Action::Ref(RefAction::Form(action))
}

fn back(t: Texts) -> Button {
    button(t.msg("ref-back-to-section"), Action::Ref(RefAction::Menu))
}

/// Whether the practitioner left a referral unfinished.
pub async fn has_draft(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<bool, HandlerError> {
    Ok(conversation::load::<Form>(db, services, user_id)
        .await?
        .is_some())
}

/// /cancel: gives up the referral being filled in, if one is, and its
/// file. Whether there was one.
pub async fn cancel_draft(
    db: &PgPool,
    user_id: UserId,
    answering: bool,
) -> Result<bool, HandlerError> {
    let cancelled = conversation::cancel::<Form>(db, user_id, answering).await?;
    referrals::files::discard_draft(db, user_id).await?;
    Ok(cancelled)
}

/// Gives the draft up, its file with it.
async fn discard(db: &PgPool, user_id: UserId) -> HandlerResult {
    conversation::discard::<Form>(db, user_id).await?;
    referrals::files::discard_draft(db, user_id).await?;
    Ok(())
}

// ---------------------------------------------------------------- screens

/// The question the form is at, with the buttons that answer it.
async fn question(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    form: &Form,
) -> Result<Screen, HandlerError> {
    let mut rows = Vec::new();
    let text = match form.step {
        Step::Search => match &form.query {
            Some(query) => return results(t, db, services, user_id, form, query, 0).await,
            None => t.msg_with("ref-ask-search", [("kind", Arg::Text(form.to_kind.code()))]),
        },
        Step::Reason => t.msg("ref-ask-reason"),
        Step::Urgency => {
            rows.extend(Urgency::ALL.map(|urgency| {
                vec![button(
                    urgency_name(t, urgency),
                    act(FormAction::Urgency(urgency)),
                )]
            }));
            t.msg("ref-ask-urgency")
        }
        Step::Care => {
            let buttons: Vec<_> = Care::ALL
                .into_iter()
                .map(|care| button(care_name(t, care), act(FormAction::Care(care))))
                .collect();
            rows.extend(buttons.chunks(2).map(<[_]>::to_vec));
            t.msg("ref-ask-care")
        }
        Step::PatientRef => t.msg("ref-ask-patient"),
        Step::Summary => {
            let attached = file::on_draft(db, user_id, form.file).await?;
            return Ok(summary(t, form, attached, services.max_document_bytes));
        }
    };
    rows.push(vec![back(t)]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// The search's results, a page, a button each.
async fn results(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    form: &Form,
    typed: &str,
    page: usize,
) -> Result<Screen, HandlerError> {
    let again = t.msg_with("ref-ask-search", [("kind", Arg::Text(form.to_kind.code()))]);
    let query = match Query::parse(typed) {
        Ok(query) => query,
        Err(problem) => {
            return Ok(Screen {
                text: format!("{}\n\n{again}", query_problem(t, problem)),
                keyboard: Keyboard::new([[back(t)]]),
            });
        }
    };
    let mut rows = Vec::new();
    let (count, more) = match form.to_kind {
        ToKind::Practitioner => {
            let found =
                match search::practitioners(db, &services.vault, &query, user_id, page).await {
                    Err(search::SearchError::NotConfirmed) => {
                        return Ok(Screen {
                            text: t.msg("ref-sender-not-confirmed"),
                            keyboard: Keyboard::new([[back(t)]]),
                        });
                    }
                    other => other?,
                };
            for hit in &found.items {
                let label = practitioner_label(hit);
                rows.push(vec![button(
                    label,
                    act(FormAction::PickPractitioner(hit.registry_id)),
                )]);
            }
            (found.items.len(), found.more)
        }
        ToKind::Organisation => {
            let found = search::organisations(db, &query, page).await?;
            for hit in &found.items {
                rows.push(vec![button(
                    organisation_label(hit),
                    act(FormAction::PickOrganisation(
                        hit.ogrn.parse().unwrap_or_default(),
                    )),
                )]);
            }
            (found.items.len(), found.more)
        }
    };
    let mut paging = Vec::new();
    if page > 0 {
        paging.push(button("◀".to_owned(), act(FormAction::Results(page - 1))));
    }
    if more {
        paging.push(button("▶".to_owned(), act(FormAction::Results(page + 1))));
    }
    if !paging.is_empty() {
        rows.push(paging);
    }
    rows.push(vec![back(t)]);
    let text = if count == 0 && page == 0 {
        format!("{}\n\n{again}", t.msg("ref-found-none"))
    } else {
        t.msg_with("ref-found", [("page", Arg::count(page + 1))])
    };
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// A button's label is plain text, at most a phone's width or so.
fn shortened(text: String) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        return text;
    }
    let mut cut: String = text.chars().take(MAX - 1).collect();
    cut.push('…');
    cut
}

fn practitioner_label(hit: &search::Practitioner) -> String {
    shortened(format!(
        "{} — {}, {}",
        hit.full_name, hit.specialty, hit.organisation
    ))
}

fn organisation_label(hit: &search::Organisation) -> String {
    match &hit.name {
        Some(name) => shortened(format!("{name} (ОГРН {})", hit.ogrn)),
        None => format!("ОГРН {}", hit.ogrn),
    }
}

fn query_problem(t: Texts, problem: QueryProblem) -> String {
    match problem {
        QueryProblem::TooShort => t.msg_with(
            "ref-search-too-short",
            [("min", Arg::count(search::MIN_QUERY_CHARS))],
        ),
        QueryProblem::TooLong => t.msg_with(
            "ref-search-too-long",
            [("max", Arg::count(search::MAX_QUERY_CHARS))],
        ),
        QueryProblem::Snils => t.msg("ref-search-snils"),
    }
}

fn summary(t: Texts, form: &Form, attached: file::OnDraft, max_bytes: usize) -> Screen {
    let to = match &form.to {
        Some(Chosen::Practitioner { label, .. } | Chosen::Organisation { label, .. }) => {
            label.as_str()
        }
        None => "",
    };
    let urgency = form
        .urgency
        .as_deref()
        .and_then(Urgency::parse)
        .map(|u| urgency_name(t, u))
        .unwrap_or_default();
    let care = form
        .care
        .as_deref()
        .and_then(Care::parse)
        .map(|c| care_name(t, c))
        .unwrap_or_default();
    let text = t.msg_with(
        "ref-summary",
        [
            ("to", Arg::Text(to)),
            (
                "reason",
                Arg::Text(form.reason.as_deref().unwrap_or_default()),
            ),
            ("urgency", Arg::Text(&urgency)),
            ("care", Arg::Text(&care)),
            (
                "patient",
                Arg::Text(form.patient_ref.as_deref().unwrap_or_default()),
            ),
            (
                "file",
                Arg::Text(&file::summary_line(t, attached, max_bytes)),
            ),
        ],
    );
    let file_button = match attached {
        file::OnDraft::Attached(_) => button(t.msg("ref-remove-file"), act(FormAction::RemoveFile)),
        file::OnDraft::None | file::OnDraft::Gone => {
            button(t.msg("ref-attach"), act(FormAction::Attach))
        }
    };
    let keyboard = Keyboard::new([
        vec![button(t.msg("ref-send"), act(FormAction::Send))],
        vec![file_button],
        vec![button(t.msg("ref-discard"), act(FormAction::Discard))],
        vec![back(t)],
    ]);
    Screen { text, keyboard }
}

/// The form kept where it now is (the draft, then the position) and the
/// question it is at.
async fn kept_question(turn: &Turn, form: &Form) -> Result<Screen, HandlerError> {
    let (db, services, user_id) = (&turn.db, &turn.services, turn.user);
    conversation::keep(db, services, &turn.dialogue, user_id, form).await?;
    question(turn.t, db, services, user_id, form).await
}

/// A button's answer taken: the form on at `step`, kept, and its question
/// in place of the pressed screen.
async fn step_to(turn: &Turn, press: &Press, mut form: Form, step: Step) -> HandlerResult {
    form.step = step;
    let screen = kept_question(turn, &form).await?;
    turn.ui.replace(press, screen).await
}

/// A screen with a line said above it.
fn after(line: String, screen: Screen) -> Screen {
    Screen {
        text: format!("{line}\n\n{}", screen.text),
        keyboard: screen.keyboard,
    }
}

// ---------------------------------------------------------------- buttons

pub async fn press(turn: Turn, press: Press, action: FormAction, _state: State) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = &turn;
    let (user_id, t) = (*user, *t);
    let now = services.clock.now();
    let loaded = conversation::load::<Form>(db, services, user_id).await?;
    match action {
        FormAction::New => {
            ui.answer(&press).await?;
            if !accounts::is_confirmed(db, user_id).await? {
                let screen = Screen {
                    text: t.msg("ref-sender-not-confirmed"),
                    keyboard: Keyboard::new([[back(t)]]),
                };
                return ui.replace(&press, screen).await;
            }
            let keyboard = Keyboard::new([
                vec![
                    button(
                        t.msg("ref-to-practitioner"),
                        act(FormAction::Kind(ToKind::Practitioner)),
                    ),
                    button(
                        t.msg("ref-to-organisation"),
                        act(FormAction::Kind(ToKind::Organisation)),
                    ),
                ],
                vec![back(t)],
            ]);
            let text = t.msg("ref-ask-kind");
            ui.replace(&press, Screen { text, keyboard }).await
        }
        FormAction::Kind(kind) => {
            ui.answer(&press).await?;
            // A new referral replaces an unfinished one, and its file.
            referrals::files::discard_draft(db, user_id).await?;
            let form = Form::new(kind);
            let screen = kept_question(&turn, &form).await?;
            ui.replace(&press, screen).await
        }
        FormAction::Resume => {
            let Some(form) = loaded else {
                return records::outdated(ui, &press, t).await;
            };
            ui.answer(&press).await?;
            conversation::restore(dialogue, &form).await?;
            let screen = question(t, db, services, user_id, &form).await?;
            ui.replace(&press, screen).await
        }
        FormAction::Results(page) => {
            let Some(form) = loaded.filter(|form| form.step == Step::Search) else {
                return records::outdated(ui, &press, t).await;
            };
            let Some(typed) = form.query.clone() else {
                return records::outdated(ui, &press, t).await;
            };
            ui.answer(&press).await?;
            let screen = results(t, db, services, user_id, &form, &typed, page).await?;
            ui.replace(&press, screen).await
        }
        FormAction::PickPractitioner(registry_id) => {
            let Some(mut form) = loaded
                .filter(|form| form.step == Step::Search && form.to_kind == ToKind::Practitioner)
            else {
                return records::outdated(ui, &press, t).await;
            };
            let found = search::practitioner(db, &services.vault, registry_id, user_id).await;
            if let Err(search::SearchError::NotConfirmed) = found {
                return ui
                    .answer_with(&press, t.msg("ref-sender-not-confirmed"))
                    .await;
            }
            let Some(hit) = found? else {
                // No such receiver (a forged id, or one no longer confirmed).
                records::record_forged(db, user_id, Entity::Referral, registry_id, now).await?;
                return ui.answer_with(&press, t.msg("ref-receiver-unknown")).await;
            };
            ui.answer(&press).await?;
            form.to = Some(Chosen::Practitioner {
                registry_id,
                label: practitioner_label(&hit),
            });
            step_to(&turn, &press, form, Step::Reason).await
        }
        FormAction::PickOrganisation(ogrn) => {
            let ogrn = format!("{ogrn:013}");
            let Some(mut form) = loaded
                .filter(|form| form.step == Step::Search && form.to_kind == ToKind::Organisation)
            else {
                return records::outdated(ui, &press, t).await;
            };
            let Some(hit) = search::organisation(db, &ogrn).await? else {
                let id = ogrn.parse().unwrap_or_default();
                records::record_forged(db, user_id, Entity::Referral, id, now).await?;
                return ui.answer_with(&press, t.msg("ref-receiver-unknown")).await;
            };
            ui.answer(&press).await?;
            form.to = Some(Chosen::Organisation {
                ogrn,
                label: organisation_label(&hit),
            });
            step_to(&turn, &press, form, Step::Reason).await
        }
        FormAction::Urgency(urgency) => {
            let Some(mut form) = loaded.filter(|form| form.step == Step::Urgency) else {
                return records::outdated(ui, &press, t).await;
            };
            ui.answer(&press).await?;
            form.urgency = Some(urgency.as_str().to_owned());
            step_to(&turn, &press, form, Step::Care).await
        }
        FormAction::Care(care) => {
            let Some(mut form) = loaded.filter(|form| form.step == Step::Care) else {
                return records::outdated(ui, &press, t).await;
            };
            ui.answer(&press).await?;
            form.care = Some(care.as_str().to_owned());
            step_to(&turn, &press, form, Step::PatientRef).await
        }
        FormAction::Send => {
            let Some(form) = loaded.filter(|form| form.step == Step::Summary) else {
                return records::outdated(ui, &press, t).await;
            };
            let Some(outgoing) = form.outgoing() else {
                return records::outdated(ui, &press, t).await;
            };
            let sent = referrals::send(
                db,
                &services.vault,
                user_id,
                &outgoing,
                services.referral_expiry,
                now,
                Some(<Form as Conversation>::KIND),
            )
            .await;
            match sent {
                Ok(referral) => {
                    ui.answer(&press).await?;
                    // The file, if any, is the referral's now.
                    conversation::finish::<Form>(db, dialogue, user_id).await?;
                    let text = t.msg_with(
                        "ref-sent",
                        [
                            ("number", Arg::Text(&referral.number)),
                            ("until", Arg::Text(&t.date_time(referral.expires_at))),
                        ],
                    );
                    let keyboard = Keyboard::new([
                        vec![button(
                            t.msg("ref-outgoing"),
                            Action::Ref(RefAction::Outgoing(0)),
                        )],
                        vec![back(t)],
                    ]);
                    ui.replace(&press, Screen { text, keyboard }).await
                }
                Err(ReferralError::UnknownReceiver | ReferralError::ToSelf) => {
                    ui.answer(&press).await?;
                    // Back to the search: the receiver is to be picked again.
                    let mut form = form;
                    form.to = None;
                    form.query = None;
                    form.step = Step::Search;
                    let asked = kept_question(&turn, &form).await?;
                    ui.replace(&press, after(t.msg("ref-receiver-unknown"), asked))
                        .await
                }
                Err(ReferralError::SenderNotConfirmed) => {
                    ui.answer_with(&press, t.msg("ref-sender-not-confirmed"))
                        .await
                }
                Err(ReferralError::FileGone) => {
                    ui.answer(&press).await?;
                    // Nothing was sent: the card again, without the file.
                    let mut form = form;
                    form.file = None;
                    let asked = kept_question(&turn, &form).await?;
                    ui.replace(&press, after(t.msg("ref-file-gone"), asked))
                        .await
                }
                // Sent from another chat of the account a moment before.
                Err(ReferralError::DraftGone) => {
                    conversation::finish::<Form>(db, dialogue, user_id).await?;
                    records::outdated(ui, &press, t).await
                }
                Err(error) => Err(error.into()),
            }
        }
        FormAction::Attach => {
            let Some(form) = loaded.filter(|form| form.step == Step::Summary) else {
                return records::outdated(ui, &press, t).await;
            };
            ui.answer(&press).await?;
            // The summary's position takes the file (put back after a flush).
            conversation::restore(dialogue, &form).await?;
            let keyboard = Keyboard::new([[button(
                t.msg("ref-back-to-summary"),
                act(FormAction::Summary),
            )]]);
            let text = file::ask(t, services.max_document_bytes);
            ui.replace(&press, Screen { text, keyboard }).await
        }
        FormAction::RemoveFile => {
            let Some(mut form) = loaded.filter(|form| form.step == Step::Summary) else {
                return records::outdated(ui, &press, t).await;
            };
            ui.answer(&press).await?;
            referrals::files::discard_draft(db, user_id).await?;
            form.file = None;
            let asked = kept_question(&turn, &form).await?;
            ui.replace(&press, after(t.msg("ref-file-removed"), asked))
                .await
        }
        FormAction::Summary => {
            let Some(form) = loaded.filter(|form| form.step == Step::Summary) else {
                return records::outdated(ui, &press, t).await;
            };
            ui.answer(&press).await?;
            conversation::restore(dialogue, &form).await?;
            let screen = question(t, db, services, user_id, &form).await?;
            ui.replace(&press, screen).await
        }
        FormAction::Discard => {
            ui.answer(&press).await?;
            discard(db, user_id).await?;
            dialogue.exit().await?;
            let screen = super::section_screen(t, db, services, user_id).await?;
            let text = format!("{}\n\n{}", t.msg("ref-discarded"), screen.text);
            ui.replace(
                &press,
                Screen {
                    text,
                    keyboard: screen.keyboard,
                },
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- messages

/// A typed answer to the form's open question.
pub async fn receive(turn: Turn, said: Said, question: Question) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = &turn;
    let (user_id, t) = (*user, *t);
    let Some(mut form) = conversation::load::<Form>(db, services, user_id).await? else {
        // Given up meanwhile (another device): back to the section.
        dialogue.exit().await?;
        let screen = super::section_screen(t, db, services, user_id).await?;
        return ui.show(screen).await;
    };
    // The question open is the one in Redis.
    form.step = match question {
        Question::Search => Step::Search,
        Question::Reason => Step::Reason,
        Question::PatientRef => Step::PatientRef,
        Question::File => Step::Summary,
        Question::DeclineReason { .. } => return Ok(()),
    };
    answer(&turn, &said, form).await
}

/// A message after a lost position, taken as the answer to the question
/// the draft is at.
pub async fn resume(turn: Turn, said: Said, form: Form) -> HandlerResult {
    answer(&turn, &said, form).await
}

async fn answer(turn: &Turn, said: &Said, mut form: Form) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let (user_id, t) = (*user, *t);
    // The summary card takes a file; anything but a text is one (or is
    // told to be).
    if form.step == Step::Summary && said.text().is_none() {
        let line = match file::take(turn, said, user_id).await? {
            Ok(attached) => {
                form.file = Some(attached.id);
                conversation::keep(db, services, dialogue, user_id, &form).await?;
                t.msg("ref-file-attached")
            }
            Err(refused) => {
                conversation::restore(dialogue, &form).await?;
                refused
            }
        };
        let asked = question(t, db, services, user_id, &form).await?;
        return ui.show(after(line, asked)).await;
    }
    let Some(text) = said.text() else {
        return ui.say(t.msg("ref-text-expected")).await;
    };
    match form.step {
        Step::Search => {
            // A name or an organisation: no personal value, kept in chat.
            form.query = Some(text.to_owned());
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            let screen = results(t, db, services, user_id, &form, text, 0).await?;
            ui.show(screen).await
        }
        Step::Reason | Step::PatientRef => {
            // Health-related free text: off the chat once read, refused or
            // kept (sealed in the draft).
            code_entry::forget(ui, said).await;
            let parsed = if form.step == Step::Reason {
                Reason::parse(text).map(|reason| {
                    form.reason = Some(reason.as_str().to_owned());
                    Step::Urgency
                })
            } else {
                PatientRef::parse(text).map(|reference| {
                    form.patient_ref = Some(reference.as_str().to_owned());
                    Step::Summary
                })
            };
            match parsed {
                Ok(next) => {
                    form.step = next;
                    let screen = kept_question(turn, &form).await?;
                    ui.show(screen).await
                }
                Err(problem) => {
                    // Nothing answered before is lost; the question stays.
                    conversation::restore(dialogue, &form).await?;
                    let asked = question(t, db, services, user_id, &form).await?;
                    let text = format!("{}\n\n{}", problem_text(t, &problem), asked.text);
                    let screen = Screen {
                        text,
                        keyboard: asked.keyboard,
                    };
                    ui.show(screen).await
                }
            }
        }
        // A question answered by buttons: the text is no answer.
        Step::Urgency | Step::Care | Step::Summary => {
            let screen = question(t, db, services, user_id, &form).await?;
            ui.show(screen).await
        }
    }
}
