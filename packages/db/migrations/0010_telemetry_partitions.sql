-- telemetry becomes a table partitioned by RANGE (ts): one partition per UTC day, named
-- telemetry_pYYYYMMDD, plus a DEFAULT partition, so a reading for a day without a partition
-- is stored anyway (the writer must never fail because a partition is missing). Retention
-- then drops whole days (telemetry-partitions.ts) instead of deleting rows in batches.
--
-- Rewrites the table: every row is copied once, inside this migration's transaction, which
-- holds an ACCESS EXCLUSIVE lock on telemetry until it commits (see docs/operations.md).
-- The primary key (device_id, ts, seq), the idempotency key of the writer, includes the
-- partition key ts, as a partitioned table's unique constraints must.
ALTER TABLE "telemetry" RENAME TO "telemetry_unpartitioned";
--> statement-breakpoint
ALTER INDEX "telemetry_pkey" RENAME TO "telemetry_unpartitioned_pkey";
--> statement-breakpoint
ALTER INDEX "telemetry_ts_brin" RENAME TO "telemetry_unpartitioned_ts_brin";
--> statement-breakpoint
CREATE TABLE "telemetry" (
	"device_id" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"seq" bigint NOT NULL,
	"metrics" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telemetry_pkey" PRIMARY KEY("device_id","ts","seq")
) PARTITION BY RANGE ("ts");
--> statement-breakpoint
CREATE INDEX "telemetry_ts_brin" ON "telemetry" USING brin ("ts");
--> statement-breakpoint
CREATE TABLE "telemetry_default" PARTITION OF "telemetry" DEFAULT;
--> statement-breakpoint
-- A partition for every UTC day that holds readings, within two years back (older and
-- far-future readings, typically from a device with a wrong clock, stay in DEFAULT), and for
-- today and the next 7 days. ensureTelemetryPartitions keeps creating days ahead from then on.
DO $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  day date;
BEGIN
  FOR day IN
    SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date AS d FROM "telemetry_unpartitioned"
    WHERE ts >= (today - 730)::timestamp AT TIME ZONE 'UTC'
      AND ts < (today + 8)::timestamp AT TIME ZONE 'UTC'
    UNION
    SELECT today + n FROM generate_series(0, 7) AS n
    ORDER BY 1
  LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF "telemetry" FOR VALUES FROM (%L) TO (%L)',
      'telemetry_p' || to_char(day, 'YYYYMMDD'),
      day::timestamp AT TIME ZONE 'UTC',
      (day + 1)::timestamp AT TIME ZONE 'UTC');
  END LOOP;
END;
$$;
--> statement-breakpoint
-- Before the triggers exist: moving rows changes no reading, so the rollup (its rows, dirty
-- marks and log) stays valid as it is and nothing needs recomputing.
INSERT INTO "telemetry" ("device_id", "ts", "seq", "metrics", "received_at")
SELECT "device_id", "ts", "seq", "metrics", "received_at" FROM "telemetry_unpartitioned";
--> statement-breakpoint
DROP TABLE "telemetry_unpartitioned";
--> statement-breakpoint
-- The rollup's statement-level triggers from 0005, on the partitioned parent: statements on
-- telemetry fire them with transition tables holding the rows of every partition touched.
-- Dropping a partition fires nothing; retention clears the rollup of dropped days itself.
CREATE TRIGGER "telemetry_rollup_inserted"
AFTER INSERT ON "telemetry" REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION "telemetry_rollup_log_inserted"();
--> statement-breakpoint
CREATE TRIGGER "telemetry_rollup_deleted"
AFTER DELETE ON "telemetry" REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION "telemetry_rollup_log_deleted"();
--> statement-breakpoint
CREATE TRIGGER "telemetry_rollup_updated"
AFTER UPDATE ON "telemetry" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION "telemetry_rollup_log_updated"();
--> statement-breakpoint
CREATE TRIGGER "telemetry_rollup_truncated"
AFTER TRUNCATE ON "telemetry"
FOR EACH STATEMENT EXECUTE FUNCTION "telemetry_rollup_truncated"();
