-- How many grants are BROKEN.
SELECT count(*) AS count FROM grants WHERE state = 'BROKEN'
