//! «🗂 Портфолио»: everything a practitioner files for periodic
//! accreditation in one list, each item with its status, what is missing
//! said plainly with a button to where it is put right, the documents
//! behind it paged, and the whole as one PDF.
//!
//! ```text
//! user: <presses 🗂 Портфолио>                   (in «🎓 НМО и аккредитация»)
//! bot:  (the same message) 🗂 Портфолио для периодической аккредитации
//!       Всё, что подаётся на периодическую аккредитацию, и в каком оно
//!       состоянии на 25.11.2026.
//!       ✅ Диплом об образовании — актуально
//!       🔍 Повышение квалификации, переподготовка — на проверке
//!       ❗ Обучение за период — не хватает: 36 из 144 ак. ч, из них ПК 36 из 74
//!       ⏳ Аккредитация — истекает, действует до 30.06.2027
//!       ❗ Отчёт о профессиональной деятельности — не хватает
//!       ⛔ Подтверждение работодателя — истёк, до 01.12.2026
//!       Для подачи не хватает:
//!       • 108 академических часов обучения из 144
//!       • 38 часов по программам повышения квалификации (ПК)
//!       • отчёта о профессиональной деятельности
//!       • свежего подтверждения работодателя — срок прежнего истёк
//!       [📚 Обучение и НМО] [➕ Справка с места работы]
//!       [📋 Документы портфолио] [📄 Портфолио (PDF)] [« НМО и аккредитация]
//! user: <presses 📋 Документы портфолио>
//! bot:  (the same message) 📋 Документы портфолио (1–3 из 3):
//!       1. ✅ Диплом: РНИМУ им. Пирогова, «Лечебное дело», 2010 — актуально
//!       2. 🔍 Удостоверение о повышении квалификации, № 77 0012345, выдан … — на проверке
//!       … [« Портфолио]
//! user: <presses 📄 Портфолио (PDF)>
//! bot:  (uploading a document…) Портфолио.pdf, protected:
//!       📄 Портфолио для периодической аккредитации на 25.11.2026
//! ```
//!
//! Behind the step-up (its buttons are `Action::Folio`). Every status and
//! every gap is core's (`qualification::gather`, `qualification::portfolio`);
//! this module words them. The practitioner's name is only inside the PDF:
//! neither its file name nor its caption carries it. The file is protected
//! and leaves the chat when the session ends (`session_files`).

use chrono::NaiveDate;
use medcab_core::documents::DocumentKind;
use medcab_core::qualification::{
    self, Gathered, ItemStatus, MissingItem, Piece, Portfolio, PortfolioItem, Source, Stage,
};
use medcab_core::session_files::Session;
use medcab_render::{
    Field, Language as RenderLanguage, MissingItems, PortfolioColumns, PortfolioExport,
    PortfolioItem as PdfItem, StatusTone,
};

use super::hours::HoursAction;
use crate::chat::{Activity, Keyboard, OutgoingFile, Press};
use crate::handlers::actions::Section;
use crate::handlers::documents::DocAction;
use crate::handlers::records::parse_id;
use crate::handlers::screen::{self, Screen, button};
use crate::handlers::{Action, HandlerError, HandlerResult, Turn};
use crate::i18n::{Arg, Texts};

/// Records per page of «Документы портфолио»: a line is at most a few
/// hundred characters (each user text cut to [`LINE_CHARS`]), so ten stay
/// well inside Telegram's 4096.
pub const PAGE: usize = 10;

/// Characters of a user's text (an institution, a programme) in a line.
const LINE_CHARS: usize = 80;

/// Pages past this are no page (a forged number).
const MAX_PAGE: u32 = 10_000;

/// A button of «🗂 Портфолио», inside [`Action::Folio`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortfolioAction {
    /// The list of items with their statuses.
    Open,
    /// This page of the records behind the items (0 is the first).
    Records(u32),
    /// The whole portfolio as one PDF.
    Export,
}

impl PortfolioAction {
    pub fn encode(self) -> String {
        match self {
            PortfolioAction::Open => "o".to_owned(),
            PortfolioAction::Records(page) => format!("r:{page}"),
            PortfolioAction::Export => "pdf".to_owned(),
        }
    }

