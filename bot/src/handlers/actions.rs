//! What an inline button asks for, encoded in its callback_data.
//!
//! callback_data is user input: anyone can send any string in it. So it is
//! parsed into an [`Action`] and nothing else, every handler re-checks that
//! the presser may do what it names, and an unknown string is answered as
//! an outdated button. Encodings stay far below Telegram's 64 bytes.

use medcab_core::Language;
use medcab_core::login_confirmations::{MATCH_NUMBERS, Response};
use uuid::Uuid;

use super::accreditation::AccrAction;
use super::applications::AppAction;
use super::broadcast::BcAction;
use super::documents::DocAction;
use super::education::EduAction;
use super::messengers::LinkAction;
use super::profile::ProfileAction;
use super::qualification::{HoursAction, PortfolioAction, ReportAction};
use super::referrals::RefAction;
pub use super::review::OpAction;
use super::schedule::SchedAction;
use super::settings::SetAction;

/// A section of the main menu, as buttons and positions name it. What
/// each shows is the section's own; the menu knows only this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Section {
    Profile,
    Documents,
    Applications,
    Schedule,
    Nmo,
    Notifications,
    Language,
    Referrals,
}

impl Section {
    /// The short name used in callback data; stable across releases,
    /// because old menus stay in chats.
    pub fn code(self) -> &'static str {
        match self {
            Section::Profile => "profile",
            Section::Documents => "documents",
            Section::Applications => "applications",
            Section::Schedule => "schedule",
            Section::Nmo => "nmo",
            Section::Notifications => "notifications",
            Section::Language => "language",
            Section::Referrals => "referrals",
        }
    }

    pub fn from_code(code: &str) -> Option<Section> {
        Some(match code {
            "profile" => Section::Profile,
            "documents" => Section::Documents,
            "applications" => Section::Applications,
            "schedule" => Section::Schedule,
            "nmo" => Section::Nmo,
            "notifications" => Section::Notifications,
            "language" => Section::Language,
            "referrals" => Section::Referrals,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Back to the main menu.
    Home,
    /// Open a section of the main menu.
    Open(Section),
    /// Switch the interface language.
    SetLanguage(Language),
    /// Agree (or not) to the processing of personal data.
    Consent(bool),
    /// Ask the register again after it was unavailable.
    RetryRegistry,
    /// Not in the register: connect anyway and apply for activation.
    ApplyForActivation,
    /// Erase my personal data (confirmed) or keep it.
    Forget(bool),
    /// The authenticator is lost: ask an operator to reset the second factor.
    FactorLost,
    /// After a rejected reset (its reason on screen): ask for one again.
    FactorResetAgain,
    /// Cancel this second-factor reset request (a claim: re-checked).
    CancelReset(i64),
    /// A button on the profile screens.
    Profile(ProfileAction),
    /// Answer a login confirmation: one of the numbers offered, or «это не я».
    Login { challenge: Uuid, response: Response },
    /// A button of «📄 Документы».
    Doc(DocAction),
    /// A button of «📨 Мои заявки».
    App(AppAction),
    /// A button of «🎓 Образование».
    Edu(EduAction),
    /// A button of «📚 Обучение и НМО».
    Hours(HoursAction),
    /// A button of «🗂 Портфолио».
    Folio(PortfolioAction),
    /// An operator's button (review queue, second-factor resets).
    Op(OpAction),
    /// A button of /settings.
    Set(SetAction),
    /// A button of «🩺 Аккредитация».
    Accr(AccrAction),
    /// A button of «📝 Отчёт о деятельности».
    Report(ReportAction),
    /// An operator's button of /notice, /inspection and /notices.
    Bc(BcAction),
    /// A practitioner's button of «📮 Направления».
    Ref(RefAction),
    /// An operator's button on their organisation's referrals (/referrals).
    OrgRef(RefAction),
    /// A button of «🗓 Расписание».
    Sched(SchedAction),
    /// A button of «📱 Мессенджеры».
    Link(LinkAction),
}

impl Action {
    /// «🎓 Образование», from the profile.
    pub const EDUCATION: Action = Action::Edu(EduAction::List);
    /// «➕ Добавить документ», from an application that lacks one.
    pub const ADD_DOCUMENT: Action = Action::Doc(DocAction::Add);

    pub fn encode(self) -> String {
        match self {
            Action::Home => "home".to_owned(),
            Action::Open(section) => format!("open:{}", section.code()),
            Action::SetLanguage(language) => format!("lang:{}", language.code()),
            Action::Consent(true) => "consent:yes".to_owned(),
            Action::Consent(false) => "consent:no".to_owned(),
            Action::RetryRegistry => "registry:retry".to_owned(),
            Action::ApplyForActivation => "registry:apply".to_owned(),
            Action::Forget(true) => "forget:yes".to_owned(),
            Action::Forget(false) => "forget:no".to_owned(),
            Action::FactorLost => "factor:lost".to_owned(),
            Action::FactorResetAgain => "factor:again".to_owned(),
            Action::CancelReset(id) => format!("factor:cancel:{id}"),
            Action::Profile(action) => action.encode(),
            // 41 bytes at most.
            Action::Login {
                challenge,
                response,
            } => match response {
                Response::Number(number) => format!("login:{}:{number}", challenge.simple()),
                Response::NotMe => format!("login:{}:no", challenge.simple()),
            },
            Action::Op(op) => format!("op:{}", op.encode()),
            Action::Doc(action) => format!("doc:{}", action.encode()),
            Action::App(action) => format!("app:{}", action.encode()),
            Action::Edu(action) => format!("ed:{}", action.encode()),
            Action::Hours(action) => format!("hr:{}", action.encode()),
            Action::Folio(action) => format!("fol:{}", action.encode()),
            Action::Set(action) => format!("set:{}", action.encode()),
            Action::Accr(action) => format!("acr:{}", action.encode()),
            Action::Report(action) => format!("rep:{}", action.encode()),
            Action::Bc(action) => format!("bc:{}", action.encode()),
            Action::Ref(action) => format!("ref:{}", action.encode()),
            Action::OrgRef(action) => format!("oref:{}", action.encode()),
            Action::Sched(action) => format!("sc:{}", action.encode()),
            Action::Link(action) => format!("lnk:{}", action.encode()),
        }
    }

    pub fn parse(data: &str) -> Option<Action> {
        match data.split_once(':') {
            None if data == "home" => Some(Action::Home),
            Some(("open", code)) => Section::from_code(code).map(Action::Open),
            Some(("lang", code)) => code.parse().ok().map(Action::SetLanguage),
            Some(("consent", "yes")) => Some(Action::Consent(true)),
            Some(("consent", "no")) => Some(Action::Consent(false)),
            Some(("registry", "retry")) => Some(Action::RetryRegistry),
            Some(("registry", "apply")) => Some(Action::ApplyForActivation),
            Some(("forget", "yes")) => Some(Action::Forget(true)),
            Some(("forget", "no")) => Some(Action::Forget(false)),
            Some(("factor", "lost")) => Some(Action::FactorLost),
            Some(("factor", "again")) => Some(Action::FactorResetAgain),
            Some(("factor", rest)) => {
                let id = rest.strip_prefix("cancel:")?;
                if id.is_empty() || id.starts_with('0') || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                id.parse().ok().map(Action::CancelReset)
            }
            Some(("pf", rest)) => ProfileAction::parse(rest).map(Action::Profile),
            Some(("login", rest)) => {
                let (challenge, answer) = rest.split_once(':')?;
                let response = match answer {
                    "no" => Response::NotMe,
                    // Exactly two digits: "07" or "+42" is not a number offered.
                    digits if digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                        let number: u8 = digits.parse().ok()?;
                        if !MATCH_NUMBERS.contains(&number) {
                            return None;
                        }
                        Response::Number(number)
                    }
                    _ => return None,
                };
                let challenge = Uuid::try_parse(challenge).ok()?;
                Some(Action::Login {
                    challenge,
                    response,
                })
            }
            Some(("op", rest)) => OpAction::parse(rest).map(Action::Op),
            Some(("doc", rest)) => DocAction::parse(rest).map(Action::Doc),
            Some(("app", rest)) => AppAction::parse(rest).map(Action::App),
            Some(("ed", rest)) => EduAction::parse(rest).map(Action::Edu),
            Some(("hr", rest)) => HoursAction::parse(rest).map(Action::Hours),
            Some(("fol", rest)) => PortfolioAction::parse(rest).map(Action::Folio),
            Some(("set", rest)) => SetAction::parse(rest).map(Action::Set),
            Some(("acr", rest)) => AccrAction::parse(rest).map(Action::Accr),
            Some(("rep", rest)) => ReportAction::parse(rest).map(Action::Report),
            Some(("bc", rest)) => BcAction::parse(rest).map(Action::Bc),
            Some(("ref", rest)) => RefAction::parse(rest).map(Action::Ref),
            Some(("oref", rest)) => RefAction::parse(rest).map(Action::OrgRef),
            Some(("sc", rest)) => SchedAction::parse(rest).map(Action::Sched),
            Some(("lnk", rest)) => LinkAction::parse(rest).map(Action::Link),
            _ => None,
        }
    }

    pub fn from_press(press: crate::chat::Press) -> Option<Action> {
        press.data.as_deref().and_then(Action::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_within_telegram_limits() {
        let mut actions = vec![
            Action::Home,
            Action::Consent(true),
            Action::Consent(false),
            Action::RetryRegistry,
            Action::ApplyForActivation,
            Action::Forget(true),
            Action::Forget(false),
            Action::FactorLost,
            Action::FactorResetAgain,
            Action::CancelReset(i64::MAX),
            Action::Login {
                challenge: Uuid::new_v4(),
                response: Response::Number(10),
            },
            Action::Login {
                challenge: Uuid::new_v4(),
                response: Response::Number(99),
            },
            Action::Login {
                challenge: Uuid::new_v4(),
                response: Response::NotMe,
            },
        ];
        actions.extend(Section::ALL.iter().map(|s| Action::Open(*s)));
        actions.extend(Language::ALL.iter().map(|l| Action::SetLanguage(*l)));
        actions.extend(OpAction::examples().into_iter().map(Action::Op));
        actions.extend(DocAction::examples().into_iter().map(Action::Doc));
        actions.extend(AppAction::examples().into_iter().map(Action::App));
        actions.extend(EduAction::examples().into_iter().map(Action::Edu));
        actions.extend(HoursAction::examples().into_iter().map(Action::Hours));
        actions.extend(PortfolioAction::examples().into_iter().map(Action::Folio));
        actions.extend(SetAction::examples().into_iter().map(Action::Set));
        actions.extend(LinkAction::examples().into_iter().map(Action::Link));
        actions.extend(AccrAction::examples().into_iter().map(Action::Accr));
        actions.extend(ReportAction::examples().into_iter().map(Action::Report));
        actions.extend(BcAction::examples().into_iter().map(Action::Bc));
        actions.extend(RefAction::examples().into_iter().map(Action::Ref));
        actions.extend(RefAction::examples().into_iter().map(Action::OrgRef));
        actions.extend(SchedAction::examples().into_iter().map(Action::Sched));
        for action in actions {
            let data = action.encode();
            assert!(!data.is_empty() && data.len() <= 64, "{data}");
            assert_eq!(Action::parse(&data), Some(action));
        }
    }

    #[test]
    fn forged_data_is_not_an_action() {
        for data in [
            "",
            "home:x",
            "open:",
            "open:admin",
            "lang:de",
            "lang:",
            "drop table",
            "open:profile:1",
            "consent:maybe",
            "forget:",
            "login:xyz:yes",
            "login:5f0c0e3c8a2b4b7e9f3e2d1c0b9a8f7e:maybe",
            "login:5f0c0e3c8a2b4b7e9f3e2d1c0b9a8f7e",
            // The one-press approval of before number matching is gone.
            "login:5f0c0e3c8a2b4b7e9f3e2d1c0b9a8f7e:yes",
            "login:5f0c0e3c8a2b4b7e9f3e2d1c0b9a8f7e:07",
            "login:5f0c0e3c8a2b4b7e9f3e2d1c0b9a8f7e:100",
            "login:5f0c0e3c8a2b4b7e9f3e2d1c0b9a8f7e:+4",
            "login:5f0c0e3c8a2b4b7e9f3e2d1c0b9a8f7e:5",
            "op:",
            "op:ok",
            "op:ok:",
            "op:ok:-5",
            "op:ok:+5",
            "op:ok:5:6",
            "op:doc:5",
            "op:doc:5:x",
            "op:next:",
            "op:reset:99999999999999999999",
            "doc:",
            "doc:o:",
            "doc:o:-1",
            "doc:o:007",
            "doc:o:1:2",
            "doc:k:license",
            "doc:rm:1e3",
            "app:",
            "app:k:vacation",
            "app:s:+3",
            "app:e:99999999999999999999",
            "ed:",
            "ed:e:0",
            "ed:f:1:salary",
            "ed:l:doctorate",
            "hr:",
            "hr:o:-1",
            "hr:k:webinar",
            "hr:f:1:salary",
            "fol:",
            "fol:r:-1",
            "fol:pdf:1",
            "set:",
            "set:t:i:2",
            "set:z:Europe/Berlin",
            "bc:",
            "bc:pub:0",
            "bc:kind:planned",
            "acr:",
            "acr:r:",
            "acr:r:y",
            "acr:r:yes:m",
            "acr:r:y:x",
            "acr:r:n:m:1",
            "ref:",
            "ref:o:0",
            "ref:o:-1",
            "ref:in:01",
            "ref:f:po:123",
            "ref:f:po:10277001321950",
            "ref:f:u:soon",
            "ref:f:cr:surgery",
            "oref:ok:1:2",
        ] {
            assert_eq!(Action::parse(data), None, "{data:?}");
        }
    }
}
