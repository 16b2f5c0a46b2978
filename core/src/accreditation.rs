//! A practitioner's accreditation as the «Аккредитация» screen and the
//! reminders see it: the facts gathered from the register and the
//! documents on file, and the practitioner's word on their report.
//!
//! Owns the table `report_agreements`: whether the report on professional
//! activity is agreed with the head of the organisation, which moves the
//! month to file in ([`crate::qualification::filing_month`]). Not said is
//! taken as not agreed: the earlier month, so that nobody misses the
//! later one by not answering.
//!
//! The rules are [`crate::qualification::status`]'s; this module only
//! reads what they need — the register's entry
//! ([`Registry::accreditation_of`]: the imported copy or the register
//! online, as configured) and the accreditation documents
//! ([`documents::accreditations`]), each through the module owning its
//! table.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::crypto::Vault;
use crate::qualification::{
    self, AccreditationStatus, Known, RegisterAccreditation, ReportAgreement,
};
use crate::registry::Registry;
use crate::{UserId, documents};

/// Where the practitioner's accreditation stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Neither the register nor a document on file says anything.
    Nothing,
    /// The register has an accreditation number but no date, and no
    /// document on file gives one.
    NumberWithoutDate,
    Known(AccreditationStatus),
}

/// The accreditation in force for `user_id` (register or document, the
/// longest lasting), without a day. A register that cannot answer now
/// counts as saying nothing (logged): the documents still give a period,
/// and the screen still opens.
pub async fn known(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    user_id: UserId,
) -> Result<Known, sqlx::Error> {
    let register = match registry.accreditation_of(db, vault, user_id).await {
        Ok(register) => register,
        Err(error) => {
            tracing::warn!(%error, "the register cannot say when the accreditation runs out");
            RegisterAccreditation::default()
        }
    };
    let documents = documents::accreditations(db, user_id).await?;
    Ok(qualification::current(register, &documents))
}

/// Where `user_id`'s accreditation stands `today` (Moscow), with their
/// report as they said it is.
pub async fn standing(
    db: &PgPool,
    vault: &Vault,
    registry: &Registry,
    user_id: UserId,
    today: NaiveDate,
) -> Result<Standing, sqlx::Error> {
    Ok(match known(db, vault, registry, user_id).await? {
        Known::Nothing => Standing::Nothing,
        Known::NumberWithoutDate => Standing::NumberWithoutDate,
        Known::Accreditation(accreditation) => {
            let report = report_agreement(db, user_id).await?;
            Standing::Known(qualification::status(accreditation, report, today))
        }
    })
}

fn agreement(agreed: bool) -> ReportAgreement {
    if agreed {
        ReportAgreement::Agreed
    } else {
        ReportAgreement::NotAgreed
    }
}

/// What the practitioner said of their report; not said is not agreed.
pub async fn report_agreement(
    db: &PgPool,
    user_id: UserId,
) -> Result<ReportAgreement, sqlx::Error> {
    let agreed = sqlx::query_scalar!(
        "SELECT agreed FROM report_agreements WHERE telegram_user_id = $1",
        user_id.get(),
    )
    .fetch_optional(db)
    .await?;
    Ok(agreement(agreed.unwrap_or(false)))
}

/// What many practitioners said of their reports (the day's reminders).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reports(HashMap<UserId, ReportAgreement>);

impl Reports {
    /// One practitioner's; not said is not agreed.
    pub fn of(&self, user_id: UserId) -> ReportAgreement {
        self.0
            .get(&user_id)
            .copied()
            .unwrap_or(ReportAgreement::NotAgreed)
    }
}

/// [`report_agreement`] for many practitioners at once.
pub async fn report_agreements(db: &PgPool, users: &[UserId]) -> Result<Reports, sqlx::Error> {
    let ids: Vec<i64> = users.iter().map(|user| user.get()).collect();
    let rows = sqlx::query!(
        r#"
        SELECT telegram_user_id AS "user_id: UserId", agreed
        FROM report_agreements WHERE telegram_user_id = ANY($1)
        "#,
        &ids,
    )
    .fetch_all(db)
    .await?;
    Ok(Reports(
        rows.into_iter()
            .map(|row| (row.user_id, agreement(row.agreed)))
            .collect(),
    ))
}

