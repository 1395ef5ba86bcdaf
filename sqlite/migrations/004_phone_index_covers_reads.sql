-- 004_phone_index_covers_reads: phone_live_by_contact holds every column a
-- read gives, so that listing an owner's contacts finds the phones in the
-- index alone, without a search of the phone table for each one. With
-- 1,000,000 customers each such search is mostly pages that are not in the
-- cache (docs/performance.md). ceased, always NULL here, is in it too:
-- without it SQLite does not take the index as covering a join whose
-- condition names ceased.
DROP INDEX phone_live_by_contact;

CREATE INDEX phone_live_by_contact
    ON phone (contact_id, id, phone_type, country, area_code, number, extension, ceased)
    WHERE ceased IS NULL;
