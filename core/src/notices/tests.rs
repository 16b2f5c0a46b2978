//! Regulatory notices: drafts checked, published with their pushes in one
//! transaction, feed items proposed once and decided once.

use sqlx::PgPool;

use super::*;
use crate::UserId;
use crate::audience::fixtures::*;
use crate::broadcasts;

const OLGA: UserId = UserId::from_stored(5001);
const IRINA: UserId = UserId::from_stored(5002);
const FEED: &str = "https://minzdrav.gov.ru/rss";

fn draft(specialties: &[&str], regions: &[&str]) -> NoticeDraft {
    NoticeDraft::parse(
        "Приказ № 123н",
        "Изменён порядок периодической аккредитации.",
        Some("https://minzdrav.gov.ru/documents/123"),
        specialties,
        regions,
    )
    .unwrap()
}

fn item(key: &str, title: &str) -> FeedItem {
    FeedItem {
        key: key.into(),
        title: title.into(),
        summary: format!("{title}: подробности"),
        link: Some(format!("https://minzdrav.gov.ru/{key}")),
    }
}

/// The feed's proposal of one item, then two operators (Olga and Irina), so
/// that they are not told of it; the proposal's id.
async fn proposed_to_two_operators(db: &PgPool) -> i64 {
    propose_from_feed(db, FEED, &[item("a", "Приказ")], noon())
        .await
        .unwrap();
    staff(db, OLGA).await;
    staff(db, IRINA).await;
    proposed(db).await.unwrap()[0].id
}

async fn pushes(db: &PgPool) -> Vec<(i64, String, serde_json::Value)> {
    sqlx::query_as("SELECT chat_id, kind, payload FROM outbox ORDER BY chat_id, id")
        .fetch_all(db)
        .await
        .unwrap()
}

