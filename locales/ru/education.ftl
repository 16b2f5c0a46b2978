## «🎓 Образование»: дипломы и дополнительное профессиональное образование

edu-button = 🎓 Образование
edu-title = <b>🎓 Образование</b>
edu-empty = Записей пока нет. Добавьте диплом об образовании и удостоверения о повышении квалификации.
edu-diplomas = <b>Дипломы</b>
edu-additionals = <b>Повышение квалификации и переподготовка</b>
edu-diploma-line = { $index }. { $institution }, «{ $specialty }» — { $level }, год окончания { $year }
edu-additional-line =
    { $index }. «{ $programme }» — { $hours } { $hours ->
        [one] академический час
        [few] академических часа
       *[many] академических часов
    }, { $start } — { $end }
edu-add-diploma = ➕ Диплом
edu-add-additional = ➕ Повышение квалификации
edu-resume = ▶️ Продолжить заполнение
edu-edit-n = ✏️ { $index }
edu-delete-n = 🗑 { $index }
edu-history-n = 🕘 { $index }
edu-back = « К образованию
edu-back-to-profile = « К профилю
edu-cancel = ✖️ Отменить
edu-saved = ✅ Сохранено.
edu-gone = Эта запись уже удалена — изменения не сохранены.
edu-deleted = 🗑 Запись удалена.
edu-delete-ask = Удалить запись «{ $name }»? В истории изменений она останется.
edu-delete-confirm = 🗑 Да, удалить
edu-delete-keep = Оставить
edu-edit-which = Что изменить в записи «{ $name }»?
edu-use-buttons = Уровень образования выберите кнопкой.
edu-level-chosen = Уровень образования: { $level }
edu-check = <b>Проверьте данные</b> — если всё верно, сохраните запись:
edu-card-line = <b>{ $field }:</b> { $value }
edu-card-hours =
    { $hours } { $hours ->
        [one] академический час
        [few] академических часа
       *[many] академических часов
    }
edu-save = ✅ Сохранить
edu-fix = ✏️ Исправить поле
edu-fix-which = Какое поле исправить?
edu-back-to-card = « К проверке данных

edu-level =
    { $level ->
        [secondary_vocational] среднее профессиональное
        [specialist] высшее — специалитет
        [residency] ординатура
        [master] высшее — магистратура
        [bachelor] высшее — бакалавриат
        [postgraduate] аспирантура
       *[internship] интернатура
    }

edu-field =
    { $field ->
        [in] Учебное заведение
        [sp] Специальность
        [lv] Уровень образования
        [no] Номер диплома
        [gy] Год окончания
        [dd] Дата выдачи диплома
        [pr] Программа
        [hr] Объём программы
        [st] Дата начала обучения
       *[en] Дата окончания обучения
    }

edu-ask-institution = Учебное заведение — как в дипломе, например «Первый МГМУ им. И. М. Сеченова»:
edu-ask-specialty = Специальность по диплому, например «Лечебное дело» или «Сестринское дело»:
edu-ask-level = Уровень образования:
edu-ask-diploma-number = Серия и номер диплома, например <code>107724 0012345</code>. { $messenger ->
        [Max] Когда номер сохранится, удалите сообщение с ним из чата: в Max бот этого сделать не может.
       *[other] Сообщение с номером будет удалено из чата, как только номер сохранён.
    }
edu-ask-graduation-year = Год окончания — четыре цифры, например 2012:
edu-ask-diploma-date = Дата выдачи диплома в виде ДД.ММ.ГГГГ:
edu-ask-programme = Название программы — как в удостоверении о повышении квалификации или в дипломе о профессиональной переподготовке:
edu-ask-hours = Объём программы в академических часах — числом, например 36 или 144:
edu-ask-starts-on = Дата начала обучения в виде ДД.ММ.ГГГГ:
edu-ask-ends-on = Дата окончания обучения в виде ДД.ММ.ГГГГ:

edu-problem = { $field }: { $reason }
edu-problem-missing = это поле обязательно.
edu-problem-number-short = слишком коротко — в номере диплома не меньше 3 знаков.
edu-problem-number-long = слишком длинно — в номере диплома не больше 30 знаков.
edu-problem-number-chars = только буквы, цифры, пробелы, дефис и знак №.
edu-problem-before-graduation = диплом не может быть выдан раньше года окончания ({ $year }).
edu-problem-year-format = нужен год из четырёх цифр, например 2012.
edu-problem-year-early = проверьте год — слишком ранний.
edu-problem-year-future = год окончания не может быть в будущем.
edu-problem-hours-format = нужно целое число академических часов, например 36.
edu-problem-hours-zero = в программе не может быть 0 часов — проверьте удостоверение.
edu-problem-hours-many =
    слишком много — не больше { $max } { $max ->
        [one] академического часа
       *[other] академических часов
    }.
edu-problem-ends-before-start = обучение не может закончиться раньше, чем началось ({ $date }).
