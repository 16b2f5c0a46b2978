//! The rules of referrals that need no storage: the urgency and the kind
//! of care, what a reason and a patient's reference may be, the status
//! machine, who may see a referral, and when one expires.

use chrono::{DateTime, Duration, Utc};

use crate::UserId;
use crate::patient_data::{self, Finding};

/// How urgent the care is (the three forms of medical care, 323-ФЗ ст. 32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Urgency {
    /// «Экстренная»: a threat to life.
    Emergency,
    /// «Неотложная»: sudden, without a threat to life.
    Urgent,
    /// «Плановая»: can wait without harm.
    Planned,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Emergency, Urgency::Urgent, Urgency::Planned];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Emergency => "emergency",
            Urgency::Urgent => "urgent",
            Urgency::Planned => "planned",
        }
    }

    pub fn parse(text: &str) -> Option<Urgency> {
        Urgency::ALL.into_iter().find(|u| u.as_str() == text)
    }
}

/// What the patient is referred for (the purposes form 057/у names, and
/// high-technology care, rehabilitation and palliative care of 323-ФЗ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Care {
    Consultation,
    Examination,
    Hospitalisation,
    /// «Высокотехнологичная медицинская помощь» (ВМП).
    HighTech,
    Rehabilitation,
    Palliative,
}

impl Care {
    pub const ALL: [Care; 6] = [
        Care::Consultation,
        Care::Examination,
        Care::Hospitalisation,
        Care::HighTech,
        Care::Rehabilitation,
        Care::Palliative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Care::Consultation => "consultation",
            Care::Examination => "examination",
            Care::Hospitalisation => "hospitalisation",
            Care::HighTech => "high_tech",
            Care::Rehabilitation => "rehabilitation",
            Care::Palliative => "palliative",
        }
    }

    pub fn parse(text: &str) -> Option<Care> {
        Care::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// The longest reason taken, in characters: a reason in general words is
/// a sentence or two, and the card must fit one Telegram message.
pub const REASON_MAX_CHARS: usize = 500;
/// The longest patient reference: a case or card number, not a text.
pub const PATIENT_REF_MAX_CHARS: usize = 40;

/// Why a typed answer is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    #[error("empty")]
    Empty,
    #[error("longer than {max} characters")]
    TooLong { max: usize },
    /// A СНИЛС, a policy number or a diagnosis code.
    #[error("looks like a patient's data: {0:?}")]
    PatientData(Finding),
    /// Three words like «Фамилия Имя Отчество», or a surname with initials.
    #[error("looks like a person's full name")]
    PersonName,
    /// A reference is a case or card number: letters, digits and
    /// `- / . №` with at least one digit.
    #[error("not a case or card number")]
    NotAReference,
}

/// The reason for a referral, in general words: trimmed, 1–500
/// characters, no patient data and nothing that reads as a full name.
#[derive(Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub fn parse(text: &str) -> Result<Reason, TextProblem> {
        let text = bounded(text, REASON_MAX_CHARS)?;
        Ok(Reason(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The patient as the clinic's information system knows them: a case or
/// card number («ИБ № 2026/1234», «А-000123»), never a name or a policy.
#[derive(Clone, PartialEq, Eq)]
pub struct PatientRef(String);

impl PatientRef {
    pub fn parse(text: &str) -> Result<PatientRef, TextProblem> {
        let text = bounded(text, PATIENT_REF_MAX_CHARS)?;
        let allowed =
            |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '/' | '.' | '№' | '_' | '#');
        if !text.chars().all(allowed) || !text.chars().any(|c| c.is_ascii_digit()) {
            return Err(TextProblem::NotAReference);
        }
        Ok(PatientRef(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// What is typed is health-related: never in a log.
impl std::fmt::Debug for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reason(<redacted>)")
    }
}

impl std::fmt::Debug for PatientRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PatientRef(<redacted>)")
    }
}

/// Trimmed, not empty, at most `max` characters, and free of what looks
/// like a patient's data or name.
fn bounded(text: &str, max: usize) -> Result<String, TextProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TextProblem::Empty);
    }
    if text.chars().count() > max {
        return Err(TextProblem::TooLong { max });
    }
    if let Some(finding) = patient_data::find(text) {
        return Err(TextProblem::PatientData(finding));
    }
    if looks_like_full_name(text) {
        return Err(TextProblem::PersonName);
    }
    Ok(text.to_owned())
}

