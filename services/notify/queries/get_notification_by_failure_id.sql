SELECT * FROM notification_rows WHERE failure_id = $1
