-- The audit trail and the lifecycle history chained with SM3 (审计链): a sealer links each entry, in the order it
-- became visible, to the one before by a digest of its content and of the link before; signed checkpoints of the
-- chain's head go to the store under Object Lock, outside the database owner's reach. The links are append-only.
-- Which catalogue this is, whatever the cluster or database it is restored into: checkpoints are filed under it.
CREATE TABLE "installation" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "one" BOOLEAN NOT NULL DEFAULT true UNIQUE CHECK ("one"),
  CONSTRAINT "installation_pkey" PRIMARY KEY ("id")
);
INSERT INTO "installation" DEFAULT VALUES;

CREATE TABLE "chain_link" (
  "seq" BIGSERIAL NOT NULL,
  "kind" TEXT NOT NULL,
  "entry_id" BIGINT NOT NULL,
  "content_sm3" CHAR(64) NOT NULL,
  "chain_sm3" CHAR(64) NOT NULL,
  -- The highest entry id linked so far: every entry at or below it that is not linked an hour later never will be.
  "high_id" BIGINT NOT NULL,
  "sealed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "chain_link_pkey" PRIMARY KEY ("seq"),
  CONSTRAINT "chain_link_kind_check" CHECK ("kind" IN ('audit_event', 'lifecycle_event'))
);
CREATE UNIQUE INDEX "chain_link_kind_entry_key" ON "chain_link" ("kind", "entry_id");
CREATE INDEX "chain_link_kind_seq_idx" ON "chain_link" ("kind", "seq");
CREATE INDEX "chain_link_kind_sealed_idx" ON "chain_link" ("kind", "sealed_at");

CREATE TABLE "chain_checkpoint" (
  "id" BIGSERIAL NOT NULL,
  "kind" TEXT NOT NULL,
  "seq" BIGINT NOT NULL,
  "entry_id" BIGINT NOT NULL,
  "chain_sm3" CHAR(64) NOT NULL,
  "statement" TEXT NOT NULL,
  "signature" TEXT NOT NULL,
  "signing_key_id" CHAR(64) NOT NULL,
  "bucket" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  "version_id" TEXT,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "chain_checkpoint_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "chain_checkpoint_kind_seq_idx" ON "chain_checkpoint" ("kind", "seq");

CREATE TRIGGER chain_link_append_only BEFORE UPDATE OR DELETE ON "chain_link"
  FOR EACH ROW EXECUTE FUNCTION lantai_refuse_change();
CREATE TRIGGER chain_link_no_truncate BEFORE TRUNCATE ON "chain_link"
  FOR EACH STATEMENT EXECUTE FUNCTION lantai_refuse_change();
CREATE TRIGGER chain_checkpoint_append_only BEFORE UPDATE OR DELETE ON "chain_checkpoint"
  FOR EACH ROW EXECUTE FUNCTION lantai_refuse_change();
CREATE TRIGGER chain_checkpoint_no_truncate BEFORE TRUNCATE ON "chain_checkpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION lantai_refuse_change();