/// Whether the text holds what reads as a person's full name. A name is
/// hard to tell from medical words («Острый Коронарный Синдром»), so the
/// check is conservative and catches only the two shapes a name takes in
/// Russian paperwork:
/// - three capitalised Cyrillic words in a row, the third a patronymic
///   (ends in -вич, -вна, -чна, -ична, -ьич, -ич, or is «оглы» / «кызы»):
///   «Иванова Анна Сергеевна»;
/// - a capitalised Cyrillic word with two initials after or before it:
///   «Иванова А. С.», «Иванова А.С.», «А. С. Иванова».
///
/// Any other name passes: the form says so and asks for none.
pub fn looks_like_full_name(text: &str) -> bool {
    let tokens = tokens(text);
    let capitalised = |word: &str| {
        let mut chars = word.chars();
        chars.next().is_some_and(is_cyrillic_upper)
            && word.chars().count() >= 2
            && chars.all(|c| is_cyrillic_lower(c) || c == '-')
    };
    let patronymic = |word: &str| {
        let lower = word.to_lowercase();
        ["вич", "вна", "чна", "ична", "ьич", "ич"]
            .iter()
            .any(|end| lower.ends_with(end))
            || lower == "оглы"
            || lower == "кызы"
    };
    let initial = |token: &str| {
        let mut chars = token.chars();
        matches!((chars.next(), chars.next(), chars.next()), (Some(c), Some('.'), None) if is_cyrillic_upper(c))
    };
    // «ГКБ им. Н. И. Пирогова»: an organisation named after someone.
    let named_after =
        |at: usize| at > 0 && matches!(tokens[at - 1].to_lowercase().as_str(), "им" | "имени");
    (0..tokens.len().saturating_sub(2)).any(|at| {
        let w = &tokens[at..at + 3];
        // «Мамедов Руслан Ильхам оглы»: the patronymic's particle follows.
        let particle = tokens
            .get(at + 3)
            .is_some_and(|next| matches!(next.to_lowercase().as_str(), "оглы" | "кызы"));
        (capitalised(w[0])
            && capitalised(w[1])
            && capitalised(w[2])
            && (patronymic(w[2]) || particle))
            || (capitalised(w[0]) && initial(w[1]) && initial(w[2]) && !named_after(at))
            || (initial(w[0]) && initial(w[1]) && capitalised(w[2]) && !named_after(at))
    })
}

/// Words and initials: «А.С.» is two tokens «А.» «С.», punctuation around
/// words (commas, brackets) is dropped.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for word in text.split(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '«' | '»' | '"')
    }) {
        let word = word.trim_end_matches(['!', '?']);
        if word.is_empty() {
            continue;
        }
        // «А.С.» → «А.», «С.»; a word ending in a full stop keeps it only
        // when it is one letter (an initial).
        let mut rest = word;
        while rest.chars().count() >= 2 {
            let mut chars = rest.char_indices();
            let (_, first) = chars.next().unwrap_or((0, ' '));
            match chars.next() {
                Some((dot, '.')) if is_cyrillic_upper(first) => {
                    out.push(&rest[..dot + 1]);
                    rest = &rest[dot + 1..];
                }
                _ => break,
            }
        }
        let rest = if rest.chars().count() > 2 {
            rest.trim_end_matches('.')
        } else {
            rest
        };
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

fn is_cyrillic_upper(c: char) -> bool {
    matches!(c, 'А'..='Я' | 'Ё')
}

fn is_cyrillic_lower(c: char) -> bool {
    matches!(c, 'а'..='я' | 'ё')
}

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Being filled in by the sender (the form's answers, `drafts`).
    Draft,
    /// With the receiver, waiting for an answer.
    Sent,
    Accepted,
    /// With a reason.
    Declined,
    /// Withdrawn by the sender before an answer (or by the system when the
    /// sender used /forget).
    Cancelled,
    /// No answer within the configured time.
    Expired,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Sent,
        Status::Accepted,
        Status::Declined,
        Status::Cancelled,
        Status::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Sent => "sent",
            Status::Accepted => "accepted",
            Status::Declined => "declined",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Nothing follows it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Accepted | Status::Declined | Status::Cancelled | Status::Expired
        )
    }
}

