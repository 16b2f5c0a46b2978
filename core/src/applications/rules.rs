//! The rules of applications that need no storage: kinds and what each
//! requires, numbers, the status machine, the accreditation window, the
//! promised review times and what the practitioner should do next.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};

use crate::documents;

/// What a practitioner applies for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Activation of the account of a practitioner not yet confirmed.
    Activation,
    /// Periodic accreditation (every five years, by portfolio).
    PeriodicAccreditation,
    /// A certificate or an extract («справка», «выписка»).
    CertificateRequest,
    /// An update of the practitioner's personal data.
    PersonalDataUpdate,
    /// A check of the education records («Запросить проверку» in
    /// «Обучение и НМО»): an operator confirms the hours.
    EducationCheck,
    /// The report on professional activity, for an operator to check
    /// before it goes to the employer for agreement.
    ActivityReport,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Activation,
        Kind::PeriodicAccreditation,
        Kind::CertificateRequest,
        Kind::PersonalDataUpdate,
        Kind::EducationCheck,
        Kind::ActivityReport,
    ];

    /// The kinds «📨 Мои заявки → Новая заявка» offers. The others are
    /// opened from their own section, which has what they check.
    pub const PICKABLE: [Kind; 4] = [
        Kind::Activation,
        Kind::PeriodicAccreditation,
        Kind::CertificateRequest,
        Kind::PersonalDataUpdate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Activation => "activation",
            Kind::PeriodicAccreditation => "periodic_accreditation",
            Kind::CertificateRequest => "certificate_request",
            Kind::PersonalDataUpdate => "personal_data_update",
            Kind::EducationCheck => "education_check",
            Kind::ActivityReport => "activity_report",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The letter that opens the application's number (Cyrillic, as the
    /// paperwork writes it): **А**ктивация, **П**ериодическая аккредитация,
    /// **С**правка / выписка, **Д**анные (personal data), **Н**МО (the
    /// education records), **О**тчёт о профессиональной деятельности.
    pub fn letter(self) -> char {
        match self {
            Kind::Activation => 'А',
            Kind::PeriodicAccreditation => 'П',
            Kind::CertificateRequest => 'С',
            Kind::PersonalDataUpdate => 'Д',
            Kind::EducationCheck => 'Н',
            Kind::ActivityReport => 'О',
        }
    }

    /// The documents an application of this kind cannot be submitted
    /// without. Why each:
    /// - activation: the passport and СНИЛС prove who the person is, the
    ///   diploma that they may practise, the employer's confirmation that
    ///   they work where the register says;
    /// - periodic accreditation: the current accreditation (what is being
    ///   renewed), the qualification upgrades of the cycle and the
    ///   employer's confirmation (the portfolio and the activity report
    ///   come with a later issue);
    /// - a certificate or extract is made from what is already on file, so
    ///   it needs nothing new;
    /// - a personal data update needs the passport the new data is read from;
    /// - an education check and an activity report carry what they check
    ///   (the records, the report), so no document is required of them.
    pub fn required_documents(self) -> &'static [documents::DocumentKind] {
        use documents::DocumentKind as Doc;
        match self {
            Kind::Activation => &[
                Doc::Passport,
                Doc::Snils,
                Doc::Diploma,
                Doc::EmployerConfirmation,
            ],
            Kind::PeriodicAccreditation => &[
                Doc::Accreditation,
                Doc::QualificationUpgrade,
                Doc::EmployerConfirmation,
            ],
            Kind::CertificateRequest => &[],
            Kind::PersonalDataUpdate => &[Doc::Passport],
            Kind::EducationCheck | Kind::ActivityReport => &[],
        }
    }

    /// Whether several applications of this kind may be open at once
    /// (several certificates may be wanted at once; two activations or two
    /// accreditations at once are a mistake).
    pub fn many_open_allowed(self) -> bool {
        self == Kind::CertificateRequest
    }
}

/// The required documents of `kind` that are not among `have`, in the order
/// [`Kind::required_documents`] lists them.
pub fn missing_documents(
    kind: Kind,
    have: &[documents::DocumentKind],
) -> Vec<documents::DocumentKind> {
    kind.required_documents()
        .iter()
        .copied()
        .filter(|required| !have.contains(required))
        .collect()
}

/// The human-readable number: the kind's letter, the year it was opened (in
/// Moscow), and the value of the `application_numbers` sequence, at least
/// six digits: `А-2026-000123`. The sequence alone makes it unique.
pub fn format_number(kind: Kind, year: i32, sequence: i64) -> String {
    format!("{}-{year}-{sequence:06}", kind.letter())
}

