-- Encryption at rest: a sealed object carries its data key wrapped by the KEK it was written with. A key rotation
-- wraps the data key again under the new KEK, here, since a version under Object Lock can never be rewritten; the
-- newest wrapping of each data key is kept, so an old KEK can go once no object needs it.
CREATE TABLE "data_key_wrapping" (
  "data_key_id" UUID NOT NULL,
  "kek_id" CHAR(32) NOT NULL,
  "wrapped_key" BYTEA NOT NULL,
  "bucket" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  "version_id" TEXT NOT NULL,
  "wrapped_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "data_key_wrapping_pkey" PRIMARY KEY ("data_key_id")
);
CREATE INDEX "data_key_wrapping_kek_idx" ON "data_key_wrapping" ("kek_id");
