//! The bot's conversations, and the route table that picks one per update.
//!
//! Each module is one conversation and opens with its transcript. Handlers
//! parse what the user sent, call core, and render through [`Texts`]; rules
//! of the domain live in `medcab-core`, not here.

// Public for «НМО и аккредитация», which opens its screen
// (`accreditation::open_from_qualification`).
pub mod accreditation;
mod actions;
mod applications;
mod broadcast;
mod cancel;
mod code_entry;
pub mod commands;
mod documents;
mod education;
mod factor_reset;
mod fallback;
mod forget;
mod help;
mod language;
mod login_confirmation;
mod main_menu;
mod messengers;
mod onboarding;
mod organisation;
mod privacy;
mod profile;
mod qualification;
mod records;
mod referrals;
pub(crate) mod release;
mod review;
// Public to the crate for the calendar feed, which words its events.
pub(crate) mod schedule;
mod screen;
mod settings;
mod staff;
mod step_up;
mod typed_text;

use std::sync::Arc;

use dptree::case;
use medcab_core::Language;
use medcab_core::UserId;
use medcab_core::accounts::Step;
use medcab_core::channels;
use medcab_core::onboarding::Position;
use medcab_core::turns::{self, Begun};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

pub use actions::Action;
pub(crate) use broadcast::progress::resume as resume_broadcast_progress;
use commands::Command;
pub use referrals::RefAction;

use crate::chat::{self, Incoming, LostPositions, Positions, Ui};
use crate::flood::{self, FloodGuard};
use crate::i18n::Texts;
use crate::startup::Services;

pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;
pub type HandlerResult = Result<(), HandlerError>;
/// A part of the route table (a module with routes of its own gives one).
pub(crate) type Routes = chat::Routes;
/// A chat's position in its conversation (see [`crate::chat::Dialogue`]).
pub type ChatDialogue = crate::chat::Dialogue<State>;

/// What every handler of an update has: the chat to answer in, who is
/// asking, the texts in their language and zone, the stores, and the
/// chat's position. Built once per update at the top of [`schema`].
#[derive(Clone)]
pub struct Turn {
    pub ui: Ui,
    pub user: UserId,
    pub t: Texts,
    pub db: PgPool,
    pub services: Services,
    pub dialogue: ChatDialogue,
}

/// Where a chat is in a conversation. Kept in Redis (see
/// `dialogue_storage`); losing it costs the user one step, never data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum State {
    #[default]
    Idle,
    /// The language picker is on screen.
    ChoosingLanguage,
    /// A section with personal data asked for the second-factor code.
    StepUp { section: main_menu::Section },
    /// A profile question is open; `field` is a `ProfileField` code, and
    /// `editing` means the saved profile is being changed, not filled in.
    ProfileAnswer { field: String, editing: bool },
    /// Adding a document: the question open (the answers are a draft in
    /// PostgreSQL).
    AddingDocument(documents::Step),
    /// A question about a diploma or a programme of additional education
    /// is open (the answers are a draft in PostgreSQL).
    Education(education::Question),
    /// A question about an education record toward accreditation is open
    /// («📚 Обучение и НМО»; the answers are a draft in PostgreSQL).
    Hours(qualification::hours::Question),
    /// A part of the report on professional activity is asked («📝 Отчёт
    /// о деятельности»; the answers are core's `activity_report`, the part
    /// asked a draft in PostgreSQL).
    Report(qualification::report::Asking),
    /// An operator was asked for a refusal's reason, or for what documents
    /// are needed, for the application they hold.
    ReviewNote {
        application: i64,
        note: review::NoteFor,
    },
    /// An operator was asked why they reject this second-factor reset.
    ResetNote { request: i64 },
    /// /settings asked for custom quiet hours (`ЧЧ:ММ–ЧЧ:ММ`).
    QuietHours,
    /// A slot's start, end or place is asked («🗓 Расписание»; the answers
    /// are a draft in PostgreSQL).
    Schedule(schedule::Question),
    /// An operator is writing a regulatory notice or an inspection; the
    /// answers so far ride along (public texts, not personal data).
    Broadcast(broadcast::Compose),
    /// A question of «📮 Направления» is open: an answer of a new
    /// referral (a draft in PostgreSQL), or a refusal's reason.
    Referral(referrals::Question),
    /// An operator was asked why they decline this referral to their
    /// organisation.
    ReferralNote { referral: i64 },
}

