-- The application both servers of docker/compose.yaml run.

CREATE STREAM events (id BIGINT KEY, amount BIGINT, ts BIGINT)
  WITH (kafka_topic='events', value_format='JSON', partitions=6, timestamp='ts');

-- Split by partition between the servers: it groups by the stream's key.
CREATE TABLE per_minute AS
  SELECT id, COUNT(*) AS cnt, SUM(amount) AS total
  FROM events WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS)
  GROUP BY id EMIT CHANGES;

CREATE STREAM large AS
  SELECT id, amount, ts FROM events WHERE amount > 5000 EMIT CHANGES;
