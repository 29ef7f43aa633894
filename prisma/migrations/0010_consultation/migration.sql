-- 利用: consultation and borrowing of the records (GB/T 31599-2015 §6.8, §7.8). A request (申请) names its
-- requester, purpose, items and form of use; the approval gives each item a time-limited access grant; every
-- view, download, loan and return is written to the use register (利用登记), kept append-only like the audit trail.
CREATE TYPE "UsePurpose" AS ENUM ('benefit_claim', 'audit', 'judicial', 'personal', 'other');
CREATE TYPE "UseForm" AS ENUM ('view', 'copy', 'borrow');
CREATE TYPE "ConsultationStatus" AS ENUM ('awaiting_approval', 'approved', 'refused', 'expired', 'closed');
CREATE TYPE "UseKind" AS ENUM ('view_page', 'download_pdf', 'lend', 'return');

-- The number users see, LY-<year>-<six digits>, counts on across years; the year is the agency's year of filing.
CREATE SEQUENCE "consultation_number_seq";

CREATE TABLE "consultation" (
  "id" UUID NOT NULL,
  "number" TEXT NOT NULL,
  "workflow_id" TEXT NOT NULL,
  "requester_id" UUID NOT NULL REFERENCES "app_user"("id"),
  "requester_name" TEXT NOT NULL,
  -- An outside unit (a court, an auditor's office, another agency) names itself and its introduction letter (介绍信).
  "outside_unit" TEXT,
  "introduction_letter" TEXT,
  "purpose" "UsePurpose" NOT NULL,
  "purpose_text" TEXT,
  "form" "UseForm" NOT NULL,
  -- Who must approve: the archive manager for ordinary items, the agency head once an item reaches the configured level.
  "approver_role" "Role" NOT NULL,
  "self_service" BOOLEAN NOT NULL DEFAULT false,
  "status" "ConsultationStatus" NOT NULL DEFAULT 'awaiting_approval',
  "decided_by" TEXT,
  "decided_at" TIMESTAMPTZ(3),
  "refusal_reason" TEXT,
  "expires_at" TIMESTAMPTZ(3),
  "renewed_at" TIMESTAMPTZ(3),
  -- 利用效果: what the use achieved, recorded by the requester or the archivist.
  "outcome" TEXT,
  "outcome_by" TEXT,
  "outcome_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "consultation_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "consultation_outside_unit_letter" CHECK (("outside_unit" IS NULL) = ("introduction_letter" IS NULL))
);
CREATE UNIQUE INDEX "consultation_number_key" ON "consultation"("number");
CREATE UNIQUE INDEX "consultation_workflow_id_key" ON "consultation"("workflow_id");
CREATE INDEX "consultation_requester_id_idx" ON "consultation"("requester_id");

CREATE TABLE "consultation_item" (
  "consultation_id" UUID NOT NULL REFERENCES "consultation"("id"),
  "item_id" UUID NOT NULL REFERENCES "item"("id"),
  "position" INTEGER NOT NULL,
  CONSTRAINT "consultation_item_pkey" PRIMARY KEY ("consultation_id", "item_id")
);
CREATE INDEX "consultation_item_item_id_idx" ON "consultation_item"("item_id");

-- A grant made by an approved request names it, so an access copy is served only under a live grant of that request.
ALTER TABLE "access_grant" ADD COLUMN "consultation_id" UUID REFERENCES "consultation"("id");
CREATE INDEX "access_grant_consultation_id_idx" ON "access_grant"("consultation_id");

-- 借阅: one paper item lent under a request, until it comes back checked face to face.
CREATE TABLE "paper_loan" (
  "consultation_id" UUID NOT NULL REFERENCES "consultation"("id"),
  "item_id" UUID NOT NULL REFERENCES "item"("id"),
  "lent_by" TEXT NOT NULL,
  "lent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "due_at" TIMESTAMPTZ(3) NOT NULL,
  "reminded_at" TIMESTAMPTZ(3),
  "escalated_at" TIMESTAMPTZ(3),
  "returned_at" TIMESTAMPTZ(3),
  "returned_to" TEXT,
  "condition" TEXT,
  CONSTRAINT "paper_loan_pkey" PRIMARY KEY ("consultation_id", "item_id")
);

-- 利用登记: one row per use. Keyset-paged by id; statistics group it by the agency's month, purpose and business type.
CREATE TABLE "use_register_entry" (
  "id" BIGSERIAL NOT NULL,
  "consultation_id" UUID NOT NULL REFERENCES "consultation"("id"),
  "item_id" UUID NOT NULL REFERENCES "item"("id"),
  "fonds_id" UUID NOT NULL REFERENCES "fonds"("id"),
  "business_type_id" UUID NOT NULL REFERENCES "business_type"("id"),
  "purpose" "UsePurpose" NOT NULL,
  "kind" "UseKind" NOT NULL,
  "page_number" INTEGER,
  "actor" TEXT NOT NULL,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "use_register_entry_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "use_register_entry_fonds_id_id_idx" ON "use_register_entry"("fonds_id", "id");
CREATE INDEX "use_register_entry_consultation_id_idx" ON "use_register_entry"("consultation_id");

-- Append-only, as the audit trail is.
CREATE TRIGGER "use_register_entry_append_only" BEFORE UPDATE OR DELETE ON "use_register_entry"
  FOR EACH ROW EXECUTE FUNCTION lantai_refuse_change();
CREATE TRIGGER "use_register_entry_no_truncate" BEFORE TRUNCATE ON "use_register_entry"
  FOR EACH STATEMENT EXECUTE FUNCTION lantai_refuse_change();
