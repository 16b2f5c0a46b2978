-- The licences of medical organisations, from the licensing register's
-- export (`medcab admin import-licences`, core::licences). A licence is the
-- organisation's, not a practitioner's: nothing here names a person, so
-- nothing is sealed, and /forget has nothing to take. Since 2021 a licence
-- is an entry in a register with no end date: there is no column for one.
CREATE TABLE organisation_licences (
    id            BIGSERIAL PRIMARY KEY,
    -- the licensee: ОГРН (13 digits, checked in core) and ИНН (10 digits)
    ogrn          TEXT NOT NULL CHECK (ogrn ~ '^[0-9]{13}$'),
    inn           TEXT NOT NULL CHECK (inn ~ '^[0-9]{10}$'),
    -- the licence's number as the register writes it
    number        TEXT NOT NULL CHECK (number <> ''),
    -- the licensee's name, when the export gives it; `name_key` is it
    -- normalised (case, quotes, spaces) for the fallback match by name
    organisation  TEXT,
    name_key      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
    -- the licensed works («работы (услуги)»), in the register's order
    works         TEXT[] NOT NULL DEFAULT '{}',
    -- the last import that listed it, and the last that changed it
    imported_at   TIMESTAMPTZ NOT NULL,
    changed_at    TIMESTAMPTZ NOT NULL,
    -- a re-import updates by the organisation and the number
    UNIQUE (ogrn, number)
);
CREATE INDEX organisation_licences_inn ON organisation_licences (inn);
CREATE INDEX organisation_licences_name_key ON organisation_licences (name_key);

-- Which organisation a practitioner works for, by its identifiers, when the
-- register's export gives them (optional columns: older files still
-- import). The licence is found by ОГРН, then ИНН, and by the name only
-- when neither is given.
ALTER TABLE registry_entries
    ADD COLUMN organisation_inn  TEXT CHECK (organisation_inn ~ '^[0-9]{10}$'),
    ADD COLUMN organisation_ogrn TEXT CHECK (organisation_ogrn ~ '^[0-9]{13}$');
