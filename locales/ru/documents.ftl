## «📄 Документы»: документы медработника

doc-kind = { $kind ->
    [passport] Паспорт
    [snils] СНИЛС
    [diploma] Диплом
    [accreditation] Свидетельство об аккредитации или выписка
    [qualification_upgrade] Удостоверение о повышении квалификации
    [licence] Лицензия
    [employer_confirmation] Справка с места работы
   *[other] Другой документ
}

doc-list-empty =
    <b>📄 Документы</b>

    Документов пока нет. Добавьте диплом, свидетельство об аккредитации или выписку, удостоверения о повышении квалификации — они понадобятся для заявок.
doc-list-title = <b>📄 Ваши документы</b> ({ $count }):
doc-line =
    { $index }. <b>{ $kind }</b>{ $has_number ->
        [yes] , № { $number }
       *[no] {""}
    }
    Дата выдачи: { $issued }{ $validity ->
        [until] , действует до { $until }
        [expired] , ⚠️ <b>срок действия истёк { $until }</b>
       *[none] {""}
    }
doc-add = ➕ Добавить документ
doc-add-another = ➕ Добавить ещё документ
doc-resume = ▶️ Продолжить добавление
doc-back-to-list = « К документам
doc-choose-kind = Какой документ добавить?

doc-ask-number = <b>{ $kind }</b>

    { $code ->
        [passport] Введите серию и номер паспорта, например: 4510 123456.
        [snils] Введите номер СНИЛС, например: 112-233-445 95.
       *[other] Введите номер документа так, как он указан в документе.
    }{ $optional ->
        [yes] {" "}Если номера нет, нажмите «Без номера».
       *[no] {""}
    }
doc-skip-number = Без номера
doc-ask-issued = Дата выдачи — в формате ДД.ММ.ГГГГ, например: 30.06.2020.
doc-ask-valid-until = Срок действия: до какой даты действует документ? В формате ДД.ММ.ГГГГ.{ $optional ->
        [yes] {" "}Если документ бессрочный, нажмите «Бессрочный».
       *[no] {""}
    }
doc-skip-valid-until = Бессрочный
doc-ask-file = Пришлите файл: PDF, JPG или PNG до { $max } МБ — документом или фото.

doc-number-as-text = Номер нужен текстом.
doc-number-passport-invalid = Серия и номер паспорта — это 10 цифр: 4 цифры серии и 6 цифр номера.
doc-number-snils-invalid = Это не номер СНИЛС: нужно 11 цифр, и контрольное число должно сходиться. Проверьте по документу.
doc-number-too-long = Номер слишком длинный: не больше { $max } символов.
doc-date-format = Дата нужна в формате ДД.ММ.ГГГГ — день, месяц и год цифрами через точку, например: 30.06.2020.
doc-date-no-such = Такой даты нет: { $date }. Проверьте день и месяц.
doc-issued-in-future = Дата выдачи { $date } ещё не наступила. Проверьте год.
doc-valid-until-before-issue = Срок действия ({ $until }) раньше даты выдачи ({ $issued }). Проверьте даты.
doc-expired = Срок действия документа истёк { $date }. Просроченный документ принять нельзя: если у вас есть действующий, укажите его срок.
doc-missing-number = Не хватает номера документа.
doc-missing-issued = Не хватает даты выдачи.
doc-missing-valid-until = Не хватает срока действия.
doc-file-too-early = Файл пока рано присылать: не хватает { $missing ->
        [number] номера документа
        [issued] даты выдачи
       *[until] срока действия
    }. Ответьте на вопрос, потом пришлите файл.

doc-file-expected = Ждём файл документа.
doc-file-empty = Файл пустой. Пришлите другой — данные документа сохранены.
doc-file-too-large = Файл слишком большой: { $size }, а можно не больше { $max } МБ. Сожмите скан или пришлите другой файл — данные документа сохранены.
doc-file-wrong-type = Этот файл не PDF, не JPG и не PNG — формат проверяется по содержимому, а не по названию файла. Пришлите документ в одном из этих форматов — данные документа сохранены.
doc-file-duplicate = Этот файл уже есть среди ваших документов: «{ $kind }». Пришлите другой файл — данные документа сохранены.
doc-file-download-failed = Не удалось получить файл от { $messenger }. Пришлите его ещё раз — данные документа сохранены.
doc-saved = ✅ Документ сохранён: { $kind }.

doc-card =
    <b>{ $kind }</b>

    Номер: { $has_number ->
        [yes] { $number }
       *[no] не указан
    }
    Дата выдачи: { $issued }
    Действует до: { $validity ->
        [until] { $until }
        [expired] { $until } — ⚠️ <b>срок действия истёк</b>
       *[none] бессрочно
    }
    Файл: { $type }, { $size }
    Добавлен: { $added }
doc-delete = 🗑 Удалить
doc-delete-ask = Удалить документ «{ $kind }»? В уже поданных заявках он сохранится.
doc-delete-confirm = 🗑 Да, удалить
doc-delete-keep = Отмена
doc-deleted = 🗑 Документ удалён.

