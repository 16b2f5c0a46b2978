mod pdf_text;
mod samples;

use medcab_render::Agreement;

fn with_employer() -> Agreement {
    Agreement::WithEmployer(samples::approval_block())
}

#[test]
fn every_section_in_order_with_the_answers_and_a_blank_agreement_block() {
    let pdf = samples::activity_report(with_employer())
        .render_pdf()
        .expect("renders");
    let pages = pdf_text::pages(&pdf);
    assert!(pdf.pages >= 2, "the long answer runs over a page");
    for page in &pages {
        page.assert_has("Черновик");
    }
    let text = pdf_text::text(&pdf);
    text.assert_has("Отчёт о профессиональной деятельности");
    text.assert_has(&format!("ФИО {}", samples::PERSON));
    text.assert_has(&format!("Период {}", samples::PERIOD));
    // The notes under the details.
    text.assert_has("Отчёт не содержит персональных данных пациентов.");
    text.assert_has(
        "Организация и подразделение ГБУЗ «Городская поликлиника № 5», кардиологическое отделение.",
    );
    text.assert_has(
        "Должностные обязанности Консультативный приём пациентов. \
         Ведение медицинской документации. Участие во врачебной комиссии.",
    );
    assert_eq!(
        text.count("Проведено приёмов за год: около трёх тысяч."),
        40
    );
    text.assert_has("Предложения Раздел не заполнен.");

    let headings = [
        "Организация и подразделение",
        "Стаж работы по специальности",
        "Должностные обязанности",
        "Результаты работы",
        "Индивидуальные достижения",
        "Наставничество",
        "Предложения",
        "СОГЛАСОВАНО",
    ];
    let raw: String = text.raw.split_whitespace().collect();
    let positions: Vec<usize> = headings
        .iter()
        .map(|h| {
            let h: String = h.split_whitespace().collect();
            raw.find(&h).unwrap_or_else(|| panic!("no {h}"))
        })
        .collect();
    assert!(
        positions.is_sorted(),
        "sections out of order: {positions:?}"
    );

    // The block is there and empty: its captions, the seal, nothing filled in.
    let last = pages.last().unwrap();
    last.assert_has("СОГЛАСОВАНО должность ФИО подпись дата М.П.");
}

#[test]
fn without_the_employer_the_note_replaces_the_block() {
    let note = "Отчёт не согласован с работодателем.";
    let pdf = samples::activity_report(Agreement::WithoutEmployer {
        note: note.to_owned(),
    })
    .render_pdf()
    .expect("renders");
    let text = pdf_text::text(&pdf);
    text.assert_has(note);
    text.assert_lacks("СОГЛАСОВАНО");
    text.assert_lacks("М.П.");
}

#[test]
fn an_answer_with_typst_markup_comes_out_as_typed() {
    let mut draft = samples::activity_report(with_employer());
    draft.sections[1].text = format!("{}\n\n#pagebreak() #pagebreak()", samples::MARKUP_TITLE);
    draft.sections[4].heading = "= #strong[Достижения]".to_owned();
    let pdf = draft.render_pdf().expect("renders");
    let text = pdf_text::text(&pdf);
    text.assert_has(samples::MARKUP_TITLE);
    text.assert_has("#pagebreak() #pagebreak()");
    text.assert_has("= #strong[Достижения]");
    let plain = samples::activity_report(with_employer())
        .render_pdf()
        .expect("renders");
    assert_eq!(pdf.pages, plain.pages, "no page break was obeyed");
}
