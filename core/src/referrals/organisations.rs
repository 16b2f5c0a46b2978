//! Which organisation an operator works for: table
//! `operator_organisations`, written by `medcab admin grant-operator
//! --organisation OGRN`. The operators of an organisation receive the
//! referrals sent to it and decide them. One organisation per operator; a
//! revoked operator is nobody's (every read joins `operators`).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::UserId;
use crate::domain::Ogrn;

/// Binds an operator to an organisation (replacing an earlier binding).
/// The operator must hold the role: `false` when they do not.
pub async fn bind(
    db: &PgPool,
    operator: UserId,
    ogrn: &Ogrn,
    bound_by: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let written = sqlx::query!(
        r#"
        INSERT INTO operator_organisations (operator_id, ogrn, bound_at, bound_by)
        SELECT telegram_user_id, $2, $3, $4 FROM operators
        WHERE telegram_user_id = $1 AND revoked_at IS NULL
        ON CONFLICT (operator_id) DO UPDATE
            SET ogrn = EXCLUDED.ogrn, bound_at = EXCLUDED.bound_at, bound_by = EXCLUDED.bound_by
        "#,
        operator.get(),
        ogrn.digits(),
        now,
        bound_by,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(written > 0)
}

/// The ОГРН of the organisation an operator (with the role now) is bound to.
pub async fn of_operator(db: &PgPool, operator: UserId) -> Result<Option<String>, sqlx::Error> {
    of_operator_in(&mut *db.acquire().await?, operator).await
}

pub(crate) async fn of_operator_in(
    db: &mut PgConnection,
    operator: UserId,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT o.ogrn FROM operator_organisations o
        JOIN operators p ON p.telegram_user_id = o.operator_id AND p.revoked_at IS NULL
        WHERE o.operator_id = $1
        "#,
        operator.get(),
    )
    .fetch_optional(db)
    .await
}

/// The operators (with the role now) of an organisation: whom its
/// referrals are pushed to.
pub(crate) async fn operators_of(
    db: &mut PgConnection,
    ogrn: &str,
) -> Result<Vec<UserId>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT o.operator_id AS "operator_id: UserId" FROM operator_organisations o
        JOIN operators p ON p.telegram_user_id = o.operator_id AND p.revoked_at IS NULL
        WHERE o.ogrn = $1
        ORDER BY o.operator_id
        "#,
        ogrn,
    )
    .fetch_all(db)
    .await
}