/// Only what a message brings: the routes below take [`chat::Said`].
pub(crate) fn said() -> Routes {
    dptree::filter_map(|incoming: Incoming| incoming.said())
}

/// The command a message is ([`Command::parse`]): the routes below take
/// a [`Command`].
pub(crate) fn command() -> Routes {
    dptree::filter_map(|said: chat::Said| said.text().and_then(Command::parse))
}

/// Only what a pressed button brings: the routes below take [`chat::Press`].
pub(crate) fn pressed() -> Routes {
    dptree::filter_map(|incoming: Incoming| incoming.press())
}

/// The route table: which conversation handles an update, whatever the
/// messenger it came by (an [`Incoming`] and its [`Ui`] are given).
pub fn schema() -> Routes {
    // Commands that work at any point, even before consent.
    let anytime = command()
        .branch(case![Command::Help].endpoint(help::show))
        .branch(case![Command::Language].endpoint(language::ask))
        .branch(case![Command::Cancel].endpoint(cancel::cancel))
        .branch(case![Command::Privacy].endpoint(privacy::show))
        .branch(case![Command::Forget].endpoint(forget::ask));
    // Buttons that work at any point too.
    let anytime_actions = dptree::filter_map(Action::from_press)
        .branch(case![Action::Forget(erase)].endpoint(forget::answer))
        .branch(case![Action::CancelReset(request)].endpoint(factor_reset::cancel));

    dptree::entry()
        // Counted and timed, whatever becomes of it (`crate::metrics`).
        .chain(crate::metrics::observed())
        // Every log line of an update names it.
        .chain(release::in_span())
        .filter_map_async(identify)
        .map(|incoming: Incoming| incoming.from.user)
        .filter_map_async(visit)
        .map(|visited: Visited| visited.t)
        .map(|visited: Visited| visited.position)
        // A failed handler: its claim given back, and the user told.
        .chain(release::on_failure())
        // What a confidential turn showed: closed when its session ends.
        .chain(release::remember_cards())
        // Not teloxide's `enter_dialogue`: Redis down must not drop updates.
        // An update handled again (its instance died) finds the position
        // it first found: its first write keeps the undo.
        .map(|positions: Arc<Positions>, incoming: Incoming| {
            ChatDialogue::for_update(positions, incoming.chat, incoming.update_id)
        })
        .map_async(position)
        .map(
            |ui: Ui,
             user: UserId,
             t: Texts,
             db: PgPool,
             services: Services,
             dialogue: ChatDialogue| {
                Turn {
                    ui,
                    user,
                    t,
                    db,
                    services,
                    dialogue,
                }
            },
        )
        // Control characters in typed text: refused here, for every
        // conversation, before any of them sees the text.
        .branch(
            said()
                .filter(typed_text::has_control_characters)
                .endpoint(typed_text::refuse),
        )
        .branch(said().branch(anytime))
        // A one-time link from another messenger's cabinet: whoever this
        // messenger account was so far, it becomes that cabinet's.
        .branch(
            said().branch(
                command()
                    .filter_map(messengers::link_code)
                    .endpoint(messengers::redeem),
            ),
        )
        // /forget waits for the code: the text is it, whatever the position.
        .branch(
            said().branch(
                dptree::filter_map_async(forget::awaiting_code).endpoint(forget::receive_code),
            ),
        )
        .branch(pressed().branch(anytime_actions))
        // An operator's code, when the bot asked for it (before everything
        // else that could take the message).
        .branch(staff::routes())
        .branch(review::routes())
        .branch(settings::routes())
        .branch(broadcast::routes())
        .branch(referrals::staff::routes())
        .branch(dptree::filter_map(onboarding::unfinished).branch(onboarding_routes()))
        .branch(said().branch(active_messages()))
        .branch(pressed().branch(active_callbacks()))
}