## «📨 Мои заявки»

app-kind = { $kind ->
    [activation] Активация личного кабинета
    [periodic_accreditation] Периодическая аккредитация
    [certificate_request] Справка или выписка
    [personal_data_update] Изменение персональных данных
    [education_check] Проверка записей об обучении
   *[activity_report] Отчёт о профессиональной деятельности
}
app-status = { $status ->
    [draft] черновик
    [submitted] подана
    [in_review] на рассмотрении
    [approved] одобрена
    [rejected] отклонена
   *[more_documents_needed] нужны дополнительные документы
}
app-list-empty =
    <b>📨 Мои заявки</b>

    Заявок пока нет. Здесь можно подать заявку на активацию кабинета, периодическую аккредитацию, справку или выписку.
app-list-title = <b>📨 Мои заявки</b> ({ $count }):
app-list-more = …и ещё { $count } { $count ->
        [one] заявка
        [few] заявки
       *[many] заявок
    } — откройте кнопкой ниже.
app-head = <b>{ $number }</b> — { $kind }
    Статус: <b>{ $status }</b>
app-created = Создана { $date }
app-submitted = {" · "}подана { $date }
app-decided = {" · "}решение { $date }
app-reason = { $status ->
        [rejected] Причина отказа
       *[other] Что нужно
    }: { $reason }
app-delayed = ⏰ Срок рассмотрения прошёл.
app-escalated = ⏫ Просьба ускорить рассмотрение отправлена { $date }.
app-missing = Не хватает { $count } { $count ->
        [one] документа
       *[other] документов
    }: { $list }. Добавьте { $count ->
        [one] его
       *[other] их
    } в разделе «📄 Документы».
app-next-submit = Что дальше: все документы на месте — подайте заявку.
app-next-await = Что дальше: ждите решения, рассмотрим до { $due } ({ $tz }).
app-next-escalate = Что дальше: можно попросить ускорить рассмотрение (один раз).
app-next-await-escalated = Что дальше: ждите решения — рассмотрение ускорено.
app-next-more-documents = Что дальше: добавьте документы, о которых просит проверяющий, и подайте заявку ещё раз.
app-next-nothing = Ничего делать не нужно.
app-next-apply-again = Что дальше: можно подать новую заявку, исправив причину отказа.
app-new = ➕ Новая заявка
app-submit = 📨 Подать заявку
app-escalate = ⏫ Ускорить рассмотрение
app-back-to-list = « К заявкам
app-choose-kind = Какую заявку подать?
app-open = Открыть { $number }
app-already-open = Заявка этого вида уже открыта: { $number }. Откройте её — вторую такую же подать нельзя.
app-too-early = Заявку на периодическую аккредитацию можно подать не раньше чем за 12 месяцев до окончания срока действующей аккредитации — с { $date }.
app-no-accreditation = Для периодической аккредитации нужно свидетельство об аккредитации или выписка со сроком действия. Добавьте документ.
app-already-activated = Личный кабинет уже активирован — заявка на активацию не нужна.
app-submitted-now = ✅ Заявка подана.
app-cannot-submit = Подать заявку пока нельзя: не все документы на месте — чего не хватает, сказано ниже.
app-not-submittable = Эту заявку уже подали — повторно подавать не нужно.
app-escalated-now = ⏫ Просьба ускорить рассмотрение отправлена.
app-already-escalated = Просьбу ускорить рассмотрение уже отправляли { $date } — это можно сделать один раз.
app-not-delayed = Срок рассмотрения ещё не прошёл — ускорять пока нечего.

## The history of a record (a document, an application, an education record)

record-history = 🕘 История
record-history-title = <b>🕘 История</b> (новые сверху):
record-history-line = { $version }. { $date } — { $what }
record-history-created =
    { $entity ->
        [application] заявка создана
        [document] документ добавлен
        [profile] профиль заполнен
       *[other] запись добавлена
    }
record-history-updated =
    { $entity ->
        [application] заявка изменена
        [document] документ изменён
        [profile] профиль изменён
       *[other] запись изменена
    }
record-history-deleted =
    { $entity ->
        [application] заявка удалена
        [document] документ удалён
        [profile] профиль удалён
       *[other] запись удалена
    }
record-history-status = статус: «{ $status }»
record-history-escalated = попросили ускорить рассмотрение
record-history-restored = восстановлена прежняя версия
doc-back-to-card = « К документу

app-back-to-card = « К заявке
doc-quota-count = У вас уже { $count } { $count ->
        [one] документ
        [few] документа
       *[many] документов
    } — больше хранить нельзя (предел — { $max }). Удалите ненужный документ в «📄 Документы» и пришлите файл снова — данные документа сохранены.
doc-quota-size = Ваши документы уже занимают { $used } из { $max } МБ, и этот файл ({ $size }) не помещается. Удалите ненужный документ в «📄 Документы» или сожмите скан — данные документа сохранены.
doc-file = 📎 Открыть файл
