## «🎓 НМО и аккредитация» и «📚 Обучение и НМО»: часы к периодической аккредитации

nmo-title = <b>🎓 НМО и аккредитация</b>
nmo-intro = Всё для периодической аккредитации: обучение, часы и ЗЕТ за пятилетний период.
nmo-hours-button = 📚 Обучение и НМО
nmo-accreditation-button = 🩺 Аккредитация
nmo-back = « НМО и аккредитация

hours-title = <b>📚 Обучение и НМО</b>

# The period the hours are counted in.
hours-period-register = Период: { $from } — { $until } (срок аккредитации по данным регистра медицинских работников).
hours-period-document = Период: { $from } — { $until } (по выписке об аккредитации из «Документов»).
hours-period-assumed =
    Срок аккредитации неизвестен, поэтому часы считаются за последние пять лет: { $from } — { $until }.
    Чтобы считать по вашему периоду, добавьте в «📄 Документы» выписку об аккредитации (вид «Свидетельство об аккредитации или выписка», с датой «действует до»).
hours-period-assumed-number =
    В реестре есть номер аккредитации, но нет даты, поэтому часы считаются за последние пять лет: { $from } — { $until }.
    Чтобы считать по вашему периоду, добавьте в «📄 Документы» выписку об аккредитации (вид «Свидетельство об аккредитации или выписка», с датой «действует до»).

hours-total =
    Засчитано: { $done } { $done ->
        [one] академический час
        [few] академических часа
       *[many] академических часов
    } из { $target }{ $left ->
        [0] {""} — норма выполнена ✅
       *[other] {""} — осталось { $left }
    }.
hours-programme =
    Из них по программам повышения квалификации (ПК): { $done } из { $target }{ $left ->
        [0] {""} ✅
       *[other] {""} — не хватает { $left } { $left ->
            [one] часа
           *[other] часов
        }
    }.
hours-zet = Модули и мероприятия НМО: { $zet } ЗЕТ (1 ЗЕТ — 1 академический час).
hours-plan = <i>Ориентир портала НМО — не требование закона:</i> { $done } из { $target } ЗЕТ за цикл, по плану к сегодняшнему дню — { $expected }.
hours-outside =
    Не входят в период: { $count } { $count ->
        [one] запись
        [few] записи
       *[many] записей
    } (до начала периода или после его конца).
hours-empty = Записей пока нет. Добавьте удостоверения о повышении квалификации, модули и мероприятия НМО.
hours-records = <b>Записи</b> ({ $first }–{ $last } из { $total }):
hours-line = { $index }. { $title } — { $kind }, { $amount }, { $date }; { $provider }
hours-line-outside = { $index }. { $title } — { $kind }, { $amount }, { $date }; { $provider } — <i>не входит в период</i>

hours-kind =
    { $kind ->
        [programme] ПК
        [module] ИОМ
       *[event] мероприятие
    }
hours-kind-long =
    { $kind ->
        [programme] программа повышения квалификации (ПК)
        [module] интерактивный образовательный модуль (ИОМ)
       *[event] образовательное мероприятие
    }
hours-kind-button =
    { $kind ->
        [programme] ПК — повышение квалификации (часы)
        [module] ИОМ — интерактивный модуль (ЗЕТ)
       *[event] Мероприятие — конференция, семинар (ЗЕТ)
    }
hours-amount =
    { $kind ->
        [programme] { $amount } { $amount ->
            [one] час
            [few] часа
           *[many] часов
        }
       *[other] { $amount } ЗЕТ
    }

hours-add = ➕ Добавить запись
hours-resume = ▶️ Продолжить заполнение
hours-edit-n = ✏️ { $index }
hours-delete-n = 🗑 { $index }
hours-history-n = 🕘 { $index }
hours-page-back = ◀️ Назад
hours-page-next = Дальше ▶️
hours-back = « К обучению
hours-cancel = ✖️ Отменить
hours-saved = ✅ Сохранено.
hours-too-many = Записей об обучении уже { $limit } — это предел. Удалите устаревшие, затем нажмите «Продолжить заполнение»: ответы сохранены.
hours-gone = Эта запись уже удалена — изменения не сохранены.
hours-deleted = 🗑 Запись удалена.
hours-delete-ask = Удалить запись «{ $name }»? В истории изменений она останется.
hours-delete-confirm = 🗑 Да, удалить
hours-delete-keep = Оставить
hours-edit-which = Что изменить в записи «{ $name }»?
hours-use-buttons = Вид обучения выберите кнопкой.
hours-kind-chosen = Вид обучения: { $kind }

hours-ask-kind = Какое обучение добавить?
hours-ask-title = Название программы, модуля или мероприятия — как в удостоверении или на портале НМО:
hours-ask-provider = Кто проводил обучение (организация, кафедра, организатор мероприятия):
hours-ask-completed-on = Дата окончания в виде ДД.ММ.ГГГГ, например 28.02.2025:
hours-ask-amount =
    { $kind ->
        [programme] Сколько академических часов в удостоверении? Целое число, например 36:
       *[other] Сколько ЗЕТ начислено? Целое число, например 6:
    }
hours-ask-ikp = Индивидуальный код подтверждения (ИКП), который выдал организатор:

