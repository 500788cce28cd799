CREATE TABLE "telemetry_rollup_5m" (
	"device_id" text NOT NULL,
	"bucket_start" timestamp (3) with time zone NOT NULL,
	"metric" text NOT NULL,
	"count" bigint NOT NULL,
	"num_count" bigint NOT NULL,
	"num_sum" numeric,
	"num_min" double precision,
	"num_max" double precision,
	"last_value" jsonb NOT NULL,
	CONSTRAINT "telemetry_rollup_5m_pkey" PRIMARY KEY("device_id","bucket_start","metric")
);
--> statement-breakpoint
CREATE TABLE "telemetry_rollup_dirty" (
	"device_id" text NOT NULL,
	"minute" timestamp (3) with time zone NOT NULL,
	"marked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telemetry_rollup_dirty_pkey" PRIMARY KEY("device_id","minute")
);
--> statement-breakpoint
CREATE TABLE "telemetry_rollup_1h" (
	"device_id" text NOT NULL,
	"bucket_start" timestamp (3) with time zone NOT NULL,
	"metric" text NOT NULL,
	"count" bigint NOT NULL,
	"num_count" bigint NOT NULL,
	"num_sum" numeric,
	"num_min" double precision,
	"num_max" double precision,
	"last_value" jsonb NOT NULL,
	CONSTRAINT "telemetry_rollup_1h_pkey" PRIMARY KEY("device_id","bucket_start","metric")
);
--> statement-breakpoint
CREATE TABLE "telemetry_rollup_log" (
	"device_ids" text[] NOT NULL,
	"minutes" timestamp (3) with time zone[] NOT NULL,
	"logged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telemetry_rollup_1m" (
	"device_id" text NOT NULL,
	"bucket_start" timestamp (3) with time zone NOT NULL,
	"metric" text NOT NULL,
	"count" bigint NOT NULL,
	"num_count" bigint NOT NULL,
	"num_sum" numeric,
	"num_min" double precision,
	"num_max" double precision,
	"last_value" jsonb NOT NULL,
	CONSTRAINT "telemetry_rollup_1m_pkey" PRIMARY KEY("device_id","bucket_start","metric")
);
