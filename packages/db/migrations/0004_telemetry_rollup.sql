CREATE TABLE "telemetry_rollup_1m" (
	"device_id" text NOT NULL,
	"bucket_start" timestamp (3) with time zone NOT NULL,
	"metric" text NOT NULL,
	"count" bigint NOT NULL,
	"numeric_count" bigint NOT NULL,
	"sum" double precision NOT NULL,
	"min" double precision,
	"max" double precision,
	"last_ts" timestamp (3) with time zone NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_value" jsonb NOT NULL,
	CONSTRAINT "telemetry_rollup_1m_pkey" PRIMARY KEY("device_id","bucket_start","metric")
);
