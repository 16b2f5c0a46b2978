## «🗓 Расписание»: приёмы и дежурства

schedule-weekday = { $weekday ->
        [mon] Пн
        [tue] Вт
        [wed] Ср
        [thu] Чт
        [fri] Пт
        [sat] Сб
       *[sun] Вс
    }
schedule-day = { schedule-weekday }, { $date }
schedule-day-button = { schedule-weekday } { $day }

schedule-day-title = <b>🗓 Расписание — { $day }</b>{ $which ->
        [today] {" "}(сегодня)
        [tomorrow] {" "}(завтра)
        [yesterday] {" "}(вчера)
       *[other] {""}
    }
schedule-day-empty = В этот день ни приёмов, ни дежурств нет.
schedule-zone = 🕒 Время организации ({ $offset }).
schedule-page = Страница { $page } из { $pages }.
schedule-page-prev = ◀ Стр. { $page }
schedule-page-next = Стр. { $page } ▶

# Одна строка списка: время, место, вид приёма сокращённо.
schedule-detail-short = { $detail ->
        [general] приём
        [primary] перв.
        [repeat] повт.
        [preventive] профосм.
        [home] вызовы
        [telemedicine] ТМК
        [on_site] на месте
       *[on_call] на дому
    }
schedule-line = { $shift ->
        [yes] 🚑 { $times } · { $place } · { schedule-detail-short }
       *[no] { $times } · { $place } · { schedule-detail-short }
    }

schedule-prev-day = ◀ { $date }
schedule-next-day = { $date } ▶
schedule-today = Сегодня
schedule-tomorrow = Завтра
schedule-week = 🗓 Неделя
schedule-next-duty = 🚑 Ближайшее дежурство
schedule-add = ➕ Добавить
schedule-export = 📤 Файл для календаря
schedule-feed = 🔗 Подписка на календарь
schedule-back = « К расписанию
schedule-no-duty = Ближайших дежурств в расписании нет.

schedule-week-title = <b>🗓 Неделя { $from } — { $until }</b>
schedule-week-day = <b>{ $day }</b>
schedule-week-empty-day = <b>{ $day }</b> — ничего нет
schedule-prev-week = ◀ Неделя
schedule-this-week = Эта неделя
schedule-next-week = Неделя ▶
schedule-export-week = 📤 .ics — неделя
schedule-export-month = 📤 .ics — месяц

## Карточка слота

schedule-kind = { $detail ->
        [general] 🩺 Приём
        [primary] 🩺 Первичный приём
        [repeat] 🩺 Повторный приём
        [preventive] 🩺 Профилактический осмотр
        [home] 🩺 Вызовы на дом
        [telemedicine] 🩺 Телемедицинская консультация
        [on_site] 🚑 Дежурство в стационаре
       *[on_call] 🚑 Дежурство на дому
    }
schedule-card =
    <b>{ schedule-kind }</b>
    { $day }, { $from }–{ $until }
    { $shift ->
        [yes] Отделение
       *[no] Кабинет
    }: { $place }

    { $origin ->
        [clinic] Из расписания клиники.
        [changed] Из расписания клиники; вы изменили эту запись — следующая выгрузка расписания клиники может вернуть прежнее.
       *[own] Добавлено вами.
    }
schedule-move = ↔️ Перенести
schedule-cancel = ✖️ Отменить
schedule-history = 🕘 История
schedule-back-day = « К дню
schedule-cancel-ask = Отменить запись?

    { $slot }
schedule-cancel-yes = Да, отменить
schedule-cancel-no = Нет
schedule-cancelled = ✖️ Запись отменена.

## Добавление и перенос

schedule-add-title = Что добавить в расписание?
schedule-add-appointment = 🩺 Приём
schedule-add-shift = 🚑 Дежурство
schedule-add-kind = { $shift ->
        [yes] Какое дежурство?
       *[no] Какой приём?
    }
schedule-moving = Переносим: { $slot }
schedule-ask-start = Начало — дата и время в виде ДД.ММ.ГГГГ ЧЧ:ММ, например 07.12.2026 09:00.
schedule-ask-end = { $shift ->
        [yes] Окончание — время ЧЧ:ММ (если оно раньше начала, это следующий день) или дата и время ДД.ММ.ГГГГ ЧЧ:ММ.
       *[no] Окончание — время ЧЧ:ММ или дата и время ДД.ММ.ГГГГ ЧЧ:ММ.
    }
