-- telemetry_rollup_1m stays exact through statement-level triggers on telemetry, in the
-- writing transaction: inserts merge one aggregate per (device, minute, metric) of the rows
-- they actually added (the transition table holds only new rows, so duplicates skipped by
-- ON CONFLICT DO NOTHING are never counted twice); deletes and updates recompute the minutes
-- they touched from the raw rows (min/max/last cannot be subtracted). Minutes are aligned to
-- the epoch with date_bin, independent of the session time zone.
CREATE FUNCTION "telemetry_rollup_merge_inserted"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- ORDER BY: every writer locks rollup rows in the same order, so concurrent batches wait
  -- for each other instead of deadlocking.
  INSERT INTO telemetry_rollup_1m AS r
    (device_id, bucket_start, metric, count, numeric_count, sum, min, max, last_ts, last_seq, last_value)
  SELECT i.device_id,
         date_bin('1 minute', i.ts, timestamptz 'epoch'),
         m.key,
         count(*),
         count(n.v),
         coalesce(sum(n.v), 0),
         min(n.v),
         max(n.v),
         (array_agg(i.ts ORDER BY i.ts DESC, i.seq DESC))[1],
         (array_agg(i.seq ORDER BY i.ts DESC, i.seq DESC))[1],
         (array_agg(m.value ORDER BY i.ts DESC, i.seq DESC))[1]
  FROM inserted i
  CROSS JOIN LATERAL jsonb_each(i.metrics) m
  CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(m.value) = 'number' THEN (m.value)::float8 END AS v) n
  GROUP BY 1, 2, 3
  ORDER BY 1, 2, 3
  ON CONFLICT (device_id, bucket_start, metric) DO UPDATE SET
    count = r.count + excluded.count,
    numeric_count = r.numeric_count + excluded.numeric_count,
    sum = r.sum + excluded.sum,
    min = least(r.min, excluded.min),
    max = greatest(r.max, excluded.max),
    last_ts = CASE WHEN (excluded.last_ts, excluded.last_seq) > (r.last_ts, r.last_seq) THEN excluded.last_ts ELSE r.last_ts END,
    last_seq = CASE WHEN (excluded.last_ts, excluded.last_seq) > (r.last_ts, r.last_seq) THEN excluded.last_seq ELSE r.last_seq END,
    last_value = CASE WHEN (excluded.last_ts, excluded.last_seq) > (r.last_ts, r.last_seq) THEN excluded.last_value ELSE r.last_value END;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION "telemetry_rollup_recompute"(devices text[], buckets timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM telemetry_rollup_1m r
  USING unnest(devices, buckets) AS t(device_id, bucket_start)
  WHERE r.device_id = t.device_id AND r.bucket_start = t.bucket_start;
  -- A concurrent insert into a recomputed minute may have merged a row this statement's
  -- snapshot cannot see; merge with it rather than fail.
  INSERT INTO telemetry_rollup_1m AS r
    (device_id, bucket_start, metric, count, numeric_count, sum, min, max, last_ts, last_seq, last_value)
  SELECT x.device_id,
         t.bucket_start,
         m.key,
         count(*),
         count(n.v),
         coalesce(sum(n.v), 0),
         min(n.v),
         max(n.v),
         (array_agg(x.ts ORDER BY x.ts DESC, x.seq DESC))[1],
         (array_agg(x.seq ORDER BY x.ts DESC, x.seq DESC))[1],
         (array_agg(m.value ORDER BY x.ts DESC, x.seq DESC))[1]
  FROM unnest(devices, buckets) AS t(device_id, bucket_start)
  JOIN telemetry x ON x.device_id = t.device_id
    AND x.ts >= t.bucket_start AND x.ts < t.bucket_start + interval '1 minute'
  CROSS JOIN LATERAL jsonb_each(x.metrics) m
  CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(m.value) = 'number' THEN (m.value)::float8 END AS v) n
  GROUP BY 1, 2, 3
  ORDER BY 1, 2, 3
  ON CONFLICT (device_id, bucket_start, metric) DO UPDATE SET
    count = r.count + excluded.count,
    numeric_count = r.numeric_count + excluded.numeric_count,
    sum = r.sum + excluded.sum,
    min = least(r.min, excluded.min),
    max = greatest(r.max, excluded.max),
    last_ts = CASE WHEN (excluded.last_ts, excluded.last_seq) > (r.last_ts, r.last_seq) THEN excluded.last_ts ELSE r.last_ts END,
    last_seq = CASE WHEN (excluded.last_ts, excluded.last_seq) > (r.last_ts, r.last_seq) THEN excluded.last_seq ELSE r.last_seq END,
    last_value = CASE WHEN (excluded.last_ts, excluded.last_seq) > (r.last_ts, r.last_seq) THEN excluded.last_value ELSE r.last_value END;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION "telemetry_rollup_recompute_deleted"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  devices text[];
  buckets timestamptz[];
