-- Every broker and API instance LISTENs on acl_rules_changed and reloads its compiled
-- rules, so a change reaches the whole fleet without a restart. Statement-level: one
-- notification per statement, however many rows it touched.
CREATE FUNCTION "notify_acl_rules_changed"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('acl_rules_changed', TG_OP);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "acl_rules_changed"
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "acl_rules"
FOR EACH STATEMENT EXECUTE FUNCTION "notify_acl_rules_changed"();