/// Records what the practitioner says of their report. A practitioner
/// without an account (erased meanwhile) has nothing to record it for:
/// `false`.
pub async fn set_report_agreement(
    db: &PgPool,
    user_id: UserId,
    report: ReportAgreement,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let written = sqlx::query!(
        r#"
        INSERT INTO report_agreements (telegram_user_id, agreed, updated_at)
        SELECT telegram_user_id, $2, $3 FROM accounts WHERE telegram_user_id = $1
        ON CONFLICT (telegram_user_id) DO UPDATE SET agreed = $2, updated_at = $3
        "#,
        user_id.get(),
        report == ReportAgreement::Agreed,
        now,
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(written > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataKey;
    use crate::audience::fixtures::*;
    use crate::qualification::{Source, Stage};

    fn local(db: &PgPool) -> (Vault, Registry) {
        let vault = Vault::new(&DataKey::generate());
        let registry = Registry::Local {
            db: db.clone(),
            vault: vault.clone(),
        };
        (vault, registry)
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_register_gives_the_standing_and_the_report_moves_the_filing_month(db: PgPool) {
        let until = date(2027, 5, 20);
        add_accredited(&db, 1, until).await;
        let anna = UserId::from_stored(1);
        let today = date(2027, 2, 10);
        let (vault, registry) = local(&db);
        let Standing::Known(status) = standing(&db, &vault, &registry, anna, today).await.unwrap()
        else {
            panic!("known");
        };
        assert_eq!(status.source, Source::Register);
        assert_eq!(status.period.valid_until(), until);
        assert_eq!(status.report, ReportAgreement::NotAgreed, "not said");
        assert_eq!(status.stage, Stage::FilingMonth, "February: three months");

        let now = at("2027-02-10T09:00:00Z");
        assert!(
            set_report_agreement(&db, anna, ReportAgreement::Agreed, now)
                .await
                .unwrap()
        );
        let Standing::Known(status) = standing(&db, &vault, &registry, anna, today).await.unwrap()
        else {
            panic!("known");
        };
        assert_eq!(status.stage, Stage::Collecting, "agreed: March");
        let reports = report_agreements(&db, &[anna, UserId::from_stored(2)])
            .await
            .unwrap();
        assert_eq!(reports.of(anna), ReportAgreement::Agreed);
        assert_eq!(
            reports.of(UserId::from_stored(2)),
            ReportAgreement::NotAgreed
        );
        // Back to not agreed: one row, changed.
        set_report_agreement(&db, anna, ReportAgreement::NotAgreed, now)
            .await
            .unwrap();
        assert_eq!(
            report_agreement(&db, anna).await.unwrap(),
            ReportAgreement::NotAgreed
        );
        assert!(
            !set_report_agreement(&db, UserId::from_stored(9), ReportAgreement::Agreed, now)
                .await
                .unwrap(),
            "no account, nothing recorded"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn an_unconfirmed_applicant_sees_nothing_of_the_registers_entry(db: PgPool) {
        add(
            &db,
            &Practitioner {
                accreditation_valid_until: Some(date(2027, 5, 20)),
                confirmed: false,
                ..practitioner(1)
            },
        )
        .await;
        let (vault, registry) = local(&db);
        assert_eq!(
            standing(
                &db,
                &vault,
                &registry,
                UserId::from_stored(1),
                date(2027, 1, 1)
            )
            .await
            .unwrap(),
            Standing::Nothing
        );
    }

    /// With the register online (`MEDCAB_REGISTRY_URL`), the screen's
    /// standing and the hours' period come from the same answer: the
    /// imported copy (empty here) is not read.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_register_online_gives_the_screen_and_the_hours_one_period(db: PgPool) {
        use axum::routing::get;

        use crate::domain::Snils;
        use crate::qualification::{Requirements, standing as hours};

        let app = axum::Router::new().route(
            "/api/practitioners/{snils}",
            get(|| async {
                axum::Json(serde_json::json!({
                    "snils": "11223344595",
                    "full_name": "Иванова Анна Сергеевна",
                    "birth_date": "1985-03-14",
                    "specialty": "Терапия",
                    "position": "Врач-терапевт",
                    "organisation": "ГБУЗ ГП № 5",
                    "region": "Москва",
                    "accreditation_number": "7724 031234567",
                    "accreditation_valid_until": "2027-05-20"
                }))
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let registry = Registry::Http(crate::registry::HttpRegistry::new(
            format!("http://{address}/api").parse().unwrap(),
        ));
        let vault = Vault::new(&DataKey::generate());

        let anna = UserId::from_stored(1);
        sqlx::query(
            "INSERT INTO accounts (telegram_user_id, step, created_at) VALUES (1, 'snils', $1)",
        )
        .bind(noon())
        .execute(&db)
        .await
        .unwrap();
        crate::accounts::set_snils(&db, &vault, anna, &Snils::parse("112-233-445 95").unwrap())
            .await
            .unwrap();
        let today = date(2027, 2, 10);
        assert_eq!(
            standing(&db, &vault, &registry, anna, today).await.unwrap(),
            Standing::Nothing,
            "not confirmed yet: the register's entry is not theirs to see"
        );

        sqlx::query("UPDATE accounts SET linked_at = $1, confirmed_at = $1, step = 'active'")
            .bind(noon())
            .execute(&db)
            .await
            .unwrap();
        let Standing::Known(status) = standing(&db, &vault, &registry, anna, today).await.unwrap()
        else {
            panic!("the register online names the accreditation");
        };
        assert_eq!(status.source, Source::Register);
        assert_eq!(status.period.valid_until(), date(2027, 5, 20));
        let counted = hours::standing(&db, &vault, &registry, anna, Requirements::default(), today)
            .await
            .unwrap();
        assert_eq!(counted.basis.period(), status.period);
    }
}
