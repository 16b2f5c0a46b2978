//! «📮 Направления»: a referral sent to a colleague found by surname
//! (a patient's СНИЛС, policy, diagnosis code and name refused and deleted
//! from the chat, a Redis flush mid-form losing nothing), accepted, the
//! sender told; to an organisation, received and declined by its operator
//! with a reason; a receiver that does not exist, someone else's referral
//! opened by a forged button (refused and recorded); expiry by the
//! scheduler; /forget of each side.

use chrono::Duration;
use medcab_core::domain::Ogrn;
use medcab_core::history::{self, Entity};
use medcab_core::referrals::{
    self, Care, Outgoing, PatientRef, Reason, ReferralError, Status, To, Urgency, Viewer,
};
use medcab_core::{erasure, operators, security_events};
use medcab_e2e::{Phone, Says, TestApp, valid_snils};

/// A valid ОГРН (its check digit holds).
pub const OGRN: &str = "1027700132195";

/// A confirmed practitioner whose register entry names them and their
/// organisation (with the organisation's ОГРН, when given).
pub async fn registered<'a>(
    app: &'a TestApp,
    first_name: &str,
    full_name: &str,
    specialty: &str,
    organisation: &str,
    ogrn: Option<&str>,
) -> Phone<'a> {
    let phone = app.confirmed_user(first_name, "ru").await;
    let csv = format!(
        "snils,full_name,birth_date,phone,specialty,position,organisation,region,accreditation_number,accreditation_valid_until,organisation_inn,organisation_ogrn\n\
         {},{full_name},1985-03-14,+79{:09},{specialty},Врач,{organisation},Москва,,,,{}\n",
        valid_snils(phone.id()),
        phone.id() % 1_000_000_000,
        ogrn.unwrap_or_default(),
    );
    let report = medcab_core::registry::import_csv(&app.db, &app.vault, csv.as_bytes(), |_| {})
        .await
        .expect("the register imports");
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    phone
}

pub async fn anna(app: &TestApp) -> Phone<'_> {
    registered(
        app,
        "Анна",
        "Иванова Анна Сергеевна",
        "Терапия",
        "ГБУЗ ГП № 1",
        None,
    )
    .await
}

pub async fn petr(app: &TestApp) -> Phone<'_> {
    registered(
        app,
        "Пётр",
        "Петров Пётр Иванович",
        "Хирургия",
        "ГКБ № 1",
        Some(OGRN),
    )
    .await
}

/// The register entry's id of a practitioner: what a search's button carries.
pub async fn registry_id(app: &TestApp, phone: &Phone<'_>) -> i64 {
    sqlx::query_scalar(
        "SELECT r.id FROM registry_entries r JOIN accounts a ON a.snils_index = r.snils_index \
         WHERE a.telegram_user_id = $1",
    )
    .bind(phone.id())
    .fetch_one(&app.db)
    .await
    .unwrap()
}

pub fn outgoing(to: To) -> Outgoing {
    Outgoing {
        to,
        urgency: Urgency::Planned,
        care: Care::Consultation,
        reason: Reason::parse("Консультация хирурга по поводу грыжи").unwrap(),
        patient_ref: PatientRef::parse("ИБ № 2026/1234").unwrap(),
        file: None,
    }
}

/// A referral from `from` to `to`, sent through core as the form would.
pub async fn sent(app: &TestApp, from: &Phone<'_>, to: To) -> referrals::Referral {
    referrals::send(
        &app.db,
        &app.vault,
        from.user_id(),
        &outgoing(to),
        Duration::days(14),
        app.clock.now(),
        None,
    )
    .await
    .expect("the referral is sent")
}

