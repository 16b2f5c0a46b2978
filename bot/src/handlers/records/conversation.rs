//! A record filled in question by question: the answers are a sealed
//! draft in PostgreSQL (`medcab_core::drafts`), written the moment they are
//! given; Redis holds only which question is open.
//!
//! One mechanism for every such conversation (the profile, a document, a
//! diploma or a programme): a restart resumes at the question asked, and a
//! Redis flush costs the position only — the next message is taken as the
//! answer to the question the draft is at ([`unfinished`], then the
//! section's `resume`, which puts the position back with [`restore`]).
//!
//! ```text
//! bot:  Адрес регистрации — как в паспорте:
//!       (Redis is flushed)
//! user: г. Москва, ул. Тверская, д. 1          (deleted from the chat)
//! bot:  Электронная почта: [Пропустить]
//! ```

use medcab_core::UserId;
use medcab_core::drafts::{self, Kind as DraftKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgPool;

use crate::chat::Said;
use crate::handlers::{ChatDialogue, HandlerError, HandlerResult, State, Turn};
use crate::startup::Services;

/// The draft of one conversation.
pub trait Conversation: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Which draft it is (one per practitioner and kind).
    const KIND: DraftKind;

    /// The position of the question the draft is at; `None` when no
    /// question is open (a summary card is on screen), so that a message is
    /// no answer.
    fn position(&self) -> Option<State>;

    /// Whether this message may be an answer at all (a text, by default;
    /// a document also takes a file).
    fn takes(said: &Said) -> bool {
        said.text().is_some()
    }
}

/// Every kind of conversation draft: when several were left unfinished,
/// the one written last is the one a message answers.
const KINDS: [DraftKind; 7] = [
    DraftKind::Profile,
    DraftKind::Document,
    DraftKind::Education,
    DraftKind::Qualification,
    DraftKind::ActivityReport,
    DraftKind::Referral,
    DraftKind::Schedule,
];

/// The draft, if one was started.
pub async fn load<C: Conversation>(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Option<C>, HandlerError> {
    Ok(drafts::load(db, &services.vault, user_id, C::KIND).await?)
}

/// Writes the answers to PostgreSQL.
pub async fn save<C: Conversation>(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    draft: &C,
) -> HandlerResult {
    drafts::save(
        db,
        &services.vault,
        user_id,
        C::KIND,
        draft,
        services.clock.now(),
    )
    .await?;
    Ok(())
}

/// Writes the answers to PostgreSQL first, then the position to Redis: a
/// failure between the two leaves the answers kept and the position behind.
pub async fn keep<C: Conversation>(
    db: &PgPool,
    services: &Services,
    dialogue: &ChatDialogue,
    user_id: UserId,
    draft: &C,
) -> HandlerResult {
    save(db, services, user_id, draft).await?;
    restore(dialogue, draft).await
}

/// Puts the position of the draft's question back (after a lost one);
/// with no question open, leaves the conversation.
pub async fn restore<C: Conversation>(dialogue: &ChatDialogue, draft: &C) -> HandlerResult {
    match draft.position() {
        Some(position) => dialogue.update(position).await?,
        None => dialogue.exit().await?,
    }
    Ok(())
}

/// Forgets the draft (stored as a record, or given up).
pub async fn discard<C: Conversation>(db: &PgPool, user_id: UserId) -> HandlerResult {
    drafts::discard(db, user_id, C::KIND).await?;
    Ok(())
}

/// The conversation over (its record stored, or given up): the draft
/// forgotten first, then the position left.
pub async fn finish<C: Conversation>(
    db: &PgPool,
    dialogue: &ChatDialogue,
    user_id: UserId,
) -> HandlerResult {
    discard::<C>(db, user_id).await?;
    dialogue.exit().await?;
    Ok(())
}

/// /cancel: gives up the draft, if there is one — at a question
/// (`answering`), or left by a Redis flush. Whether there was one.
pub async fn cancel<C: Conversation>(
    db: &PgPool,
    user_id: UserId,
    answering: bool,
) -> Result<bool, HandlerError> {
    let started = answering || drafts::exists(db, user_id, C::KIND).await?;
    if started {
        discard::<C>(db, user_id).await?;
    }
    Ok(started)
}

/// A message in no conversation from a practitioner with an unfinished
/// draft of this kind (the position was lost with Redis): the draft, to
/// take the message as the answer to its question. A command is never an
/// answer. The step-up gate stands before this in the route table, so the
/// session is open.
pub async fn unfinished<C: Conversation>(turn: Turn, said: Said, state: State) -> Option<C> {
    if state != State::Idle
        || said.text().is_some_and(|text| text.starts_with('/'))
        || !C::takes(&said)
    {
        return None;
    }
    // The account, not the chat: on Max the two are different numbers.
    let (db, services, user_id) = (&turn.db, &turn.services, turn.user);
    let found = async {
        if newest(db, user_id).await? != Some(C::KIND) {
            return Ok(None);
        }
        let draft = load::<C>(db, services, user_id).await?;
        Ok::<_, HandlerError>(draft.filter(|draft| draft.position().is_some()))
    };
    found.await.unwrap_or_else(|error| {
        tracing::error!(%error, "cannot look for an unfinished draft");
        None
    })
}

/// Whether any conversation draft was left unfinished (for the step-up
/// gate: such a message is personal data).
pub async fn any_unfinished(db: &PgPool, user_id: UserId) -> Result<bool, HandlerError> {
    Ok(newest(db, user_id).await?.is_some())
}

/// The kind of the draft written last, if any.
async fn newest(db: &PgPool, user_id: UserId) -> Result<Option<DraftKind>, HandlerError> {
    let mut newest = None;
    for kind in KINDS {
        if let Some(at) = drafts::updated_at(db, user_id, kind).await?
            && newest.is_none_or(|(_, latest)| at > latest)
        {
            newest = Some((kind, at));
        }
    }
    Ok(newest.map(|(kind, _)| kind))
}
