## «👤 Профиль»

profile-title = <b>👤 Профиль</b>
profile-empty = <b>👤 Профиль</b> ещё не заполнен. Понадобятся ФИО, дата рождения, адрес регистрации и паспорт; e-mail и ИНН — по желанию.
profile-fill = ✏️ Заполнить профиль
profile-continue = ▶️ Продолжить заполнение
profile-edit = ✏️ Изменить
profile-history = 🕘 История
profile-edit-which = Какое поле изменить?
profile-check = <b>Проверьте данные</b> и сохраните профиль:
profile-save = ✅ Сохранить
profile-fix = ✏️ Исправить поле
profile-skip = Пропустить
profile-skipped = { $field }: пропущено.
profile-back = « К профилю
profile-saved = <b>Профиль сохранён.</b>
profile-restored = <b>Восстановлена версия { $version }.</b>
profile-card-line = <b>{ $field }:</b> { $value }

profile-field-full-name = ФИО
profile-field-birth-date = Дата рождения
profile-field-address = Адрес регистрации
profile-field-email = E-mail
profile-field-inn = ИНН
profile-field-passport = Паспорт
profile-field-passport-issued-on = Дата выдачи
profile-field-division-code = Код подразделения
profile-field-passport-issued-by = Кем выдан

profile-ask-full-name = Фамилия, имя и отчество — как в паспорте:
profile-ask-birth-date = Дата рождения в виде ДД.ММ.ГГГГ:
profile-ask-address = Адрес регистрации — как в паспорте:
profile-ask-email = Электронная почта — по желанию. Если не хотите указывать, нажмите «Пропустить».
profile-ask-inn = ИНН — 12 цифр, по желанию. Если не хотите указывать, нажмите «Пропустить».
profile-ask-passport = Серия и номер паспорта, например <code>45 10 123456</code>:
profile-ask-passport-issued-on = Дата выдачи паспорта в виде ДД.ММ.ГГГГ:
profile-ask-division-code = Код подразделения, например <code>770-001</code>:
profile-ask-passport-issued-by = Кем выдан паспорт — как в паспорте:

profile-problem = { $field }: { $reason }
profile-problem-missing = это поле обязательно.
profile-problem-name-parts = нужны фамилия и имя, и отчество, если оно есть.
profile-problem-name-letters = только буквы (кириллица или латиница), дефис и апостроф.
profile-problem-name-long = слишком длинно — проверьте, как записано в паспорте.
profile-problem-date-format = нужна дата в виде ДД.ММ.ГГГГ, например 14.03.1985.
profile-problem-date-future = дата не может быть в будущем.
profile-problem-date-early = проверьте год — дата слишком ранняя.
profile-problem-passport-age = паспорт выдают с 14 лет: дата выдачи не раньше { $date }.
profile-problem-text-short =
    слишком коротко — нужно хотя бы { $min ->
        [one] { $min } символ
        [few] { $min } символа
       *[many] { $min } символов
    }.
profile-problem-text-long =
    слишком длинно — не больше { $max ->
        [one] { $max } символа
       *[other] { $max } символов
    }.
profile-problem-email = похоже на опечатку: нужен адрес вида name@example.ru.
profile-problem-email-long = адрес слишком длинный.
profile-problem-inn-checksum = контрольные цифры ИНН не сходятся — проверьте цифры.
profile-problem-inn-length =
    в ИНН физического лица 12 цифр, а в вашем { $digits ->
        [one] { $digits } цифра
        [few] { $digits } цифры
       *[many] { $digits } цифр
    }.
profile-problem-passport-length =
    серия и номер — это 10 цифр, а у вас { $digits ->
        [one] { $digits } цифра
        [few] { $digits } цифры
       *[many] { $digits } цифр
    }.
profile-problem-digits = только цифры (пробелы и дефисы можно).
profile-problem-division-code = нужно 6 цифр, например 770-001.

profile-history-title = <b>🕘 История профиля</b> (новые сверху):
profile-restore = ↩️ Вернуть версию { $version }
