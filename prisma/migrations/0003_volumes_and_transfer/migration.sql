-- Volume assembly and transfer: gap-free numbering groups, boxes with note sheets, hand-over lists,
-- transfers to the city archive and accessions of received packages.
-- CreateEnum
CREATE TYPE "BoxCapacityUnit" AS ENUM ('items', 'pages');

-- CreateEnum
CREATE TYPE "HandOverStatus" AS ENUM ('submitted', 'returned', 'accepted', 'withdrawn');

-- CreateEnum
CREATE TYPE "TransferStatus" AS ENUM ('checking', 'refused', 'building', 'sent', 'accepted', 'rejected');

-- CreateEnum
CREATE TYPE "AccessionStatus" AS ENUM ('checking', 'accepted', 'rejected');

-- AlterTable
ALTER TABLE "fonds" ADD COLUMN     "box_capacity" INTEGER NOT NULL DEFAULT 50,
ADD COLUMN     "box_capacity_unit" "BoxCapacityUnit" NOT NULL DEFAULT 'items';

-- AlterTable
ALTER TABLE "item" ADD COLUMN     "awaiting_sampling" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "barcode" TEXT,
ADD COLUMN     "transfer_id" UUID;

-- AlterTable
ALTER TABLE "box" ADD COLUMN     "arranged_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "arranged_by" TEXT NOT NULL,
ADD COLUMN     "assembly_id" UUID NOT NULL,
ADD COLUMN     "category" TEXT NOT NULL,
ADD COLUMN     "checked_at" TIMESTAMPTZ(3),
ADD COLUMN     "checked_by" TEXT,
ADD COLUMN     "first_item_number" INTEGER NOT NULL,
ADD COLUMN     "hand_over_id" UUID,
ADD COLUMN     "item_count" INTEGER NOT NULL,
ADD COLUMN     "last_item_number" INTEGER NOT NULL,
ADD COLUMN     "note" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "page_count" INTEGER NOT NULL,
ADD COLUMN     "shelf_position" INTEGER;

-- CreateTable
CREATE TABLE "numbering_group" (
    "fonds_id" UUID NOT NULL,
    "category" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "retention_period" "RetentionPeriod" NOT NULL,
    "org_code" TEXT NOT NULL,
    "last_item_number" INTEGER NOT NULL DEFAULT 0,
    "last_box_number" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "numbering_group_pkey" PRIMARY KEY ("fonds_id","category","year","retention_period","org_code")
);

-- CreateTable
CREATE TABLE "volume_assembly" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "scope" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "item_count" INTEGER NOT NULL DEFAULT 0,
    "box_count" INTEGER NOT NULL DEFAULT 0,
    "documents" JSONB,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "volume_assembly_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "hand_over" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "business_unit" TEXT NOT NULL,
    "item_count" INTEGER NOT NULL,
    "page_count" INTEGER NOT NULL,
    "handed_over_by" TEXT NOT NULL,
    "received_by" TEXT NOT NULL,
    "witness" TEXT NOT NULL,
    "status" "HandOverStatus" NOT NULL DEFAULT 'submitted',
    "rounds" JSONB NOT NULL DEFAULT '[]',
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hand_over_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transfer" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "package_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "receiver" TEXT NOT NULL,
    "selection" JSONB NOT NULL,
    "encoding" TEXT NOT NULL,
    "location" TEXT,
    "status" "TransferStatus" NOT NULL DEFAULT 'checking',
    "report" JSONB,
    "receipt" JSONB,
    "summary" JSONB,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "transfer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accession" (
    "id" UUID NOT NULL,
    "package_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "status" "AccessionStatus" NOT NULL DEFAULT 'checking',
    "report" JSONB,
    "receipt_location" TEXT,
    "records" INTEGER NOT NULL DEFAULT 0,
    "received_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "accession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accession_record" (
    "accession_id" UUID NOT NULL,
    "archival_code" TEXT NOT NULL,
    "item_id" UUID,
    "title" TEXT NOT NULL,
    "files" INTEGER NOT NULL,
    "bytes" BIGINT NOT NULL,
    "metadata" JSONB NOT NULL,

    CONSTRAINT "accession_record_pkey" PRIMARY KEY ("accession_id","archival_code")
);

