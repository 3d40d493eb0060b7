-- Per field, the value each side last held as crmsync read it there, in canonical terms (NULL
-- when unknown). A read-back gives every field the record's one modified time; a field whose
-- value is still the one last read there was not edited, however new that time is.
ALTER TABLE task_fields ADD COLUMN crm_value jsonb;
ALTER TABLE task_fields ADD COLUMN projects_value jsonb;
