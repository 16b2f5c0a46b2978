## Тексты уведомлений (push): без персональных данных, они видны на заблокированном экране

# Части текстов ниже. Это сообщения, а не термы: так они видят аргументы самого
# уведомления ($days, $kind, $scope, $place). Вид документа — doc-kind из documents.ftl.

# Когда: «сегодня», «завтра», «через 7 дней». $days — число.
push-when = { $days ->
    [0] сегодня
    [1] завтра
   *[other] через { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    }
}

push-inspection-kind = { $kind ->
    [planned_onsite] плановая выездная
    [planned_documentary] плановая документарная
    [unplanned_onsite] внеплановая выездная
   *[unplanned_documentary] внеплановая документарная
}

push-inspection-place = { $scope ->
    [organisation] Организация
   *[region] Регион
}: { $place }

## Изменения в нормативных документах (core::notices)

regulatory-notice-push =
    📜 <b>{ $title }</b>

    { $summary }{ $has_link ->
        [yes] {"\u000A\u000A"}🔗 { $link }
       *[no] {""}
    }

## Проверки (core::inspections)

inspection-push =
    🔎 <b>Назначена проверка</b>: { push-inspection-kind }
    { push-inspection-place }
    Дата: <b>{ $date }</b>

    Что подготовить: { $prepare }

inspection-reminder-push =
    ⏰ <b>Проверка { push-when }, { $date }</b>: { push-inspection-kind }
    { push-inspection-place }

    Что подготовить: { $prepare }

inspection-cancelled-push =
    ✖️ <b>Проверка отменена</b>: { push-inspection-kind }, была назначена на { $date }
    { push-inspection-place }

## Сроки документов и аккредитации (core::reminders)

document-expiring-push =
    ⏳ Срок действия документа «{ doc-kind }» истекает <b>{ push-when }</b> ({ $date }).
    Когда получите новый, добавьте его в разделе «📄 Документы».

accreditation-window-push =
    🩺 <b>Можно подавать документы на периодическую аккредитацию.</b>
    Текущая аккредитация действует до { $date }; подать документы можно не раньше чем за 12 месяцев до окончания срока — это время наступило. Заявка — в разделе «📨 Мои заявки».

accreditation-expiring-push =
    ⚠️ <b>Аккредитация истекает { push-when }</b> ({ $date }).
    Без действующей аккредитации нельзя продолжать работу по специальности. Подайте заявку на периодическую аккредитацию в разделе «📨 Мои заявки», если ещё не подали.

# Напоминание по таблице порогов (12, 6, 3, 2 месяца и 1 месяц — опоздание).
# $months — за сколько месяцев; $days, $date — сколько дней и до какой даты;
# $stage — collecting, filing_month или late; $month, $year — месяц подачи.
accreditation-reminder-push =
    { $stage ->
        [filing_month] 📝 <b>Аккредитация: подайте документы в этом месяце</b>
        [late] ⚠️ <b>Аккредитация: срок подачи документов прошёл</b>
       *[collecting] 🩺 <b>Аккредитация: пора готовить портфолио</b>
    }
    Аккредитация действует до { $date } — { accreditation-days-left }.

    { $stage ->
        [filing_month] { accreditation-filing-how }
        [late] Подайте портфолио как можно скорее: рассмотрение занимает около 35 рабочих дней. Рекомендованный месяц подачи: { accreditation-month }.
       *[collecting] { $months ->
            [12] Начните собирать портфолио: отчёт о профессиональной деятельности за пять лет, удостоверения о повышении квалификации, ЗЕТ на портале НМО.
           *[other] Проверьте, хватает ли часов обучения ({ $total } { $total ->
                [one] час
                [few] часа
               *[many] часов
            }, из них по программам повышения квалификации не меньше { $programme }) и готов ли отчёт о профессиональной деятельности.
        } Подать документы — { accreditation-month-in }.
    }
    Подробнее: /accreditation

## Сотрудникам: предложенное из ленты (core::notices)

feed-proposals-push =
    📥 Из ленты нормативных документов { $count ->
        [one] поступил { $count } документ
        [few] поступило { $count } документа
       *[many] поступило { $count } документов
    } — посмотрите и решите, рассылать ли: /notices
