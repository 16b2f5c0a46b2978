//! «📥 Предложено из ленты»: the notices the configured feed proposed, each
//! previewed as it would be pushed, then published or dismissed, once.

use chrono::{DateTime, Utc};
use medcab_core::audience;
use medcab_core::notices::{self, DecisionError, Notice, Status};
use medcab_core::outbox::Category;
use sqlx::PgPool;

use super::{
    BcAction, Compose, operator_of, progress, record_refusal, refused, render_push, shorten,
    targets,
};
use crate::chat::Keyboard;
use crate::chat::Press;
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError, HandlerResult, State, Turn};
use crate::i18n::{Arg, Texts};

/// Proposals listed on one screen; the rest come once these are decided.
const PROPOSALS_SHOWN: usize = 20;
/// A proposal's title on its button, in characters.
const BUTTON_TITLE: usize = 48;

/// /notices: what the feed proposed.
pub async fn command(turn: Turn) -> HandlerResult {
    if operator_of(&turn, "view_proposals").await?.is_none() {
        return Ok(());
    }
    let Turn { ui, t, db, .. } = turn;
    let screen = proposals_screen(t, &db, None).await?;
    ui.show(screen).await
}

/// A button of the proposals (the presser is an operator: checked before).
pub(super) async fn press(turn: &Turn, press: &Press, action: BcAction) -> HandlerResult {
    let Turn {
        ui,
        user: operator,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let (operator, t) = (*operator, *t);
    let now = services.clock.now();
    match action {
        BcAction::Proposals => {
            ui.answer(press).await?;
            // From /notice's first question: that notice is not being written.
            if let Some(State::Broadcast(Compose::Notice(draft))) = dialogue.get().await?
                && draft.title.is_none()
            {
                dialogue.exit().await?;
            }
            let screen = proposals_screen(t, db, None).await?;
            ui.replace(press, screen).await
        }
        BcAction::Proposal(id) => match notices::get(db, id).await? {
            Some(notice) if notice.status == Status::Proposed => {
                ui.answer(press).await?;
                let screen = proposal_screen(t, db, &notice, services.clock.now()).await?;
                ui.replace(press, screen).await
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
                ui.answer_with(press, text).await
            }
        },
        BcAction::Publish(id) => match notices::approve(db, id, operator, now).await {
            Ok(published) => {
                ui.answer(press).await?;
                let title = notices::get(db, id)
                    .await?
                    .map(|notice| notice.title)
                    .unwrap_or_default();
                let what = t.msg_with("broadcast-what-notice", [("title", Arg::Text(&title))]);
                progress::start(turn, press, published.broadcast_id, what).await
            }
            Err(error) => refuse_decision(turn, press, action, error, now).await,
        },
        BcAction::Dismiss(id) => match notices::dismiss(db, id, operator, now).await {
            Ok(()) => {
                ui.answer(press).await?;
                let heading = t.msg("broadcast-proposal-dismissed");
                let screen = proposals_screen(t, db, Some(heading)).await?;
                ui.replace(press, screen).await
            }
            Err(error) => refuse_decision(turn, press, action, error, now).await,
        },
        // Not a proposal's button (the caller routes only those here).
        _ => ui.answer_with(press, t.msg("button-outdated")).await,
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
async fn refuse_decision(
    turn: &Turn,
    press: &Press,
    action: BcAction,
    error: DecisionError,
    now: DateTime<Utc>,
) -> HandlerResult {
    let Turn {
        ui,
        user: operator,
        t,
        db,
        ..
    } = turn;
    let (operator, t) = (*operator, *t);
    let (why, text) = match error {
        DecisionError::NotFound => ("not_found", t.msg("broadcast-proposal-not-found")),
        DecisionError::AlreadyDecided(status) => ("already_decided", decided(t, status)),
        // Refused and recorded by core: once is enough.
        DecisionError::Refused(refusal) => {
            return ui.answer_with(press, refused(t, refusal)).await;
        }
        DecisionError::Db(error) => return Err(error.into()),
    };
    record_refusal(db, operator, action.name(), why, now).await?;
    ui.answer_with(press, text).await
}
