-- Two application kinds of the qualification section (core::applications):
-- a check of the education records («Запросить проверку») and the report on
-- professional activity.
ALTER TABLE applications DROP CONSTRAINT applications_kind_check;
ALTER TABLE applications ADD CONSTRAINT applications_kind_check CHECK (kind IN (
    'activation', 'periodic_accreditation',
    'certificate_request', 'personal_data_update',
    'education_check', 'activity_report'));