    pub fn parse(data: &str) -> Option<PortfolioAction> {
        match data.split_once(':') {
            None => match data {
                "o" => Some(PortfolioAction::Open),
                "pdf" => Some(PortfolioAction::Export),
                _ => None,
            },
            Some(("r", "0")) => Some(PortfolioAction::Records(0)),
            Some(("r", page)) => {
                let page = u32::try_from(parse_id(page)?).ok()?;
                (page <= MAX_PAGE).then_some(PortfolioAction::Records(page))
            }
            _ => None,
        }
    }

    /// One of each, for the round-trip tests in `actions`.
    #[cfg(test)]
    pub fn examples() -> Vec<PortfolioAction> {
        vec![
            PortfolioAction::Open,
            PortfolioAction::Records(0),
            PortfolioAction::Records(MAX_PAGE),
            PortfolioAction::Export,
        ]
    }
}

// ---------------------------------------------------------------- texts

fn item_name(t: Texts, item: PortfolioItem) -> String {
    t.msg_with("portfolio-item", [("item", Arg::Text(item.as_str()))])
}

fn status_word(t: Texts, status: ItemStatus) -> String {
    t.msg_with("portfolio-status", [("status", Arg::Text(status.as_str()))])
}

fn status_mark(t: Texts, status: ItemStatus) -> String {
    t.msg_with(
        "portfolio-status-mark",
        [("status", Arg::Text(status.as_str()))],
    )
}

