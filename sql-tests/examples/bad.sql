-- A deliberate syntax error on line 3: `sluice check` reports it and exits 1.
SHOW STREAMS;
SELECT * FRM pageviews EMIT CHANGES;
SHOW TABLES;
