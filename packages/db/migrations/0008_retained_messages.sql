-- Who published each retained message, with its size and age: a broker delivers a retained
-- message only while its publisher may still publish it (revoked credential, deleted device,
-- disabled user or removed rule withhold it), a deleted device's retained messages are found
-- here to be removed, and the admin's Retained view browses it (publisher_kind 'broker': the
-- broker's own, e.g. a device's status). broker_id is '' when the
-- retained store is shared (Redis), else the broker whose in-memory store holds the message.
CREATE TABLE "retained_messages" (
	"topic" text NOT NULL,
	"broker_id" text DEFAULT '' NOT NULL,
	"publisher_kind" text NOT NULL,
	"publisher_id" text NOT NULL,
	"publisher_username" text,
	"publisher_role" text NOT NULL,
	"credential_id" uuid,
	"qos" smallint NOT NULL,
	"payload_bytes" integer NOT NULL,
	"published_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "retained_messages_topic_broker_id_pk" PRIMARY KEY("topic","broker_id")
);
--> statement-breakpoint
CREATE INDEX "retained_messages_publisher_idx" ON "retained_messages" USING btree ("publisher_kind","publisher_id");