-- CreateIndex
CREATE UNIQUE INDEX "volume_assembly_workflow_id_key" ON "volume_assembly"("workflow_id");

-- CreateIndex
CREATE UNIQUE INDEX "hand_over_workflow_id_key" ON "hand_over"("workflow_id");

-- CreateIndex
CREATE UNIQUE INDEX "transfer_package_id_key" ON "transfer"("package_id");

-- CreateIndex
CREATE UNIQUE INDEX "transfer_workflow_id_key" ON "transfer"("workflow_id");

-- CreateIndex
CREATE UNIQUE INDEX "accession_workflow_id_key" ON "accession"("workflow_id");

-- CreateIndex
CREATE INDEX "accession_package_id_idx" ON "accession"("package_id");

-- CreateIndex
CREATE UNIQUE INDEX "item_barcode_key" ON "item"("barcode");

-- CreateIndex
CREATE INDEX "item_box_id_idx" ON "item"("box_id");

-- CreateIndex
CREATE INDEX "box_assembly_id_idx" ON "box"("assembly_id");

-- CreateIndex
CREATE INDEX "box_hand_over_id_idx" ON "box"("hand_over_id");

-- AddForeignKey
ALTER TABLE "item" ADD CONSTRAINT "item_transfer_id_fkey" FOREIGN KEY ("transfer_id") REFERENCES "transfer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "box" ADD CONSTRAINT "box_assembly_id_fkey" FOREIGN KEY ("assembly_id") REFERENCES "volume_assembly"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "box" ADD CONSTRAINT "box_hand_over_id_fkey" FOREIGN KEY ("hand_over_id") REFERENCES "hand_over"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "numbering_group" ADD CONSTRAINT "numbering_group_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "volume_assembly" ADD CONSTRAINT "volume_assembly_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "hand_over" ADD CONSTRAINT "hand_over_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transfer" ADD CONSTRAINT "transfer_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "accession_record" ADD CONSTRAINT "accession_record_accession_id_fkey" FOREIGN KEY ("accession_id") REFERENCES "accession"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- An item number, once given, belongs to its item for good: never changed, never given to another item,
-- not even after destruction (the tombstone keeps it).
CREATE UNIQUE INDEX "item_number_in_group" ON "item"("fonds_id", "year", "retention_period", "item_number") WHERE "item_number" IS NOT NULL;

CREATE FUNCTION lantai_keep_item_number() RETURNS trigger AS $$
BEGIN
  IF OLD.item_number IS NOT NULL AND (NEW.item_number IS DISTINCT FROM OLD.item_number OR NEW.archival_code IS DISTINCT FROM OLD.archival_code) THEN
    RAISE EXCEPTION 'item % keeps its archival code % for good', OLD.id, OLD.archival_code USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER item_number_kept BEFORE UPDATE OF item_number, archival_code ON "item"
  FOR EACH ROW EXECUTE FUNCTION lantai_keep_item_number();

CREATE FUNCTION lantai_numbers_only_forward() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'numbering group %/%/%/%: numbers only go forward, a number given is never given again', OLD.category, OLD.year, OLD.retention_period, OLD.org_code
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER numbering_group_forward BEFORE UPDATE ON "numbering_group"
  FOR EACH ROW WHEN (NEW.last_item_number < OLD.last_item_number OR NEW.last_box_number < OLD.last_box_number)
  EXECUTE FUNCTION lantai_numbers_only_forward();

CREATE TRIGGER numbering_group_kept BEFORE DELETE OR TRUNCATE ON "numbering_group"
  FOR EACH STATEMENT EXECUTE FUNCTION lantai_refuse_change();
