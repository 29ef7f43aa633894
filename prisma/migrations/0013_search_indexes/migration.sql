-- Search at an archive's size (bench/search.ts, 10^6 items): an employer's records listed newest first and counted
-- from one index, with the columns access is decided on, so neither a list nor a count of ten thousand visits the
-- table; and a surname within a year found by seeking the year first.
DROP INDEX IF EXISTS "item_employer_credit_code_idx";
CREATE INDEX "item_employer_handled_idx" ON "item" ("employer_credit_code", "handled_on" DESC, "id" DESC)
  INCLUDE ("fonds_id", "security_level");
CREATE INDEX "item_year_person_name_idx" ON "item" ("year", "person_name" text_pattern_ops);
