-- The catalogue is the record of every item's state. The moves allowed are those of domain/lifecycle.ts, which
-- the migration runner writes into lifecycle_move after every run; any other change of state is refused here,
-- whoever makes it.
CREATE TABLE "lifecycle_move" (
    "from_state" "LifecycleState" NOT NULL,
    "to_state" "LifecycleState" NOT NULL,
    CONSTRAINT "lifecycle_move_pkey" PRIMARY KEY ("from_state", "to_state")
);

CREATE FUNCTION lantai_refuse_disallowed_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.lifecycle_state IS DISTINCT FROM OLD.lifecycle_state AND NOT EXISTS (
    SELECT 1 FROM lifecycle_move m WHERE m.from_state = OLD.lifecycle_state AND m.to_state = NEW.lifecycle_state
  ) THEN
    RAISE EXCEPTION 'an item that is % cannot become %', OLD.lifecycle_state, NEW.lifecycle_state
      USING ERRCODE = 'check_violation', TABLE = 'item', COLUMN = 'lifecycle_state';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER item_lifecycle_move_allowed BEFORE UPDATE OF "lifecycle_state" ON "item"
  FOR EACH ROW EXECUTE FUNCTION lantai_refuse_disallowed_move();

-- Items no longer have a lifecycle workflow of their own; the column keeps the id of the one an older Lantai ran.
COMMENT ON COLUMN "item"."workflow_id" IS 'lifecycle workflow of an older Lantai, retired at upgrade';
