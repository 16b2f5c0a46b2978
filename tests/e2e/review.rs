//! Operators review applications in their own chat: /review takes the
//! oldest submitted one, the card shows it with its documents, a decision
//! reaches the practitioner's chat as a push; and every operator command
//! and button is refused to anyone else, forged or not.

use chrono::NaiveDate;
use medcab_core::UserId;
use medcab_core::applications::{self, Application, Kind, Status};
use medcab_core::documents::{self, DEFAULT_MAX_BYTES, DocumentKind, DocumentMeta, Stored};
use medcab_core::operators::{self, AuditAction};
use medcab_core::security_events;
use medcab_e2e::Says;
use medcab_e2e::{Phone, TestApp, valid_snils};
use medcab_sandbox::ChatMessage;
use sqlx::PgPool;

use crate::ru;

const APPROVE: &str = "✅ Одобрить";
const REJECT: &str = "❌ Отклонить";
const MORE: &str = "📎 Запросить документы";
const OPERATORS_ONLY: &str = "Это действие доступно только сотрудникам, проверяющим заявки.";
/// A refused staff command or typed answer: why, and where one's own
/// commands are.
const STAFF_ONLY: &str = "Это доступно только сотрудникам, которые проверяют заявки и рассылают уведомления, — у вашего аккаунта такой роли нет. Ваши команды — в /help.";

/// Stores the documents an activation needs and submits one, through core
/// (the practitioner's side of the chat is another conversation).
async fn submitted_activation(app: &TestApp, owner: &Phone<'_>) -> Application {
    let now = app.clock.now();
    for &kind in Kind::Activation.required_documents() {
        let number = match kind {
            DocumentKind::Passport => "4510 123456",
            DocumentKind::Snils => "112-233-445 95",
            _ => "77 0012345",
        };
        let meta = DocumentMeta {
            kind,
            number: Some(number.into()),
            issued_on: NaiveDate::from_ymd_opt(2020, 6, 30),
            valid_until: None,
            issuer: Some("ГУ МВД <России>".into()),
        };
        let file = format!(
            "%PDF-1.4\n1 0 obj ({} {}) endobj\ntrailer <<>>\n%%EOF\n",
            owner.id(),
            kind.as_str()
        );
        let stored = documents::store(
            &app.db,
            &app.vault,
            owner.user_id(),
            &meta,
            file.as_bytes(),
            Some("scan.pdf"),
            now,
            DEFAULT_MAX_BYTES,
        )
        .await
        .unwrap();
        assert!(matches!(stored, Stored::New(_)));
    }
    let draft = applications::create(&app.db, &app.vault, owner.user_id(), Kind::Activation, now)
        .await
        .unwrap();
    applications::submit(&app.db, &app.vault, owner.user_id(), draft.id, now)
        .await
        .unwrap()
}

/// A staff member with the operator role, not a practitioner.
/// Saves a practitioner's profile through core, as if filled in earlier.
async fn save_profile(app: &TestApp, owner: UserId, full_name: &str) {
    use medcab_core::history::Actor;
    use medcab_core::profile::{self, ProfileDraft};
    let draft = ProfileDraft {
        full_name: Some(full_name.to_owned()),
        birth_date: Some("14.03.1985".into()),
        address: Some("г. Москва, ул. Ленина, д. 1, кв. 2".into()),
        email: None,
        inn: None,
        passport: Some("4510 123456".into()),
        passport_issued_on: Some("30.06.2020".into()),
        division_code: Some("770-001".into()),
        passport_issued_by: Some("ОВД района Арбат г. Москвы".into()),
    };
    let today = medcab_core::clock::moscow_today(app.clock.now());
    let profile = profile::validate(&draft, today).expect("a valid profile");
    profile::save(
        &app.db,
        &app.vault,
        owner,
        &profile,
        Actor::Practitioner(owner),
        app.clock.now(),
    )
    .await
    .expect("the profile is saved");
}

async fn operator<'a>(app: &'a TestApp, name: &str) -> Phone<'a> {
    let phone = app.user(name, "ru").await;
    grant(app, &phone).await;
    phone
}

/// The role, with the staff factor enrolled and a staff session open now.
async fn grant(app: &TestApp, phone: &Phone<'_>) {
    app.grant_operator(phone.user_id()).await;
    app.open_staff_session(phone.user_id()).await;
}

async fn status(app: &TestApp, application: &Application) -> Status {
    applications::get(&app.db, &app.vault, application.owner_id, application.id)
        .await
        .unwrap()
        .status
}