hours-check = <b>Проверьте данные</b> — если всё верно, сохраните запись:
hours-card-line = <b>{ $field }:</b> { $value }
hours-card-outside = ⚠️ Дата окончания вне периода ({ $from } — { $until }): запись сохранится, но в часы этого периода не войдёт.
hours-save = ✅ Сохранить
hours-fix = ✏️ Исправить поле
hours-fix-which = Какое поле исправить?
hours-back-to-card = « К проверке данных

hours-field =
    { $field ->
        [kd] Вид
        [ti] Название
        [pv] Организатор
        [on] Дата окончания
        [am] Объём
       *[ik] ИКП
    }

hours-problem = { $field }: { $reason }
hours-problem-missing = это поле нужно заполнить.
hours-problem-amount-format = нужно целое число, например 36.
hours-problem-amount-positive =
    { $kind ->
        [programme] нужно положительное число — отрицательных и нулевых часов не бывает.
       *[other] нужно положительное число ЗЕТ — хотя бы 1.
    }
hours-problem-amount-many =
    { $kind ->
        [programme] больше { $max } часов за одну программу не бывает — проверьте число.
       *[other] больше { $max } ЗЕТ за одну запись не бывает — проверьте число.
    }
hours-problem-ikp-long = код длиннее { $max } символов — проверьте, что скопирован только код.

hours-chart = 📈 График
hours-chart-caption = 📈 Прогресс к периодической аккредитации
hours-chart-title = Прогресс к периодической аккредитации
hours-chart-hours = Часы за период
hours-chart-pk = Из них по программам ПК
hours-chart-zet = Ориентир портала НМО
hours-chart-hours-value = { $done } из { $target } { $target ->
    [one] часа
   *[other] часов
}
hours-chart-zet-value = { $done } из { $target } ЗЕТ
hours-chart-guide = Серая пунктирная полоса — план портала НМО (250 ЗЕТ за пять лет), а не требование закона.
hours-reports = 📄 Отчёт об обучении (PDF)
hours-reports-text =
    📄 <b>Отчёт об обучении</b>
    За какой период? В отчёте — записи с часами и итоги, ваше ФИО — только внутри файла. Его можно переслать работодателю.
hours-report-accreditation = За период аккредитации
hours-report-year = За { $year } год
hours-report-file = Отчёт об обучении.pdf
hours-report-file-year = Отчёт об обучении за { $year } год.pdf
hours-report-caption = 📄 Отчёт об обучении за { $from } — { $until }
hours-report-title = Отчёт об обучении за период
hours-report-person = ФИО
hours-report-period = Период
hours-report-column-date = Дата
hours-report-column-title = Программа, модуль или мероприятие (организатор)
hours-report-column-kind = Вид
hours-report-column-amount = Объём
hours-report-empty = За этот период записей об обучении нет.
hours-report-total = Всего, академических часов (ПК и ЗЕТ)
hours-report-total-programme = Из них по программам повышения квалификации, часов
hours-report-total-zet = Из них ЗЕТ модулей и мероприятий НМО
hours-report-footer = Сформировано в личном кабинете медработника { $date }.

## «🔎 Запросить проверку» (the records confirmed by an operator)

hours-line-confirmed = {" "}✔️
hours-line-certificate = {" "}📎
hours-check-button = 🔎 Запросить проверку
hours-check-hint = Записи без ✔️ ещё не проверены. Проверку проводит сотрудник: он сверит записи с удостоверениями и сертификатами.
hours-check-confirm =
    🔎 <b>Проверка записей</b>

    Сотрудник сверит { $count } { $count ->
        [one] запись
        [few] записи
       *[many] записей
    } с приложенными документами и подтвердит { $count ->
        [one] её
       *[other] их
    }. Подтверждённая запись отмечается ✔️; если её потом изменить, отметка снимется.{ $without ->
        [0] {""}
       *[other] {" "}Без документа { $without ->
            [one] { $without } запись
            [few] { $without } записи
           *[many] { $without } записей
        }: такие проверить труднее — приложите удостоверение кнопкой ✏️ у записи.
    }

    Статус заявки — в «📨 Мои заявки».
hours-check-send = ✅ Отправить на проверку
hours-check-sent = ✅ Заявка { $number } подана: сотрудник проверит записи. Статус — в «📨 Мои заявки».
hours-check-nothing = Все записи уже подтверждены — проверять нечего. Новые записи можно отправить на проверку, когда они появятся.
hours-check-already = Записи уже на проверке: заявка { $number }.
hours-check-open = 🔎 Записи на проверке: заявка { $number } — { $status }.
hours-check-open-button = 📨 Заявка { $number }

## The certificate of a record

hours-certificate-button = 📎 Удостоверение
hours-certificate-title = 📎 <b>Удостоверение к записи</b> «{ $title }»
hours-certificate-none = Сейчас документ не приложен.
hours-certificate-attached = Приложено: { $kind }, выдан { $issued }.
hours-certificate-choose = Выберите документ из раздела «📄 Документы»:
hours-certificate-line = { $n }. { $kind }{ $has_number ->
        [yes] , № { $number }
       *[no] {""}
    }, выдан { $issued }
hours-certificate-no-documents = Подходящих документов нет. Добавьте удостоверение или сертификат в «📄 Документы» (вид «Удостоверение о повышении квалификации» или «Другой документ») и вернитесь сюда.
hours-certificate-attach-n = 📎 { $n }
hours-certificate-detach = ✖️ Открепить документ
hours-certificate-back = « К записи
hours-certificate-done = ✅ Удостоверение приложено к записи.
hours-certificate-detached = Документ откреплён от записи; в «📄 Документах» он остался.
