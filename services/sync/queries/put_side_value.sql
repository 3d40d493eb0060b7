-- $1 link_id, $2 field, $3 side (crm | projects), $4 value (JSON), $5 only while canonical
-- (boolean). Records the value the side holds for the field: read there, or written there by
-- crmsync, which counts only while it is still the canonical value (a newer one is written
-- next, and until then a read of the side tells what it holds). Nothing when the field has no
-- canonical value.
UPDATE task_fields
SET crm_value = CASE WHEN $3 = 'crm' THEN $4::jsonb ELSE crm_value END,
    projects_value = CASE WHEN $3 = 'projects' THEN $4::jsonb ELSE projects_value END
WHERE link_id = $1 AND field = $2 AND (NOT $5::boolean OR value = $4::jsonb)
