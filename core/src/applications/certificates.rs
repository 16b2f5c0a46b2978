//! Which справка or выписка a certificate request asks for.
//!
//! Owns the table `certificate_requests`: one row per application of kind
//! [`Kind::CertificateRequest`], gone with it. Asked when the request is
//! made, so neither the practitioner nor the operator has to guess.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{Application, ApplicationError, Kind, create};
use crate::UserId;
use crate::crypto::Vault;

/// A certificate or an extract a practitioner may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certificate {
    /// An extract from the register of medical workers (ФРМР): who they
    /// are, their education, where they work.
    FrmrExtract,
    /// An extract of the accreditation record: which specialty, until when.
    AccreditationExtract,
    /// A statement of the НМО points (ЗЕТ) earned in the current cycle.
    NmoStatement,
}

impl Certificate {
    pub const ALL: [Certificate; 3] = [
        Certificate::FrmrExtract,
        Certificate::AccreditationExtract,
        Certificate::NmoStatement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Certificate::FrmrExtract => "frmr_extract",
            Certificate::AccreditationExtract => "accreditation_extract",
            Certificate::NmoStatement => "nmo_statement",
        }
    }

    pub fn parse(text: &str) -> Option<Certificate> {
        Certificate::ALL
            .into_iter()
            .find(|certificate| certificate.as_str() == text)
    }
}

/// Opens a draft certificate request for `certificate` (the rules of
/// [`create`] apply). The choice is written right after the application:
/// should that fail, the request stays, and [`of`] says nothing was chosen.
pub async fn request(
    db: &PgPool,
    vault: &Vault,
    owner_id: UserId,
    certificate: Certificate,
    now: DateTime<Utc>,
) -> Result<Application, ApplicationError> {
    let app = create(db, vault, owner_id, Kind::CertificateRequest, now).await?;
    sqlx::query!(
        "INSERT INTO certificate_requests (application_id, certificate) VALUES ($1, $2)",
        app.id,
        certificate.as_str(),
    )
    .execute(db)
    .await?;
    Ok(app)
}

/// What a request of the practitioner's asks for; `None` for another's
/// application, another kind, or a request made before the question was.
pub async fn of(
    db: &PgPool,
    owner_id: UserId,
    application_id: i64,
) -> Result<Option<Certificate>, ApplicationError> {
    let code = sqlx::query_scalar!(
        r#"
        SELECT c.certificate FROM certificate_requests c
        JOIN applications a ON a.id = c.application_id
        WHERE c.application_id = $1 AND a.owner_id = $2
        "#,
        application_id,
        owner_id.get(),
    )
    .fetch_optional(db)
    .await?;
    Ok(code.as_deref().and_then(Certificate::parse))
}

/// The same, for an operator reviewing the application (the caller has
/// checked the reader, as every `*_for_review` read).
pub async fn of_for_review(
    db: &PgPool,
    application_id: i64,
) -> Result<Option<Certificate>, ApplicationError> {
    let code = sqlx::query_scalar!(
        "SELECT certificate FROM certificate_requests WHERE application_id = $1",
        application_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(code.as_deref().and_then(Certificate::parse))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataKey, accounts};
    use chrono::TimeZone as _;

    #[test]
    fn codes_round_trip() {
        for certificate in Certificate::ALL {
            assert_eq!(Certificate::parse(certificate.as_str()), Some(certificate));
        }
        assert_eq!(Certificate::parse("diploma"), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_request_keeps_what_it_asks_for_and_only_its_owner_reads_it(db: PgPool) {
        let vault = Vault::new(&DataKey::generate());
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        accounts::open(&db, UserId::from_stored(7), now)
            .await
            .unwrap();
        accounts::open(&db, UserId::from_stored(8), now)
            .await
            .unwrap();

        let app = request(
            &db,
            &vault,
            UserId::from_stored(7),
            Certificate::NmoStatement,
            now,
        )
        .await
        .unwrap();

        assert_eq!(app.kind, Kind::CertificateRequest);
        assert_eq!(
            of(&db, UserId::from_stored(7), app.id).await.unwrap(),
            Some(Certificate::NmoStatement)
        );
        assert_eq!(of(&db, UserId::from_stored(8), app.id).await.unwrap(), None);
        assert_eq!(
            of_for_review(&db, app.id).await.unwrap(),
            Some(Certificate::NmoStatement)
        );
    }
}
