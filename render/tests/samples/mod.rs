//! Documents filled in as the bot would fill them, in Russian: shared by the
//! tests and the benchmark.
#![allow(dead_code)]

use medcab_render::{
    ActivityReportDraft, Agreement, ApprovalBlock, ChartLabels, Field, HoursColumns, HoursReport,
    HoursRow, Language, MissingItems, PortfolioColumns, PortfolioExport, PortfolioItem,
    ProgressChart, ReportSection, StatusTone,
};

pub const PERSON: &str = "Иванова Мария Петровна";
pub const PERIOD: &str = "01.03.2022 — 28.02.2027";

/// A record title full of Typst's markup characters.
pub const MARKUP_TITLE: &str = r#"#set page(fill: red) *жирный* _курсив_ $x^2$ ] [ \ @ref <метка> `код` // не комментарий #{1+1}"#;

pub fn hours_report(extra_rows: usize) -> HoursReport {
    let mut rows = vec![
        HoursRow {
            date: "15.01.2024".into(),
            title: "Актуальные вопросы кардиологии".into(),
            kind: "ПК".into(),
            amount: "36 ч".into(),
        },
        HoursRow {
            date: "10.03.2024".into(),
            title: "Артериальная гипертензия: клинические рекомендации".into(),
            kind: "ИОМ".into(),
            amount: "2 ЗЕТ".into(),
        },
        HoursRow {
            date: "21.05.2025".into(),
            title: "Конференция «Кардиология сегодня»".into(),
            kind: "Мероприятие, ИКП 1234-5678".into(),
            amount: "6 ч".into(),
        },
    ];
    for n in 0..extra_rows {
        rows.push(HoursRow {
            date: "01.09.2025".into(),
            title: format!("Модуль номер {}", n + 1),
            kind: "ИОМ".into(),
            amount: "1 ЗЕТ".into(),
        });
    }
    HoursReport {
        language: Language::Ru,
        title: "Отчёт об обучении".into(),
        person: Field::new("ФИО", PERSON),
        period: Field::new("Период", PERIOD),
        details: vec![Field::new("Специальность", "Кардиология")],
        columns: HoursColumns {
            date: "Дата".into(),
            title: "Обучение".into(),
            kind: "Вид".into(),
            amount: "Объём".into(),
        },
        rows,
        no_rows: "За период записей нет.".into(),
        totals: vec![
            Field::new("Всего часов", "78 часов"),
            Field::new("Из них ПК", "36 часов"),
            Field::new("ЗЕТ", "2 ЗЕТ"),
        ],
        footer: Some("Сформировано 03.12.2026".into()),
    }
}

pub fn portfolio(extra_items: usize) -> PortfolioExport {
    let mut items = vec![
        PortfolioItem {
            title: "Диплом о высшем образовании".into(),
            status: "актуально".into(),
            tone: StatusTone::Good,
            fields: vec![
                Field::new("Номер", "107718 0123456"),
                Field::new("Выдан", "30.06.2010"),
            ],
        },
        PortfolioItem {
            title: "Удостоверение о повышении квалификации".into(),
            status: "на проверке".into(),
            tone: StatusTone::Attention,
            fields: vec![Field::new("Часов", "36")],
        },
        PortfolioItem {
            title: "Отчёт о профессиональной деятельности".into(),
            status: "не хватает".into(),
            tone: StatusTone::Problem,
            fields: vec![],
        },
    ];
    for n in 0..extra_items {
        items.push(PortfolioItem {
            title: format!("Запись номер {}", n + 4),
            status: "истёк".into(),
            tone: StatusTone::Problem,
            fields: vec![Field::new("Действует до", "01.01.2025")],
        });
    }
    PortfolioExport {
        language: Language::Ru,
        title: "Портфолио для периодической аккредитации".into(),
        person: Field::new("ФИО", PERSON),
        period: Field::new("Период", PERIOD),
        details: vec![Field::new("Специальность", "Кардиология")],
        list_heading: "Состав портфолио".into(),
        columns: PortfolioColumns {
            number: "№".into(),
            item: "Документ".into(),
            status: "Статус".into(),
        },
        items,
        no_items: "В портфолио пока ничего нет.".into(),
        totals: vec![
            Field::new("Часов за период", "78 из 144"),
            Field::new("Из них ПК", "36 из 74"),
        ],
        missing: Some(MissingItems {
            heading: "Не хватает для подачи".into(),
            items: vec![
                "Отчёт о профессиональной деятельности".into(),
                "66 часов обучения".into(),
            ],
        }),
        records_heading: "Документы и записи".into(),
        footer: Some("Сформировано 03.12.2026".into()),
    }
}

pub fn approval_block() -> ApprovalBlock {
    ApprovalBlock {
        heading: "СОГЛАСОВАНО".into(),
        lines: vec![
            "должность".into(),
            "ФИО".into(),
            "подпись".into(),
            "дата".into(),
        ],
        seal: "М.П.".into(),
    }
}

pub fn activity_report(agreement: Agreement) -> ActivityReportDraft {
    let headings = [
        "Организация и подразделение",
        "Стаж работы по специальности",
        "Должностные обязанности",
        "Результаты работы",
        "Индивидуальные достижения",
        "Наставничество",
        "Предложения",
    ];
    let sections = headings
        .iter()
        .enumerate()
        .map(|(i, heading)| ReportSection {
            heading: (*heading).to_owned(),
            text: match i {
                0 => "ГБУЗ «Городская поликлиника № 5», кардиологическое отделение.".to_owned(),
                2 => "Консультативный приём пациентов.\nВедение медицинской документации.\n\n\
                      Участие во врачебной комиссии."
                    .to_owned(),
                3 => "Проведено приёмов за год: около трёх тысяч. ".repeat(40),
                6 => String::new(),
                _ => "Ответ практикующего врача в этом разделе.".to_owned(),
            },
        })
        .collect();
    ActivityReportDraft {
        language: Language::Ru,
        title: "Отчёт о профессиональной деятельности".into(),
        draft_mark: "Черновик".into(),
        details: vec![
            Field::new("ФИО", PERSON),
            Field::new("Специальность", "Кардиология"),
            Field::new("Период", PERIOD),
        ],
        notes: vec!["Отчёт не содержит персональных данных пациентов.".into()],
        sections,
        empty_section: "Раздел не заполнен.".into(),
        agreement,
    }
}

pub fn chart(counted_hours: f64, pk_hours: f64, zet: f64) -> ProgressChart {
    ProgressChart {
        counted_hours,
        required_hours: 144.0,
        pk_hours,
        pk_minimum: 74.0,
        zet,
        zet_plan: 250.0,
        labels: ChartLabels {
            title: "Прогресс к периодической аккредитации".into(),
            period: PERIOD.into(),
            hours: "Часы за период".into(),
            hours_value: format!("{counted_hours} из 144 часов"),
            pk: "Из них повышение квалификации".into(),
            pk_value: format!("{pk_hours} из 74 часов"),
            zet: "ЗЕТ на портале НМО".into(),
            zet_value: format!("{zet} из 250 ЗЕТ"),
            guide_note: "ЗЕТ — план портала НМО, ориентир, а не требование закона: \
                         для аккредитации считаются часы."
                .into(),
        },
    }
}