/// A user who is not active yet: every update goes to the step they are on.
fn onboarding_routes() -> Routes {
    let at = |step: Step| {
        dptree::filter(move |position: Position| position == Position::Onboarding(step))
    };
    let messages = said()
        .branch(
            command()
                .branch(case![Command::Start(payload)].endpoint(onboarding::start))
                .branch(case![Command::Menu].endpoint(onboarding::start)),
        )
        .branch(
            dptree::filter(|position: Position| position == Position::NeedsConsent)
                .endpoint(onboarding::consent_first),
        )
        .branch(at(Step::Phone).endpoint(onboarding::receive_contact))
        .branch(at(Step::Snils).endpoint(onboarding::receive_snils))
        .branch(at(Step::SecondFactor).endpoint(onboarding::receive_code));

    let actions = dptree::filter_map(Action::from_press)
        .branch(case![Action::Consent(agreed)].endpoint(onboarding::consent))
        .branch(case![Action::RetryRegistry].endpoint(onboarding::retry_registry))
        .branch(case![Action::ApplyForActivation].endpoint(onboarding::apply_for_activation))
        .branch(case![Action::SetLanguage(language)].endpoint(language::set));
    let callbacks = pressed().branch(actions).endpoint(onboarding::finish_first);

    dptree::entry().branch(messages).branch(callbacks)
}

/// An active practitioner's messages.
fn active_messages() -> Routes {
    let commands = command()
        .branch(case![Command::Start(payload)].endpoint(main_menu::start))
        .branch(case![Command::Menu].endpoint(main_menu::show))
        .branch(case![Command::Accreditation].endpoint(accreditation::command));
    dptree::entry()
        .branch(commands)
        .branch(case![State::ChoosingLanguage].endpoint(language::use_the_buttons))
        .branch(case![State::StepUp { section }].endpoint(main_menu::receive_step_up_code))
        // The step-up gate, for everything typed below it.
        .branch(
            dptree::filter_map_async(step_up::waiting_without_position)
                .endpoint(main_menu::receive_step_up_code),
        )
        .branch(
            dptree::filter_map_async(step_up::closed_for_message).endpoint(step_up::hold_message),
        )
        .branch(
            dptree::filter(|state: State| matches!(state, State::ProfileAnswer { .. }))
                .endpoint(profile::receive_answer),
        )
        .branch(case![State::AddingDocument(step)].endpoint(documents::receive))
        .branch(case![State::Education(question)].endpoint(education::receive))
        .branch(case![State::Hours(question)].endpoint(qualification::hours::receive))
        .branch(case![State::Report(asking)].endpoint(qualification::report::receive))
        .branch(case![State::Referral(question)].endpoint(referrals::receive))
        .branch(case![State::Schedule(question)].endpoint(schedule::edit::receive))
        // A draft whose position Redis lost: the message answers its question.
        .branch(unfinished::<profile::Form>().endpoint(profile::resume))
        .branch(unfinished::<documents::Draft>().endpoint(documents::resume))
        .branch(unfinished::<education::Form>().endpoint(education::resume))
        .branch(unfinished::<qualification::hours::Form>().endpoint(qualification::hours::resume))
        .branch(unfinished::<qualification::report::Form>().endpoint(qualification::report::resume))
        .branch(unfinished::<referrals::Form>().endpoint(referrals::form::resume))
        .branch(unfinished::<schedule::Form>().endpoint(schedule::edit::resume))
        .endpoint(fallback::unexpected_message)
}

/// A message in no conversation that answers the unfinished draft of
/// this kind (`records::conversation`).
fn unfinished<C: records::conversation::Conversation>() -> Routes {
    dptree::filter_map_async(records::conversation::unfinished::<C>)
}

