//! A handler that fails gives its update's claim back (`updates::release`),
//! so that a redelivery of the update is handled rather than skipped as
//! done. Why that is safe: `medcab_core::updates`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::panic::Location;

use medcab_core::updates;
use sqlx::PgPool;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, HandlerSignature, Type};
use teloxide::types::Update;

use super::HandlerError;

/// Runs the rest of the chain; on an error, releases the claim, then
/// passes the error on to the error handler.
#[track_caller]
pub fn on_failure() -> UpdateHandler<HandlerError> {
    let location = Location::caller();
    dptree::from_fn(
        |deps: dptree::di::DependencyMap, cont| async move {
            let update: std::sync::Arc<Update> = deps.get();
            let db: std::sync::Arc<PgPool> = deps.get();
            let result = cont(deps).await;
            if let ControlFlow::Break(Err(error)) = &result {
                tracing::warn!(update_id = update.id.0, %error, "an update failed; releasing its claim");
                if let Err(error) = updates::release(&db, i64::from(update.id.0)).await {
                    tracing::error!(%error, "cannot release a failed update's claim");
                }
            }
            result
        },
        HandlerSignature::Other {
            obligations: BTreeMap::from([
                (Type::of::<Update>(), location),
                (Type::of::<PgPool>(), location),
            ]),
            guaranteed_outcomes: BTreeSet::new(),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}
