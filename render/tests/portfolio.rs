mod pdf_text;
mod samples;

#[test]
fn a_title_page_then_the_list_with_statuses_and_totals_then_each_record() {
    let pdf = samples::portfolio(0).render_pdf().expect("renders");
    let pages = pdf_text::pages(&pdf);
    assert_eq!(pages.len(), 3, "title page, list, records");

    let title = &pages[0];
    title.assert_has("Портфолио для периодической аккредитации");
    title.assert_has(&format!("ФИО {}", samples::PERSON));
    title.assert_has(&format!("Период {}", samples::PERIOD));
    title.assert_lacks("Состав портфолио");

    let list = &pages[1];
    list.assert_has("Состав портфолио");
    list.assert_has("№ Документ Статус");
    list.assert_has("1 Диплом о высшем образовании актуально");
    list.assert_has("2 Удостоверение о повышении квалификации на проверке");
    list.assert_has("3 Отчёт о профессиональной деятельности не хватает");
    list.assert_has("Часов за период 78 из 144");
    list.assert_has("Из них ПК 36 из 74");
    list.assert_has("Не хватает для подачи");
    list.assert_has("66 часов обучения");

    let records = &pages[2];
    records.assert_has("Документы и записи");
    records.assert_has(
        "1. Диплом о высшем образовании актуально Номер 107718 0123456 Выдан 30.06.2010",
    );
    records.assert_has("2. Удостоверение о повышении квалификации на проверке Часов 36");
    records.assert_has("3. Отчёт о профессиональной деятельности не хватает");
}

#[test]
fn many_records_run_over_pages_and_none_is_lost() {
    let pdf = samples::portfolio(80).render_pdf().expect("renders");
    assert!(pdf.pages >= 5, "{} pages", pdf.pages);
    let text = pdf_text::text(&pdf);
    for n in 4..=83 {
        // Once in the list, once as a record.
        assert_eq!(text.count(&format!("Запись номер {n}истёк")), 2, "row {n}");
        assert_eq!(
            text.count(&format!("{n}. Запись номер {n}истёк")),
            1,
            "record {n}"
        );
    }
}

#[test]
fn an_empty_portfolio_has_its_title_page_and_says_it_is_empty() {
    let mut portfolio = samples::portfolio(0);
    portfolio.items.clear();
    let pdf = portfolio.render_pdf().expect("renders");
    let text = pdf_text::text(&pdf);
    text.assert_has("В портфолио пока ничего нет.");
    text.assert_lacks("Документы и записи");
    assert_eq!(pdf.pages, 2);
}

#[test]
fn nothing_missing_leaves_out_the_missing_block() {
    let mut portfolio = samples::portfolio(0);
    portfolio.missing = None;
    let text = pdf_text::text(&portfolio.render_pdf().expect("renders"));
    text.assert_lacks("Не хватает для подачи");
    text.assert_has("Состав портфолио");
}

#[test]
fn a_record_title_with_typst_markup_comes_out_as_typed() {
    let mut portfolio = samples::portfolio(0);
    portfolio.items[0].title = samples::MARKUP_TITLE.to_owned();
    portfolio.items[0].fields[0].value = "= Заголовок\n- пункт".to_owned();
    let text = pdf_text::text(&portfolio.render_pdf().expect("renders"));
    assert_eq!(
        text.count(samples::MARKUP_TITLE),
        2,
        "in the list and as a record"
    );
    text.assert_has("Номер = Заголовок - пункт");
}
