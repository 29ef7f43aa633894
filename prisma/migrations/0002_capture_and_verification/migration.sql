-- Capture and verification: capture modes, quality defects, signing keys, historical import batches.
-- CreateEnum
CREATE TYPE "CaptureMode" AS ENUM ('window', 'batch', 'employer_upload', 'historical');

-- CreateEnum
CREATE TYPE "DefectType" AS ENUM ('original_missing_page', 'original_blurred', 'image_missing_page', 'image_blurred', 'image_skewed', 'image_blank', 'image_low_resolution', 'slip_field_missing', 'seal_or_signature_missing');

-- AlterTable
ALTER TABLE "item" ADD COLUMN     "capture_mode" "CaptureMode" NOT NULL DEFAULT 'window',
ADD COLUMN     "sampled" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "page" ADD COLUMN     "analysis" JSONB,
ADD COLUMN     "signing_key_id" TEXT,
ADD COLUMN     "source" TEXT;

-- CreateTable
CREATE TABLE "quality_defect" (
    "id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "page_number" INTEGER,
    "type" "DefectType" NOT NULL,
    "detail" TEXT NOT NULL,
    "detected_by" TEXT NOT NULL,
    "detected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "resolution" TEXT,
    "resolved_by" TEXT,
    "resolution_reason" TEXT,

    CONSTRAINT "quality_defect_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_key" (
    "id" CHAR(64) NOT NULL,
    "algorithm" TEXT NOT NULL,
    "public_key_pem" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "signing_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_batch" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "source_dir" TEXT NOT NULL,
    "index_file" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "workflow_id" TEXT,
    "created_by" TEXT NOT NULL,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "import_batch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_row" (
    "batch_id" UUID NOT NULL,
    "row_number" INTEGER NOT NULL,
    "case_number" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "item_id" UUID,

    CONSTRAINT "import_row_pkey" PRIMARY KEY ("batch_id","row_number")
);

-- CreateIndex
CREATE INDEX "quality_defect_item_id_resolved_at_idx" ON "quality_defect"("item_id", "resolved_at");

-- CreateIndex
CREATE INDEX "import_row_batch_id_status_idx" ON "import_row"("batch_id", "status");

-- AddForeignKey
ALTER TABLE "quality_defect" ADD CONSTRAINT "quality_defect_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "item"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_row" ADD CONSTRAINT "import_row_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "import_batch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