/// Waits for the push about `number` with this status in the practitioner's chat.
async fn push(phone: &Phone<'_>, number: &str, status: &str) -> ChatMessage {
    let expected = format!("Заявка {number}: {status}");
    let chat = phone
        .wait_for(|chat| chat.bot_messages().any(|m| m.body().starts_with(&expected)))
        .await;
    chat.bot_messages()
        .find(|m| m.body().starts_with(&expected))
        .cloned()
        .unwrap()
}

/// The security events recorded for refused operator actions.
async fn refusals(app: &TestApp, user_id: UserId) -> usize {
    security_events::kinds_for(&app.db, user_id)
        .await
        .unwrap()
        .iter()
        .filter(|kind| *kind == "operator_action_refused")
        .count()
}

/// The operator audit's refusals of this user, with the reason core gave.
async fn audited_refusals(app: &TestApp, user_id: UserId) -> Vec<String> {
    operators::audit_by_operator(&app.db, user_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == Some(AuditAction::Refused))
        .map(|row| row.details["why"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[medcab_e2e::test]
async fn an_operator_reviews_and_approves_an_application(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let submitted = submitted_activation(&app, &anna).await;
    push(&anna, &submitted.number, "подана").await;
    let olga = operator(&app, "Ольга").await;
    // No profile yet: the card names her as the register does.
    app.register(
        &valid_snils(anna.id()),
        "Иванова Анна Сергеевна",
        "+79990001122",
    )
    .await;

    let card = olga.send("/review").await;

    let body = card.body();
    for part in [
        format!(
            "📋 Заявка {} — Активация личного кабинета",
            submitted.number
        ),
        "Подана: 25.11.2026 12:00 (МСК)".to_owned(),
        "Статус: на рассмотрении".to_owned(),
        format!(
            "Заявитель: Иванова Анна Сергеевна, Telegram ID {}",
            anna.id()
        ),
        "Закреплена за вами до 12:30 (МСК)".to_owned(),
        "1. Паспорт, № 45 10 123456, выдан 30.06.2020".to_owned(),
        "2. СНИЛС, № 112-233-445 95".to_owned(),
    ] {
        assert!(body.contains(&part), "{part:?} in {body}");
    }
    assert_eq!(
        card.button_labels(),
        [
            "📄 1. Паспорт",
            "📄 2. СНИЛС",
            "📄 3. Диплом",
            "📄 4. Справка с места работы",
            APPROVE,
            REJECT,
            MORE,
            "⏭ Следующая",
        ]
    );
    // The practitioner is told the application is being looked at.
    push(&anna, &submitted.number, "на рассмотрении").await;

    let file = olga.press("📄 1. Паспорт").await;
    let document = file.document.as_ref().expect("a file is sent");
    assert_eq!(document.file_name.as_deref(), Some("scan.pdf"));
    assert!(
        file.protect_content,
        "a personal document cannot be forwarded"
    );
    assert!(file.body().contains("Паспорт — заявка"), "{}", file.body());
    let viewed_documents: Vec<_> = operators::audit_for_owner(&app.db, anna.user_id())
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == Some(AuditAction::Viewed) && row.operator_id == olga.user_id())
        .filter_map(|row| row.details["document_id"].as_i64())
        .collect();
    assert_eq!(viewed_documents, [submitted.document_ids[0]]);

    // «⏭ Следующая» before a decision gives the same card back, and says why.
    let skip = olga
        .press_forged(&format!("op:next:{}", submitted.id))
        .await;
    assert_eq!(
        skip.text.as_deref(),
        Some("Сначала примите решение по этой заявке: она закреплена за вами.")
    );

    let approved = olga.press(APPROVE).await;
    assert_eq!(approved.message_id, card.message_id, "the card is edited");
    assert!(
        approved
            .body()
            .starts_with(&format!("✅ Заявка {} одобрена.", submitted.number)),
        "{}",
        approved.body()
    );
    assert_eq!(approved.button_labels(), ["⏭ Следующая заявка"]);
    assert_eq!(status(&app, &submitted).await, Status::Approved);
    push(&anna, &submitted.number, "одобрена").await;
    assert!(
        applications::is_confirmed(&app.db, anna.user_id())
            .await
            .unwrap()
    );

    // Decided: a second tap (forged, the button is gone) changes nothing.
    let again = olga.press_forged(&format!("op:ok:{}", submitted.id)).await;
    assert_eq!(
        again.text.as_deref(),
        Some("По этой заявке решение уже принято.")
    );
    let next = olga.press("⏭ Следующая заявка").await;
    assert_eq!(next.body(), ru("review-queue-empty"));
}

#[medcab_e2e::test]
async fn a_rejection_carries_its_reason_to_the_practitioner(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let submitted = submitted_activation(&app, &anna).await;
    let olga = operator(&app, "Ольга").await;
    // Her profile's name wins over the register's (she may have married).
    app.register(
        &valid_snils(anna.id()),
        "Иванова Анна Сергеевна",
        "+79990001122",
    )
    .await;
    save_profile(&app, anna.user_id(), "Петрова Анна Сергеевна").await;
    let card = olga.send("/review").await;
    assert!(
        card.body().contains(&format!(
            "Заявитель: Петрова Анна Сергеевна, Telegram ID {}",
            anna.id()
        )),
        "{}",
        card.body()
    );

    let ask = olga.press(REJECT).await;
    ask.assert_starts("Напишите причину отказа");
    let reason = "Скан диплома не читается <переснимите>";
    let decided = olga.send(reason).await;

    assert!(
        decided
            .body()
            .starts_with(&format!("❌ Заявка {} отклонена.", submitted.number)),
        "{}",
        decided.body()
    );
    push(&anna, &submitted.number, "отклонена").await;
    let stored = applications::get(&app.db, &app.vault, anna.user_id(), submitted.id)
        .await
        .unwrap();
    assert_eq!(stored.status, Status::Rejected);
    assert_eq!(stored.reason.as_deref(), Some(reason));
    // The reason is not in the push: it shows on a locked screen.
    let chat = anna.chat().await;
    assert!(chat.bot_messages().all(|m| !m.body().contains("диплома")));
}

#[medcab_e2e::test]
async fn an_operator_asks_for_more_documents(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let submitted = submitted_activation(&app, &anna).await;
    let olga = operator(&app, "Ольга").await;
    let card = olga.send("/review").await;
    // Neither a profile nor a register entry: the Telegram ID alone.
    assert!(
        card.body()
            .contains(&format!("Заявитель: Telegram ID {}", anna.id())),
        "{}",
        card.body()
    );

    let ask = olga.press(MORE).await;
    assert!(
        ask.body()
            .starts_with("Напишите, какие документы нужно приложить"),
        "{}",
        ask.body()
    );
    // A note too long for a message is refused; the question stands.
    let again = olga.send(&"д".repeat(1001)).await;
    assert_eq!(
        again.body(),
        "Слишком длинный текст: не больше 1000 символов. Сократите и отправьте ещё раз."
    );
    let done = olga.send("Приложите диплом с вкладышем").await;

    assert!(
        done.body().starts_with(&format!(
            "📎 По заявке {} запрошены документы.",
            submitted.number
        )),
        "{}",
        done.body()
    );
    push(&anna, &submitted.number, "нужны дополнительные документы").await;
    let stored = applications::get(&app.db, &app.vault, anna.user_id(), submitted.id)
        .await
        .unwrap();
    assert_eq!(stored.status, Status::MoreDocumentsNeeded);
    assert_eq!(
        stored.reason.as_deref(),
        Some("Приложите диплом с вкладышем")
    );
}

#[medcab_e2e::test]
async fn two_operators_never_get_the_same_application(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let first = submitted_activation(&app, &anna).await;
    let olga = operator(&app, "Ольга").await;
    let petr = operator(&app, "Пётр").await;

    let olga_card = olga.send("/review").await;
    assert!(olga_card.body().contains(&first.number));
    let petr_card = petr.send("/review").await;
    assert_eq!(petr_card.body(), ru("review-queue-empty"));

    // A second application goes to the operator who is free.
    app.clock.advance(chrono::Duration::minutes(1));
    let boris = app.active_user("Борис", "ru").await;
    let second = submitted_activation(&app, &boris).await;
    let petr_card = petr.press("🔄 Проверить очередь").await;
    petr_card.assert_contains(&second.number);
    assert!(!petr_card.body().contains(&first.number));
    // Olga asking again still gets hers.
    let olga_again = olga.send("/review").await;
    assert!(olga_again.body().contains(&first.number));
}

#[medcab_e2e::test]
async fn an_operator_cannot_review_their_own_application(app: TestApp) {
    let olga = app.active_user("Ольга", "ru").await;
    let own = submitted_activation(&app, &olga).await;
    grant(&app, &olga).await;
    // The push about her own submission first, so it is not taken for the
    // reply to /review.
    app.wait_for_deliveries(olga.id()).await;

    let reply = olga.send("/review").await;
    assert_eq!(reply.body(), ru("review-queue-empty"));

    let forged = olga.press_forged(&format!("op:ok:{}", own.id)).await;
    assert_eq!(
        forged.text.as_deref(),
        Some("Это ваша собственная заявка: её проверит другой сотрудник.")
    );
    assert_eq!(status(&app, &own).await, Status::Submitted);
    assert!(
        audited_refusals(&app, olga.user_id())
            .await
            .contains(&"own_application".to_owned())
    );
}

#[medcab_e2e::test]
async fn a_non_operator_is_refused_and_recorded(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let submitted = submitted_activation(&app, &anna).await;
    let boris = app.active_user("Борис", "ru").await;

    let reply = boris.send("/review").await;
    assert_eq!(reply.body(), STAFF_ONLY);
    let reply = boris.send("/resets").await;
    assert_eq!(reply.body(), STAFF_ONLY);
    for data in [
        "op:next".to_owned(),
        format!("op:ok:{}", submitted.id),
        format!("op:doc:{}:{}", submitted.id, submitted.document_ids[0]),
        "op:reset:1".to_owned(),
    ] {
        let answer = boris.press_forged(&data).await;
        assert!(answer.answered, "{data}");
        assert_eq!(answer.text.as_deref(), Some(OPERATORS_ONLY), "{data}");
    }
    assert_eq!(refusals(&app, boris.user_id()).await, 6);
    assert_eq!(status(&app, &submitted).await, Status::Submitted);
    // Nothing personal was sent to him.
    let chat = boris.chat().await;
    assert!(chat.bot_messages().all(|m| m.document.is_none()));
    assert!(
        chat.bot_messages()
            .all(|m| !m.body().contains(&submitted.number))
    );

    // A revoked operator is refused at the next tap.
    let olga = operator(&app, "Ольга").await;
    olga.send("/review").await;
    operators::revoke(&app.db, olga.user_id(), app.clock.now())
        .await
        .unwrap();
    let answer = olga.press_forged(&format!("op:ok:{}", submitted.id)).await;
    assert_eq!(answer.text.as_deref(), Some(OPERATORS_ONLY));
    assert_eq!(refusals(&app, olga.user_id()).await, 1);
    assert_eq!(
        status(&app, &submitted).await,
        Status::InReview,
        "taken, not decided"
    );
}

#[medcab_e2e::test]
async fn a_forged_button_naming_what_the_operator_does_not_hold_is_refused(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let annas = submitted_activation(&app, &anna).await;
    app.clock.advance(chrono::Duration::minutes(1));
    let boris = app.active_user("Борис", "ru").await;
    let boriss = submitted_activation(&app, &boris).await;
    let olga = operator(&app, "Ольга").await;
    let petr = operator(&app, "Пётр").await;
    assert!(olga.send("/review").await.body().contains(&annas.number));
    assert!(petr.send("/review").await.body().contains(&boriss.number));

    // Пётр names Olga's application, and one of Anna's documents.
    let not_yours = ru("review-not-yours");
    let forged = petr.press_forged(&format!("op:ok:{}", annas.id)).await;
    assert_eq!(forged.text.as_deref(), Some(not_yours.as_str()));
    let forged = petr
        .press_forged(&format!("op:doc:{}:{}", annas.id, annas.document_ids[0]))
        .await;
    assert_eq!(forged.text.as_deref(), Some(not_yours.as_str()));
    // His own application id with Anna's document: not part of it.
    let forged = petr
        .press_forged(&format!("op:doc:{}:{}", boriss.id, annas.document_ids[0]))
        .await;
    assert_eq!(
        forged.text.as_deref(),
        Some("Этого документа нет в заявке.")
    );
    // An application that does not exist.
    let forged = petr.press_forged("op:ok:999999").await;
    assert_eq!(forged.text.as_deref(), Some("Такой заявки нет."));

    assert_eq!(status(&app, &annas).await, Status::InReview);
    assert!(
        petr.chat()
            .await
            .bot_messages()
            .all(|m| m.document.is_none())
    );
    let why = audited_refusals(&app, petr.user_id()).await;
    assert_eq!(
        why.iter().filter(|w| *w == "not_lease_holder").count(),
        2,
        "{why:?}"
    );
    assert!(why.contains(&"not_found".to_owned()), "{why:?}");
    assert_eq!(
        refusals(&app, petr.user_id()).await,
        1,
        "the uncited document"
    );
}

/// Anna lost her authenticator: an hour on (13:00 МСК on the first call),
/// her session over, she asks from the code question.
async fn request_reset(app: &TestApp, anna: &Phone<'_>) -> ChatMessage {
    app.clock.advance(chrono::Duration::hours(1));
    anna.send("/menu").await;
    anna.press("👤 Профиль").await;
    anna.press("📵 Нет доступа к приложению").await
}

async fn factors_of(app: &TestApp, user_id: UserId) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM second_factors WHERE telegram_user_id = $1")
        .bind(user_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[medcab_e2e::test]
async fn a_reset_needs_two_operators_and_takes_effect_after_the_cooling_off(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    request_reset(&app, &anna).await;
    // The screen and the push, in either order.
    let asked = anna
        .wait_for_any_text("Запрос на сброс второго фактора отправлен")
        .await;
    assert!(
        asked
            .body()
            .starts_with("Запрос на сброс второго фактора отправлен 25.11.2026 13:00 (МСК)."),
        "{}",
        asked.body()
    );
    asked.assert_contains("не раньше 26.11.2026 13:00 (МСК)");
    assert!(asked.button_labels().contains(&"✖️ Отменить запрос"));
    // Told on her channel too, with the same way out.
    let push = anna
        .wait_for_any_text("🔐 Запрошен сброс второго фактора")
        .await;
    assert_eq!(push.button_labels(), ["✖️ Отменить запрос"]);

    let olga = operator(&app, "Ольга").await;
    let list = olga.send("/resets").await;
    assert!(
        list.body().contains(&format!(
            "1. Telegram ID {}, запрос от 25.11.2026 13:00 (МСК)",
            anna.id()
        )),
        "{}",
        list.body()
    );
    assert_eq!(list.button_labels(), ["Запрос №1"]);
    let card = olga.press("Запрос №1").await;
    assert!(card.body().contains("Одобрений: 0 из 2"), "{}", card.body());
    card.assert_contains("Учётная запись создана: 25.11.2026");
    assert!(card.protect_content);
    let first = olga.press("✅ Одобрить").await;
    assert_eq!(
        first.body().lines().next(),
        Some(ru("review-reset-first-approval").as_str())
    );

    // Olga cannot give the second approval herself.
    let again = olga.press("Запрос №1").await;
    again.assert_contains("Одобрений: 1 из 2");
    let refused = olga.press_forged(&again_data(&again)).await;
    assert_eq!(
        refused.text.as_deref(),
        Some(ru("review-reset-second-operator").as_str())
    );

    let petr = operator(&app, "Пётр").await;
    petr.send("/resets").await;
    petr.press("Запрос №1").await;
    let approved = petr.press("✅ Одобрить").await;
    assert!(
        approved.body().starts_with(
            "✅ Сброс одобрен вторым сотрудником и вступит в силу 26.11.2026 13:00 (МСК)."
        ),
        "{}",
        approved.body()
    );
    anna.wait_for_text("🔐 Сброс второго фактора одобрен и вступит в силу 26.11.2026 13:00 (МСК).")
        .await;

    // The old factor works until the cooling-off is over.
    app.clock.advance(chrono::Duration::hours(23));
    app.scheduler_tick().await;
    assert_eq!(factors_of(&app, anna.user_id()).await, 1);
    app.clock.advance(chrono::Duration::hours(1));
    let ticked = app.scheduler_tick().await;
    assert_eq!(ticked.resets_applied, 1);
    assert_eq!(
        factors_of(&app, anna.user_id()).await,
        0,
        "the lost authenticator no longer works"
    );
    anna.wait_for_text("Сброс второго фактора одобрен. Отправьте /start")
        .await;
}

/// The approve button's data on a reset card.
fn again_data(card: &ChatMessage) -> String {
    card.button("✅ Одобрить")
        .and_then(|button| button.callback_data.clone())
        .expect("an approve button")
}

#[medcab_e2e::test]
async fn a_reset_is_cancelled_from_its_push_and_rejected_with_a_reason(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    request_reset(&app, &anna).await;
    anna.wait_for_text("🔐 Запрошен сброс второго фактора")
        .await;
    // Pressed on the push: cancelled, and nobody is asked to decide.
    let cancelled = anna.press("✖️ Отменить запрос").await;
    assert_eq!(
        cancelled.html.as_deref(),
        Some(ru("factor-reset-cancelled").as_str())
    );
    let olga = operator(&app, "Ольга").await;
    let list = olga.send("/resets").await;
    assert_eq!(
        list.html.as_deref(),
        Some(ru("review-resets-none").as_str())
    );

    // Asked again (an hour on: Olga's staff session is opened again), and
    // rejected with a reason.
    request_reset(&app, &anna).await;
    app.open_staff_session(olga.user_id()).await;
    olga.send("/resets").await;
    olga.press("Запрос №1").await;
    let ask = olga.press("❌ Отклонить").await;
    assert_eq!(
        ask.html.as_deref(),
        Some(ru("review-reset-ask-reason").as_str())
    );
    let done = olga.send("ФИО в профиле не совпадает с регистром").await;
    done.assert_starts("❌ Запрос на сброс отклонён");
    anna.wait_for_text("🔐 Запрос на сброс второго фактора отклонён")
        .await;
    assert_eq!(factors_of(&app, anna.user_id()).await, 1);

    // The push sends her to «📵»: the reason is there, and no new request
    // is made until she asks again.
    let why = request_reset(&app, &anna).await;
    why.assert_starts("Запрос на сброс второго фактора отклонён.");
    assert!(
        why.body()
            .contains("«ФИО в профиле не совпадает с регистром»"),
        "{}",
        why.body()
    );
    let open = || async {
        medcab_core::factor_resets::pending_since(&app.db, anna.user_id())
            .await
            .unwrap()
    };
    assert_eq!(open().await, None);
    let again = anna.press("🔁 Запросить сброс снова").await;
    assert_eq!(again.message_id, why.message_id);
    again.assert_starts("Запрос на сброс второго фактора отправлен");
    assert!(open().await.is_some());
    // With a request open, «📵» shows it, not the old reason.
    let shown = request_reset(&app, &anna).await;
    shown.assert_starts("Запрос на сброс второго фактора отправлен");

    let kinds = medcab_core::security_events::kinds_for(&app.db, anna.user_id())
        .await
        .unwrap();
    assert!(
        kinds.contains(&"factor_reset_cancelled".to_owned()),
        "{kinds:?}"
    );
}

#[medcab_e2e::test]
async fn help_lists_the_staff_commands_to_operators_only(app: TestApp) {
    let olga = operator(&app, "Ольга").await;
    let anna = app.active_user("Анна", "ru").await;

    let help = olga.send("/help").await;
    assert!(help.body().contains("/settings"), "{}", help.body());
    for command in [
        "/review",
        "/resets",
        "/notice",
        "/notices",
        "/inspection",
        "/inspections",
    ] {
        assert!(help.body().contains(command), "{command}: {}", help.body());
    }
    let help = anna.send("/help").await;
    assert!(help.body().contains("/settings"), "{}", help.body());
    assert!(!help.body().contains("/review"), "{}", help.body());
    assert!(!help.body().contains("/inspection"), "{}", help.body());
}

/// «🔄 Проверить очередь» on an empty queue says it is still empty, and
/// when it was checked: the tap visibly does something.
#[medcab_e2e::test]
async fn checking_an_empty_queue_says_it_is_still_empty(app: TestApp) {
    let olga = operator(&app, "Ольга").await;
    let empty = olga.send("/review").await;
    assert_eq!(empty.body(), ru("review-queue-empty"));

    let checked = olga.press("🔄 Проверить очередь").await;
    assert_eq!(checked.message_id, empty.message_id);
    let time = medcab_core::dates::Reader::moscow(medcab_core::Language::Ru).time(app.clock.now());
    assert_eq!(
        checked.body(),
        format!("{}\nПроверено в {time} (МСК).", ru("review-queue-empty"))
    );
    app.clock.advance(chrono::Duration::minutes(1));
    let again = olga.press_forged("op:refresh").await;
    assert_eq!(again.text, Some(ru("review-queue-still-empty")));

    // Once there is an application, the same button shows its card.
    let anna = app.active_user("Анна", "ru").await;
    let submitted = submitted_activation(&app, &anna).await;
    let card = olga.press("🔄 Проверить очередь").await;
    assert!(card.body().contains(&submitted.number), "{}", card.body());
}

/// The operator asks for a document none of the kind's required ones is
/// (a marriage certificate); the practitioner files it as «Другой
/// документ» and submits again: it is on the card, and the card says what
/// was asked and what was added.
#[medcab_e2e::test]
async fn a_document_asked_for_reaches_the_operator_on_resubmission(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    let submitted = submitted_activation(&app, &anna).await;
    let olga = operator(&app, "Ольга").await;
    let card = olga.send("/review").await;
    assert!(!card.body().contains("Другой документ"), "{}", card.body());
    olga.press(MORE).await;
    olga.send("Приложите свидетельство о браке").await;
    push(&anna, &submitted.number, "нужны дополнительные документы").await;

    app.clock.advance(chrono::Duration::minutes(5));
    let now = app.clock.now();
    let meta = DocumentMeta {
        kind: DocumentKind::Other,
        number: None,
        issued_on: NaiveDate::from_ymd_opt(2015, 8, 1),
        valid_until: None,
        issuer: Some("ЗАГС Тверского района".into()),
    };
    let file = b"%PDF-1.4\n1 0 obj (marriage) endobj\ntrailer <<>>\n%%EOF\n";
    let stored = documents::store(
        &app.db,
        &app.vault,
        anna.user_id(),
        &meta,
        file,
        Some("svidetelstvo.pdf"),
        now,
        DEFAULT_MAX_BYTES,
    )
    .await
    .unwrap();
    let Stored::New(added) = stored else {
        panic!("a new document: {stored:?}")
    };
    applications::submit(&app.db, &app.vault, anna.user_id(), submitted.id, now)
        .await
        .unwrap();

    let card = olga.send("/review").await;
    let body = card.body();
    assert!(body.contains(&submitted.number), "{body}");
    assert!(body.contains("5. Другой документ"), "{body}");
    assert!(
        body.contains("🔁 Подана повторно. Запрошено: «Приложите свидетельство о браке»"),
        "{body}"
    );
    assert!(body.contains("Добавлено: 5. Другой документ"), "{body}");
    assert!(
        card.button_labels().contains(&"📄 5. Другой документ"),
        "{:?}",
        card.button_labels()
    );
    let file = olga.press("📄 5. Другой документ").await;
    assert!(file.body().contains("Другой документ"), "{}", file.body());
    let stored = applications::get(&app.db, &app.vault, anna.user_id(), submitted.id)
        .await
        .unwrap();
    assert_eq!(stored.added_document_ids, [added]);
    assert!(stored.document_ids.contains(&added));
}

/// The card of a «Справка или выписка» names which one was ordered: the
/// operator has no other view of it.
#[sqlx::test(migrator = "medcab_core::MIGRATOR")]
async fn the_card_of_a_certificate_request_says_what_was_ordered(db: PgPool) {
    use medcab_core::applications::certificates::{self, Certificate};
    let app = TestApp::spawn(db).await;
    let anna = app.active_user("Анна", "ru").await;
    let now = app.clock.now();
    let draft = certificates::request(
        &app.db,
        &app.vault,
        anna.user_id(),
        Certificate::AccreditationExtract,
        now,
    )
    .await
    .unwrap();
    let submitted = applications::submit(&app.db, &app.vault, anna.user_id(), draft.id, now)
        .await
        .unwrap();
    let olga = operator(&app, "Ольга").await;

    let card = olga.send("/review").await;

    let body = card.body();
    assert!(
        body.contains(&format!(
            "📋 Заявка {} — Справка или выписка",
            submitted.number
        )),
        "{body}"
    );
    assert!(
        body.contains("Что заказано: Выписка о прохождении аккредитации."),
        "{body}"
    );
    app.finish().await;
}

/// A practitioner's document the operator opened leaves the operator's
/// chat when the staff session ends (idle 15 min), not before.
#[medcab_e2e::test]
async fn an_opened_document_leaves_the_operators_chat_with_the_staff_session(app: TestApp) {
    let anna = app.active_user("Анна", "ru").await;
    submitted_activation(&app, &anna).await;
    let olga = operator(&app, "Ольга").await;
    olga.send("/review").await;
    let file = olga.press("📄 1. Паспорт").await;
    assert!(file.document.is_some(), "{file:?}");

    app.clock.advance(chrono::Duration::minutes(5));
    app.scheduler_tick().await;
    let chat = olga.chat().await;
    assert!(chat.message(file.message_id).is_some_and(|m| !m.deleted));

    app.clock.advance(chrono::Duration::minutes(11));
    app.scheduler_tick().await;
    olga.wait_for(|chat| chat.message(file.message_id).is_some_and(|m| m.deleted))
        .await;
}

#[medcab_e2e::test]
async fn a_reset_card_shows_what_proves_who_asks(app: TestApp) {
    let anna = app
        .practitioner(
            "Анна",
            medcab_e2e::RegisterEntry::new("Терапия", "Москва", "ГБУЗ ГП № 1"),
        )
        .await;
    crate::documents::store(
        &app,
        anna.user_id(),
        DocumentKind::Diploma,
        "107718 0123456",
        &crate::documents::pdf("diploma"),
    )
    .await;
    request_reset(&app, &anna).await;
    anna.wait_for_any_text("Запрос на сброс второго фактора отправлен")
        .await;

    let olga = operator(&app, "Ольга").await;
    olga.send("/resets").await;
    let card = olga.press("Запрос №1").await;
    // The register's name by her СНИЛС; the profile she never filled in.
    card.assert_contains("ФИО в регистре: Иванова Анна Сергеевна");
    card.assert_contains(&format!("ФИО в профиле: {}", ru("review-reset-unknown")));
    card.assert_contains("Учётная запись создана: 25.11.2026");
    // The documents on file, by kind and number.
    card.assert_contains("Документы:");
    card.assert_contains("№ 107718 0123456");
    assert!(card.protect_content);
}

/// What a reset request holds that a decision would change.
async fn reset_row(app: &TestApp) -> (String, Option<i64>, Option<i64>, Option<i64>, bool) {
    sqlx::query_as(
        r#"
        SELECT status, first_approved_by, approved_by, decided_by, reason IS NOT NULL
        FROM factor_reset_requests
        "#,
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// What a decision writes besides the request: its audit rows and pushes.
async fn decisions_written(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        r#"
        SELECT (SELECT count(*) FROM operator_audit WHERE action LIKE 'factor_reset_%' AND action <> 'factor_reset_viewed'),
               (SELECT count(*) FROM outbox)
        "#,
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The operator's refused staff actions in the security log: what, and why.
async fn refused_actions(app: &TestApp, user_id: UserId) -> Vec<(String, String)> {
    sqlx::query_as(
        r#"
        SELECT details->>'attempted', details->>'why' FROM security_events
        WHERE telegram_user_id = $1 AND kind = 'operator_action_refused' ORDER BY id
        "#,
    )
    .bind(user_id)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// Deciding a reset is a staff action like any other: with the staff
/// session lapsed, or never opened, the approval, the second approval and
/// the rejection (its button and its typed reason) ask for the code, and
/// the request, the audit and the outbox stay as they were.
#[medcab_e2e::test]
async fn deciding_a_reset_without_a_staff_session_asks_for_the_code_and_changes_nothing(
    app: TestApp,
) {
    let anna = app.active_user("Анна", "ru").await;
    request_reset(&app, &anna).await;
    anna.wait_for_any_text("🔐 Запрошен сброс второго фактора")
        .await;
    let olga = operator(&app, "Ольга").await;
    olga.send("/resets").await;
    let card = olga.press("Запрос №1").await;
    let data = |label: &str| {
        card.button(label)
            .and_then(|button| button.callback_data.clone())
            .expect("a decision's button")
    };
    let (approve, reject) = (data(APPROVE), data(REJECT));
    let pending = ("pending".to_owned(), None, None, None, false);
    assert_eq!(reset_row(&app).await, pending);

    // The reason asked within the session, typed after it lapsed: it waits
    // for the code.
    let ask = olga.press(REJECT).await;
    assert_eq!(
        ask.html.as_deref(),
        Some(ru("review-reset-ask-reason").as_str())
    );
    let written = decisions_written(&app).await;
    app.clock.advance(chrono::Duration::minutes(16));
    let held = olga.send("ФИО в профиле не совпадает с регистром").await;
    assert_eq!(held.body(), ru("staff-code-needed"));
    // The buttons, pressed again from the card: refused, said over the chat.
    for data in [&approve, &reject] {
        let answer = olga.press_forged(data).await;
        assert_eq!(answer.text, Some(ru("staff-code-first")), "{data}");
    }
    assert_eq!(reset_row(&app).await, pending);
    assert_eq!(decisions_written(&app).await, written);
    let no_session = |what: &str| (what.to_owned(), "no_staff_session".to_owned());
    assert_eq!(
        refused_actions(&app, olga.user_id()).await,
        [
            no_session("reject_factor_reset"),
            no_session("approve_factor_reset"),
            no_session("reject_factor_reset"),
        ]
    );

    // Olga's first approval, in a session again.
    app.open_staff_session(olga.user_id()).await;
    olga.press_forged(&approve).await;
    olga.wait_for_text(&ru("review-reset-first-approval")).await;
    let first = ("pending".to_owned(), Some(olga.id()), None, None, false);
    assert_eq!(reset_row(&app).await, first);

    // Pётр, an operator who never opened a session (no factor yet): the
    // second approval and the rejection enrol him first.
    let petr = app.user("Пётр", "ru").await;
    app.grant_operator(petr.user_id()).await;
    // A message of the bot's in his chat for the buttons to be pressed on.
    petr.send("/help").await;
    let written = decisions_written(&app).await;
    for data in [&approve, &reject] {
        let answer = petr.press_forged(data).await;
        assert_eq!(answer.text, Some(ru("staff-code-first")), "{data}");
    }
    let qr = petr
        .wait_for_any_text("Защита работы сотрудника вторым фактором.")
        .await;
    assert!(qr.photo.is_some() && qr.protect_content, "{qr:?}");
    assert_eq!(reset_row(&app).await, first);
    assert_eq!(decisions_written(&app).await, written);
    let no_factor = |what: &str| (what.to_owned(), "no_staff_factor".to_owned());
    assert_eq!(
        refused_actions(&app, petr.user_id()).await,
        [
            no_factor("approve_factor_reset"),
            no_factor("reject_factor_reset"),
        ]
    );

    // The same button works once his code opened the session: the refusals
    // above were the gate's, not a stale button's.
    let code = app.staff_code(petr.user_id()).await;
    petr.send(&code).await;
    let press_again = ru("staff-press-again");
    petr.wait_for(|chat| {
        chat.bot_messages()
            .any(|m| m.body().ends_with(&press_again))
    })
    .await;
    petr.press_forged(&approve).await;
    anna.wait_for_text("🔐 Сброс второго фактора одобрен и вступит в силу")
        .await;
    let (status, _, approved_by, ..) = reset_row(&app).await;
    assert_eq!(
        (status.as_str(), approved_by),
        ("approved", Some(petr.id()))
    );
}