/// An active practitioner's buttons.
fn active_callbacks() -> Routes {
    let actions = dptree::filter_map(Action::from_press)
        // The step-up gate, for every button of a section with personal data.
        .branch(dptree::filter_map_async(step_up::closed_for_press).endpoint(step_up::hold_press))
        .branch(case![Action::Home].endpoint(main_menu::home))
        .branch(case![Action::Open(section)].endpoint(main_menu::open))
        .branch(case![Action::FactorLost].endpoint(factor_reset::lost))
        .branch(case![Action::FactorResetAgain].endpoint(factor_reset::request_again))
        .branch(case![Action::Profile(action)].endpoint(profile::act))
        .branch(case![Action::SetLanguage(language)].endpoint(language::set))
        .branch(
            case![Action::Login {
                challenge,
                response
            }]
            .endpoint(login_confirmation::answer),
        )
        .branch(case![Action::Doc(action)].endpoint(documents::press))
        .branch(case![Action::App(action)].endpoint(applications::press))
        .branch(case![Action::Edu(action)].endpoint(education::press))
        .branch(case![Action::Hours(action)].endpoint(qualification::hours::press))
        .branch(case![Action::Folio(action)].endpoint(qualification::portfolio::press))
        .branch(case![Action::Accr(action)].endpoint(accreditation::press))
        .branch(case![Action::Report(action)].endpoint(qualification::report::press))
        .branch(case![Action::Ref(action)].endpoint(referrals::press))
        .branch(case![Action::Sched(action)].endpoint(schedule::press))
        .branch(case![Action::Link(action)].endpoint(messengers::press));
    dptree::entry()
        .branch(actions)
        .endpoint(fallback::outdated_button)
}

/// The screen of a section that is built (not a preview), for this user.
/// Each section registers its screen here, so the main menu knows only
/// [`main_menu::Section`] and no section's module.
async fn section_screen(
    section: main_menu::Section,
    t: Texts,
    db: &PgPool,
    services: &crate::startup::Services,
    user_id: UserId,
) -> Result<Option<screen::Screen>, HandlerError> {
    use main_menu::Section;
    Ok(match section {
        Section::Profile => Some(profile::section_screen(t, db, services, user_id).await?),
        Section::Documents => Some(documents::list_screen(t, db, services, user_id).await?),
        Section::Applications => Some(applications::list_screen(t, db, services, user_id).await?),
        Section::Notifications => Some(settings::section_screen(t)),
        Section::Nmo => Some(qualification::section_screen(t)),
        Section::Referrals => Some(referrals::section_screen(t, db, services, user_id).await?),
        Section::Schedule => Some(schedule::section_screen(t, db, services, user_id).await?),
        _ => None,
    })
}

/// Who wrote: the account behind the messenger's user (`core::channels`),
/// after the flood limit, which comes before any database work (a flood
/// stops here, unclaimed, keyed by the messenger's own id).
async fn identify(
    mut incoming: Incoming,
    db: PgPool,
    ui: Ui,
    flood: FloodGuard,
) -> Option<Incoming> {
    let from = &incoming.from;
    let phone_language = from.language.as_deref();
    let flood_key = match incoming.chat.messenger {
        chat::Messenger::Telegram => UserId::from_stored(from.external_id),
        // Max's ids are another space: kept apart from Telegram's.
        chat::Messenger::Max => UserId::from_stored(channels::MAX_BORN_FROM | from.external_id),
    };
    // An update handled again spent its token the first time.
    if !release::handled_again() && !flood::admitted(&ui, &flood, flood_key, phone_language).await {
        crate::metrics::note(crate::metrics::Outcome::FloodLimited);
        return None;
    }
    let account = channels::account_of(
        &db,
        incoming.chat.messenger,
        from.external_id,
        incoming.chat.id,
    )
    .await;
    let user = match account {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::warn!("a messenger account that cannot be given an account");
            return None;
        }
        // Without the database a Telegram user is still their own id, so
        // /help and /cancel answer; nothing else can be promised.
        Err(error) => {
            tracing::error!(%error, "cannot find the account of an update");
            match incoming.chat.messenger {
                chat::Messenger::Telegram => UserId::from_stored(from.external_id),
                chat::Messenger::Max => return None,
            }
        }
    };
    incoming.from.user = user;
    // A contact the adapter saw was the sender's own is this account's.
    if let chat::What::Said(said) = &mut incoming.what
        && let Some(contact) = &mut said.contact
        && contact.owner == Some(chat::OWN_CONTACT)
    {
        contact.owner = Some(user);
    }
    Some(incoming)
}

