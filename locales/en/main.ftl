# The bot's texts in English (the second language).
# Every text is HTML in Telegram's subset: <b>, <i>, <a>. Arguments are
# escaped in code; markup in the texts themselves is fine.

## /start and the main menu

start-greeting =
    Hello, { $name }!

    { product-about }

    Choose a section:

product-about =
    This is the <b>medical practitioner's personal account</b> in { $messenger }. Here you can:
    • confirm logins to your account;
    • keep your profile: personal details, education and qualifications;
    • submit qualification documents and follow the review of your applications;
    • get notified about inspections, regulatory changes and expiring documents.

menu-title = <b>Main menu</b>. Choose a section:

menu-profile = 👤 Profile
menu-documents = 📄 Documents
menu-applications = 📨 My applications
menu-schedule = 🗓 Schedule
menu-nmo = 🎓 CME and accreditation
menu-notifications = 🔔 Notifications
menu-language = 🌐 Язык / Language

button-back = « Back to the menu

## Sections still being built

section-coming-soon = This section is still being built — we will let you know when it is ready.

section-profile =
    <b>👤 Profile</b>

    Your personal data, education and qualifications — everything needed to be admitted to practice.

    { section-coming-soon }
section-documents =
    <b>📄 Documents</b>

    Diploma, accreditation certificate or extract, qualification-upgrade certificates, licence. Files as PDF, JPG or PNG.

    { section-coming-soon }
section-applications =
    <b>📨 My applications</b>

    Applications for account activation, periodic accreditation, certificates and extracts — with their review status.

    { section-coming-soon }
section-nmo =
    <b>🎓 CME and portfolio</b>

    CME points (credits) for the year and the five-year cycle, a learning plan and a portfolio for accreditation.

    { section-coming-soon }
section-notifications =
    <b>🔔 Notifications</b>

    Inspections, regulatory changes, reminders about expiring documents and accreditation.

    { section-coming-soon }

## /language

language-choose = Choose the interface language:
language-button-ru = 🇷🇺 Русский
language-button-en = 🇬🇧 English
language-changed = Interface language: English.
language-use-buttons = Choose a language with the buttons under the message, or send /cancel.

## /help

help =
    <b>What the bot does</b>

    /start — start and open the main menu
    /menu — the main menu
    /accreditation — accreditation: valid until when, when to collect the portfolio and the month to file in
    /settings — notifications: what to send, quiet hours, time zone
    /language — change the language (русский / English)
    /privacy — consent to the processing of personal data
    /forget — withdraw consent and erase your personal data
    /cancel — stop the current action
    /help — this help

    In the menu, «🎓 CME and accreditation» counts your education hours toward periodic accreditation: how many the five-year period has and what is missing, and a staff member can confirm the records («🔎 Ask for a check»); «🗂 Portfolio» shows everything for filing in one list with statuses, and as one PDF; «📝 Activity report» is the report on professional activity part by part, a PDF draft and sending it for review (no patient data). A confirmed account's profile leads to «🏥 Organisation»: your organisation and its licence. «📮 Referrals» are electronic referrals to colleagues and organisations: incoming and outgoing, accepted or declined with a reason (no patient's name, diagnosis, policy or SNILS — only the case or card number in the clinic's system; a referral may carry one file — a PDF, JPG or PNG).

    «🗓 Schedule» shows your appointments and duty shifts by day and by week, and the next duty; you may add, move or cancel your own entries (overlaps are not saved), export a week or a month as a file for your phone's calendar, or subscribe the calendar to a private address. The clinic's schedule wins over your changes: changes within the next 14 days are pushed to you.

    The data you enter is stored protected. If something goes wrong, send /cancel and start again.

help-operator =
    <b>For staff</b>

    /review — take an application to review
    /resets — requests to reset the second factor
    /notice — send a change in regulations
    /notices — proposed from the feed
    /inspection — schedule an inspection and tell the practitioners
    /inspections — scheduled inspections: view or cancel
    /referrals — referrals to your organisation: accept or decline

support-contact = Support: { $contact }

## /cancel

cancel-done = Stopped. Open /menu to go on.
cancel-nothing = There is nothing to stop. Open /menu to choose a section.
cancel-onboarding =
    Connecting your account is not stopped this way: everything you have given is kept, and you can go on from the same step at any time — send /start.

    If you no longer want to connect, send /forget: your consent will be withdrawn and what you gave deleted.
cancel-before-consent = There is nothing to stop: connecting has not started. To start, answer the consent question or send /start.

## Unexpected input

typed-control-characters = The message holds invisible control characters (this happens when text is copied from other programs), and the bot does not take such text. Type it again, or copy it from elsewhere, and send it once more. Everything you entered before is kept.
handler-failed = Something went wrong and the action was not carried out. Please try again in a minute; if it still fails, send /cancel and start over.

unknown-text = I did not understand that. Choose a section in /menu or open /help.
unknown-command = There is no such command. See /help for the list.
unknown-message = The bot does not take messages like this yet. Choose a section in /menu.
button-outdated = This button is out of date. Open /menu.

## Telegram's command menu (no markup, at most 256 characters)

command-start = Start
command-accreditation = Accreditation: dates and what to do
command-menu = Main menu
command-help = Help
command-language = Язык / Language
command-privacy = Consent and personal data
command-forget = Erase my data
command-cancel = Stop the current action

# The service name in authenticator apps when MEDCAB_SERVICE_NAME is unset: one name in every language, so the entry keeps its name after /language.
service-name-default = Кабинет медработника
