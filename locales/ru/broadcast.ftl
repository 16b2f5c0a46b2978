## Рассылки сотрудников: изменения в нормативных документах и проверки

command-notice = Сотрудникам: уведомление об изменениях в документах
command-inspection = Сотрудникам: уведомление о проверке
command-notices = Сотрудникам: предложено из ленты
command-inspections = Сотрудникам: назначенные проверки, отмена

broadcast-step = <i>Шаг { $n } из { $of }.</i>
broadcast-current = Сейчас: { $value }
broadcast-cancel = ✖️ Отмена
broadcast-cancelled = Черновик удалён, ничего не отправлено.
broadcast-back-to-preview = « К предпросмотру
broadcast-text-only = Ответьте текстом на вопрос выше или нажмите кнопку под ним.
broadcast-use-buttons = Выберите вариант кнопкой под сообщением или отправьте /cancel.
broadcast-draft-gone = Этого черновика больше нет: его уже отправили или отменили. Начните заново: /notice или /inspection.
broadcast-answer-first = Сначала ответьте на открытый вопрос: предпросмотр изменился.

## Уведомление об изменениях в нормативных документах

broadcast-notice-intro = <b>📢 Новое уведомление об изменениях в нормативных документах</b>
broadcast-ask-title = Напишите заголовок (до { $max } символов), например: <i>Приказ Минздрава России № 123н</i>.
broadcast-ask-summary = Напишите краткое содержание: что меняется и с какого числа (до { $max } символов).
broadcast-ask-link = Пришлите ссылку на документ (начинается с https:// или http://) или нажмите «Без ссылки».
broadcast-ask-specialties = Для каких специальностей? Напишите через запятую так, как они записаны в регистре (например: <i>Терапия, Кардиология</i>), или нажмите «Всем».
broadcast-ask-regions = Для каких регионов? Напишите через запятую (например: <i>Москва, Московская область</i>) или нажмите «Всем».
broadcast-no-link = Без ссылки
broadcast-to-everyone = Всем
broadcast-everyone = все

broadcast-title-empty = Заголовок пустой. Напишите заголовок уведомления.
broadcast-title-too-long = Заголовок длиннее { $max } символов. Сократите его и отправьте ещё раз.
broadcast-summary-empty = Содержание пустое. Напишите, что меняется.
broadcast-summary-too-long = Содержание длиннее { $max } символов. Сократите его и отправьте ещё раз: подробности будут по ссылке.
broadcast-link-not-url = Это не похоже на ссылку. Пришлите адрес вида https://example.ru/document или нажмите «Без ссылки».
broadcast-link-not-http = Ссылка должна начинаться с https:// или http://. Пришлите другую или нажмите «Без ссылки».
broadcast-link-too-long = Ссылка длиннее { $max } символов. Пришлите короче или нажмите «Без ссылки».
broadcast-target-too-long = Одно из названий длиннее { $max } символов. Названия разделяются запятыми — проверьте список и отправьте ещё раз.

broadcast-notice-preview = <b>Предпросмотр.</b> Так уведомление увидят получатели:
broadcast-targets =
    Специальности: { $specialties }
    Регионы: { $regions }
broadcast-recipients = Получат: { $shown } { $count ->
        [one] человек
        [few] человека
       *[many] человек
    }
broadcast-recipients-morning = 🌙 Из них { $shown } — утром: сейчас у получателей тихие часы.
broadcast-session-closed = 🔐 Сессия сотрудника закрыта, ничего не отправлено. Нажмите кнопку ещё раз и введите код из приложения-аутентификатора.
broadcast-send = 📤 Отправить
broadcast-edit = ✏️ Изменить…
broadcast-edit-which = Что изменить?
broadcast-field = { $field ->
        [title] Заголовок
        [summary] Содержание
        [link] Ссылка
        [specialties] Специальности
        [regions] Регионы
        [target] Организация или регион
        [place] Название
        [region] Регион организации
        [date] Дата
        [kind] Вид проверки
       *[prepare] Что подготовить
    }

## Проверка

broadcast-inspection-intro = <b>🔎 Новое уведомление о проверке</b>
broadcast-ask-target = Кого касается проверка?
broadcast-target-organisation = 🏥 Организация
broadcast-target-region = 🗺 Регион
broadcast-ask-organisation = Напишите название организации так, как оно записано в регистре (до { $max } символов), например: <i>ГБУЗ ГП № 1</i>.
broadcast-ask-region = Напишите регион так, как он записан в регистре (до { $max } символов), например: <i>Москва</i>.
broadcast-ask-organisation-region = В каком регионе эта организация? Одинаковые названия встречаются в разных регионах. Напишите регион или нажмите «Во всех регионах».
broadcast-all-regions = Во всех регионах
broadcast-ask-date = Напишите дату проверки в формате ДД.ММ.ГГГГ, например <i>15.03.2027</i>.
broadcast-ask-kind = Выберите вид проверки:
broadcast-kind = { $kind ->
        [planned_onsite] Плановая выездная
        [planned_documentary] Плановая документарная
        [unplanned_onsite] Внеплановая выездная
       *[unplanned_documentary] Внеплановая документарная
    }
broadcast-ask-prepare = Что подготовить к проверке? Перечислите документы и дела (до { $max } символов).
broadcast-place-empty = Название пустое. Напишите название организации или региона.
broadcast-place-too-long = Название длиннее { $max } символов. Сократите его и отправьте ещё раз.
broadcast-date-format = Не получилось прочитать дату. Напишите её в формате ДД.ММ.ГГГГ, например <i>15.03.2027</i>.
broadcast-date-in-past = Эта дата уже прошла. Напишите дату проверки не раньше сегодняшней.
broadcast-prepare-empty = Напишите, что подготовить к проверке.
broadcast-prepare-too-long = Текст длиннее { $max } символов. Сократите его и отправьте ещё раз.
broadcast-inspection-preview = <b>Предпросмотр.</b> Так уведомление о проверке увидят получатели:

## Ход рассылки

broadcast-what-notice = 📤 Уведомление «{ $title }»
broadcast-what-inspection = 📤 Проверка: { $place }, { $date }
broadcast-progress = Отправлено { $sent } из { $total }, не доставлено { $failed }.
broadcast-progress-done = ✅ Готово: отправлено { $sent } из { $total }, не доставлено { $failed }.
broadcast-progress-morning = 🌙 Ждут окончания тихих часов получателей: { $shown }. Они получат уведомление утром.

## Предложено из ленты

broadcast-proposals-button = 📥 Предложено из ленты ({ $count })
broadcast-proposals-none = Из ленты пока ничего не предложено.
broadcast-proposals-title = <b>📥 Предложено из ленты: { $count }.</b> Выберите уведомление, чтобы посмотреть его и опубликовать или отклонить.
broadcast-proposal-heading = <b>📥 Предложено из ленты.</b> Так уведомление увидят получатели:
broadcast-publish = 📤 Опубликовать
broadcast-dismiss = 🗑 Отклонить
broadcast-proposals-back = « К списку
broadcast-proposal-dismissed = 🗑 Предложение отклонено, никому не отправлено.
broadcast-proposal-published = Это уведомление уже опубликовано: повторно оно не отправляется.
broadcast-proposal-was-dismissed = Это уведомление уже отклонено.
broadcast-proposal-not-found = Такого уведомления нет.

## Назначенные проверки и отмена

broadcast-inspections-button = 🗓 Назначенные проверки ({ $count })
broadcast-inspections-none = Предстоящих проверок нет.
broadcast-inspections-title = <b>🗓 Назначенные проверки: { $count }.</b> Выберите проверку, чтобы посмотреть её или отменить.
broadcast-inspections-back = « К списку
broadcast-inspection-card =
    <b>🗓 Назначенная проверка</b>

    Вид: { broadcast-kind }
    { $scope ->
        [organisation] Организация
       *[region] Регион
    }: { $place }
    Дата: { $date }
    Что подготовить: { $prepare }

    Уже получили уведомление: { $shown } { $count ->
        [one] человек
        [few] человека
       *[many] человек
    }
broadcast-inspection-cancel = ✖️ Отменить проверку
broadcast-inspection-cancel-confirm =
    <b>{ $place }, { $date }</b>

    Отменить проверку? Все, кому о ней сообщили, получат уведомление об отмене.
broadcast-inspection-cancel-yes = Да, отменить
broadcast-inspection-cancel-no = Нет
broadcast-inspection-cancelled-heading = ✖️ <b>Проверка отменена:</b> { $place }, { $date }.
broadcast-inspection-cancelled-told = { $count ->
        [0] О ней ещё никому не сообщили, поэтому уведомлять об отмене некого. Неотправленные уведомления о проверке отозваны.
        [one] Уведомление об отмене получит { $shown } человек.
        [few] Уведомление об отмене получат { $shown } человека.
       *[many] Уведомление об отмене получат { $shown } человек.
    }
broadcast-inspection-already-cancelled = Эта проверка уже отменена. Уведомление об отмене повторно не отправляется.
broadcast-inspection-not-found = Такой проверки нет.

# Что оператор может написать вместо региона, имея в виду «во всех регионах» (через |).
broadcast-region-everywhere-words = во всех регионах|во всех|всем|все|любой|-
# Что оператор может написать вместо ссылки, имея в виду «без ссылки» (через |).
broadcast-no-link-words = без ссылки|нет|-
# Что оператор может написать вместо списка специальностей или регионов, имея в виду «всем» (через |).
broadcast-everyone-words = всем|все