/// The year in a number turns at Moscow midnight, not at UTC midnight.
pub(crate) fn moscow_year(now: DateTime<Utc>) -> i32 {
    crate::clock::moscow_today(now).year()
}

/// How many months before the current accreditation expires a periodic
/// accreditation may be applied for.
pub const ACCREDITATION_WINDOW_MONTHS: u32 = 12;

/// The first day a periodic accreditation may be applied for, given the
/// day the current accreditation is valid until. (A 29 February minus a
/// year is the 28th.)
pub fn accreditation_window_opens(valid_until: NaiveDate) -> NaiveDate {
    valid_until
        .checked_sub_months(Months::new(ACCREDITATION_WINDOW_MONTHS))
        .unwrap_or(NaiveDate::MIN)
}

/// Too early for a periodic accreditation: the first day it is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("periodic accreditation may be applied for from {opens_on}")]
pub struct TooEarly {
    pub opens_on: NaiveDate,
}

/// Whether a periodic accreditation may be applied for `today`. An
/// accreditation that has already expired is inside the window: renewing it
/// is exactly what the practitioner must do.
pub fn check_accreditation_window(
    valid_until: NaiveDate,
    today: NaiveDate,
) -> Result<(), TooEarly> {
    let opens_on = accreditation_window_opens(valid_until);
    if today < opens_on {
        Err(TooEarly { opens_on })
    } else {
        Ok(())
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Being put together by the practitioner; operators do not see it.
    Draft,
    /// Waiting in the review queue.
    Submitted,
    /// An operator has it.
    InReview,
    Approved,
    /// Refused, with a reason. Final: a new application can be opened.
    Rejected,
    /// The operator asked for more documents; the practitioner adds them
    /// and submits again.
    MoreDocumentsNeeded,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::InReview,
        Status::Approved,
        Status::Rejected,
        Status::MoreDocumentsNeeded,
    ];

    /// The stored form; also the `status` argument of the push, which the
    /// Fluent text selects on.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::MoreDocumentsNeeded => "more_documents_needed",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// Nothing will change it any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Approved | Status::Rejected)
    }

    /// The promised review time runs.
    pub fn awaits_review(self) -> bool {
        matches!(self, Status::Submitted | Status::InReview)
    }
}

/// An operator's text to the practitioner: why an application was refused,
/// or what more is needed. Required for those decisions, so it is a type:
/// a refusal without a reason cannot be built.
#[derive(Clone, PartialEq, Eq)]
pub struct Note(String);

/// The longest note: it is shown inside a Telegram message (4096 characters
/// with everything else on the screen).
pub const NOTE_MAX_CHARS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
}

impl Note {
    pub fn parse(text: &str) -> Result<Note, NoteError> {
        let text = text.trim();
        if text.is_empty() {
            Err(NoteError::Empty)
        } else if text.chars().count() > NOTE_MAX_CHARS {
            Err(NoteError::TooLong {
                max: NOTE_MAX_CHARS,
            })
        } else {
            Ok(Note(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An operator may name a person in a note: not printed.
impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Note(<redacted>)")
    }
}

/// What happens to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The practitioner submits (a draft, or again after more documents).
    Submit,
    /// An operator takes it from the queue.
    TakeForReview,
    Approve,
    Reject(Note),
    RequestDocuments(Note),
    /// Closed by the system, not by a review: the account behind it was
    /// unlinked from the СНИЛС it named (`crate::identity`).
    Withdraw,
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Submit => "submit",
            Event::TakeForReview => "take_for_review",
            Event::Approve => "approve",
            Event::Reject(_) => "reject",
            Event::RequestDocuments(_) => "request_documents",
            Event::Withdraw => "withdraw",
        }
    }

