//! What happens around every update's handling: a span naming the update
//! for every log line, a handler's failure, and the cards with personal
//! data the turn showed.
//!
//! A handler that fails gives its update's claim back (`updates::release`),
//! so that a redelivery of the update is handled rather than skipped as
//! done (why that is safe: `medcab_core::updates`); and the user is told
//! that something went wrong, in their language, instead of hearing
//! nothing. The error is logged with the update's id, kind and sender.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::panic::Location;
use std::sync::Arc;

use dptree::{HandlerSignature, Type};
use medcab_core::{session_files, updates};
use sqlx::PgPool;
use tracing::Instrument;

use crate::chat::{Incoming, Ui};
use crate::i18n::Texts;
use crate::startup::Services;

/// Runs the rest of the chain inside a span `update` with the update's id,
/// its kind and who sent it.
#[track_caller]
pub fn in_span() -> super::Routes {
    let location = Location::caller();
    dptree::from_fn(
        |deps: dptree::di::DependencyMap, cont| async move {
            let incoming: Arc<Incoming> = deps.get();
            let span = tracing::info_span!(
                "update",
                update_id = incoming.update_id,
                kind = incoming.kind(),
                messenger = incoming.chat.messenger.as_str(),
                user_id = incoming.from.external_id,
            );
            cont(deps).instrument(span).await
        },
        going_on(location, [Type::of::<Incoming>()]),
    )
}

/// Runs the rest of the chain; on an error, releases the claim and tells
/// the user, then passes the error on to the error handler.
#[track_caller]
pub fn on_failure() -> super::Routes {
    let location = Location::caller();
    dptree::from_fn(
        |deps: dptree::di::DependencyMap, cont| async move {
            let incoming: Arc<Incoming> = deps.get();
            let db: Arc<PgPool> = deps.get();
            let ui: Arc<Ui> = deps.get();
            let t: Arc<Texts> = deps.get();
            let services: Arc<Services> = deps.get();
            let attempt = deps.try_get::<Attempt>().map_or(Attempt::LAST, |a| *a);
            let result = cont(deps).await;
            if let ControlFlow::Break(Err(error)) = &result {
                if let Err(error) =
                    updates::release(&db, incoming.chat.messenger, incoming.update_id).await
                {
                    tracing::error!(%error, "cannot release a failed update's claim");
                }
                if attempt.retry_after(error).is_some() {
                    tracing::warn!(%error, "an update failed on the messenger's side; it is handled again");
                } else {
                    tracing::error!(%error, "an update failed; releasing its claim and telling the user");
                    tell_the_user(&ui, &incoming, *t, &services).await;
                }
            }
            result
        },
        going_on(
            location,
            [
                Type::of::<Incoming>(),
                Type::of::<PgPool>(),
                Type::of::<Ui>(),
                Type::of::<Texts>(),
                Type::of::<Services>(),
            ],
        ),
    )
}

/// Which attempt at an update this is. The worker handles an update
/// again when its handler failed on the messenger's side (a 429 with its
/// `retry_after`, a network failure): the handler's changes are safe to
/// make twice (`medcab_core::updates`), and the user hears nothing of it
/// unless the last attempt fails too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt(u8);

impl Attempt {
    /// Attempts at most, the first included.
    const MAX: u8 = 3;
    pub const FIRST: Attempt = Attempt(1);
    /// No retry follows (an update handled outside the worker).
    pub const LAST: Attempt = Attempt(Attempt::MAX);

    /// How long to wait before the next attempt, when there is one: a
    /// failure on the messenger's side that passes (`chat::passing_trouble`)
    /// within [`MAX_RETRY_WAIT`], and attempts left. `None`: the update
    /// fails here, and the user is told.
    pub fn retry_after(self, error: &super::HandlerError) -> Option<std::time::Duration> {
        crate::chat::passing_trouble(error)
            .filter(|wait| self.0 < Attempt::MAX && *wait <= MAX_RETRY_WAIT)
    }

    pub fn next(self) -> Attempt {
        Attempt(self.0.saturating_add(1).min(Attempt::MAX))
    }
}

/// The longest `retry_after` waited out before an update is handled
/// again; one that asks for more is let go as failed, the user told.
pub const MAX_RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

tokio::task_local! {
    /// Set while an update that may have been handled in part already is
    /// handled again: taken over from an instance that died with it in
    /// hand, or a retry after the messenger's trouble.
    static AGAIN: ();
}

/// Runs `handling` as the second handling of an update (see [`AGAIN`]).
pub async fn again<T>(handling: impl std::future::Future<Output = T>) -> T {
    AGAIN.scope((), handling).await
}

/// Whether the update in hand is handled again: what it did the first
/// time may be found done (a code it used, a token it spent).
pub fn handled_again() -> bool {
    AGAIN.try_with(|_| ()).is_ok()
}

/// Runs the rest of the chain; then remembers the screens a confidential
/// turn showed ([`Ui::confidential`]: a gate found the session open for
/// personal data), to be closed when that session ends (the scheduler).
/// Whatever the handler did (an answer, a new card after a typed answer or
/// after the code, a replayed press), every screen is remembered, not only
/// the one edited in place.
#[track_caller]
pub fn remember_cards() -> super::Routes {
    let location = Location::caller();
    dptree::from_fn(
        |deps: dptree::di::DependencyMap, cont| async move {
            let incoming: Arc<Incoming> = deps.get();
            let db: Arc<PgPool> = deps.get();
            let ui: Arc<Ui> = deps.get();
            let services: Arc<Services> = deps.get();
            let result = cont(deps).await;
            if let Some((session, screens)) = ui.confidential_screens() {
                let now = services.clock.now();
                for screen in &screens {
                    let user = incoming.from.user;
                    let message = ui.stored(screen);
                    let remembered =
                        session_files::remember_card(&db, user, &message, session, now).await;
                    if let Err(error) = remembered {
                        tracing::warn!(%error, "cannot remember a card to close");
                    }
                }
            }
            result
        },
        going_on(
            location,
            [
                Type::of::<Incoming>(),
                Type::of::<PgPool>(),
                Type::of::<Ui>(),
                Type::of::<Services>(),
            ],
        ),
    )
}

/// What each step here declares to dptree: the dependencies it takes (a
/// missing one is reported at `location`, where the step was put in the
/// route table), and that the chain goes on after it.
fn going_on(
    location: &'static Location<'static>,
    takes: impl IntoIterator<Item = Type>,
) -> HandlerSignature {
    HandlerSignature::Other {
        obligations: takes.into_iter().map(|taken| (taken, location)).collect(),
        guaranteed_outcomes: BTreeSet::new(),
        conditional_outcomes: BTreeSet::new(),
        continues: true,
    }
}

/// «Что-то пошло не так»: best effort, since what failed may be Telegram
/// itself. A pressed button's spinner is stopped too (it may have been
/// already; that refusal is expected and ignored).
async fn tell_the_user(ui: &Ui, incoming: &Incoming, t: Texts, services: &Services) {
    if let Some(press) = incoming.press() {
        let _ = ui.answer(&press).await;
    }
    let text = super::help::with_support(t, &services.brand, t.msg("handler-failed"));
    if let Err(error) = ui.say(text).await {
        tracing::warn!(%error, "cannot tell the user that their update failed");
    }
}