fn tone(status: ItemStatus) -> StatusTone {
    match status {
        ItemStatus::Current => StatusTone::Good,
        ItemStatus::UnderReview | ItemStatus::Expiring => StatusTone::Attention,
        ItemStatus::Expired | ItemStatus::Missing => StatusTone::Problem,
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn doc_kind(t: Texts, kind: DocumentKind) -> String {
    t.msg_with("doc-kind", [("kind", Arg::Text(kind.as_str()))])
}

/// What a line adds after its status: the date the best document runs
/// to, how many there are; the hours; the accreditation's end.
fn detail(t: Texts, gathered: &Gathered, item: PortfolioItem) -> String {
    match item {
        PortfolioItem::EducationHours => match gathered.progress() {
            Some(progress) => t.msg_with(
                "portfolio-detail-hours",
                [
                    ("done", Arg::Number(progress.total.done.into())),
                    ("target", Arg::Number(progress.total.target.into())),
                    ("programme", Arg::Number(progress.programme.done.into())),
                    ("minimum", Arg::Number(progress.programme.target.into())),
                ],
            ),
            None => t.msg("portfolio-detail-no-period"),
        },
        PortfolioItem::Accreditation => gathered
            .accreditation_status()
            .map(|status| {
                t.msg_with(
                    "portfolio-detail-accreditation",
                    [("date", Arg::Text(&t.date(status.period.valid_until())))],
                )
            })
            .unwrap_or_default(),
        PortfolioItem::ActivityReport => String::new(),
        PortfolioItem::Diploma
        | PortfolioItem::AdditionalEducation
        | PortfolioItem::EmployerConfirmation => {
            let pieces = gathered.pieces(item);
            let today = gathered.today;
            // The date of the piece that gives the line its status.
            let best = pieces.iter().min_by_key(|piece| piece.status(today));
            let mut text = best
                .and_then(|piece| piece.held().valid_until)
                .map(|until| {
                    t.msg_with(
                        "portfolio-detail-until",
                        [("date", Arg::Text(&t.date(until)))],
                    )
                })
                .unwrap_or_default();
            if pieces.len() > 1 {
                text.push_str(&t.msg_with(
                    "portfolio-detail-count",
                    [("count", Arg::count(pieces.len()))],
                ));
            }
            text
        }
    }
}

/// One gap, in plain words.
fn missing_text(t: Texts, missing: MissingItem) -> String {
    match missing {
        MissingItem::Absent(item) => t.msg_with(
            "portfolio-missing-absent",
            [("item", Arg::Text(item.as_str()))],
        ),
        MissingItem::Expired(item) => t.msg_with(
            "portfolio-missing-expired",
            [("item", Arg::Text(item.as_str()))],
        ),
        MissingItem::ReportUnfinished => t.msg("portfolio-missing-report-unfinished"),
        MissingItem::Hours { short_by } => t.msg_with(
            "portfolio-missing-hours",
            [("hours", Arg::Number(short_by.into()))],
        ),
        MissingItem::ProgrammeHours { short_by } => t.msg_with(
            "portfolio-missing-programme",
            [("hours", Arg::Number(short_by.into()))],
        ),
    }
}

/// Where a gap is put right, when the bot has such a place (the report
/// has its own section).
fn fix_for(missing: MissingItem) -> Option<(PortfolioItem, Action)> {
    let document = |kind| Action::Doc(DocAction::Kind(kind));
    let item = match missing {
        MissingItem::Absent(item) | MissingItem::Expired(item) => item,
        MissingItem::Hours { .. } | MissingItem::ProgrammeHours { .. } => {
            PortfolioItem::EducationHours
        }
        MissingItem::ReportUnfinished => PortfolioItem::ActivityReport,
    };
    let action = match item {
        PortfolioItem::Diploma => document(DocumentKind::Diploma),
        PortfolioItem::AdditionalEducation => document(DocumentKind::QualificationUpgrade),
        PortfolioItem::EducationHours => Action::Hours(HoursAction::Overview(0)),
        PortfolioItem::Accreditation => document(DocumentKind::Accreditation),
        PortfolioItem::EmployerConfirmation => document(DocumentKind::EmployerConfirmation),
        PortfolioItem::ActivityReport => return None,
    };
    Some((item, action))
}

// ---------------------------------------------------------------- screens

async fn gather(turn: &Turn) -> Result<Gathered, HandlerError> {
    let Turn {
        user, db, services, ..
    } = turn;
    let today = medcab_core::clock::moscow_today(services.clock.now());
    let report = medcab_core::activity_report::state(db, *user).await?;
    Ok(qualification::gather(
        db,
        &services.vault,
        &services.registry,
        *user,
        services.requirements,
        report,
        today,
    )
    .await?)
}

/// The items with their statuses, what is missing, and the buttons.
pub async fn overview_screen(turn: &Turn) -> Result<Screen, HandlerError> {
    let gathered = gather(turn).await?;
    Ok(overview(turn.t, &gathered, &gathered.portfolio()))
}

fn overview(t: Texts, gathered: &Gathered, portfolio: &Portfolio) -> Screen {
    let mut text = t.msg("portfolio-title");
    text.push_str("\n\n");
    text.push_str(&t.msg_with(
        "portfolio-intro",
        [("date", Arg::Text(&t.date(gathered.today)))],
    ));
    text.push('\n');
    for entry in &portfolio.entries {
        text.push('\n');
        text.push_str(&t.msg_with(
            "portfolio-line",
            [
                ("mark", Arg::Text(&status_mark(t, entry.status))),
                ("item", Arg::Text(&item_name(t, entry.item))),
                ("status", Arg::Text(&status_word(t, entry.status))),
                ("detail", Arg::Text(&detail(t, gathered, entry.item))),
            ],
        ));
    }
    text.push_str("\n\n");
    let mut rows = Vec::new();
    if portfolio.ready_to_file() {
        text.push_str(&t.msg("portfolio-ready"));
    } else {
        text.push_str(&t.msg("portfolio-missing-heading"));
        let mut fixes: Vec<(PortfolioItem, Action)> = Vec::new();
        for missing in &portfolio.missing {
            text.push('\n');
            text.push_str(&t.msg_with(
                "portfolio-missing-line",
                [("what", Arg::Text(&missing_text(t, *missing)))],
            ));
            if let Some(fix) = fix_for(*missing)
                && !fixes.contains(&fix)
            {
                fixes.push(fix);
            }
        }
        // Two to a row: at most five gaps have a place to be put right.
        for pair in fixes.chunks(2) {
            rows.push(
                pair.iter()
                    .map(|(item, action)| {
                        button(
                            t.msg_with("portfolio-fix", [("item", Arg::Text(item.as_str()))]),
                            *action,
                        )
                    })
                    .collect(),
            );
        }
    }
    rows.push(vec![
        button(
            t.msg("portfolio-records-button"),
            Action::Folio(PortfolioAction::Records(0)),
        ),
        button(
            t.msg("portfolio-export"),
            Action::Folio(PortfolioAction::Export),
        ),
    ]);
    rows.push(vec![button(t.msg("nmo-back"), Action::Open(Section::Nmo))]);
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

/// Every record behind the items, in the list's order.
fn all_pieces(gathered: &Gathered) -> Vec<Piece<'_>> {
    PortfolioItem::ALL
        .into_iter()
        .flat_map(|item| gathered.pieces(item))
        .collect()
}

/// A line of «Документы портфолио»: the record, its own status.
fn piece_line(t: Texts, index: usize, piece: Piece<'_>, today: NaiveDate) -> String {
    let status = piece.status(today);
    let mark = status_mark(t, status);
    let word = status_word(t, status);
    let common = [
        ("index", Arg::count(index)),
        ("mark", Arg::Text(&mark)),
        ("status", Arg::Text(&word)),
    ];
    match piece {
        Piece::Diploma(record) => {
            let education = &record.education;
            let institution = shortened(education.institution(), LINE_CHARS);
            let specialty = shortened(education.specialty(), LINE_CHARS);
            let year = education.graduation_year().to_string();
            t.msg_with(
                "portfolio-record-diploma",
                common.into_iter().chain([
                    ("institution", Arg::Text(&institution)),
                    ("specialty", Arg::Text(&specialty)),
                    ("year", Arg::Text(&year)),
                ]),
            )
        }
        Piece::Additional(record) => {
            let programme = shortened(record.additional.programme(), LINE_CHARS);
            t.msg_with(
                "portfolio-record-additional",
                common.into_iter().chain([
                    ("programme", Arg::Text(&programme)),
                    ("hours", Arg::Number(record.additional.hours().into())),
                ]),
            )
        }
        Piece::Document(held) => {
            let document = &held.document;
            let kind = doc_kind(t, document.kind);
            let number = document
                .number
                .as_deref()
                .map(|number| shortened(number, LINE_CHARS))
                .unwrap_or_default();
            let issued = t.date(document.issued_on);
            let until = document.valid_until.map(|date| t.date(date));
            t.msg_with(
                "portfolio-record-document",
                common.into_iter().chain([
                    ("kind", Arg::Text(&kind)),
                    (
                        "has_number",
                        Arg::Text(if number.is_empty() { "no" } else { "yes" }),
                    ),
                    ("number", Arg::Text(&number)),
                    ("issued", Arg::Text(&issued)),
                    (
                        "has_until",
                        Arg::Text(if until.is_some() { "yes" } else { "no" }),
                    ),
                    ("until", Arg::Text(until.as_deref().unwrap_or_default())),
                ]),
            )
        }
    }
}

/// A page of the records behind the items.
async fn records_screen(turn: &Turn, page: u32) -> Result<Screen, HandlerError> {
    let t = turn.t;
    let gathered = gather(turn).await?;
    let pieces = all_pieces(&gathered);
    let back = vec![button(
        t.msg("portfolio-back"),
        Action::Folio(PortfolioAction::Open),
    )];
    if pieces.is_empty() {
        return Ok(Screen {
            text: t.msg("portfolio-records-empty"),
            keyboard: Keyboard::new([back]),
        });
    }
    let pages = pieces.len().div_ceil(PAGE);
    let page = usize::try_from(page).unwrap_or(0).min(pages - 1);
    let first = page * PAGE;
    let shown = &pieces[first..pieces.len().min(first + PAGE)];
    let mut text = t.msg_with(
        "portfolio-records-title",
        [
            ("first", Arg::count(first + 1)),
            ("last", Arg::count(first + shown.len())),
            ("total", Arg::count(pieces.len())),
        ],
    );
    for (offset, piece) in shown.iter().enumerate() {
        text.push('\n');
        text.push_str(&piece_line(t, first + offset + 1, *piece, gathered.today));
    }
    let labels = (t.msg("portfolio-page-back"), t.msg("portfolio-page-next"));
    let pager = screen::pager(page, pages, labels, |page| {
        Action::Folio(PortfolioAction::Records(page))
    });
    let mut rows = Vec::new();
    rows.extend(pager);
    rows.push(back);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

// ---------------------------------------------------------------- the PDF

/// The PDF's line of one record: its title and its own fields, as plain
/// text (Typst shows strings as typed; nothing here is HTML).
fn pdf_piece(t: Texts, piece: Piece<'_>, today: NaiveDate) -> PdfItem {
    let status = piece.status(today);
    let field = |key: &str, value: String| Field::new(t.msg(key), value);
    let (title, fields) = match piece {
        Piece::Diploma(record) => {
            let education = &record.education;
            (
                format!(
                    "{}: {}",
                    item_name(t, PortfolioItem::Diploma),
                    education.specialty()
                ),
                vec![
                    field(
                        "portfolio-pdf-field-institution",
                        education.institution().to_owned(),
                    ),
                    field(
                        "portfolio-pdf-field-specialty",
                        education.specialty().to_owned(),
                    ),
                    field(
                        "portfolio-pdf-field-level",
                        t.msg_with(
                            "edu-level",
                            [("level", Arg::Text(education.level().as_str()))],
                        ),
                    ),
                    field(
                        "portfolio-pdf-field-number",
                        education.diploma_number().to_owned(),
                    ),
                    field(
                        "portfolio-pdf-field-issued",
                        t.date(education.diploma_date()),
                    ),
                ],
            )
        }
        Piece::Additional(record) => {
            let additional = &record.additional;
            (
                format!(
                    "{}: {}",
                    item_name(t, PortfolioItem::AdditionalEducation),
                    additional.programme()
                ),
                vec![
                    field(
                        "portfolio-pdf-field-programme",
                        additional.programme().to_owned(),
                    ),
                    field("portfolio-pdf-field-hours", additional.hours().to_string()),
                    field(
                        "portfolio-pdf-field-dates",
                        format!(
                            "{} — {}",
                            t.date(additional.starts_on()),
                            t.date(additional.ends_on())
                        ),
                    ),
                ],
            )
        }
        Piece::Document(held) => {
            let document = &held.document;
            let mut fields = Vec::new();
            if let Some(number) = &document.number {
                fields.push(field("portfolio-pdf-field-number", number.clone()));
            }
            fields.push(field(
                "portfolio-pdf-field-issued",
                t.date(document.issued_on),
            ));
            if let Some(until) = document.valid_until {
                fields.push(field("portfolio-pdf-field-until", t.date(until)));
            }
            (doc_kind(t, document.kind), fields)
        }
    };
    PdfItem {
        title,
        status: status_word(t, status),
        tone: tone(status),
        fields,
    }
}

/// An item with no records of its own (or none held): one line.
fn pdf_line(t: Texts, item: PortfolioItem, status: ItemStatus, fields: Vec<Field>) -> PdfItem {
    PdfItem {
        title: item_name(t, item),
        status: status_word(t, status),
        tone: tone(status),
        fields,
    }
}

fn of(t: Texts, done: u32, target: u32) -> String {
    t.msg_with(
        "portfolio-pdf-of",
        [
            ("done", Arg::Number(done.into())),
            ("target", Arg::Number(target.into())),
        ],
    )
}

/// The whole portfolio as the export shows it: a line per record held (an
/// item with nothing held has a line of its own, «не хватает»), the hours
/// with every record of the period, the totals and the gaps.
fn export(t: Texts, gathered: &Gathered, portfolio: &Portfolio, name: &str) -> PortfolioExport {
    let today = gathered.today;
    let mut items = Vec::new();
    for entry in &portfolio.entries {
        let pieces = gathered.pieces(entry.item);
        match entry.item {
            PortfolioItem::EducationHours => {
                let mut fields = Vec::new();
                if let Some(progress) = gathered.progress() {
                    let period = gathered.hours.basis.period();
                    let mut records: Vec<_> = gathered
                        .hours
                        .records
                        .iter()
                        .filter(|record| period.contains(record.entry.completed_on()))
                        .collect();
                    records.sort_by_key(|record| record.entry.completed_on());
                    fields.push(Field::new(
                        t.msg("portfolio-pdf-total-hours"),
                        of(t, progress.total.done, progress.total.target),
                    ));
                    fields.push(Field::new(
                        t.msg("portfolio-pdf-total-programme"),
                        of(t, progress.programme.done, progress.programme.target),
                    ));
                    for record in records {
                        let entry = &record.entry;
                        fields.push(Field::new(
                            t.date(entry.completed_on()),
                            format!(
                                "{} ({}) — {}",
                                entry.title(),
                                entry.provider(),
                                t.msg_with(
                                    "hours-amount",
                                    [
                                        ("kind", Arg::Text(entry.kind().as_str())),
                                        ("amount", Arg::Number(entry.amount().into())),
                                    ],
                                )
                            ),
                        ));
                    }
                }
                items.push(pdf_line(t, entry.item, entry.status, fields));
            }
            PortfolioItem::Accreditation => {
                let fields = gathered
                    .accreditation_status()
                    .map(|status| {
                        let source = match status.source {
                            Source::Register => "register",
                            Source::Document => "document",
                        };
                        let mut fields = vec![
                            Field::new(
                                t.msg("portfolio-pdf-field-source"),
                                t.msg_with("portfolio-pdf-source", [("source", Arg::Text(source))]),
                            ),
                            Field::new(
                                t.msg("portfolio-pdf-valid-until"),
                                t.date(status.period.valid_until()),
                            ),
                        ];
                        if status.stage != Stage::Expired {
                            fields.push(Field::new(
                                t.msg("portfolio-pdf-filing"),
                                t.msg_with(
                                    "accreditation-month",
                                    [
                                        ("month", Arg::Number(status.filing_month.month().into())),
                                        (
                                            "year",
                                            Arg::Text(&status.filing_month.year().to_string()),
                                        ),
                                    ],
                                ),
                            ));
                        }
                        fields
                    })
                    .unwrap_or_default();
                items.push(pdf_line(t, entry.item, entry.status, fields));
            }
            PortfolioItem::ActivityReport => {
                items.push(pdf_line(t, entry.item, entry.status, Vec::new()));
            }
            _ if pieces.is_empty() => {
                items.push(pdf_line(t, entry.item, entry.status, Vec::new()));
            }
            _ => items.extend(pieces.into_iter().map(|piece| pdf_piece(t, piece, today))),
        }
    }

    let period = match gathered.progress() {
        Some(_) => {
            let period = gathered.hours.basis.period();
            format!(
                "{} — {}",
                t.date(period.accredited_on()),
                t.date(period.valid_until())
            )
        }
        None => t.msg("portfolio-pdf-period-unknown"),
    };
    let mut details = Vec::new();
    if let Some(status) = gathered.accreditation_status() {
        details.push(Field::new(
            t.msg("portfolio-pdf-valid-until"),
            t.date(status.period.valid_until()),
        ));
    }
    let in_order = portfolio
        .entries
        .iter()
        .filter(|entry| {
            matches!(
                entry.status,
                ItemStatus::Current | ItemStatus::UnderReview | ItemStatus::Expiring
            )
        })
        .count();
    let mut totals = Vec::new();
    if let Some(progress) = gathered.progress() {
        totals.push(Field::new(
            t.msg("portfolio-pdf-total-hours"),
            of(t, progress.total.done, progress.total.target),
        ));
        totals.push(Field::new(
            t.msg("portfolio-pdf-total-programme"),
            of(t, progress.programme.done, progress.programme.target),
        ));
        totals.push(Field::new(
            t.msg("portfolio-pdf-total-zet"),
            progress.zet.to_string(),
        ));
    }
    totals.push(Field::new(
        t.msg("portfolio-pdf-total-ready"),
        t.msg_with(
            "portfolio-pdf-of",
            [
                ("done", Arg::count(in_order)),
                ("target", Arg::count(portfolio.entries.len())),
            ],
        ),
    ));
    PortfolioExport {
        language: match t.language() {
            medcab_core::Language::Ru => RenderLanguage::Ru,
            medcab_core::Language::En => RenderLanguage::En,
        },
        title: t.msg("portfolio-pdf-title"),
        person: Field::new(t.msg("portfolio-pdf-person"), name),
        period: Field::new(t.msg("portfolio-pdf-period"), period),
        details,
        list_heading: t.msg("portfolio-pdf-list"),
        columns: PortfolioColumns {
            number: t.msg("portfolio-pdf-column-number"),
            item: t.msg("portfolio-pdf-column-item"),
            status: t.msg("portfolio-pdf-column-status"),
        },
        items,
        no_items: t.msg("portfolio-pdf-empty"),
        totals,
        missing: (!portfolio.ready_to_file()).then(|| MissingItems {
            heading: t.msg("portfolio-pdf-missing"),
            items: portfolio
                .missing
                .iter()
                .map(|missing| missing_text(t, *missing))
                .collect(),
        }),
        records_heading: t.msg("portfolio-pdf-records"),
        footer: Some(t.msg_with(
            "portfolio-pdf-footer",
            [("date", Arg::Text(&t.date(today)))],
        )),
    }
}

/// The PDF, sent under the screen: protected, the name inside the file
/// only, gone from the chat with the session.
async fn send_export(turn: &Turn, press: &Press) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    ui.answer(press).await?;
    ui.activity(Activity::UploadingDocument).await;
    let now = services.clock.now();
    let gathered = gather(turn).await?;
    let portfolio = gathered.portfolio();
    let name = super::name_on_pdf(db, services, user_id).await?;
    let document = export(t, &gathered, &portfolio, &name);
    let pdf = tokio::task::spawn_blocking(move || document.render_pdf()).await??;
    if !pdf.warnings.is_empty() {
        tracing::warn!(warnings = ?pdf.warnings, "the portfolio's template warned");
    }
    let caption = t.msg_with(
        "portfolio-pdf-caption",
        [("date", Arg::Text(&t.date(gathered.today)))],
    );
    let file = OutgoingFile::new(t.msg("portfolio-pdf-file"), pdf.bytes).caption(caption);
    let sent = ui.send_file(file).await?;
    screen::gone_with_session(ui, db, user_id, &sent, Session::Practitioner, now).await?;
    Ok(())
}

// ---------------------------------------------------------------- buttons

/// A button of the section. The step-up gate let it through (the session
/// is open); nothing here names an id.
pub async fn press(turn: Turn, press: Press, action: PortfolioAction) -> HandlerResult {
    match action {
        PortfolioAction::Open => {
            turn.ui.answer(&press).await?;
            let screen = overview_screen(&turn).await?;
            turn.ui.replace(&press, screen).await
        }
        PortfolioAction::Records(page) => {
            turn.ui.answer(&press).await?;
            let screen = records_screen(&turn, page).await?;
            turn.ui.replace(&press, screen).await
        }
        PortfolioAction::Export => send_export(&turn, &press).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_data_is_not_an_action() {
        for data in [
            "", "o:1", "pdf:1", "r", "r:", "r:-1", "r:01", "r:10001", "r:1:2", "x",
        ] {
            assert_eq!(PortfolioAction::parse(data), None, "{data:?}");
        }
    }

    #[test]
    fn every_gap_but_the_report_has_a_place_to_be_put_right() {
        for item in PortfolioItem::ALL {
            let fix = fix_for(MissingItem::Absent(item));
            assert_eq!(
                fix.is_none(),
                item == PortfolioItem::ActivityReport,
                "{item:?}"
            );
        }
        assert_eq!(
            fix_for(MissingItem::ProgrammeHours { short_by: 2 }).map(|(item, _)| item),
            Some(PortfolioItem::EducationHours)
        );
        assert_eq!(fix_for(MissingItem::ReportUnfinished), None);
    }
}