    /// The operator's note the event carries.
    pub fn note(&self) -> Option<&Note> {
        match self {
            Event::Reject(note) | Event::RequestDocuments(note) => Some(note),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{event} is not allowed for an application that is {}", from.as_str())]
pub struct TransitionError {
    pub from: Status,
    pub event: &'static str,
}

/// The status machine:
///
/// ```text
/// draft ─submit→ submitted ─take→ in_review ─approve→ approved
///                    ▲                      ├reject→ rejected
///                    └──────submit── more_documents_needed ◀─request─┘
/// ```
///
/// Anything else is refused: a final status stays, an operator decides
/// only what they took, a practitioner submits only a draft or an
/// application that waits for them.
pub fn transition(from: Status, event: &Event) -> Result<Status, TransitionError> {
    let to = match (from, event) {
        (Status::Draft | Status::MoreDocumentsNeeded, Event::Submit) => Status::Submitted,
        (Status::Submitted, Event::TakeForReview) => Status::InReview,
        (Status::InReview, Event::Approve) => Status::Approved,
        (Status::InReview, Event::Reject(_)) => Status::Rejected,
        (Status::InReview, Event::RequestDocuments(_)) => Status::MoreDocumentsNeeded,
        // A draft is the practitioner's own unfinished work: it stays.
        (Status::Submitted | Status::InReview | Status::MoreDocumentsNeeded, Event::Withdraw) => {
            Status::Rejected
        }
        _ => {
            return Err(TransitionError {
                from,
                event: event.name(),
            });
        }
    };
    Ok(to)
}

/// A document on the practitioner's file, as a submission sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnFile {
    pub id: i64,
    pub kind: documents::DocumentKind,
    pub created_at: DateTime<Utc>,
}

/// What a submission relies on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cited {
    /// Every document of the application, for the review card.
    pub document_ids: Vec<i64>,
    /// Of them, those put on file after the operator asked for more.
    pub added: Vec<i64>,
}

/// Which documents a submission of an application in `status` relies on:
/// the kind's required ones on file; and when it is a resubmission after
/// the operator asked for more documents (at `asked_at`), also what the
/// last submission relied on (`before`) and every document filed since the
/// request, whatever its kind: what was asked for may be «Другой
/// документ», and it must reach the operator.
pub fn cited_documents(
    kind: Kind,
    status: Status,
    before: &[i64],
    asked_at: Option<DateTime<Utc>>,
    on_file: &[OnFile],
) -> Cited {
    let resubmission = status == Status::MoreDocumentsNeeded;
    let mut cited = Cited {
        document_ids: if resubmission {
            before.to_vec()
        } else {
            Vec::new()
        },
        added: Vec::new(),
    };
    for document in on_file {
        let added = resubmission
            && !before.contains(&document.id)
            && asked_at.is_none_or(|at| document.created_at > at);
        if added {
            cited.added.push(document.id);
        }
        let relied_on = added || kind.required_documents().contains(&document.kind);
        if relied_on && !cited.document_ids.contains(&document.id) {
            cited.document_ids.push(document.id);
        }
    }
    cited
}

/// The statuses in which the practitioner may submit (the first time, or
/// again after more documents were asked for): the bot offers
/// «Отправить» exactly then.
pub fn may_submit(status: Status) -> bool {
    transition(status, &Event::Submit).is_ok()
}

/// The promised review time of each kind, counted from the last
/// submission. The caller (the bot's settings) may change any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewDeadlines {
    pub activation: Duration,
    pub periodic_accreditation: Duration,
    pub certificate_request: Duration,
    pub personal_data_update: Duration,
    pub education_check: Duration,
    pub activity_report: Duration,
}

impl Default for ReviewDeadlines {
    /// Activation: 24 hours, as the issue promises (a practitioner cannot
    /// use the account until then). The others are our own promises, in
    /// calendar time: an accreditation file is the longest to check (10
    /// days), a certificate is made from what is on file (5 days), a data
    /// update is one comparison with a passport (3 days), an education check
    /// compares records with certificates (5 days), an activity report is
    /// read whole (10 days).
    fn default() -> ReviewDeadlines {
        ReviewDeadlines {
            activation: Duration::hours(24),
            periodic_accreditation: Duration::days(10),
            certificate_request: Duration::days(5),
            personal_data_update: Duration::days(3),
            education_check: Duration::days(5),
            activity_report: Duration::days(10),
        }
    }
}

impl ReviewDeadlines {
    pub fn for_kind(&self, kind: Kind) -> Duration {
        match kind {
            Kind::Activation => self.activation,
            Kind::PeriodicAccreditation => self.periodic_accreditation,
            Kind::CertificateRequest => self.certificate_request,
            Kind::PersonalDataUpdate => self.personal_data_update,
            Kind::EducationCheck => self.education_check,
            Kind::ActivityReport => self.activity_report,
        }
    }

