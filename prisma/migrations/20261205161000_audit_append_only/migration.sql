-- The audit log is append-only: rows are inserted, never changed or removed, whoever connects.
-- A BEFORE row trigger refuses UPDATE and DELETE, a BEFORE statement trigger refuses TRUNCATE.
--
-- One change is let through: deleting a user sets audit_log.actor_id to NULL through the foreign key
-- (ON DELETE SET NULL). That update comes from the foreign key's own trigger (trigger depth > 1), may
-- change nothing but actor_id from a value to NULL, and the row keeps actor_email naming who acted.
-- The same UPDATE sent directly is refused.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND pg_trigger_depth() > 1
     AND OLD."actor_id" IS NOT NULL
     AND NEW."actor_id" IS NULL
     AND (NEW."id", NEW."at", NEW."actor_email", NEW."action", NEW."target_type", NEW."target_id",
          NEW."details", NEW."request_id")
         IS NOT DISTINCT FROM
         (OLD."id", OLD."at", OLD."actor_email", OLD."action", OLD."target_type", OLD."target_id",
          OLD."details", OLD."request_id")
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING HINT = 'Audit entries are never changed or removed; record a new entry instead.';
END;
$$;

CREATE TRIGGER "audit_log_no_update_or_delete"
  BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();

CREATE TRIGGER "audit_log_no_truncate"
  BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
