## Проверка заявок сотрудниками и одобрение сбросов второго фактора

command-review = Заявки на проверку (для сотрудников)
command-resets = Запросы на сброс второго фактора (для сотрудников)

review-operators-only = Это действие доступно только сотрудникам, проверяющим заявки.

# The kind, the status and document kinds are named as the practitioner reads them
# (app-kind, app-status, doc-kind): one name for one thing on both sides.
review-card =
    📋 Заявка <b>{ $number }</b> — { $kind }
    Подана: { $submitted } ({ $tz })
    Статус: { $status }
    Заявитель: { $has_name ->
        [yes] <b>{ $name }</b>, { $born ->
            [max] ID кабинета
           *[telegram] Telegram ID
        } <code>{ $owner }</code>
       *[no] { $born ->
            [max] ID кабинета
           *[telegram] Telegram ID
        } <code>{ $owner }</code>
    }
    Закреплена за вами до { $until } ({ $tz })
review-card-documents = <b>Документы:</b>
review-card-no-documents = Документов к заявке не приложено.
review-card-document = { $n }. { $kind }, № { $number }, выдан { $issued }
review-card-document-until = { $n }. { $kind }, № { $number }, выдан { $issued }, действует до { $until }
review-card-resubmitted =
    🔁 <b>Подана повторно.</b> Запрошено: «{ $requested }»
    { $has_added ->
        [yes] Добавлено: { $added }
       *[no] Новых документов не добавлено.
    }
review-card-missing = ⚠️ Не хватает документов: { $list }
review-no-number = без номера
review-document-button = 📄 { $n }. { $kind }
review-document-caption = 📄 { $kind } — заявка { $number }
review-approve = ✅ Одобрить
review-reject = ❌ Отклонить
review-request-documents = 📎 Запросить документы
review-skip = ⏭ Следующая
review-refresh = 🔄 Проверить очередь
review-next-application = ⏭ Следующая заявка
review-back-to-card = « Назад к заявке

review-queue-empty = Заявок на проверку нет: очередь пуста.
review-queue-still-empty = Новых заявок нет: очередь по-прежнему пуста.
review-queue-checked = <i>Проверено в { $time } ({ $tz }).</i>
review-decide-first = Сначала примите решение по этой заявке: она закреплена за вами.
review-ask-reason =
    Напишите причину отказа одним сообщением.
    Заявитель увидит её в разделе «📨 Мои заявки». /cancel — не отклонять.
review-ask-documents =
    Напишите, какие документы нужно приложить, одним сообщением.
    Заявитель увидит это в разделе «📨 Мои заявки». /cancel — отменить.
review-note-text-only = Напишите текстом, одним сообщением, или отправьте /cancel.
review-note-too-long = Слишком длинный текст: не больше { $max } символов. Сократите и отправьте ещё раз.

review-approved = ✅ Заявка <b>{ $number }</b> одобрена. Заявитель получит уведомление.
review-rejected = ❌ Заявка <b>{ $number }</b> отклонена. Заявитель получит уведомление, причина отказа — в разделе «Мои заявки».
review-more-requested = 📎 По заявке <b>{ $number }</b> запрошены документы. Заявитель получит уведомление.

review-not-found = Такой заявки нет.
review-own-application = Это ваша собственная заявка: её проверит другой сотрудник.
review-not-yours = Заявка не закреплена за вами: её проверяет другой сотрудник или срок закрепления истёк. Возьмите следующую: /review
review-already-decided = По этой заявке решение уже принято.
review-document-not-cited = Этого документа нет в заявке.

review-resets-none = Запросов на сброс второго фактора нет.
review-resets-title = Запросы на сброс второго фактора ({ $count }). Перед одобрением убедитесь, что обратился сам владелец учётной записи.
review-reset-line = { $n }. { $born ->
        [max] ID кабинета
       *[telegram] Telegram ID
    } <code>{ $user }</code>, запрос от { $since } ({ $tz })
