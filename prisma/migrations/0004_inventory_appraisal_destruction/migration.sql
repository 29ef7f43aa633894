-- Inventory, appraisal and destruction: inventory runs and their findings, shelf-scan sessions, archivists'
-- tasks, appraisal batches with each member's decisions, destruction lists and the tombstones they leave.
CREATE TYPE "InventoryStatus" AS ENUM ('running', 'completed', 'failed');
CREATE TYPE "FindingKind" AS ENUM ('object_missing', 'size_mismatch', 'digest_mismatch', 'metadata_incomplete', 'box_misplaced', 'box_not_on_shelf', 'item_misplaced', 'item_not_in_box', 'unknown_barcode');
CREATE TYPE "TaskStatus" AS ENUM ('open', 'resolved');
CREATE TYPE "AppraisalDecisionKind" AS ENUM ('destroy', 'keep', 'permanent');
CREATE TYPE "AppraisalStatus" AS ENUM ('open', 'decided');
CREATE TYPE "DestructionListStatus" AS ENUM ('proposed', 'rejected', 'approved', 'executing', 'executed', 'executed_with_failures');
CREATE TYPE "DestructionEntryStatus" AS ENUM ('listed', 'removed', 'destroyed', 'failed');
CREATE TYPE "HoldKind" AS ENUM ('legal', 'audit');

ALTER TABLE "item" ADD COLUMN "kept_until" DATE,
ADD COLUMN "made_permanent" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "page" ADD COLUMN "last_checked_at" TIMESTAMPTZ(3),
ADD COLUMN "last_rehashed_at" TIMESTAMPTZ(3),
ADD COLUMN "destroyed_at" TIMESTAMPTZ(3);

ALTER TABLE "legal_hold" ADD COLUMN "kind" "HoldKind" NOT NULL DEFAULT 'legal';

CREATE TABLE "inventory_run" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "rehash" JSONB NOT NULL,
    "shelf_scan_ids" UUID[],
    "status" "InventoryStatus" NOT NULL DEFAULT 'running',
    "cursor" UUID,
    "items_total" INTEGER NOT NULL DEFAULT 0,
    "items_checked" INTEGER NOT NULL DEFAULT 0,
    "objects_checked" INTEGER NOT NULL DEFAULT 0,
    "objects_rehashed" INTEGER NOT NULL DEFAULT 0,
    "bytes_rehashed" BIGINT NOT NULL DEFAULT 0,
    "finding_count" INTEGER NOT NULL DEFAULT 0,
    "shelves_judged" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "inventory_run_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "inventory_finding" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "kind" "FindingKind" NOT NULL,
    "item_id" UUID,
    "page_id" UUID,
    "box_id" UUID,
    "detail" TEXT NOT NULL,
    "task_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inventory_finding_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "shelf_scan" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "scanned_by" TEXT NOT NULL,
    "reader" TEXT NOT NULL,
    "readings" JSONB NOT NULL DEFAULT '[]',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "shelf_scan_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "archivist_task" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "item_id" UUID,
    "source" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "status" "TaskStatus" NOT NULL DEFAULT 'open',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "resolution" TEXT,

    CONSTRAINT "archivist_task_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "appraisal_batch" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "as_of" DATE NOT NULL,
    "rule" TEXT NOT NULL,
    "members" TEXT[],
    "status" "AppraisalStatus" NOT NULL DEFAULT 'open',
    "opened_by" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "appraisal_batch_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "appraisal_entry" (
    "batch_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "outcome" "AppraisalDecisionKind",
    "new_period" "RetentionPeriod",
    "kept_until" DATE,

    CONSTRAINT "appraisal_entry_pkey" PRIMARY KEY ("batch_id","item_id")
);

CREATE TABLE "appraisal_decision" (
    "id" BIGSERIAL NOT NULL,
    "batch_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "member" TEXT NOT NULL,
    "decision" "AppraisalDecisionKind" NOT NULL,
    "new_period" "RetentionPeriod",
    "reason" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "appraisal_decision_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "destruction_list" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "batch_id" UUID NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "status" "DestructionListStatus" NOT NULL DEFAULT 'proposed',
    "proposed_by" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "place" TEXT NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3),
    "approvals" JSONB NOT NULL DEFAULT '[]',
    "escalations" INTEGER NOT NULL DEFAULT 0,
    "documents" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "executed_at" TIMESTAMPTZ(3),

    CONSTRAINT "destruction_list_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "destruction_entry" (
    "list_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "status" "DestructionEntryStatus" NOT NULL DEFAULT 'listed',
    "reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "destroyed_at" TIMESTAMPTZ(3),

    CONSTRAINT "destruction_entry_pkey" PRIMARY KEY ("list_id","item_id")
);

CREATE TABLE "item_tombstone" (
    "item_id" UUID NOT NULL,
    "list_id" UUID NOT NULL,
    "archival_code" TEXT,
    "metadata" JSONB NOT NULL,
    "objects" JSONB NOT NULL,
    "destroyed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "item_tombstone_pkey" PRIMARY KEY ("item_id")
);

CREATE UNIQUE INDEX "inventory_run_workflow_id_key" ON "inventory_run"("workflow_id");
CREATE UNIQUE INDEX "inventory_run_fonds_id_sequence_key" ON "inventory_run"("fonds_id", "sequence");
CREATE INDEX "inventory_finding_task_id_idx" ON "inventory_finding"("task_id");
CREATE INDEX "inventory_finding_run_id_kind_idx" ON "inventory_finding"("run_id", "kind");
CREATE INDEX "archivist_task_fonds_id_status_idx" ON "archivist_task"("fonds_id", "status");
CREATE UNIQUE INDEX "appraisal_batch_workflow_id_key" ON "appraisal_batch"("workflow_id");
CREATE INDEX "appraisal_entry_item_id_idx" ON "appraisal_entry"("item_id");
CREATE UNIQUE INDEX "appraisal_decision_batch_id_item_id_member_key" ON "appraisal_decision"("batch_id", "item_id", "member");
CREATE UNIQUE INDEX "destruction_list_workflow_id_key" ON "destruction_list"("workflow_id");
CREATE INDEX "destruction_entry_item_id_idx" ON "destruction_entry"("item_id");

ALTER TABLE "inventory_run" ADD CONSTRAINT "inventory_run_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "inventory_finding" ADD CONSTRAINT "inventory_finding_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "inventory_run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "archivist_task" ADD CONSTRAINT "archivist_task_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "appraisal_batch" ADD CONSTRAINT "appraisal_batch_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "appraisal_entry" ADD CONSTRAINT "appraisal_entry_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "appraisal_batch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "appraisal_decision" ADD CONSTRAINT "appraisal_decision_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "appraisal_batch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "destruction_list" ADD CONSTRAINT "destruction_list_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "destruction_entry" ADD CONSTRAINT "destruction_entry_list_id_fkey" FOREIGN KEY ("list_id") REFERENCES "destruction_list"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "item_tombstone" ADD CONSTRAINT "item_tombstone_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "item"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- What a destruction leaves behind, and what the committee said, are permanent: nobody edits or removes them.
CREATE TRIGGER appraisal_decision_append_only BEFORE UPDATE OR DELETE ON "appraisal_decision"
  FOR EACH ROW EXECUTE FUNCTION lantai_refuse_change();
CREATE TRIGGER item_tombstone_append_only BEFORE UPDATE OR DELETE ON "item_tombstone"
  FOR EACH ROW EXECUTE FUNCTION lantai_refuse_change();