schedule-ask-place = { $shift ->
        [yes] Отделение — например, «Хирургическое отделение»:
       *[no] Кабинет — например, «каб. 214»:
    }
schedule-give-up = ✖️ Не сохранять
schedule-start-shape = Не получилось прочитать дату и время: нужно ДД.ММ.ГГГГ ЧЧ:ММ, например 07.12.2026 09:00.
schedule-end-shape = Не получилось прочитать окончание: нужно ЧЧ:ММ или ДД.ММ.ГГГГ ЧЧ:ММ.
schedule-no-such-date = Такой даты нет: проверьте число и месяц.
schedule-no-such-time = Такого времени нет: часы от 00 до 23, минуты от 00 до 59.
schedule-end-before-start = { $shift ->
        [yes] Дежурство не может закончиться раньше, чем началось.
       *[no] Приём не может закончиться раньше, чем начался (или в ту же минуту).
    }
schedule-too-long = { $shift ->
        [yes] Дежурство длиннее { $hours } часов — проверьте даты.
       *[no] Приём длиннее { $hours } часов — проверьте время.
    }
schedule-no-local-time = В часовом поясе организации такого времени нет (перевод часов).
schedule-place-empty = Напишите кабинет или отделение.
schedule-place-too-long = Слишком длинно: не больше { $chars } символов.
schedule-conflict =
    ⚠️ Пересекается с другой записью — не сохранено.

    Новая: { $new }
    Уже есть: { $existing }

    Укажите другое время.
schedule-added = ✅ Добавлено.
schedule-moved = ✅ Перенесено.
schedule-gone = Этой записи уже нет в расписании: её отменили или изменила клиника.

## Календарь

schedule-calendar-name = Расписание — Кабинет медработника
schedule-event = { $detail ->
        [general] Приём
        [primary] Первичный приём
        [repeat] Повторный приём
        [preventive] Профилактический осмотр
        [home] Вызовы на дом
        [telemedicine] Телемедицинская консультация
        [on_site] Дежурство в стационаре
       *[on_call] Дежурство на дому
    }
schedule-file = raspisanie-{ $period }.ics
schedule-file-caption = Расписание с { $from } по { $until }: { $count ->
        [one] { $count } запись
        [few] { $count } записи
       *[many] { $count } записей
    }. Откройте файл, чтобы добавить его в календарь телефона.
schedule-feed-title =
    <b>🔗 Подписка на календарь</b>

    Календарь телефона сам будет забирать ваше расписание по личному адресу (примерно раз в час) — новые приёмы и изменения появятся в нём без файлов. В календаре будут только ваши приёмы и дежурства.

    Адрес — как пароль: не пересылайте его. { $state ->
        [on] Адрес создан { $date }. Новый адрес заменит старый, и старый перестанет работать.
       *[off] Адреса пока нет.
    }
schedule-feed-new = 🔗 Создать адрес
schedule-feed-renew = 🔄 Новый адрес
schedule-feed-off = 🚫 Отключить
schedule-feed-created =
    🔗 Ваш адрес для календаря (показан один раз):

    <code>{ $url }</code>

    В календаре телефона выберите «Добавить подписку» (iPhone: Настройки → Календарь → Учётные записи → Подписной календарь; Google Календарь: «Добавить по URL») и вставьте адрес. Сообщение исчезнет, когда закончится сессия.
schedule-feed-sent = { $renewed ->
        [yes] ✅ Новый адрес — в сообщении ниже; прежний больше не работает.
       *[no] ✅ Адрес — в сообщении ниже.
    }
schedule-feed-revoked = 🚫 Подписка отключена: адрес больше не работает.

## Уведомление (без подробностей: видно на заблокированном экране)

schedule-changed-push = 🗓 Клиника обновила ваше расписание.{ $any_changes ->
        [yes] {" "}{ $changes ->
            [one] { $changes } изменение
            [few] { $changes } изменения
           *[many] { $changes } изменений
        } в ближайшие 14 дней, ближайшее — { $first }.
       *[no] {""}
    }{ $any_overridden ->
        [yes] {" "}Ваши правки заменены расписанием клиники: { $overridden }.
       *[no] {""}
    } Подробности — в разделе «🗓 Расписание».
