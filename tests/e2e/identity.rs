//! A СНИЛС belongs to its owner: an applicant who typed someone else's
//! СНИЛС holds nothing against them, the owner's register match unlinks the
//! applicant, and no answer tells whether a СНИЛС is already connected.

use medcab_core::accounts::{self, Step};
use medcab_core::applications::{self, Kind, Status};
use medcab_core::documents::DocumentKind;
use medcab_core::security_events;
use medcab_e2e::Says;
use medcab_e2e::sandbox::ShareContact;
use medcab_e2e::{Phone, TestApp};

use crate::documents::{pdf, store};
use crate::ru;

const SNILS: &str = "112-233-445 95";
const OWNER_PHONE: &str = "+79991234567";
const SQUATTER_PHONE: &str = "+79160000001";
const APPLY: &str = "📝 Подать заявку на активацию";

/// /start, consent and the own contact: the СНИЛС is asked next.
async fn up_to_snils(app: &TestApp, phone: &Phone<'_>) {
    phone.send("/start").await;
    phone.press("✅ Согласен(на)").await;
    phone
        .wait_for_text("Нажмите кнопку «📱 Поделиться номером»")
        .await;
    app.client
        .share_contact(phone.id(), ShareContact::own())
        .await
        .unwrap();
    phone.wait_for_text("Введите ваш СНИЛС").await;
}

/// The QR code is the last message: the second factor is being enrolled.
async fn wait_for_qr(phone: &Phone<'_>) {
    phone
        .wait_for(|chat| chat.last_bot_message().is_some_and(|m| m.photo.is_some()))
        .await;
}

async fn enrol(app: &TestApp, phone: &Phone<'_>) {
    let code = app.totp_code(phone.user_id()).await;
    app.client.send_text(phone.id(), &code).await.unwrap();
    phone.wait_for_text("Главное меню").await;
}