/// The first step of every update: claim it (a redelivered update stops
/// here), note who wrote, and pick the language to answer in, the time
/// zone to show times in (their /settings zone, Moscow by default) and
/// where they stand in onboarding — one statement (`core::turns`).
///
/// Only private chats come this far (the adapters stop the others): the
/// account is personal.
async fn visit(incoming: Incoming, db: PgPool) -> Option<Visited> {
    let arriving = turns::Arriving {
        messenger: incoming.chat.messenger,
        update_id: incoming.update_id,
        chat_id: incoming.chat.id,
        user_id: incoming.from.user,
        telegram_chat_id: (incoming.chat.messenger == chat::Messenger::Telegram)
            .then_some(incoming.chat.id),
        phone_language: incoming.from.language.as_deref(),
    };
    match turns::begin(&db, &arriving).await {
        Ok(Begun::Fresh(turn)) => Some(Visited {
            t: Texts::new(turn.language)
                .in_zone(turn.zone)
                .on(incoming.chat.messenger),
            position: turn.position,
        }),
        Ok(Begun::AlreadyHandled) => {
            tracing::info!(
                update_id = incoming.update_id,
                "skipping a redelivered update"
            );
            crate::metrics::note(crate::metrics::Outcome::Duplicate);
            None
        }
        // Without the database nothing can be promised; answering in the
        // phone's language at least lets /help and /cancel work. The
        // position is taken as active: the sections then fail and say so,
        // rather than a consent being asked of someone who gave it.
        Err(error) => {
            tracing::error!(%error, "cannot claim an update");
            Some(Visited {
                t: Texts::new(Language::from_telegram(arriving.phone_language))
                    .on(incoming.chat.messenger),
                position: Position::Onboarding(Step::Active),
            })
        }
    }
}

/// What [`visit`] found: the texts to answer with, and where the user
/// stands.
#[derive(Clone)]
struct Visited {
    t: Texts,
    position: Position,
}

/// The chat's position; Idle when the store cannot be read, so an update
/// is never dropped for Redis. The user gets a word (once per outage)
/// unless a draft in PostgreSQL takes the update as if nothing was lost (a
/// record being filled in, a question for the code): then the next
/// question, or the code's answer, says where they are.
async fn position(
    dialogue: ChatDialogue,
    ui: Ui,
    t: Texts,
    lost: LostPositions,
    user: UserId,
    db: PgPool,
) -> State {
    let chat = dialogue.chat();
    match dialogue.get().await {
        Ok(state) => {
            lost.recovered(chat);
            state.unwrap_or_default()
        }
        Err(error) => {
            tracing::warn!(chat_id = chat.id, %error, "cannot read a conversation position; going on from Idle");
            let goes_on = async {
                Ok::<_, HandlerError>(
                    records::conversation::any_unfinished(&db, user).await?
                        || medcab_core::drafts::exists(
                            &db,
                            user,
                            medcab_core::drafts::Kind::HeldInput,
                        )
                        .await?,
                )
            };
            // Unknown (the database fails too): told, as with no draft.
            let goes_on = goes_on.await.unwrap_or(false);
            if !goes_on
                && lost.first(chat)
                && let Err(error) = ui.say(t.msg("position-unavailable")).await
            {
                tracing::warn!(%error, "cannot say that the position was lost");
            }
            State::default()
        }
    }
}

#[cfg(test)]
mod messenger_free {
    use std::path::Path;

    /// Every `.rs` file under `dir`, with its text.
    fn sources(dir: &Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("the handlers' directory reads") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source reads");
                found.push((path.display().to_string(), text));
            }
        }
    }

    /// The invariant of `crate::chat`: conversations know no messenger. A
    /// handler that names teloxide or a messenger's adapter would work on
    /// one messenger only.
    #[test]
    fn no_handler_names_a_messenger() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/handlers");
        let mut found = Vec::new();
        sources(&dir, &mut found);
        assert!(found.len() > 30, "the handlers were found: {}", found.len());
        // Spelt in parts, so that this test does not find itself.
        let forbidden = [
            ["telo", "xide::"].concat(),
            ["crate::", "max::"].concat(),
            ["chat::", "telegram"].concat(),
            ["chat::", "max"].concat(),
        ];
        let mut named = Vec::new();
        for (path, text) in &found {
            for (number, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                if let Some(word) = forbidden.iter().find(|word| code.contains(word.as_str())) {
                    named.push(format!("{path}:{}: {word}", number + 1));
                }
            }
        }
        assert!(named.is_empty(), "{named:#?}");
    }
}
