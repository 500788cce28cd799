-- Brokers LISTEN on device_access_changed (payload: the device id) and re-check the
-- connected clients of that device, so a revoked or deleted device is cut off at once.
CREATE FUNCTION "notify_device_access_changed"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'devices' THEN
    PERFORM pg_notify('device_access_changed', OLD.id);
  ELSE
    PERFORM pg_notify('device_access_changed', COALESCE(NEW.device_id, OLD.device_id));
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "device_credentials_access_changed"
AFTER UPDATE OR DELETE ON "device_credentials"
FOR EACH ROW EXECUTE FUNCTION "notify_device_access_changed"();
--> statement-breakpoint
CREATE TRIGGER "devices_access_changed"
AFTER DELETE ON "devices"
FOR EACH ROW EXECUTE FUNCTION "notify_device_access_changed"();
