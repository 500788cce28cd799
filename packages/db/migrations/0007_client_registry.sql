-- The MQTT client registry behind the admin's Clients view, and device tags.
-- mqtt_brokers: one row per broker instance, heartbeated by its housekeeping (stale after 3
-- intervals). mqtt_clients: one row per client id across every broker (connected clients and
-- offline persistent sessions), written in batches by the broker that holds the client.
-- Actions (disconnect, clear session) reach that broker through NOTIFY mqtt_client_actions.
CREATE TABLE "mqtt_brokers" (
	"broker_id" text PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL,
	"heartbeat_interval_ms" integer NOT NULL,
	"shared_sessions" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mqtt_clients" (
	"client_id" text PRIMARY KEY NOT NULL,
	"broker_id" text NOT NULL,
	"principal_kind" text NOT NULL,
	"principal_id" text NOT NULL,
	"principal_username" text,
	"principal_role" text NOT NULL,
	"protocol" text NOT NULL,
	"protocol_version" smallint NOT NULL,
	"remote_address" text,
	"keepalive_s" integer NOT NULL,
	"clean_session" boolean NOT NULL,
	"session_expiry_s" integer,
	"connected" boolean NOT NULL,
	"connected_at" timestamp (3) with time zone NOT NULL,
	"disconnected_at" timestamp (3) with time zone,
	"subscriptions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"subscription_count" integer DEFAULT 0 NOT NULL,
	"inflight" integer,
	"queued" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
CREATE INDEX "mqtt_clients_broker_idx" ON "mqtt_clients" USING btree ("broker_id");--> statement-breakpoint
CREATE INDEX "mqtt_clients_principal_idx" ON "mqtt_clients" USING btree ("principal_kind","principal_id");--> statement-breakpoint
CREATE INDEX "devices_tags_idx" ON "devices" USING gin ("tags");--> statement-breakpoint
-- API instances LISTEN on user_access_changed (payload: "<user id> <epoch ms of the change>")
-- and refuse the user's access tokens issued before a change of role, password or disabled
-- state. The time is the database's, from the changing transaction.
CREATE FUNCTION "notify_user_access_changed"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.role IS DISTINCT FROM OLD.role
    OR NEW.disabled_at IS DISTINCT FROM OLD.disabled_at
    OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
    PERFORM pg_notify('user_access_changed',
      NEW.id::text || ' ' || floor(extract(epoch FROM now()) * 1000)::bigint::text);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "users_access_changed"
AFTER UPDATE ON "users"
FOR EACH ROW EXECUTE FUNCTION "notify_user_access_changed"();
