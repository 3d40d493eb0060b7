-- How many grants are BROKEN.
SELECT count(*) FROM grants WHERE state = 'BROKEN'
