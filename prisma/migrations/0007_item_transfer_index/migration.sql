-- A transfer's items are read and moved a page at a time in id order (packaging, acceptance, release); without this
-- index each page scanned every item of the catalogue. Built in the upgrade's transaction: at 10^6 items it holds
-- writes to item for a few seconds, once.
CREATE INDEX "item_transfer_id_id_idx" ON "item"("transfer_id", "id");
