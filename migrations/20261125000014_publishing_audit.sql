-- Operators' publishing is accounted for like their reviews (152-ФЗ-style
-- accountability): a notice published, a feed proposal approved or
-- dismissed, an inspection scheduled or cancelled (core::notices,
-- core::inspections, each in the transaction of what it records). Details
-- hold ids and counts only.
ALTER TABLE operator_audit DROP CONSTRAINT operator_audit_action_check;
ALTER TABLE operator_audit ADD CONSTRAINT operator_audit_action_check CHECK (action IN (
    'viewed', 'claimed', 'decided', 'factor_reset_approved', 'refused',
    'notice_published', 'proposal_approved', 'proposal_dismissed',
    'inspection_scheduled', 'inspection_cancelled'));

-- An inspection's broadcasts (its announcement and reminders), found when
-- it is cancelled to withdraw what they have not sent yet
-- (core::broadcasts::of_inspection).
CREATE INDEX broadcasts_subject ON broadcasts (subject_id, kind);
