## Заявки и их рассмотрение (уведомления без персональных данных)

application-status-changed =
    Заявка { $number }: { $status ->
        [submitted] подана и ждёт рассмотрения
        [in_review] на рассмотрении
        [approved] одобрена
        [rejected] отклонена
        [more_documents_needed] нужны дополнительные документы
       *[other] статус изменился
    }. Подробности — в разделе «📨 Мои заявки».
factor-reset-approved = Сброс второго фактора одобрен. Отправьте /start, чтобы подключить приложение-аутентификатор заново.

## «Справка или выписка»: какая именно

app-choose-certificate = Какую справку или выписку заказать?
app-certificate = { $certificate ->
    [frmr_extract] Выписка из ФРМР (регистра медработников)
    [accreditation_extract] Выписка о прохождении аккредитации
   *[nmo_statement] Справка о баллах НМО (ЗЕТ)
}
app-certificate-line = Что заказано: { $certificate }.
