SELECT * FROM notification_rows WHERE id_key = $1::bigint