#[test]
fn a_draft_names_what_to_fix() {
    let parse = |title: &str, summary: &str, link: Option<&str>| {
        NoticeDraft::parse(title, summary, link, &[] as &[&str], &[])
    };
    assert_eq!(parse("  ", "s", None), Err(NoticeRejection::TitleEmpty));
    assert_eq!(
        parse(&"я".repeat(201), "s", None),
        Err(NoticeRejection::TitleTooLong { max: 200 })
    );
    assert!(parse(&"я".repeat(200), "s", None).is_ok(), "200 is fine");
    assert_eq!(parse("t", " \n", None), Err(NoticeRejection::SummaryEmpty));
    assert_eq!(
        parse("t", &"я".repeat(1501), None),
        Err(NoticeRejection::SummaryTooLong { max: 1500 })
    );
    assert_eq!(
        parse("t", "s", Some("minzdrav.gov.ru")),
        Err(NoticeRejection::LinkNotUrl)
    );
    assert_eq!(
        parse("t", "s", Some("javascript:alert(1)")),
        Err(NoticeRejection::LinkNotHttp)
    );
    assert_eq!(
        parse("t", "s", Some("ftp://example.org/a")),
        Err(NoticeRejection::LinkNotHttp)
    );
    assert_eq!(
        parse(
            "t",
            "s",
            Some(&format!("https://e.org/{}", "a".repeat(500)))
        ),
        Err(NoticeRejection::LinkTooLong { max: 500 })
    );
    let ok = parse(" Заголовок ", " Текст ", Some(" ")).unwrap();
    assert_eq!(
        (ok.title(), ok.summary(), ok.link()),
        ("Заголовок", "Текст", None)
    );
    assert!(ok.audience().is_everyone());
    assert_eq!(
        NoticeDraft::parse("t", "s", None, &["x".repeat(201)], &[]),
        Err(NoticeRejection::TargetTooLong { max: 200 })
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_published_notice_reaches_its_specialty_and_region_only(db: PgPool) {
    staff(&db, OLGA).await;
    add(&db, &practitioner(1)).await;
    add(
        &db,
        &Practitioner {
            specialty: "Хирургия",
            ..practitioner(2)
        },
    )
    .await;
    add(
        &db,
        &Practitioner {
            region: "Тверская область",
            ..practitioner(3)
        },
    )
    .await;
    add(&db, &practitioner(4)).await;
    settings(&db, 4, |s| s.regulation = false).await;

    let draft = draft(&["терапия"], &["Москва"]);
    assert_eq!(preview_count(&db, &draft, noon()).await.unwrap().total, 1);
    let published = publish(&db, &draft, Source::Operator(OLGA), noon())
        .await
        .unwrap();
    assert_eq!(published.total, 1);

    let rows = pushes(&db).await;
    assert_eq!(rows.len(), 1);
    let (chat, kind, payload) = &rows[0];
    assert_eq!((*chat, kind.as_str()), (1, "regulatory_notice"));
    assert!(matches!(
        Payload::read(payload).unwrap().push,
        Push::RegulatoryNotice { has_link: true, .. }
    ));
    assert_eq!(payload["args"]["title"], "Приказ № 123н");
    assert_eq!(payload["args"]["has_link"], "yes");
    assert_eq!(
        payload["args"]["link"],
        "https://minzdrav.gov.ru/documents/123"
    );

    let notice = get(&db, published.notice_id).await.unwrap().unwrap();
    assert_eq!(notice.status, Status::Published);
    assert_eq!(notice.origin, Origin::Operator);
    assert_eq!(notice.created_by, Some(OLGA));
    assert_eq!(notice.audience.specialties(), ["терапия"]);
    let progress = broadcasts::progress(&db, published.broadcast_id, noon())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((progress.total, progress.pending), (1, 1));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_cli_publishes_to_everyone(db: PgPool) {
    for id in [1, 2] {
        add(&db, &practitioner(id)).await;
    }
    let published = publish(&db, &draft(&[], &[]), Source::Cli, noon())
        .await
        .unwrap();
    assert_eq!(published.total, 2);
    let notice = get(&db, published.notice_id).await.unwrap().unwrap();
    assert_eq!((notice.origin, notice.created_by), (Origin::Cli, None));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_feed_read_twice_proposes_each_item_once(db: PgPool) {
    let items = [item("a", "Первый"), item("b", "Второй")];
    assert_eq!(
        propose_from_feed(&db, FEED, &items, noon()).await.unwrap(),
        2
    );
    assert_eq!(
        propose_from_feed(&db, FEED, &items, noon()).await.unwrap(),
        0
    );
    let more = [item("c", "Третий"), item("a", "Первый")];
    assert_eq!(
        propose_from_feed(&db, FEED, &more, noon()).await.unwrap(),
        1
    );
    // Another feed with the same item ids is another source.
    assert_eq!(
        propose_from_feed(&db, "https://other.example/rss", &items[..1], noon())
            .await
            .unwrap(),
        1
    );
    let proposed = proposed(&db).await.unwrap();
    let titles: Vec<&str> = proposed.iter().map(|n| n.title.as_str()).collect();
    // Feeds list the newest first; proposals go oldest first.
    assert_eq!(titles, ["Второй", "Первый", "Третий", "Первый"]);
    assert!(proposed.iter().all(|n| n.origin == Origin::Feed));
    assert!(proposed.iter().all(|n| n.status == Status::Proposed));
    assert!(
        pushes(&db).await.is_empty(),
        "nothing is sent before approval"
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_feed_parsed_and_proposed_twice_gives_no_duplicates(db: PgPool) {
    let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
        <item><title>Без guid и ссылки</title><description>Текст</description></item>
        <item><title>Со ссылкой</title><link>https://e.gov.ru/1</link></item>
        </channel></rss>"#;
    for expected in [2, 0] {
        let items = feed::parse(rss.as_bytes()).unwrap();
        assert_eq!(
            propose_from_feed(&db, FEED, &items, noon()).await.unwrap(),
            expected
        );
    }
    let proposed = proposed(&db).await.unwrap();
    assert_eq!(proposed.len(), 2);
    assert_eq!(proposed[0].summary, "Со ссылкой", "no summary: the title");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_proposal_is_approved_once_and_a_second_approval_is_refused(db: PgPool) {
    for id in [1, 2] {
        add(&db, &practitioner(id)).await;
    }
    let id = proposed_to_two_operators(&db).await;

    let published = approve(&db, id, OLGA, noon()).await.unwrap();
    assert_eq!(published.total, 2);
    assert!(matches!(
        approve(&db, id, IRINA, noon()).await,
        Err(DecisionError::AlreadyDecided(Status::Published))
    ));
    assert!(matches!(
        dismiss(&db, id, IRINA, noon()).await,
        Err(DecisionError::AlreadyDecided(Status::Published))
    ));
    assert!(matches!(
        approve(&db, 999, OLGA, noon()).await,
        Err(DecisionError::NotFound)
    ));
    assert_eq!(pushes(&db).await.len(), 2, "sent once");
    let notice = get(&db, id).await.unwrap().unwrap();
    assert_eq!(
        (notice.status, notice.decided_by),
        (Status::Published, Some(OLGA))
    );
    assert!(proposed(&db).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn two_operators_approving_at_once_send_it_once(db: PgPool) {
    for id in [1, 2, 3] {
        add(&db, &practitioner(id)).await;
    }
    let id = proposed_to_two_operators(&db).await;
    let (first, second) = tokio::join!(
        approve(&db, id, OLGA, noon()),
        approve(&db, id, IRINA, noon())
    );
    assert!(first.is_ok() != second.is_ok(), "{first:?} {second:?}");
    assert_eq!(pushes(&db).await.len(), 3);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_dismissed_proposal_sends_nothing_and_stays_dismissed(db: PgPool) {
    add(&db, &practitioner(1)).await;
    propose_from_feed(&db, FEED, &[item("a", "Приказ")], noon())
        .await
        .unwrap();
    // Operators after the proposal: they would be told of it.
    staff(&db, OLGA).await;
    let id = proposed(&db).await.unwrap()[0].id;
    dismiss(&db, id, OLGA, noon()).await.unwrap();
    assert!(matches!(
        approve(&db, id, OLGA, noon()).await,
        Err(DecisionError::AlreadyDecided(Status::Dismissed))
    ));
    assert!(pushes(&db).await.is_empty());
    // Read again, the dismissed item is not proposed again.
    assert_eq!(
        propose_from_feed(&db, FEED, &[item("a", "Приказ")], noon())
            .await
            .unwrap(),
        0
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn operators_are_told_when_the_feed_brings_something_new(db: PgPool) {
    for operator in [901, 902, 903].map(UserId::from_stored) {
        crate::operators::grant(&db, operator, "test", noon())
            .await
            .unwrap();
    }
    crate::operators::revoke(&db, UserId::from_stored(903), noon())
        .await
        .unwrap();
    let items = [item("a", "Первый"), item("b", "Второй")];
    propose_from_feed(&db, FEED, &items, noon()).await.unwrap();
    // Nothing new the second time: nobody is told again.
    propose_from_feed(&db, FEED, &items, noon()).await.unwrap();

    for (operator, told) in [(901, 1), (902, 1), (903, 0)] {
        let rows = crate::outbox::for_chat(&db, operator).await.unwrap();
        assert_eq!(rows.len(), told, "{operator}: {rows:?}");
        if let Some(row) = rows.first() {
            assert_eq!(row.kind, "feed_proposals");
            assert_eq!(
                Payload::read(&row.payload).unwrap().push,
                Push::FeedProposals { count: 2 }
            );
            assert_eq!(row.payload["args"]["count"], 2);
        }
    }
}

/// Publishing and deciding are audited in their own transaction: ids and
/// counts, no personal data; the CLI is no operator and leaves no row; a
/// decision refused leaves none either.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn what_an_operator_publishes_or_decides_is_audited(db: PgPool) {
    staff(&db, OLGA).await;
    use crate::operators::{self, AuditAction};
    add(&db, &practitioner(1)).await;
    add(&db, &practitioner(2)).await;

    let published = publish(&db, &draft(&[], &[]), Source::Operator(OLGA), noon())
        .await
        .unwrap();
    publish(&db, &draft(&[], &[]), Source::Cli, noon())
        .await
        .unwrap();
    propose_from_feed(
        &db,
        FEED,
        &[item("b", "Второй"), item("a", "Первый")],
        noon(),
    )
    .await
    .unwrap();
    let [first, second] = proposed(&db)
        .await
        .unwrap()
        .iter()
        .map(|notice| notice.id)
        .collect::<Vec<_>>()[..]
    else {
        panic!("two proposals");
    };
    let approved = approve(&db, first, OLGA, noon()).await.unwrap();
    dismiss(&db, second, OLGA, noon()).await.unwrap();
    assert!(approve(&db, second, OLGA, noon()).await.is_err());

    let audit = operators::audit_by_operator(&db, OLGA).await.unwrap();
    let rows: Vec<_> = audit
        .iter()
        .map(|row| (row.action, row.owner_id, row.details.clone()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                Some(AuditAction::NoticePublished),
                None,
                serde_json::json!({
                    "notice_id": published.notice_id,
                    "broadcast_id": published.broadcast_id,
                    "recipients": 2,
                })
            ),
            (
                Some(AuditAction::ProposalApproved),
                None,
                serde_json::json!({
                    "notice_id": first,
                    "broadcast_id": approved.broadcast_id,
                    "recipients": 2,
                })
            ),
            (
                Some(AuditAction::ProposalDismissed),
                None,
                serde_json::json!({ "notice_id": second })
            ),
        ]
    );
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM operator_audit")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(all, 3, "the CLI's notice is not an operator's");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_item_with_a_huge_id_is_proposed_once_and_does_not_block_the_feed(db: PgPool) {
    // Random, so PostgreSQL cannot compress it into the index.
    let noise: String = (0..100).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let huge = format!("https://minzdrav.example/doc?{noise}");
    let items = [item(&huge, "Длинный"), item("b", "Обычный")];
    assert_eq!(
        propose_from_feed(&db, FEED, &items, noon()).await.unwrap(),
        2
    );
    assert_eq!(
        propose_from_feed(&db, FEED, &items, noon()).await.unwrap(),
        0
    );
}

/// The staff check is core's too, inside the operation's transaction: an
/// operator revoked, or whose staff session closed, since the bot's own
/// check publishes and decides nothing, and the refusal is audited once.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn publishing_and_deciding_need_an_operator_with_an_open_staff_session(db: PgPool) {
    use crate::operators::{self, AuditAction};
    add(&db, &practitioner(1)).await;
    assert!(matches!(
        publish(&db, &draft(&[], &[]), Source::Operator(OLGA), noon()).await,
        Err(PublishError::Refused(StaffRefusal::NotOperator))
    ));
    propose_from_feed(&db, FEED, &[item("a", "Приказ")], noon())
        .await
        .unwrap();
    let id = proposed(&db).await.unwrap()[0].id;
    // An operator, but no staff session open.
    operators::grant(&db, OLGA, "test", noon()).await.unwrap();
    assert!(matches!(
        publish(&db, &draft(&[], &[]), Source::Operator(OLGA), noon()).await,
        Err(PublishError::Refused(StaffRefusal::NoStaffSession))
    ));
    assert!(matches!(
        approve(&db, id, OLGA, noon()).await,
        Err(DecisionError::Refused(StaffRefusal::NoStaffSession))
    ));
    assert!(matches!(
        dismiss(&db, id, OLGA, noon()).await,
        Err(DecisionError::Refused(StaffRefusal::NoStaffSession))
    ));
    let broadcasts: i64 = sqlx::query_scalar("SELECT count(*) FROM broadcasts")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(broadcasts, 0, "nothing was sent");
    assert_eq!(proposed(&db).await.unwrap().len(), 1, "nothing was decided");
    let refused: Vec<String> = operators::audit_by_operator(&db, OLGA)
        .await
        .unwrap()
        .into_iter()
        .filter(|record| record.action == Some(AuditAction::Refused))
        .map(|record| record.details["attempted"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        refused,
        [
            "publish_notice",
            "publish_notice",
            "publish_proposal",
            "dismiss_proposal"
        ]
    );
    // With the session open, the same proposal is published.
    staff(&db, OLGA).await;
    approve(&db, id, OLGA, noon()).await.unwrap();
}