    /// When the review was promised by, while it is awaited.
    pub fn due_at(
        &self,
        kind: Kind,
        status: Status,
        submitted_at: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let submitted_at = submitted_at.filter(|_| status.awaits_review())?;
        Some(submitted_at + self.for_kind(kind))
    }

    /// Past its promised time and still not decided.
    pub fn is_delayed(
        &self,
        kind: Kind,
        status: Status,
        submitted_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        self.due_at(kind, status, submitted_at)
            .is_some_and(|due| now > due)
    }
}

/// What the practitioner should do about an application; the bot words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// A draft that lacks these documents: upload them.
    UploadDocuments {
        missing: Vec<documents::DocumentKind>,
    },
    /// A draft with everything it needs: submit it.
    Submit,
    /// Wait: the review is promised by then.
    AwaitReview { due: DateTime<Utc> },
    /// Past the promised time: it may be escalated (once).
    Escalate,
    /// Past the promised time and escalated already: wait.
    AwaitEscalated,
    /// The operator asked for more (the reason says what): add it, then
    /// submit again. `missing` lists required kinds not on file (if any).
    ProvideMoreDocuments {
        missing: Vec<documents::DocumentKind>,
    },
    /// Approved: nothing to do.
    Nothing,
    /// Refused (the reason says why): a new application may be opened.
    ApplyAgain,
}

