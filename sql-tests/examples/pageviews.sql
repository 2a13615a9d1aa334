-- Pageviews: a small end-to-end example of the ksqlDB dialect Sluice reads.
-- `sluice check sql-tests/examples/pageviews.sql` parses every statement.

-- Variables are substituted as text, also inside string literals.
DEFINE value_format = 'JSON';
DEFINE partitions = '1';

/* Raw page views, keyed by the viewer. */
CREATE STREAM pageviews (
  user_id VARCHAR KEY,
  page_id VARCHAR,
  view_time BIGINT,
  duration_ms INT
) WITH (
  kafka_topic = 'pageviews',
  value_format = '${value_format}',
  partitions = ${partitions},
  timestamp = 'view_time'
);

-- One row per user, updated as profiles change.
CREATE TABLE users (
  user_id VARCHAR PRIMARY KEY,
  name VARCHAR,
  region VARCHAR,
  registered_at BIGINT
) WITH (
  kafka_topic = 'users',
  value_format = '${value_format}',
  partitions = ${partitions}
);

-- Views that lasted long enough to count as reads.
CREATE STREAM long_views WITH (kafka_topic = 'long_views') AS
  SELECT user_id, page_id, duration_ms
  FROM pageviews
  WHERE duration_ms >= 10000 AND page_id LIKE 'article-%'
  EMIT CHANGES;

-- Views per page, per minute.
CREATE TABLE views_per_minute AS
  SELECT page_id,
         COUNT(*) AS views,
         SUM(duration_ms) AS total_ms
  FROM pageviews
  WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS)
  GROUP BY page_id
  EMIT CHANGES;

-- Enrich every view with the viewer's region (stream-table join).
CREATE STREAM enriched_views AS
  SELECT pv.user_id AS user_id,
         pv.page_id,
         u.region,
         CASE WHEN pv.duration_ms > 60000 THEN 'long' ELSE 'short' END AS view_kind
  FROM pageviews pv
  LEFT JOIN users u ON pv.user_id = u.user_id
  EMIT CHANGES;

INSERT INTO pageviews (user_id, page_id, view_time, duration_ms)
  VALUES ('u-1', 'article-42', 1700000000000, 12500);

-- A push query: the first five views from Europe, as they arrive.
SELECT user_id, page_id, region
FROM enriched_views
WHERE region = 'EU'
EMIT CHANGES
LIMIT 5;

-- A pull query: the current state of one user.
SELECT name, region FROM users WHERE user_id = 'u-1';

SHOW STREAMS;
SHOW TABLES;
DESCRIBE pageviews EXTENDED;
DESCRIBE views_per_minute;