#[medcab_e2e::test]
async fn a_referral_to_a_colleague_is_sent_accepted_and_the_sender_told(app: TestApp) {
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    anna.send("/menu").await;
    let section = anna.press("📮 Направления").await;
    section.assert_contains("Входящих пока нет");
    let kind = anna.press("➕ Новое направление").await;
    kind.assert_contains("В направлении нет ФИО пациента, диагноза, номера полиса и СНИЛС");
    anna.press("👤 Врачу").await;

    // Never by a СНИЛС; too short is refused; nobody by another surname.
    anna.send("112-233-445 95")
        .await
        .assert_starts("Получателя ищут по фамилии или организации, не по СНИЛС.");
    anna.send("Пе").await.assert_starts("Слишком коротко");
    anna.send("Сидоров")
        .await
        .assert_starts("Никого не нашлось");
    // Found by surname, in any case, ё or е.
    let found = anna.send("петров").await;
    found.assert_starts("Выберите получателя");
    assert_eq!(
        found.button_labels(),
        ["Петров Пётр Иванович — Хирургия, ГКБ № 1", "« Направления"]
    );
    // By organisation too, from five characters: three would list every
    // colleague of every hospital.
    anna.send("ГКБ").await.assert_starts("Никого не нашлось");
    let by_organisation = anna.send("ГКБ № 1").await;
    assert!(
        by_organisation
            .button("Петров Пётр Иванович — Хирургия, ГКБ № 1")
            .is_some()
    );
    let reason = anna.press("Петров Пётр Иванович — Хирургия, ГКБ № 1").await;
    reason.assert_contains("Причина направления");

    // The patient's data is refused and leaves the chat.
    anna.send("Консультация, СНИЛС 112-233-445 95")
        .await
        .assert_starts("⚠️ Похоже на СНИЛС пациента: «•••-•••-••• 95»");
    anna.send("Полис 1234 5678 9012 3456")
        .await
        .assert_starts("⚠️ Похоже на номер полиса ОМС пациента");
    anna.send("Диагноз K40.9, консультация")
        .await
        .assert_starts("⚠️ Похоже на код диагноза по МКБ-10 пациента: «K40.9»");
    anna.send("Пациент Сидоров Иван Кузьмич, грыжа")
        .await
        .assert_starts("⚠️ Похоже на ФИО человека.");
    let chat = anna.chat().await;
    for typed in ["СНИЛС 112", "Полис 1234", "Диагноз K40.9", "Сидоров Иван"]
    {
        assert!(
            !chat
                .messages
                .iter()
                .any(|m| !m.deleted && m.body().contains(typed)),
            "{typed} still in the chat"
        );
    }

    // Redis forgets the position: the next message still answers the reason.
    app.flush_redis().await;
    let urgency = anna
        .send("Консультация хирурга по поводу грыжи передней брюшной стенки")
        .await;
    urgency.assert_starts("Срочность:");
    anna.press("🟢 плановая").await;
    anna.press("консультация").await;
    anna.send("Иванова").await.assert_starts("Это не номер");
    let summary = anna.send("ИБ № 2026/1234").await;
    summary.assert_contains("Кому: Петров Пётр Иванович — Хирургия, ГКБ № 1");
    summary.assert_contains("Срочность: 🟢 плановая");
    summary.assert_contains("Пациент в МИС клиники: ИБ № 2026/1234");
    let done = anna.press("📨 Отправить").await;
    done.assert_starts("✅ Направление НП-2026-000001 отправлено.");
    assert!(
        !app.dump_database()
            .await
            .contains("передней брюшной стенки"),
        "the reason is sealed"
    );

    // Petr is told without any of it, and opens it behind his session.
    let push = petr.wait_for_any_text("📨 Новое направление").await;
    assert_eq!(
        push.body(),
        "📨 Новое направление НП-2026-000001 (плановая). Откройте его, чтобы принять или отклонить."
    );
    let card = petr.press("Открыть").await;
    card.assert_contains("От: Иванова Анна Сергеевна, ГБУЗ ГП № 1");
    card.assert_contains("Причина: Консультация хирурга по поводу грыжи передней брюшной стенки");
    card.assert_contains("Статус: ⏳ ждёт ответа");
    let accepted = petr.press("✅ Принять").await;
    accepted.assert_starts("✅ Направление НП-2026-000001 принято.");
    assert!(
        security_events::kinds_for(&app.db, petr.user_id())
            .await
            .unwrap()
            .contains(&"referral_read".to_owned()),
        "his read is recorded"
    );

    // Anna is told, and her outbox shows it.
    anna.wait_for_any_text("📨 Направление НП-2026-000001: принято")
        .await;
    anna.send("/menu").await;
    anna.press("📮 Направления").await;
    let outgoing = anna.press("📤 Исходящие").await;
    outgoing.assert_contains("НП-2026-000001");
    outgoing.assert_contains("✅ принято");
    // Every change is a version in her history.
    let id = referrals::list(&app.db, &referrals::Folder::Outgoing(anna.user_id()), 0)
        .await
        .unwrap()
        .lines[0]
        .id;
    let versions = history::versions(&app.db, &app.vault, anna.user_id(), Entity::Referral, id)
        .await
        .unwrap();
    let statuses: Vec<_> = versions
        .iter()
        .map(|v| v.snapshot["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["sent", "accepted"]);
}

#[medcab_e2e::test]
async fn someone_elses_referral_and_a_receiver_that_does_not_exist_are_refused(app: TestApp) {
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    let olga = registered(
        &app,
        "Ольга",
        "Смирнова Ольга Петровна",
        "Неврология",
        "ГП № 5",
        None,
    )
    .await;
    let to_petr = To::Practitioner {
        registry_id: registry_id(&app, &petr).await,
    };
    let referral = sent(&app, &anna, to_petr).await;
    let id = referral.id;

    // Olga names Anna's referral in forged buttons: each refused, recorded.
    olga.send("/menu").await;
    olga.press("📮 Направления").await;
    olga.forge_and_expect_refusal(&[
        format!("ref:o:{id}"),
        format!("ref:ok:{id}"),
        format!("ref:no:{id}"),
        format!("ref:c:{id}"),
        format!("ref:cc:{id}"),
    ])
    .await;
    let stored = referrals::open(
        &app.db,
        &app.vault,
        &Viewer::Practitioner(anna.user_id()),
        id,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(stored.referral.status, Status::Sent, "nothing changed");
    // Nor does an operator of some organisation see it.
    assert!(matches!(
        referrals::open(
            &app.db,
            &app.vault,
            &Viewer::Operator {
                id: olga.user_id(),
                organisation: Some(OGRN.to_owned()),
            },
            id,
            app.clock.now(),
        )
        .await,
        Err(ReferralError::NotYours)
    ));

    // A receiver that does not exist: refused in core, and a forged pick
    // in the form is refused and recorded.
    for to in [
        To::Practitioner {
            registry_id: 999_999,
        },
        To::Organisation {
            ogrn: "1037739010891".to_owned(),
        },
    ] {
        assert!(matches!(
            referrals::send(
                &app.db,
                &app.vault,
                anna.user_id(),
                &outgoing(to),
                Duration::days(14),
                app.clock.now(),
                None
            )
            .await,
            Err(ReferralError::UnknownReceiver)
        ));
    }
    let own = To::Practitioner {
        registry_id: registry_id(&app, &anna).await,
    };
    assert!(matches!(
        referrals::send(
            &app.db,
            &app.vault,
            anna.user_id(),
            &outgoing(own),
            Duration::days(14),
            app.clock.now(),
            None
        )
        .await,
        Err(ReferralError::ToSelf)
    ));
    anna.send("/menu").await;
    anna.press("📮 Направления").await;
    anna.press("➕ Новое направление").await;
    anna.press("👤 Врачу").await;
    anna.send("Петров").await;
    let before = security_events::kinds_for(&app.db, anna.user_id())
        .await
        .unwrap()
        .len();
    let answer = anna.press_forged("ref:f:pp:999999").await;
    assert!(answer.answered);
    assert_eq!(
        answer.text.as_deref(),
        Some(crate::ru("ref-receiver-unknown").as_str())
    );
    let kinds = security_events::kinds_for(&app.db, anna.user_id())
        .await
        .unwrap();
    assert_eq!(kinds.len(), before + 1);
    assert_eq!(kinds.last().map(String::as_str), Some("forged_callback"));
}

#[medcab_e2e::test]
async fn an_organisation_receives_a_referral_and_its_operator_declines_it(app: TestApp) {
    let anna = anna(&app).await;
    // Petr's entry names the organisation and its ОГРН.
    let _petr = petr(&app).await;
    let olga = app.operator("Ольга").await;
    // An operator of no organisation receives nothing.
    let unbound = app.operator("Игорь").await;
    unbound
        .send("/referrals")
        .await
        .assert_starts("Вы не привязаны к организации");
    assert!(
        referrals::organisations::bind(
            &app.db,
            olga.user_id(),
            &Ogrn::parse(OGRN).unwrap(),
            "test",
            app.clock.now()
        )
        .await
        .unwrap()
    );

    anna.send("/menu").await;
    anna.press("📮 Направления").await;
    anna.press("➕ Новое направление").await;
    anna.press("🏥 Организации").await;
    let found = anna.send("гкб").await;
    let label = format!("ГКБ № 1 (ОГРН {OGRN})");
    assert!(
        found.button(&label).is_some(),
        "{:?}",
        found.button_labels()
    );
    // By its ОГРН too.
    assert!(anna.send(OGRN).await.button(&label).is_some());
    anna.press(&label).await;
    anna.send("Плановая госпитализация для оперативного лечения")
        .await;
    anna.press("🟢 плановая").await;
    anna.press("госпитализация").await;
    anna.send("А-000123").await;
    anna.press("📨 Отправить")
        .await
        .assert_starts("✅ Направление НП-2026-000001 отправлено.");

    olga.wait_for_any_text("📨 Новое направление НП-2026-000001")
        .await;
    let card = olga.press("Открыть").await;
    card.assert_contains("Кому: организация, ГКБ № 1");
    card.assert_contains("Вид помощи: госпитализация");
    let audited = operators::audit_by_operator(&app.db, olga.user_id())
        .await
        .unwrap();
    assert!(
        audited
            .iter()
            .any(|row| row.details["referral_id"].is_i64()),
        "her read is audited: {audited:?}"
    );
    olga.press("❌ Отклонить").await;
    olga.send("Иванов И. И. не может принять")
        .await
        .assert_starts("⚠️ Похоже на ФИО человека.");
    olga.send("Нет свободных коек до конца месяца")
        .await
        .assert_starts("❌ Направление НП-2026-000001 отклонено.");
    // The other operator, bound to nothing, cannot open it.
    let id = referrals::list(
        &app.db,
        &referrals::Folder::Organisation(OGRN.to_owned()),
        0,
    )
    .await
    .unwrap()
    .lines[0]
        .id;
    unbound
        .forge_and_expect_refusal(&[format!("oref:o:{id}")])
        .await;

    anna.wait_for_any_text("📨 Направление НП-2026-000001: отклонено")
        .await;
    let card = anna.press("Открыть").await;
    card.assert_contains("Статус: ❌ отклонено");
    card.assert_contains("Причина отказа: Нет свободных коек до конца месяца");
    assert!(
        card.button("↩️ Отозвать").is_none(),
        "answered: nothing to withdraw"
    );
}

#[medcab_e2e::test]
async fn an_unanswered_referral_expires_and_a_withdrawn_one_is_told(app: TestApp) {
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    let to_petr = To::Practitioner {
        registry_id: registry_id(&app, &petr).await,
    };
    let waiting = sent(&app, &anna, to_petr.clone()).await;
    let withdrawn = sent(&app, &anna, to_petr).await;

    // Anna withdraws the second from its card.
    anna.send("/menu").await;
    anna.press("📮 Направления").await;
    anna.press("📤 Исходящие").await;
    anna.press(&format!("📨 {}", withdrawn.number)).await;
    anna.press("↩️ Отозвать").await;
    anna.press("↩️ Да, отозвать")
        .await
        .assert_starts(&format!("↩️ Направление {} отозвано.", withdrawn.number));
    petr.wait_for_any_text(&format!("📨 Направление {}: отозвано", withdrawn.number))
        .await;

    // A day short of its time nothing happens; past it, it expires once.
    app.clock.advance(Duration::days(13));
    assert_eq!(app.scheduler_tick().await.referrals_expired, 0);
    app.clock.advance(Duration::days(2));
    assert_eq!(app.scheduler_tick().await.referrals_expired, 1);
    assert_eq!(app.scheduler_tick().await.referrals_expired, 0);
    anna.wait_for_any_text(&format!(
        "📨 Направление {}: истёк срок ответа",
        waiting.number
    ))
    .await;
    // Too late to accept.
    assert!(matches!(
        referrals::accept(
            &app.db,
            &app.vault,
            &Viewer::Practitioner(petr.user_id()),
            waiting.id,
            app.clock.now()
        )
        .await,
        Err(ReferralError::Transition(_))
    ));

    // Past its time but before the scheduler's next tick: the answer is
    // refused all the same, and the referral expires there and then.
    let late = sent(
        &app,
        &anna,
        To::Practitioner {
            registry_id: registry_id(&app, &petr).await,
        },
    )
    .await;
    app.clock.advance(Duration::days(15));
    assert!(matches!(
        referrals::accept(
            &app.db,
            &app.vault,
            &Viewer::Practitioner(petr.user_id()),
            late.id,
            app.clock.now()
        )
        .await,
        Err(ReferralError::Transition(_))
    ));
    assert_eq!(
        app.scheduler_tick().await.referrals_expired,
        0,
        "expired already, by the refused answer"
    );
    anna.wait_for_any_text(&format!(
        "📨 Направление {}: истёк срок ответа",
        late.number
    ))
    .await;
}

#[medcab_e2e::test]
async fn forget_takes_one_sides_link_and_keeps_the_other_sides_copy(app: TestApp) {
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    let to_petr = To::Practitioner {
        registry_id: registry_id(&app, &petr).await,
    };
    let open = sent(&app, &anna, to_petr.clone()).await;
    let answered = sent(&app, &anna, to_petr).await;
    referrals::accept(
        &app.db,
        &app.vault,
        &Viewer::Practitioner(petr.user_id()),
        answered.id,
        app.clock.now(),
    )
    .await
    .unwrap();

    // Anna leaves: the one still waiting is withdrawn and Petr told; both
    // stay his, without her.
    erasure::forget(&app.db, &app.vault, anna.user_id(), app.clock.now())
        .await
        .unwrap();
    petr.wait_for_any_text(&format!("📨 Направление {}: отозвано", open.number))
        .await;
    let petr_viewer = Viewer::Practitioner(petr.user_id());
    let card = referrals::open(&app.db, &app.vault, &petr_viewer, open.id, app.clock.now())
        .await
        .unwrap();
    assert_eq!(card.referral.status, Status::Cancelled);
    assert!(card.referral.sender_erased && card.referral.sender_id.is_none());
    assert_eq!(card.referral.sender_organisation, "ГБУЗ ГП № 1");
    assert_eq!(card.referral.reason, "Консультация хирурга по поводу грыжи");
    // No row names her.
    let dump = app.dump_database().await;
    let id = anna.id().to_string();
    let naming: Vec<&str> = dump
        .lines()
        .filter(|row| row.contains(&id) && row.contains("referral"))
        .collect();
    assert!(naming.is_empty(), "referral rows naming her: {naming:#?}");
    // Her id opens nothing now.
    assert!(matches!(
        referrals::open(
            &app.db,
            &app.vault,
            &Viewer::Practitioner(anna.user_id()),
            open.id,
            app.clock.now()
        )
        .await,
        Err(ReferralError::NotYours)
    ));
    // On Petr's phone the card says the sender left.
    petr.send("/menu").await;
    petr.press("📮 Направления").await;
    petr.press("📥 Входящие").await;
    let shown = petr.press(&format!("📨 {}", answered.number)).await;
    shown.assert_contains(
        "От: отправитель или получатель удалил свои данные из сервиса, ГБУЗ ГП № 1",
    );

    // Petr leaves too: nobody can read them any more, so they go.
    erasure::forget(&app.db, &app.vault, petr.user_id(), app.clock.now())
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM referrals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[medcab_e2e::test]
async fn a_receiver_who_leaves_declines_what_waits_and_the_sender_keeps_it(app: TestApp) {
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    let to_petr = To::Practitioner {
        registry_id: registry_id(&app, &petr).await,
    };
    let waiting = sent(&app, &anna, to_petr).await;
    erasure::forget(&app.db, &app.vault, petr.user_id(), app.clock.now())
        .await
        .unwrap();
    anna.wait_for_any_text(&format!("📨 Направление {}: отклонено", waiting.number))
        .await;
    let card = referrals::open(
        &app.db,
        &app.vault,
        &Viewer::Practitioner(anna.user_id()),
        waiting.id,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(card.referral.status, Status::Declined);
    assert!(card.referral.receiver_erased);
    assert_eq!(card.receiver_name, None);
    assert_eq!(card.referral.receiver_organisation, "ГКБ № 1");
    let id = petr.id().to_string();
    let dump = app.dump_database().await;
    let naming: Vec<&str> = dump.lines().filter(|row| row.contains(&id)).collect();
    assert!(naming.is_empty(), "rows naming him: {naming:#?}");
}

/// The form a referral was filled in goes in the transaction that sends
/// it: a «Отправить» handled again after a crash finds no form, and sends
/// nothing twice; a send that is refused keeps the form.
#[medcab_e2e::test]
async fn a_sent_referral_takes_its_form_with_it(app: TestApp) {
    use medcab_core::drafts::{self, Kind};
    let anna = anna(&app).await;
    let petr = petr(&app).await;
    let (db, vault, now) = (&app.db, &app.vault, app.clock.now());
    drafts::save(db, vault, anna.user_id(), Kind::Referral, &"the form", now)
        .await
        .unwrap();
    let to_self = To::Practitioner {
        registry_id: registry_id(&app, &anna).await,
    };
    let refused = referrals::send(
        db,
        vault,
        anna.user_id(),
        &outgoing(to_self),
        Duration::days(14),
        now,
        Some(Kind::Referral),
    )
    .await;
    assert!(matches!(refused, Err(ReferralError::ToSelf)));
    assert!(
        drafts::exists(db, anna.user_id(), Kind::Referral)
            .await
            .unwrap()
    );

    let to = To::Practitioner {
        registry_id: registry_id(&app, &petr).await,
    };
    referrals::send(
        db,
        vault,
        anna.user_id(),
        &outgoing(to),
        Duration::days(14),
        now,
        Some(Kind::Referral),
    )
    .await
    .expect("the referral is sent");
    assert!(
        !drafts::exists(db, anna.user_id(), Kind::Referral)
            .await
            .unwrap()
    );
}