/// The next step for an application in `status`, given the practitioner's
/// documents on file.
pub fn next_step(
    kind: Kind,
    status: Status,
    due: Option<DateTime<Utc>>,
    escalated: bool,
    have: &[documents::DocumentKind],
    now: DateTime<Utc>,
) -> NextStep {
    match status {
        Status::Draft => {
            let missing = missing_documents(kind, have);
            if missing.is_empty() {
                NextStep::Submit
            } else {
                NextStep::UploadDocuments { missing }
            }
        }
        Status::Submitted | Status::InReview => match due {
            Some(due) if now <= due => NextStep::AwaitReview { due },
            _ if escalated => NextStep::AwaitEscalated,
            _ => NextStep::Escalate,
        },
        Status::MoreDocumentsNeeded => NextStep::ProvideMoreDocuments {
            missing: missing_documents(kind, have),
        },
        Status::Approved => NextStep::Nothing,
        Status::Rejected => NextStep::ApplyAgain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::test_date as date;
    use crate::documents::DocumentKind as Doc;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn note() -> Note {
        Note::parse("Скан диплома нечитаем").unwrap()
    }

    fn events() -> [Event; 5] {
        [
            Event::Submit,
            Event::TakeForReview,
            Event::Approve,
            Event::Reject(note()),
            Event::RequestDocuments(note()),
        ]
    }

    /// Every (status, event) pair, written out by hand rather than derived
    /// from `transition`, so a changed arm fails here.
    #[test]
    fn every_transition_pair() {
        use Status::*;
        let allowed: [(Status, &str, Status); 6] = [
            (Draft, "submit", Submitted),
            (MoreDocumentsNeeded, "submit", Submitted),
            (Submitted, "take_for_review", InReview),
            (InReview, "approve", Approved),
            (InReview, "reject", Rejected),
            (InReview, "request_documents", MoreDocumentsNeeded),
        ];
        let mut checked = 0;
        for from in Status::ALL {
            for event in events() {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event.name())
                    .map(|(_, _, to)| *to);
                let got = transition(from, &event);
                match expected {
                    Some(to) => assert_eq!(got, Ok(to), "{from:?} + {}", event.name()),
                    None => assert_eq!(
                        got,
                        Err(TransitionError {
                            from,
                            event: event.name()
                        }),
                        "{from:?} + {} must be refused",
                        event.name()
                    ),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 30);
    }

    #[test]
    fn final_statuses_accept_nothing() {
        for from in [Status::Approved, Status::Rejected] {
            assert!(from.is_final());
            assert!(
                events()
                    .iter()
                    .all(|event| transition(from, event).is_err())
            );
        }
    }

    #[test]
    fn a_reason_is_required_and_bounded() {
        assert_eq!(Note::parse(""), Err(NoteError::Empty));
        assert_eq!(Note::parse("  \n\t "), Err(NoteError::Empty));
        assert_eq!(
            Note::parse("  нет печати  ").unwrap().as_str(),
            "нет печати"
        );
        let long = "я".repeat(NOTE_MAX_CHARS + 1);
        assert_eq!(
            Note::parse(&long),
            Err(NoteError::TooLong {
                max: NOTE_MAX_CHARS
            })
        );
        assert!(Note::parse(&"я".repeat(NOTE_MAX_CHARS)).is_ok());
        assert_eq!(format!("{:?}", note()), "Note(<redacted>)");
    }

    #[test]
    fn required_documents_and_what_is_missing() {
        assert_eq!(
            missing_documents(Kind::Activation, &[]),
            [
                Doc::Passport,
                Doc::Snils,
                Doc::Diploma,
                Doc::EmployerConfirmation
            ]
        );
        assert_eq!(
            missing_documents(Kind::Activation, &[Doc::Diploma, Doc::Passport, Doc::Other]),
            [Doc::Snils, Doc::EmployerConfirmation]
        );
        assert_eq!(
            missing_documents(
                Kind::PeriodicAccreditation,
                &[Doc::Accreditation, Doc::QualificationUpgrade]
            ),
            [Doc::EmployerConfirmation]
        );
        assert!(missing_documents(Kind::CertificateRequest, &[]).is_empty());
        assert_eq!(
            missing_documents(Kind::PersonalDataUpdate, &[Doc::Snils]),
            [Doc::Passport]
        );
        assert!(missing_documents(Kind::PersonalDataUpdate, &[Doc::Passport]).is_empty());
    }

    #[test]
    fn a_resubmission_cites_what_was_added_since_the_request() {
        use documents::DocumentKind as D;
        let asked = at("2026-11-20T10:00:00Z");
        let file = |id, kind, when: &str| OnFile {
            id,
            kind,
            created_at: at(when),
        };
        let on_file = [
            file(1, D::Passport, "2026-11-01T10:00:00Z"),
            file(2, D::Snils, "2026-11-01T10:00:00Z"),
            file(3, D::Other, "2026-11-02T10:00:00Z"),
            file(4, D::Diploma, "2026-11-01T10:00:00Z"),
            file(5, D::EmployerConfirmation, "2026-11-01T10:00:00Z"),
            file(6, D::Other, "2026-11-21T10:00:00Z"),
        ];
        // The first submission: the required kinds only (3 is unrelated).
        let first = cited_documents(Kind::Activation, Status::Draft, &[], None, &on_file);
        assert!(!first.document_ids.contains(&3), "{first:?}");
        assert!(!first.document_ids.contains(&6), "{first:?}");
        assert!(first.added.is_empty());
        // Again after the request: the earlier ones stay, 6 is added.
        let again = cited_documents(
            Kind::Activation,
            Status::MoreDocumentsNeeded,
            &first.document_ids,
            Some(asked),
            &on_file,
        );
        assert_eq!(again.added, [6]);
        let mut expected = first.document_ids.clone();
        expected.push(6);
        assert_eq!(again.document_ids, expected);
        for status in Status::ALL {
            assert_eq!(
                may_submit(status),
                matches!(status, Status::Draft | Status::MoreDocumentsNeeded),
                "{status:?}"
            );
        }
    }

    #[test]
    fn numbers_have_the_kinds_letter_the_year_and_six_digits() {
        assert_eq!(format_number(Kind::Activation, 2026, 123), "А-2026-000123");
        assert_eq!(
            format_number(Kind::PeriodicAccreditation, 2027, 1),
            "П-2027-000001"
        );
        assert_eq!(
            format_number(Kind::CertificateRequest, 2026, 999_999),
            "С-2026-999999"
        );
        assert_eq!(
            format_number(Kind::PersonalDataUpdate, 2026, 1_234_567),
            "Д-2026-1234567"
        );
        let letters: std::collections::HashSet<char> =
            Kind::ALL.iter().map(|kind| kind.letter()).collect();
        assert_eq!(letters.len(), Kind::ALL.len(), "one letter per kind");
    }

    #[test]
    fn names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Kind::parse("Activation"), None);
        assert_eq!(Status::parse("pending"), None);
    }

    #[test]
    fn the_accreditation_window_opens_twelve_months_before_expiry() {
        let valid_until = date(2027, 6, 15);
        assert_eq!(accreditation_window_opens(valid_until), date(2026, 6, 15));
        assert_eq!(
            check_accreditation_window(valid_until, date(2026, 6, 14)),
            Err(TooEarly {
                opens_on: date(2026, 6, 15)
            }),
            "the day before the window"
        );
        assert_eq!(
            check_accreditation_window(valid_until, date(2025, 1, 1)),
            Err(TooEarly {
                opens_on: date(2026, 6, 15)
            })
        );
        assert_eq!(
            check_accreditation_window(valid_until, date(2026, 6, 15)),
            Ok(()),
            "the first day of the window"
        );
        assert_eq!(check_accreditation_window(valid_until, valid_until), Ok(()));
        assert_eq!(
            check_accreditation_window(valid_until, date(2027, 9, 1)),
            Ok(()),
            "an expired accreditation may be renewed"
        );
        // 29 February minus a year is the last day of February.
        assert_eq!(
            accreditation_window_opens(date(2028, 2, 29)),
            date(2027, 2, 28)
        );
    }

    #[test]
    fn today_is_a_moscow_date() {
        assert_eq!(
            crate::clock::moscow_today(at("2026-12-31T20:59:59Z")),
            date(2026, 12, 31)
        );
        assert_eq!(
            crate::clock::moscow_today(at("2026-12-31T21:00:00Z")),
            date(2027, 1, 1)
        );
        assert_eq!(moscow_year(at("2026-12-31T21:00:00Z")), 2027);
    }

    #[test]
    fn an_application_is_delayed_only_past_its_promised_time() {
        let deadlines = ReviewDeadlines::default();
        assert_eq!(deadlines.activation, Duration::hours(24));
        let submitted = at("2026-11-25T10:00:00Z");
        let due = at("2026-11-26T10:00:00Z");
        for status in [Status::Submitted, Status::InReview] {
            assert_eq!(
                deadlines.due_at(Kind::Activation, status, Some(submitted)),
                Some(due)
            );
            assert!(!deadlines.is_delayed(Kind::Activation, status, Some(submitted), due));
            assert!(deadlines.is_delayed(
                Kind::Activation,
                status,
                Some(submitted),
                due + Duration::seconds(1)
            ));
        }
        // Nothing is awaited from the review: never delayed.
        for status in [
            Status::Draft,
            Status::Approved,
            Status::Rejected,
            Status::MoreDocumentsNeeded,
        ] {
            assert!(!deadlines.is_delayed(
                Kind::Activation,
                status,
                Some(submitted),
                due + Duration::days(30)
            ));
        }
        // The caller's own promise.
        let quick = ReviewDeadlines {
            activation: Duration::hours(2),
            ..ReviewDeadlines::default()
        };
        assert!(quick.is_delayed(
            Kind::Activation,
            Status::Submitted,
            Some(submitted),
            submitted + Duration::hours(3)
        ));
        assert!(!quick.is_delayed(
            Kind::PeriodicAccreditation,
            Status::Submitted,
            Some(submitted),
            submitted + Duration::hours(3)
        ));
    }

    #[test]
    fn the_next_step_follows_the_status() {
        let now = at("2026-11-25T10:00:00Z");
        let due = now + Duration::hours(1);
        let past = now - Duration::hours(1);
        assert_eq!(
            next_step(
                Kind::Activation,
                Status::Draft,
                None,
                false,
                &[Doc::Passport],
                now
            ),
            NextStep::UploadDocuments {
                missing: vec![Doc::Snils, Doc::Diploma, Doc::EmployerConfirmation]
            }
        );
        assert_eq!(
            next_step(
                Kind::CertificateRequest,
                Status::Draft,
                None,
                false,
                &[],
                now
            ),
            NextStep::Submit
        );
        assert_eq!(
            next_step(
                Kind::Activation,
                Status::Submitted,
                Some(due),
                false,
                &[],
                now
            ),
            NextStep::AwaitReview { due }
        );
        assert_eq!(
            next_step(
                Kind::Activation,
                Status::InReview,
                Some(past),
                false,
                &[],
                now
            ),
            NextStep::Escalate
        );
        assert_eq!(
            next_step(
                Kind::Activation,
                Status::InReview,
                Some(past),
                true,
                &[],
                now
            ),
            NextStep::AwaitEscalated
        );
        assert_eq!(
            next_step(
                Kind::PersonalDataUpdate,
                Status::MoreDocumentsNeeded,
                None,
                false,
                &[],
                now
            ),
            NextStep::ProvideMoreDocuments {
                missing: vec![Doc::Passport]
            }
        );
        assert_eq!(
            next_step(Kind::Activation, Status::Approved, None, false, &[], now),
            NextStep::Nothing
        );
        assert_eq!(
            next_step(Kind::Activation, Status::Rejected, None, false, &[], now),
            NextStep::ApplyAgain
        );
    }
}
