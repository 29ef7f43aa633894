-- 审计链 checks as steps of their own: an auditor's check, or the periodic inventory's, walks both chains page by
-- page and keeps its place and what it found so far here, so a chain of millions of entries is checked in bounded
-- pieces, a check resumes after a crash, and the last result is read without walking the chains again.
ALTER TYPE "FindingKind" ADD VALUE IF NOT EXISTS 'audit_chain_broken';

CREATE TABLE "audit_chain_check" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "workflow_id" TEXT NOT NULL,
  -- on_demand (an auditor) or inventory (a periodic inventory's run, named by inventory_run_id)
  "trigger" TEXT NOT NULL,
  "requested_by" TEXT NOT NULL,
  "inventory_run_id" UUID,
  "status" "InventoryStatus" NOT NULL DEFAULT 'running',
  -- What the check covers, fixed when it opens: each chain's last link and watermark then.
  "plan" JSONB NOT NULL,
  -- Where the walk stands; `step` counts the pages taken, so an attempt that lost a race writes nothing.
  "position" JSONB NOT NULL,
  "step" INTEGER NOT NULL DEFAULT 0,
  "links_total" INTEGER NOT NULL DEFAULT 0,
  "links_checked" INTEGER NOT NULL DEFAULT 0,
  "checkpoints_checked" INTEGER NOT NULL DEFAULT 0,
  "problem_count" INTEGER NOT NULL DEFAULT 0,
  -- Per chain: links, checkpoints and problems counted; the problems themselves, up to 100 per chain, in chain order.
  "chains" JSONB NOT NULL,
  "problems" JSONB NOT NULL DEFAULT '[]',
  "intact" BOOLEAN,
  "error" TEXT,
  "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "finished_at" TIMESTAMPTZ(3),
  CONSTRAINT "audit_chain_check_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "audit_chain_check_trigger_check" CHECK ("trigger" IN ('on_demand', 'inventory')),
  CONSTRAINT "audit_chain_check_inventory_run_id_fkey" FOREIGN KEY ("inventory_run_id") REFERENCES "inventory_run" ("id")
);
CREATE UNIQUE INDEX "audit_chain_check_workflow_id_key" ON "audit_chain_check" ("workflow_id");
CREATE INDEX "audit_chain_check_status_finished_idx" ON "audit_chain_check" ("status", "finished_at");
CREATE INDEX "audit_chain_check_inventory_run_id_idx" ON "audit_chain_check" ("inventory_run_id");
