-- 全文识别: each current page waits for its text to be recognised; the recognition workflow takes the newest first
-- through a partial index that holds only the pages still waiting, so finding work stays quick with millions read.
CREATE TYPE "recognition_state" AS ENUM ('pending', 'recognised', 'failed');

ALTER TABLE "page" ADD COLUMN "recognition" "recognition_state" NOT NULL DEFAULT 'pending';
ALTER TABLE "page" ADD COLUMN "recognition_error" TEXT;

UPDATE "page" SET "recognition" = 'recognised' WHERE "id" IN (SELECT "page_id" FROM "page_text");

CREATE INDEX "page_waiting_for_recognition_idx" ON "page" ("created_at" DESC, "id" DESC)
  WHERE "recognition" = 'pending' AND "superseded_at" IS NULL AND "destroyed_at" IS NULL;
CREATE INDEX "page_recognition_failed_idx" ON "page" ("id") WHERE "recognition" = 'failed';
CREATE INDEX "page_text_recognised_at_idx" ON "page_text" ("recognised_at");
