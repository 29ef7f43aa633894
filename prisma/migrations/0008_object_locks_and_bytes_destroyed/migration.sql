-- The Object Lock retention date last given to an item's stored page versions: the day its retention runs out for a
-- fixed period (governance mode), or the end of the rolling compliance window of a permanent item, which the periodic
-- inventory renews. NULL until the item is taken into custody. Adding a NULL column rewrites nothing.
ALTER TABLE "item" ADD COLUMN "locked_until" DATE;

-- What destruction found of each item in the store before deleting anything, recorded once at its first check: the
-- bytes of every version found (all deleted when the item is destroyed), and the pages of which no version was left,
-- so the certificate states the bytes actually deleted and names what was already gone.
ALTER TABLE "destruction_entry" ADD COLUMN "bytes_found" BIGINT, ADD COLUMN "objects_gone" JSONB;
