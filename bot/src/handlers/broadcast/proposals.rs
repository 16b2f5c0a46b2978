//! «📥 Предложено из ленты»: the notices the configured feed proposed, each
//! previewed as it would be pushed, then published or dismissed, once.

use chrono::{DateTime, Utc};
use medcab_core::UserId;
use medcab_core::audience;
use medcab_core::notices::{self, DecisionError, Notice, Status};
use medcab_core::outbox::Category;
use sqlx::PgPool;
use teloxide::prelude::*;

use super::{
    BcAction, Compose, operator_of, progress, record_refusal, refused, render_push, shorten,
    targets,
};
use crate::chat::Keyboard;
use crate::handlers::screen::{self, Screen, button};
use crate::handlers::{Action, ChatDialogue, HandlerError, HandlerResult, State};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;
use crate::user_ids::StoredId;

/// Proposals listed on one screen; the rest come once these are decided.
const PROPOSALS_SHOWN: usize = 20;
/// A proposal's title on its button, in characters.
const BUTTON_TITLE: usize = 48;

/// /notices: what the feed proposed.
pub async fn command(
    bot: Bot,
    msg: Message,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    if operator_of(&bot, &msg, t, &db, &services, "view_proposals")
        .await?
        .is_none()
    {
        return Ok(());
    }
    let screen = proposals_screen(t, &db, None).await?;
    screen::show(&bot, msg.chat.id, screen).await
}

/// A button of the proposals (the presser is an operator: checked before).
pub(super) async fn press(
    bot: &Bot,
    query: &CallbackQuery,
    dialogue: &ChatDialogue,
    t: Texts,
    db: &PgPool,
    services: &Services,
    action: BcAction,
) -> HandlerResult {
    let operator = query.from.stored()?;
    let now = services.clock.now();
    match action {
        BcAction::Proposals => {
            screen::answer(bot, query).await?;
            // From /notice's first question: that notice is not being written.
            if let Some(State::Broadcast(Compose::Notice(draft))) = dialogue.get().await?
                && draft.title.is_none()
            {
                dialogue.exit().await?;
            }
            let screen = proposals_screen(t, db, None).await?;
            screen::replace(bot, query, screen).await
        }
        BcAction::Proposal(id) => match notices::get(db, id).await? {
            Some(notice) if notice.status == Status::Proposed => {
                screen::answer(bot, query).await?;
                let screen = proposal_screen(t, db, &notice, services.clock.now()).await?;
                screen::replace(bot, query, screen).await
            }
            found => {
                let why = if found.is_some() {
                    "already_decided"
                } else {
                    "not_found"
                };
                record_refusal(db, operator, action.name(), why, now).await?;
                let text = match found {
                    Some(notice) => decided(t, notice.status),
                    None => t.msg("broadcast-proposal-not-found"),
                };
                screen::answer_with(bot, query, text).await
            }
        },
        BcAction::Publish(id) => match notices::approve(db, id, operator, now).await {
            Ok(published) => {
                screen::answer(bot, query).await?;
                let title = notices::get(db, id)
                    .await?
                    .map(|notice| notice.title)
                    .unwrap_or_default();
                let what = t.msg_with("broadcast-what-notice", [("title", Arg::Text(&title))]);
                progress::start(bot, query, db, services, t, published.broadcast_id, what).await
            }
            Err(error) => refuse_decision(bot, query, t, db, operator, action, error, now).await,
        },
        BcAction::Dismiss(id) => match notices::dismiss(db, id, operator, now).await {
            Ok(()) => {
                screen::answer(bot, query).await?;
                let heading = t.msg("broadcast-proposal-dismissed");
                let screen = proposals_screen(t, db, Some(heading)).await?;
                screen::replace(bot, query, screen).await
            }
            Err(error) => refuse_decision(bot, query, t, db, operator, action, error, now).await,
        },
        // Not a proposal's button (the caller routes only those here).
        _ => screen::answer_with(bot, query, t.msg("button-outdated")).await,
    }
}

/// The feed's proposals, under an optional heading.
async fn proposals_screen(
    t: Texts,
    db: &PgPool,
    heading: Option<String>,
) -> Result<Screen, HandlerError> {
    let proposals = notices::proposed(db).await?;
    let mut text = heading.map(|h| h + "\n\n").unwrap_or_default();
    if proposals.is_empty() {
        text.push_str(&t.msg("broadcast-proposals-none"));
        return Ok(Screen {
            text,
            keyboard: Keyboard::default(),
        });
    }
    text.push_str(&t.msg_with(
        "broadcast-proposals-title",
        [("count", Arg::count(proposals.len()))],
    ));
    let rows = proposals
        .iter()
        .take(PROPOSALS_SHOWN)
        .enumerate()
        .map(|(n, notice)| {
            // A label is plain text, not HTML: the title goes in as is.
            let label = format!("{}. {}", n + 1, shorten(&notice.title, BUTTON_TITLE));
            vec![button(label, Action::Bc(BcAction::Proposal(notice.id)))]
        })
        .collect::<Vec<_>>();
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// A proposal as it would be pushed, with whom it reaches and its buttons.
async fn proposal_screen(
    t: Texts,
    db: &PgPool,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<Screen, HandlerError> {
    let push = render_push(
        t,
        &notices::payload(&notice.title, &notice.summary, notice.link.as_deref()),
    );
    let count = {
        let mut conn = db.acquire().await?;
        audience::count(&mut conn, &notice.audience, Category::Regulation, now).await?
    };
    let text = format!(
        "{}\n\n{push}\n\n{}",
        t.msg("broadcast-proposal-heading"),
        targets(
            t,
            notice.audience.specialties(),
            notice.audience.regions(),
            count
        )
    );
    let keyboard = Keyboard::new([
        vec![
            button(
                t.msg("broadcast-publish"),
                Action::Bc(BcAction::Publish(notice.id)),
            ),
            button(
                t.msg("broadcast-dismiss"),
                Action::Bc(BcAction::Dismiss(notice.id)),
            ),
        ],
        vec![button(
            t.msg("broadcast-proposals-back"),
            Action::Bc(BcAction::Proposals),
        )],
    ]);
    Ok(Screen { text, keyboard })
}

fn decided(t: Texts, status: Status) -> String {
    match status {
        Status::Published => t.msg("broadcast-proposal-published"),
        Status::Dismissed => t.msg("broadcast-proposal-was-dismissed"),
        Status::Proposed => t.msg("broadcast-proposal-not-found"),
    }
}

/// A proposal that cannot be decided: answered and recorded.
#[allow(clippy::too_many_arguments)]
async fn refuse_decision(
    bot: &Bot,
    query: &CallbackQuery,
    t: Texts,
    db: &PgPool,
    operator: UserId,
    action: BcAction,
    error: DecisionError,
    now: DateTime<Utc>,
) -> HandlerResult {
    let (why, text) = match error {
        DecisionError::NotFound => ("not_found", t.msg("broadcast-proposal-not-found")),
        DecisionError::AlreadyDecided(status) => ("already_decided", decided(t, status)),
        // Refused and recorded by core: once is enough.
        DecisionError::Refused(refusal) => {
            return screen::answer_with(bot, query, refused(t, refusal)).await;
        }
        DecisionError::Db(error) => return Err(error.into()),
    };
    record_refusal(db, operator, action.name(), why, now).await?;
    screen::answer_with(bot, query, text).await
}
