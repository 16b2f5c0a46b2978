## «🗂 Портфолио»: всё для периодической аккредитации в одном списке
# Статусы и то, чего не хватает, считает core::qualification::portfolio; здесь только слова.

portfolio-button = 🗂 Портфолио
portfolio-title = <b>🗂 Портфолио для периодической аккредитации</b>
portfolio-intro = Всё, что подаётся на периодическую аккредитацию, и в каком оно состоянии на { $date }.

# $item — пункт портфолио.
portfolio-item = { $item ->
    [diploma] Диплом об образовании
    [additional] Повышение квалификации, переподготовка
    [hours] Обучение за период
    [accreditation] Аккредитация
    [report] Отчёт о профессиональной деятельности
   *[employer] Подтверждение работодателя
}

# $status — current, review, expiring, expired или missing.
portfolio-status = { $status ->
    [current] актуально
    [review] на проверке
    [expiring] истекает
    [expired] истёк
   *[missing] не хватает
}
portfolio-status-mark = { $status ->
    [current] ✅
    [review] 🔍
    [expiring] ⏳
    [expired] ⛔
   *[missing] ❗
}

# Строка списка: $mark — значок статуса, $detail — уточнение (может быть пустым).
portfolio-line = { $mark } <b>{ $item }</b> — { $status }{ $detail }
portfolio-detail-until = , до { $date }
portfolio-detail-count = { $count ->
    [one] , { $count } документ
    [few] , { $count } документа
   *[many] , { $count } документов
}
portfolio-detail-hours = : { $done } из { $target } ак. ч, из них ПК { $programme } из { $minimum }
portfolio-detail-no-period = : не к чему отнести — срок аккредитации неизвестен
portfolio-detail-accreditation = , действует до { $date }

portfolio-ready = ✅ <b>Для подачи всё есть.</b>
portfolio-missing-heading = <b>Для подачи не хватает:</b>
portfolio-missing-line = • { $what }
portfolio-missing-absent = { $item ->
    [diploma] диплома об образовании
    [additional] удостоверения о повышении квалификации или диплома о профессиональной переподготовке
    [hours] обучения за период аккредитации
    [accreditation] сведений о текущей аккредитации: выписки в «📄 Документах» или записи в реестре
    [report] отчёта о профессиональной деятельности
   *[employer] подтверждения работодателя (справки с места работы)
}
portfolio-missing-expired = { $item ->
    [diploma] действующего диплома об образовании — срок прежнего истёк
    [additional] действующего удостоверения о повышении квалификации — срок прежнего истёк
    [employer] свежего подтверждения работодателя — срок прежнего истёк
   *[other] действующего документа — срок прежнего истёк
}
portfolio-missing-report-unfinished = законченного отчёта о профессиональной деятельности: черновик начат, но не дописан
portfolio-missing-hours = { $hours ->
    [one] { $hours } академического часа обучения из 144
   *[other] { $hours } академических часов обучения из 144
}
portfolio-missing-programme = { $hours ->
    [one] { $hours } часа по программам повышения квалификации (ПК)
   *[other] { $hours } часов по программам повышения квалификации (ПК)
}

# Кнопки, которые ведут туда, где пробел закрывается.
portfolio-fix = { $item ->
    [diploma] ➕ Диплом
    [additional] ➕ Удостоверение о ПК
    [hours] 📚 Обучение и НМО
    [accreditation] ➕ Выписка об аккредитации
   *[employer] ➕ Справка с места работы
}
portfolio-records-button = 📋 Документы портфолио
portfolio-export = 📄 Портфолио (PDF)
portfolio-back = « Портфолио

portfolio-records-title = <b>📋 Документы портфолио</b> ({ $first }–{ $last } из { $total }):
portfolio-records-empty =
    <b>📋 Документы портфолио</b>

    Пока нет ни дипломов, ни удостоверений, ни справок. Дипломы и повышение квалификации добавляются в профиле («🎓 Образование») или в «📄 Документах», справка с места работы — в «📄 Документах».
portfolio-page-back = ◀️ Назад
portfolio-page-next = Дальше ▶️

# Строки записей: дипломы и повышение квалификации из профиля, документы.
portfolio-record-diploma = { $index }. { $mark } Диплом: { $institution }, «{ $specialty }», { $year } — { $status }
portfolio-record-additional = { $index }. { $mark } Повышение квалификации: «{ $programme }», { $hours ->
    [one] { $hours } час
    [few] { $hours } часа
   *[many] { $hours } часов
} — { $status }
portfolio-record-document = { $index }. { $mark } { $kind }{ $has_number ->
    [yes] , № { $number }
   *[no] {""}
}, выдан { $issued }{ $has_until ->
    [yes] , действует до { $until }
   *[no] {""}
} — { $status }

## PDF «Портфолио»: имя только внутри файла
portfolio-pdf-title = Портфолио для периодической аккредитации
portfolio-pdf-person = ФИО
portfolio-pdf-period = Период
portfolio-pdf-period-unknown = срок аккредитации неизвестен
portfolio-pdf-valid-until = Аккредитация действует до
portfolio-pdf-filing = Подать документы
portfolio-pdf-list = Состав портфолио
portfolio-pdf-column-number = №
portfolio-pdf-column-item = Документ
portfolio-pdf-column-status = Статус
portfolio-pdf-empty = В портфолио пока ничего нет.
portfolio-pdf-total-hours = Часов за период
portfolio-pdf-total-programme = Из них ПК
portfolio-pdf-total-zet = Из них ЗЕТ модулей и мероприятий НМО
portfolio-pdf-total-ready = Пунктов в порядке
portfolio-pdf-of = { $done } из { $target }
portfolio-pdf-missing = Не хватает для подачи
portfolio-pdf-records = Документы и записи
portfolio-pdf-footer = Сформировано { $date }; статусы — на этот день.
portfolio-pdf-field-institution = Учебное заведение
portfolio-pdf-field-specialty = Специальность
portfolio-pdf-field-level = Уровень
portfolio-pdf-field-number = Номер
portfolio-pdf-field-issued = Дата выдачи
portfolio-pdf-field-until = Действует до
portfolio-pdf-field-programme = Программа
portfolio-pdf-field-hours = Часов
portfolio-pdf-field-dates = Сроки обучения
portfolio-pdf-field-source = Источник
portfolio-pdf-source = { $source ->
    [register] реестр медицинских работников
   *[document] выписка в «Документах»
}
portfolio-pdf-file = Портфолио.pdf
portfolio-pdf-caption = 📄 Портфолио для периодической аккредитации на { $date }
