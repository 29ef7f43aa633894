-- The catalogue: generated from schema.prisma by `prisma migrate diff --from-empty`, then the rules below added by hand.
-- CreateSchema

-- CreateEnum
CREATE TYPE "RetentionPeriod" AS ENUM ('Y', 'D100', 'D50', 'D30', 'D10', 'D5');

-- CreateEnum
CREATE TYPE "SecurityLevel" AS ENUM ('public', 'internal', 'secret', 'confidential', 'top_secret');

-- CreateEnum
CREATE TYPE "LifecycleState" AS ENUM ('registered', 'pending_initial_review', 'captured', 'verification_failed', 'verified', 'assembled', 'in_archive_room', 'transferred', 'under_appraisal', 'destroyed');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('clerk', 'archivist', 'archive_manager', 'appraisal_member', 'compliance_officer', 'agency_head', 'auditor', 'insured_person', 'employer', 'administrator');

-- CreateTable
CREATE TABLE "agency" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agency_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fonds" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "code" VARCHAR(4) NOT NULL,
    "name" TEXT NOT NULL,
    "org_code" TEXT NOT NULL,
    "reference_code_template" TEXT NOT NULL DEFAULT '{fonds}-{category}·{year}-{retention}-{org}-{item:4}',
    "scheme_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fonds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "classification_scheme" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT NOT NULL,

    CONSTRAINT "classification_scheme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "classification_node" (
    "id" UUID NOT NULL,
    "scheme_id" UUID NOT NULL,
    "parent_id" UUID,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "depth" INTEGER NOT NULL,

    CONSTRAINT "classification_node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "business_type" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "node_id" UUID NOT NULL,
    "default_retention" "RetentionPeriod" NOT NULL,
    "min_dpi" INTEGER NOT NULL DEFAULT 200,

    CONSTRAINT "business_type_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "required_material" (
    "id" UUID NOT NULL,
    "business_type_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "must_collect" BOOLEAN NOT NULL DEFAULT true,
    "image_required" BOOLEAN NOT NULL DEFAULT true,
    "keep_original" BOOLEAN NOT NULL DEFAULT false,
    "seal_or_signature" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "required_material_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handling_office" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "handling_office_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "item" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "business_type_id" UUID NOT NULL,
    "archival_code" TEXT,
    "item_number" INTEGER,
    "year" INTEGER NOT NULL,
    "retention_period" "RetentionPeriod" NOT NULL,
    "lifecycle_state" "LifecycleState" NOT NULL DEFAULT 'registered',
    "security_level" "SecurityLevel" NOT NULL DEFAULT 'internal',
    "case_number" TEXT NOT NULL,
    "citizen_id" VARCHAR(18) NOT NULL,
    "person_name" TEXT NOT NULL,
    "employer_name" TEXT,
    "employer_credit_code" VARCHAR(18),
    "clerk_name" TEXT NOT NULL,
    "handled_on" DATE NOT NULL,
    "handling_office_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "box_id" UUID,
    "workflow_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "item_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "page" (
    "id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "page_number" INTEGER NOT NULL,
    "bucket" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "version_id" TEXT,
    "size" BIGINT NOT NULL,
    "format" TEXT NOT NULL,
    "dpi" INTEGER,
    "sha256" CHAR(64) NOT NULL,
    "sm3" CHAR(64) NOT NULL,
    "signature" TEXT,
    "superseded_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "page_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "box" (
    "id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,
    "box_number" INTEGER NOT NULL,
    "year" INTEGER NOT NULL,
    "retention_period" "RetentionPeriod" NOT NULL,
    "org_code" TEXT NOT NULL,
    "location_id" UUID,
    "barcode" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "box_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "storage_location" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "room" TEXT NOT NULL,
    "shelf" TEXT NOT NULL,
    "barcode" TEXT NOT NULL,

    CONSTRAINT "storage_location_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "legal_hold" (
    "id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "placed_by_id" UUID NOT NULL,
    "placed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lifted_by_id" UUID,
    "lifted_at" TIMESTAMPTZ(3),
    "lift_reason" TEXT,

    CONSTRAINT "legal_hold_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lifecycle_event" (
    "id" BIGSERIAL NOT NULL,
    "item_id" UUID NOT NULL,
    "from_state" "LifecycleState",
    "to_state" "LifecycleState" NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "transition_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lifecycle_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_user" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "roles" "Role"[],
    "clearance" "SecurityLevel" NOT NULL DEFAULT 'internal',
    "citizen_id" VARCHAR(18),
    "credit_code" VARCHAR(18),
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_fonds" (
    "user_id" UUID NOT NULL,
    "fonds_id" UUID NOT NULL,

    CONSTRAINT "user_fonds_pkey" PRIMARY KEY ("user_id","fonds_id")
);

-- CreateTable
CREATE TABLE "access_grant" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "granted_by_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "access_grant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_token" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "access_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" UUID,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject" TEXT,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "request_id" TEXT,
    "details" JSONB,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "agency_code_key" ON "agency"("code");

-- CreateIndex
CREATE UNIQUE INDEX "fonds_code_key" ON "fonds"("code");

-- CreateIndex
CREATE UNIQUE INDEX "classification_scheme_agency_id_name_key" ON "classification_scheme"("agency_id", "name");

-- CreateIndex
CREATE INDEX "classification_node_parent_id_idx" ON "classification_node"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "classification_node_scheme_id_path_key" ON "classification_node"("scheme_id", "path");

-- CreateIndex
CREATE UNIQUE INDEX "business_type_code_key" ON "business_type"("code");

-- CreateIndex
CREATE UNIQUE INDEX "required_material_business_type_id_position_key" ON "required_material"("business_type_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "handling_office_code_key" ON "handling_office"("code");

-- CreateIndex
CREATE UNIQUE INDEX "item_workflow_id_key" ON "item"("workflow_id");

-- CreateIndex
CREATE INDEX "item_citizen_id_idx" ON "item"("citizen_id");

-- CreateIndex
CREATE INDEX "item_fonds_id_lifecycle_state_idx" ON "item"("fonds_id", "lifecycle_state");

-- CreateIndex
CREATE UNIQUE INDEX "item_fonds_id_archival_code_key" ON "item"("fonds_id", "archival_code");

-- CreateIndex
CREATE UNIQUE INDEX "item_fonds_id_case_number_key" ON "item"("fonds_id", "case_number");

-- CreateIndex
CREATE INDEX "page_item_id_page_number_idx" ON "page"("item_id", "page_number");

-- CreateIndex
CREATE UNIQUE INDEX "box_barcode_key" ON "box"("barcode");

-- CreateIndex
CREATE UNIQUE INDEX "box_fonds_id_year_retention_period_org_code_box_number_key" ON "box"("fonds_id", "year", "retention_period", "org_code", "box_number");

-- CreateIndex
CREATE UNIQUE INDEX "storage_location_barcode_key" ON "storage_location"("barcode");

-- CreateIndex
CREATE UNIQUE INDEX "storage_location_agency_id_room_shelf_key" ON "storage_location"("agency_id", "room", "shelf");

-- CreateIndex
CREATE INDEX "legal_hold_item_id_idx" ON "legal_hold"("item_id");

-- CreateIndex
CREATE UNIQUE INDEX "lifecycle_event_transition_id_key" ON "lifecycle_event"("transition_id");

-- CreateIndex
CREATE INDEX "lifecycle_event_item_id_at_idx" ON "lifecycle_event"("item_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "app_user_username_key" ON "app_user"("username");

-- CreateIndex
CREATE INDEX "access_grant_user_id_expires_at_idx" ON "access_grant"("user_id", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "access_token_token_hash_key" ON "access_token"("token_hash");

-- CreateIndex
CREATE INDEX "audit_event_at_idx" ON "audit_event"("at");

-- CreateIndex
CREATE INDEX "audit_event_subject_idx" ON "audit_event"("subject");

-- AddForeignKey
ALTER TABLE "fonds" ADD CONSTRAINT "fonds_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fonds" ADD CONSTRAINT "fonds_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "classification_scheme"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "classification_scheme" ADD CONSTRAINT "classification_scheme_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "classification_node" ADD CONSTRAINT "classification_node_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "classification_scheme"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "classification_node" ADD CONSTRAINT "classification_node_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "classification_node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "business_type" ADD CONSTRAINT "business_type_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "classification_node"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "required_material" ADD CONSTRAINT "required_material_business_type_id_fkey" FOREIGN KEY ("business_type_id") REFERENCES "business_type"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handling_office" ADD CONSTRAINT "handling_office_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item" ADD CONSTRAINT "item_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item" ADD CONSTRAINT "item_business_type_id_fkey" FOREIGN KEY ("business_type_id") REFERENCES "business_type"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item" ADD CONSTRAINT "item_handling_office_id_fkey" FOREIGN KEY ("handling_office_id") REFERENCES "handling_office"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item" ADD CONSTRAINT "item_box_id_fkey" FOREIGN KEY ("box_id") REFERENCES "box"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "page" ADD CONSTRAINT "page_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "item"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "box" ADD CONSTRAINT "box_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "box" ADD CONSTRAINT "box_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "storage_location"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "storage_location" ADD CONSTRAINT "storage_location_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "legal_hold" ADD CONSTRAINT "legal_hold_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "item"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "legal_hold" ADD CONSTRAINT "legal_hold_placed_by_id_fkey" FOREIGN KEY ("placed_by_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "legal_hold" ADD CONSTRAINT "legal_hold_lifted_by_id_fkey" FOREIGN KEY ("lifted_by_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lifecycle_event" ADD CONSTRAINT "lifecycle_event_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "item"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_fonds" ADD CONSTRAINT "user_fonds_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_fonds" ADD CONSTRAINT "user_fonds_fonds_id_fkey" FOREIGN KEY ("fonds_id") REFERENCES "fonds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_grant" ADD CONSTRAINT "access_grant_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_grant" ADD CONSTRAINT "access_grant_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "item"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_grant" ADD CONSTRAINT "access_grant_granted_by_id_fkey" FOREIGN KEY ("granted_by_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_token" ADD CONSTRAINT "access_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- A page is current until a rescan supersedes it: one current page per page number.
CREATE UNIQUE INDEX "page_current_key" ON "page"("item_id", "page_number") WHERE "superseded_at" IS NULL;

-- The audit trail and lifecycle history are append-only: no UPDATE, DELETE or TRUNCATE, whoever asks.
CREATE FUNCTION lantai_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION lantai_refuse_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON "audit_event"
  FOR EACH STATEMENT EXECUTE FUNCTION lantai_refuse_change();
CREATE TRIGGER lifecycle_event_append_only BEFORE UPDATE OR DELETE ON "lifecycle_event"
  FOR EACH ROW EXECUTE FUNCTION lantai_refuse_change();
CREATE TRIGGER lifecycle_event_no_truncate BEFORE TRUNCATE ON "lifecycle_event"
  FOR EACH STATEMENT EXECUTE FUNCTION lantai_refuse_change();
