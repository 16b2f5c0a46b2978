## «🏥 Organisation»: the practitioner's organisation and its licence
# A licence is the organisation's, not the practitioner's; since 2021 it is a register entry with no end date: no days are counted.

org-button = 🏥 Organisation
org-title = <b>🏥 Organisation</b>
org-not-confirmed = What the register of medical workers says of your organisation appears once your account is confirmed.
org-not-in-register = The register of medical workers has no entry of yours, so no organisation can be named. If you work for a medical organisation, ask its HR department to check your entry in the register.
org-name =
    <b>{ $name }</b>
    Region: { $region }
org-licence-not-found = The organisation's licence is not found in the loaded register of licences. If the organisation has one, it appears after the register's next load.
org-licence-of = Licence { $index } of { $total }
# $status — active, suspended or terminated; $by — ogrn, inn or name: how the licence was found.
org-licence =
    Licence No. <b>{ $number }</b> — { $status ->
        [active] <b>active</b>
        [suspended] ⚠️ <b>suspended</b>
       *[terminated] ⛔ <b>terminated</b>
    }
    OGRN { $ogrn }, INN { $inn } ({ $by ->
        [ogrn] found by the organisation's OGRN
        [inn] found by the organisation's INN
       *[name] found by the organisation's name: the register of medical workers gave no INN or OGRN
    })
org-works = Licensed works and services ({ $count }):
org-work = • { $work }
org-works-more = { $count ->
    [one] …and { $count } more
   *[other] …and { $count } more
}
org-works-none = The register of licences lists no works.
org-imported = As the register of licences stood on { $date }.
org-page-back = ◀️ Previous licence
org-page-next = Next licence ▶️
