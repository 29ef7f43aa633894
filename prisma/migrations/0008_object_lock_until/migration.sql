-- The Object Lock retention date last given to an item's stored page versions: the day its retention runs out for a
-- fixed period (governance mode), or the end of the rolling compliance window of a permanent item, which the periodic
-- inventory renews. NULL until the item is taken into custody. Adding a NULL column rewrites nothing.
ALTER TABLE "item" ADD COLUMN "locked_until" DATE;
