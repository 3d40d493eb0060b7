-- $1 portal_id, $2 side ('crm' | 'projects').
SELECT secret_sha256, COALESCE(previous_sha256, '') AS previous_sha256
FROM webhook_secrets
WHERE portal_id = $1 AND side = $2