/// Every text the bot sent to this chat.
async fn everything_said(phone: &Phone<'_>) -> String {
    phone
        .chat()
        .await
        .bot_messages()
        .map(|m| m.body().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[medcab_e2e::test]
async fn the_owner_connects_although_someone_typed_their_snils_first(app: TestApp) {
    // Mallory knows Anna's СНИЛС. The register does not know it yet, so
    // she applies for activation with her own phone and enrols a factor.
    let mallory = app.user_with_phone("Мария", "ru", SQUATTER_PHONE).await;
    up_to_snils(&app, &mallory).await;
    let no_match = mallory.send(SNILS).await;
    assert_eq!(no_match.button_labels(), [APPLY]);
    mallory.press(APPLY).await;
    wait_for_qr(&mallory).await;
    enrol(&app, &mallory).await;
    let now = app.clock.now();
    let activation = applications::create(
        &app.db,
        &app.vault,
        mallory.user_id(),
        Kind::Activation,
        now,
    )
    .await
    .unwrap();
    for kind in Kind::Activation.required_documents() {
        let number = match kind {
            DocumentKind::Snils => SNILS,
            DocumentKind::Passport => "4510 123456",
            _ => "107718 0123456",
        };
        store(&app, mallory.user_id(), *kind, number, &pdf(kind.as_str())).await;
    }
    applications::submit(&app.db, &app.vault, mallory.user_id(), activation.id, now)
        .await
        .unwrap();

    // Anna's HR department puts her in the register; she connects with her
    // own phone and is linked at once.
    app.register(SNILS, "Иванова Анна Сергеевна", OWNER_PHONE)
        .await;
    let anna = app.user_with_phone("Анна", "ru", OWNER_PHONE).await;
    up_to_snils(&app, &anna).await;
    anna.send(SNILS).await;
    anna.wait_for_text("Нашли вас в регистре: Иванова Анна Сергеевна.")
        .await;
    wait_for_qr(&anna).await;
    enrol(&app, &anna).await;
    assert!(
        accounts::confirmed_and_active(&app.db, anna.user_id())
            .await
            .unwrap()
    );

    // Mallory's account is unlinked, she is told in neutral words, and her
    // activation is closed.
    let push = ru("identity-unlinked-superseded")
        .replace("<b>", "")
        .replace("</b>", "");
    let told = mallory
        .wait_for_any_text("🔒 Подключение кабинета отменено.")
        .await;
    assert_eq!(told.body(), push);
    assert_eq!(
        accounts::step(&app.db, mallory.user_id()).await.unwrap(),
        Some(Step::Snils)
    );
    assert!(
        !accounts::has_snils(&app.db, mallory.user_id())
            .await
            .unwrap()
    );
    let closed = applications::get(&app.db, &app.vault, mallory.user_id(), activation.id)
        .await
        .unwrap();
    assert_eq!(closed.status, Status::Rejected);
    // The closed application's push comes too, in no fixed order with the
    // one above; wait for it so that it is not taken for a reply below.
    mallory
        .wait_for_any_text("Заявка А-2026-000001: отклонена")
        .await;
    let kinds = security_events::kinds_for(&app.db, mallory.user_id())
        .await
        .unwrap();
    assert!(kinds.contains(&"account_unlinked".to_owned()), "{kinds:?}");
    let kinds = security_events::kinds_for(&app.db, anna.user_id())
        .await
        .unwrap();
    assert!(kinds.contains(&"snils_reclaimed".to_owned()), "{kinds:?}");

    // Her menu is gone: what she types now is a СНИЛС again. The same
    // answer as for a СНИЛС nobody knows, and self-activation is refused.
    let again = mallory.send(SNILS).await;
    assert_eq!(
        again.html.as_deref(),
        Some(ru("registry-no-match").as_str())
    );
    mallory.press(APPLY).await;
    // The refusal, then the СНИЛС question again: two messages, so look
    // for the refusal among them, not only as the newest.
    mallory
        .wait_for_any_text("Заявку на активацию по этому СНИЛС подать нельзя")
        .await
        .assert_contains("отдел кадров");
    assert_eq!(
        accounts::step(&app.db, mallory.user_id()).await.unwrap(),
        Some(Step::Snils)
    );
    let kinds = security_events::kinds_for(&app.db, mallory.user_id())
        .await
        .unwrap();
    assert!(
        kinds.contains(&"activation_refused_in_register".to_owned()),
        "{kinds:?}"
    );

    // Nobody was ever told that the СНИЛС is connected.
    for phone in [&mallory, &anna] {
        let said = everything_said(phone).await;
        assert!(!said.contains("уже подключён"), "{said}");
    }
}

#[medcab_e2e::test]
async fn typing_one_snils_after_another_is_limited(app: TestApp) {
    let eve = app.user_with_phone("Ева", "ru", SQUATTER_PHONE).await;
    up_to_snils(&app, &eve).await;
    for seed in 0..accounts::SNILS_TRIES {
        let reply = eve.send(&medcab_e2e::valid_snils(seed.into())).await;
        assert_eq!(
            reply.html.as_deref(),
            Some(ru("registry-no-match").as_str())
        );
    }
    let limited = eve.send(&medcab_e2e::valid_snils(99)).await;
    assert!(
        limited
            .body()
            .starts_with("Слишком много попыток ввода СНИЛС."),
        "{}",
        limited.body()
    );
    let kinds = security_events::kinds_for(&app.db, eve.user_id())
        .await
        .unwrap();
    assert_eq!(
        kinds
            .iter()
            .filter(|kind| *kind == "snils_rate_limited")
            .count(),
        1
    );
    // A typo is still answered as a typo, without counting.
    let typo = eve.send("112-233-445 96").await;
    assert_eq!(typo.html.as_deref(), Some(ru("snils-checksum").as_str()));

    // Erasing everything and starting again gives no new tries: the count
    // is kept under her pseudonym, which /forget does not erase.
    eve.send("/forget").await;
    let erased = eve.press("🗑 Удалить мои данные").await;
    assert_eq!(erased.html.as_deref(), Some(ru("forget-done").as_str()));
    up_to_snils(&app, &eve).await;
    let still = eve.send(&medcab_e2e::valid_snils(100)).await;
    assert!(
        still
            .body()
            .starts_with("Слишком много попыток ввода СНИЛС."),
        "{}",
        still.body()
    );
}