BEGIN
  SELECT array_agg(device_id), array_agg(bucket_start) INTO devices, buckets
  FROM (SELECT DISTINCT device_id, date_bin('1 minute', ts, timestamptz 'epoch') AS bucket_start
        FROM deleted ORDER BY 1, 2) touched;
  IF devices IS NOT NULL THEN
    PERFORM telemetry_rollup_recompute(devices, buckets);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION "telemetry_rollup_recompute_updated"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  devices text[];
  buckets timestamptz[];
BEGIN
  SELECT array_agg(device_id), array_agg(bucket_start) INTO devices, buckets
  FROM (SELECT device_id, date_bin('1 minute', ts, timestamptz 'epoch') AS bucket_start FROM before_update
        UNION
        SELECT device_id, date_bin('1 minute', ts, timestamptz 'epoch') FROM after_update
        ORDER BY 1, 2) touched;
  IF devices IS NOT NULL THEN
    PERFORM telemetry_rollup_recompute(devices, buckets);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION "telemetry_rollup_truncate"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE telemetry_rollup_1m;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "telemetry_rollup_insert" AFTER INSERT ON "telemetry"
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION "telemetry_rollup_merge_inserted"();
--> statement-breakpoint
CREATE TRIGGER "telemetry_rollup_delete" AFTER DELETE ON "telemetry"
REFERENCING OLD TABLE AS deleted
FOR EACH STATEMENT EXECUTE FUNCTION "telemetry_rollup_recompute_deleted"();
--> statement-breakpoint
CREATE TRIGGER "telemetry_rollup_update" AFTER UPDATE ON "telemetry"
REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update
FOR EACH STATEMENT EXECUTE FUNCTION "telemetry_rollup_recompute_updated"();
--> statement-breakpoint
CREATE TRIGGER "telemetry_rollup_truncate" AFTER TRUNCATE ON "telemetry"
FOR EACH STATEMENT EXECUTE FUNCTION "telemetry_rollup_truncate"();
--> statement-breakpoint
-- Readings stored before this migration.
INSERT INTO telemetry_rollup_1m
  (device_id, bucket_start, metric, count, numeric_count, sum, min, max, last_ts, last_seq, last_value)
SELECT x.device_id,
       date_bin('1 minute', x.ts, timestamptz 'epoch'),
       m.key,
       count(*),
       count(n.v),
       coalesce(sum(n.v), 0),
       min(n.v),
       max(n.v),
       (array_agg(x.ts ORDER BY x.ts DESC, x.seq DESC))[1],
       (array_agg(x.seq ORDER BY x.ts DESC, x.seq DESC))[1],
       (array_agg(m.value ORDER BY x.ts DESC, x.seq DESC))[1]
FROM telemetry x
CROSS JOIN LATERAL jsonb_each(x.metrics) m
CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(m.value) = 'number' THEN (m.value)::float8 END AS v) n
GROUP BY 1, 2, 3;