/// Which side of a referral someone is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Sender,
    /// The practitioner it was sent to, or an operator of the organisation.
    Receiver,
    /// The scheduler (expiry), or /forget of one side.
    System,
}

/// What happens to a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Send,
    Accept,
    Decline,
    Cancel,
    Expire,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a referral {from:?} cannot take {event:?} from the {by:?}")]
pub struct TransitionError {
    pub from: Status,
    pub event: Event,
    pub by: Side,
}

/// The status machine: draft → sent (by the sender); sent → accepted or
/// declined (by the receiver), cancelled (by the sender), expired (by the
/// system). The system also declines (the receiver was forgotten) and
/// cancels (the sender was forgotten). A final status takes nothing.
pub fn transition(from: Status, event: Event, by: Side) -> Result<Status, TransitionError> {
    use {Event as E, Side as S, Status as St};
    let to = match (from, event, by) {
        (St::Draft, E::Send, S::Sender) => St::Sent,
        (St::Sent, E::Accept, S::Receiver) => St::Accepted,
        (St::Sent, E::Decline, S::Receiver | S::System) => St::Declined,
        (St::Sent, E::Cancel, S::Sender | S::System) => St::Cancelled,
        (St::Sent, E::Expire, S::System) => St::Expired,
        _ => return Err(TransitionError { from, event, by }),
    };
    Ok(to)
}

/// To whom a referral was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receiver {
    /// A practitioner; `None` once they used /forget.
    Practitioner(Option<UserId>),
    /// An organisation, by its ОГРН: its operators receive it.
    Organisation { ogrn: String },
}

/// Who is looking at a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// A practitioner, with an open second-factor session (the bot's gate).
    Practitioner(UserId),
    /// An operator with an open staff session, and the ОГРН of the
    /// organisation they are bound to (none: they receive nothing).
    Operator {
        id: UserId,
        organisation: Option<String>,
    },
}

/// Who may see a referral: its sender, and its receiver — for an
/// organisation, its operators (an operator bound to the organisation).
/// Anyone else: `None`, and the bot records the attempt.
pub fn side_of(sender: Option<UserId>, receiver: &Receiver, viewer: &Viewer) -> Option<Side> {
    match viewer {
        Viewer::Practitioner(id) => {
            if sender == Some(*id) {
                Some(Side::Sender)
            } else if *receiver == Receiver::Practitioner(Some(*id)) {
                Some(Side::Receiver)
            } else {
                None
            }
        }
        Viewer::Operator { organisation, .. } => match (receiver, organisation) {
            (Receiver::Organisation { ogrn }, Some(bound)) if ogrn == bound => Some(Side::Receiver),
            _ => None,
        },
    }
}

/// The last moment a referral sent at `sent_at` waits for an answer.
pub fn expires_at(sent_at: DateTime<Utc>, expiry: Duration) -> DateTime<Utc> {
    sent_at + expiry
}

/// Whether a referral still waiting is past its time at `now`.
pub fn is_expired(status: Status, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == Status::Sent && now >= expires_at
}

/// The default of `MEDCAB_REFERRAL_EXPIRY_DAYS`: a planned consultation is
/// usually arranged within two weeks (the programme of state guarantees
/// allows 14 working days for a specialist's consultation).
pub const DEFAULT_EXPIRY_DAYS: i64 = 14;
/// The most the setting may be.
pub const MAX_EXPIRY_DAYS: i64 = 365;

