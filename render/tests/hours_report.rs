mod pdf_text;
mod samples;

use medcab_render::Field;

#[test]
fn lists_each_record_with_its_hours_and_the_totals_in_russian() {
    let pdf = samples::hours_report(0).render_pdf().expect("renders");
    let text = pdf_text::text(&pdf);
    for expected in [
        "Отчёт об обучении",
        &format!("ФИО {}", samples::PERSON),
        &format!("Период {}", samples::PERIOD),
        "Специальность Кардиология",
        "Дата Обучение Вид Объём",
        "15.01.2024 Актуальные вопросы кардиологии ПК 36 ч",
        "10.03.2024 Артериальная гипертензия: клинические рекомендации ИОМ 2 ЗЕТ",
        "21.05.2025 Конференция «Кардиология сегодня» Мероприятие, ИКП 1234-5678 6 ч",
        "Всего часов 78 часов",
        "Из них ПК 36 часов",
        "ЗЕТ 2 ЗЕТ",
        "Сформировано 03.12.2026",
    ] {
        text.assert_has(expected);
    }
    assert_eq!(pdf.pages, 1);
    assert_eq!(
        pdf_text::embedded_fonts(&pdf),
        ["PTSans-Bold", "PTSans-Regular"],
        "both faces embedded, nothing else"
    );
}

#[test]
fn a_title_with_typst_markup_comes_out_as_typed() {
    let mut report = samples::hours_report(0);
    report.rows[0].title = samples::MARKUP_TITLE.to_owned();
    report.person = Field::new("ФИО", "#panic(\"взлом\")");
    let pdf = report.render_pdf().expect("markup in data is only text");
    let text = pdf_text::text(&pdf);
    text.assert_has(samples::MARKUP_TITLE);
    text.assert_has("ФИО #panic(\"взлом\")");
}

#[test]
fn control_characters_and_scripts_outside_the_font_do_not_stop_the_report() {
    let mut report = samples::hours_report(0);
    report.rows[0].title = "Курс\u{0}\u{7}\u{1b}[31m по ЭКГ 心电图 🫀 \u{202e}обратно".to_owned();
    let pdf = report.render_pdf().expect("still renders");
    let text = pdf_text::text(&pdf);
    text.assert_has("по ЭКГ");
    text.assert_has("Всего часов 78 часов");
}

#[test]
fn a_long_period_breaks_across_pages_with_every_row_and_the_totals() {
    let pdf = samples::hours_report(120).render_pdf().expect("renders");
    assert!(pdf.pages >= 3, "{} pages", pdf.pages);
    let pages = pdf_text::pages(&pdf);
    // The table's header repeats on every page the table reaches.
    let with_rows: Vec<_> = pages
        .iter()
        .filter(|p| p.contains("Модуль номер"))
        .collect();
    assert!(with_rows.len() >= 3);
    for page in with_rows {
        page.assert_has("Дата Обучение Вид Объём");
    }
    let text = pdf_text::text(&pdf);
    for n in 1..=120 {
        assert_eq!(text.count(&format!("Модуль номер {n}ИОМ")), 1, "row {n}");
    }
    pages.last().unwrap().assert_has("Всего часов 78 часов");
}

#[test]
fn a_period_without_records_says_so_instead_of_an_empty_table() {
    let mut report = samples::hours_report(0);
    report.rows.clear();
    let text = pdf_text::text(&report.render_pdf().expect("renders"));
    text.assert_has("За период записей нет.");
    text.assert_lacks("Дата Обучение");
    text.assert_has("Всего часов 78 часов");
}

#[test]
fn an_english_report_is_laid_out_in_english() {
    let mut report = samples::hours_report(0);
    report.language = medcab_render::Language::En;
    report.title = "Education report".into();
    let text = pdf_text::text(&report.render_pdf().expect("renders"));
    text.assert_has("Education report");
}
