//! Which organisation an operator works for: table
//! `operator_organisations`, written by `medcab admin grant-operator
//! --organisation OGRN`. The operators of an organisation receive the
//! referrals sent to it and decide them. One organisation per operator; a
//! revoked operator is nobody's (every read joins `operators`, and the
//! revocation deletes the binding: a later grant binds afresh or not at
//! all).

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

/// A revoked operator's binding goes with the role (in the revocation's
/// transaction): granted again, they work for an organisation only if the
/// new grant names it.
pub(crate) async fn unbind(tx: &mut PgConnection, operator: UserId) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM operator_organisations WHERE operator_id = $1",
        operator.get()
    )
    .execute(tx)
    .await?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::fixtures::noon;
    use crate::operators;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_revoked_operator_granted_again_works_for_no_organisation(db: PgPool) {
        let olga = UserId::from_stored(7001);
        let ogrn = Ogrn::parse("1027700132195").unwrap();
        operators::grant(&db, olga, "test", noon()).await.unwrap();
        assert!(bind(&db, olga, &ogrn, "test", noon()).await.unwrap());
        assert_eq!(
            of_operator(&db, olga).await.unwrap().as_deref(),
            Some("1027700132195")
        );
        operators::revoke(&db, olga, noon()).await.unwrap();
        assert_eq!(of_operator(&db, olga).await.unwrap(), None);
        operators::grant(&db, olga, "test", noon()).await.unwrap();
        assert_eq!(
            of_operator(&db, olga).await.unwrap(),
            None,
            "a grant for review alone does not bring the old inbox back"
        );
    }
}