/// The human-readable number: «НП-2026-000123» (НаПравление, the year of
/// sending in Moscow, the sequence).
pub fn format_number(year: i32, sequence: i64) -> String {
    format!("НП-{year}-{sequence:06}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patient_data::PatientDataKind;

    const ANNA: UserId = UserId::from_stored(1);
    const PETR: UserId = UserId::from_stored(2);
    const OLGA: UserId = UserId::from_stored(3);

    #[test]
    fn codes_round_trip() {
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.as_str()), Some(u));
        }
        for c in Care::ALL {
            assert_eq!(Care::parse(c.as_str()), Some(c));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Urgency::parse("Emergency"), None);
        assert_eq!(Care::parse(""), None);
    }

    #[test]
    fn the_status_machine_allows_only_its_steps() {
        use {Event as E, Side as S, Status as St};
        let allowed = [
            (St::Draft, E::Send, S::Sender, St::Sent),
            (St::Sent, E::Accept, S::Receiver, St::Accepted),
            (St::Sent, E::Decline, S::Receiver, St::Declined),
            (St::Sent, E::Decline, S::System, St::Declined),
            (St::Sent, E::Cancel, S::Sender, St::Cancelled),
            (St::Sent, E::Cancel, S::System, St::Cancelled),
            (St::Sent, E::Expire, S::System, St::Expired),
        ];
        let events = [E::Send, E::Accept, E::Decline, E::Cancel, E::Expire];
        let sides = [S::Sender, S::Receiver, S::System];
        for from in Status::ALL {
            for event in events {
                for by in sides {
                    let expected = allowed
                        .iter()
                        .find(|(f, e, b, _)| (*f, *e, *b) == (from, event, by))
                        .map(|(.., to)| *to);
                    assert_eq!(
                        transition(from, event, by).ok(),
                        expected,
                        "{from:?} {event:?} by {by:?}"
                    );
                }
            }
        }
        // The sender cannot accept their own referral, the receiver cannot
        // cancel it, and a final status takes nothing.
        assert!(transition(St::Sent, E::Accept, S::Sender).is_err());
        assert!(transition(St::Sent, E::Cancel, S::Receiver).is_err());
        for status in Status::ALL.into_iter().filter(|s| s.is_final()) {
            for event in events {
                for by in sides {
                    assert!(transition(status, event, by).is_err());
                }
            }
        }
    }

    #[test]
    fn only_the_two_sides_see_a_referral() {
        let to_petr = Receiver::Practitioner(Some(PETR));
        let to_org = Receiver::Organisation {
            ogrn: "1027700132195".to_owned(),
        };
        let anna = Viewer::Practitioner(ANNA);
        let petr = Viewer::Practitioner(PETR);
        let olga = Viewer::Practitioner(OLGA);
        assert_eq!(side_of(Some(ANNA), &to_petr, &anna), Some(Side::Sender));
        assert_eq!(side_of(Some(ANNA), &to_petr, &petr), Some(Side::Receiver));
        assert_eq!(side_of(Some(ANNA), &to_petr, &olga), None);
        // A forgotten sender is nobody: their id no longer opens it.
        assert_eq!(side_of(None, &to_petr, &anna), None);
        assert_eq!(side_of(None, &to_petr, &petr), Some(Side::Receiver));

        let bound = |ogrn: &str| Viewer::Operator {
            id: OLGA,
            organisation: Some(ogrn.to_owned()),
        };
        assert_eq!(
            side_of(Some(ANNA), &to_org, &bound("1027700132195")),
            Some(Side::Receiver)
        );
        assert_eq!(side_of(Some(ANNA), &to_org, &bound("1037739010891")), None);
        let unbound = Viewer::Operator {
            id: OLGA,
            organisation: None,
        };
        assert_eq!(side_of(Some(ANNA), &to_org, &unbound), None);
        // An operator does not see a practitioner's referral, and a
        // practitioner does not see an organisation's by being an operator.
        assert_eq!(side_of(Some(ANNA), &to_petr, &bound("1027700132195")), None);
        assert_eq!(side_of(Some(ANNA), &to_org, &petr), None);
    }

    #[test]
    fn a_referral_expires_after_its_time_while_still_sent() {
        let sent = DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .unwrap()
            .to_utc();
        let until = expires_at(sent, Duration::days(14));
        assert_eq!(until, sent + Duration::days(14));
        assert!(!is_expired(
            Status::Sent,
            until - Duration::seconds(1),
            until - Duration::seconds(2)
        ));
        assert!(is_expired(Status::Sent, until, until));
        assert!(!is_expired(
            Status::Accepted,
            until,
            until + Duration::days(1)
        ));
    }

    #[test]
    fn a_reason_is_general_words_only() {
        assert_eq!(
            Reason::parse("  Консультация кардиолога: нарушения ритма  ")
                .unwrap()
                .as_str(),
            "Консультация кардиолога: нарушения ритма"
        );
        assert_eq!(Reason::parse("  "), Err(TextProblem::Empty));
        assert_eq!(
            Reason::parse(&"а".repeat(REASON_MAX_CHARS + 1)),
            Err(TextProblem::TooLong {
                max: REASON_MAX_CHARS
            })
        );
        assert!(Reason::parse(&"а".repeat(REASON_MAX_CHARS)).is_ok());
        let kind = |text: &str| match Reason::parse(text) {
            Err(TextProblem::PatientData(finding)) => Some(finding.kind),
            _ => None,
        };
        assert_eq!(kind("СНИЛС 112-233-445 95"), Some(PatientDataKind::Snils));
        assert_eq!(
            kind("полис 1234 5678 9012 3456"),
            Some(PatientDataKind::Policy)
        );
        assert_eq!(kind("диагноз I21.0"), Some(PatientDataKind::DiagnosisCode));
        assert_eq!(
            Reason::parse("Пациентка Иванова Анна Сергеевна, боли в груди"),
            Err(TextProblem::PersonName)
        );
    }

    #[test]
    fn the_name_check_catches_names_and_spares_medical_text() {
        for name in [
            "Иванова Анна Сергеевна",
            "больной Петров Пётр Ильич",
            "Мамедов Руслан Ильхам оглы",
            "Иванова А. С.",
            "Иванова А.С., 54 года",
            "к А.С. Ивановой",
            "(Сидоров Иван Кузьмич)",
        ] {
            assert!(looks_like_full_name(name), "{name}");
        }
        for text in [
            "Острый Коронарный Синдром",
            "Консультация кардиолога по поводу одышки",
            "Направляется в ГКБ № 1 им. Н. И. Пирогова",
            "Плановая госпитализация, ХСН II ФК",
            "Обследование: ЭКГ, ЭхоКГ, холтер",
            "Москва Красная Пресня",
            "по Приказу № 519н",
        ] {
            assert!(!looks_like_full_name(text), "{text}");
        }
    }

    #[test]
    fn a_patient_reference_is_a_number_not_a_person() {
        for good in ["ИБ № 2026/1234", "А-000123", "карта 45871", "12345"] {
            assert_eq!(PatientRef::parse(good).unwrap().as_str(), good, "{good}");
        }
        assert_eq!(PatientRef::parse(""), Err(TextProblem::Empty));
        assert_eq!(
            PatientRef::parse("Иванова"),
            Err(TextProblem::NotAReference)
        );
        assert_eq!(
            PatientRef::parse("карта <b>1</b>"),
            Err(TextProblem::NotAReference)
        );
        assert!(matches!(
            PatientRef::parse("112-233-445 95"),
            Err(TextProblem::PatientData(_))
        ));
        assert!(matches!(
            PatientRef::parse("1234567890123456"),
            Err(TextProblem::PatientData(_))
        ));
        assert_eq!(
            PatientRef::parse(&"1".repeat(PATIENT_REF_MAX_CHARS + 1)),
            Err(TextProblem::TooLong {
                max: PATIENT_REF_MAX_CHARS
            })
        );
    }

    #[test]
    fn numbers_read_as_the_paperwork_writes_them() {
        assert_eq!(format_number(2026, 123), "НП-2026-000123");
        assert_eq!(format_number(2027, 1_234_567), "НП-2027-1234567");
    }
}