review-reset-open-button = Запрос №{ $n }
review-reset-approved = ✅ Сброс одобрен вторым сотрудником и вступит в силу { $at } ({ $tz }). Пользователь получил уведомление и может отменить сброс до этого времени.
review-reset-not-found = Такого запроса на сброс нет.
review-own-reset = Свой собственный сброс одобрить нельзя: это сделает другой сотрудник.
review-reset-decided = По этому запросу решение уже принято.

# Признаки того, что заявитель может быть не владельцем СНИЛС.
review-warning-register-phone = ⚠️ <b>В регистре этот СНИЛС указан с другим номером телефона.</b> Владелец СНИЛС подключается через регистр: номер в регистре исправляет отдел кадров его организации. Одобряйте, только если документы не оставляют сомнений.
review-warning-confirmed-elsewhere = ⛔ <b>С этим СНИЛС уже подтверждён другой аккаунт.</b> Одобрить заявку нельзя — отклоните её с причиной.
review-warning-other-applicants = ⚠️ Этот же СНИЛС указали ещё { $count ->
        [one] { $count } заявитель
        [few] { $count } заявителя
       *[many] { $count } заявителей
    }. Одобрение этой заявки отвяжет остальных.
review-activation-unlinked = Аккаунт заявителя больше не привязан к СНИЛС — одобрить активацию нельзя.
review-activation-confirmed-elsewhere = С этим СНИЛС уже подтверждён другой аккаунт — одобрить активацию нельзя. Отклоните заявку с причиной.

review-reset-card =
    🔑 <b>Сброс второго фактора</b>
    { $born ->
        [max] ID кабинета
       *[telegram] Telegram ID
    } <code>{ $user }</code>, запрос от { $since } ({ $tz })
    Вступит в силу не раньше { $earliest } ({ $tz })
    Учётная запись создана: { $created } ({ $tz }) · { $confirmed ->
        [yes] подтверждена
       *[no] не подтверждена
    }
    ФИО в профиле: { $profile }
    ФИО в регистре: { $register }
    Одобрений: { $approvals } из 2

    Сверьте ФИО и документы. Если есть сомнения — свяжитесь с пользователем через отдел кадров его организации, прежде чем одобрять.
review-reset-unknown = нет данных
review-reset-first-approval = ✅ Ваше одобрение учтено. Сброс нужно одобрить ещё одному сотруднику.
review-reset-second-operator = Вы уже одобрили этот сброс: второе одобрение должен дать другой сотрудник.
review-reset-ask-reason = Напишите причину отказа одним сообщением — пользователь её прочитает.
review-reset-rejected = ❌ Запрос на сброс отклонён, пользователь получил уведомление.
review-resets-back = « К запросам

## An education check's card

review-education-records = <b>Записи к проверке</b> ({ $count }):
review-education-line = { $n }. { $title } — { $kind }, { $amount }, { $date }{ $has_ikp ->
        [yes] , ИКП { $ikp }
       *[no] {""}
    }{ $certificate ->
        [yes] {""}
       *[no] {" "}— <i>без документа</i>
    }{ $changed ->
        [yes] {" "}— ⚠️ <i>изменена после подачи, одобрение её не подтвердит</i>
       *[no] {""}
    }
review-education-deleted = { $n }. <i>запись удалена после подачи</i>
review-education-more = …и ещё { $count } { $count ->
        [one] запись
        [few] записи
       *[many] записей
    }.
review-card-documents-more = …и ещё { $count } { $count ->
        [one] документ
        [few] документа
       *[many] документов
    } — кнопка «📎 Все документы заявки».
review-documents-all = 📎 Все документы заявки
review-documents-page = <b>Документы заявки { $number }</b> ({ $from }–{ $to } из { $count }):
review-education-all = 📚 Все записи заявки
review-education-page = <b>Записи заявки { $number }</b> ({ $from }–{ $to } из { $count }):
review-education-back = ◀️ Назад
review-education-next = Дальше ▶️
