-- A document deleted from «Документы» is no longer an education record's
-- certificate (core::qualification::store::detach_deleted_document does it
-- in the deletion's transaction from now on); records attached to documents
-- deleted before are detached here, their confirmation with it.
UPDATE qualification_records r
SET document_id = NULL, confirmed_at = NULL
FROM documents d
WHERE d.id = r.document_id AND d.deleted_at IS NOT NULL;
