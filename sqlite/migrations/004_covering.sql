-- 004_covering: indexes that answer the read API's contact listing alone.
--
-- A customer or account read lists the owner's live contacts and their live
-- phones. With these two indexes it reads them from index pages only, never
-- from the contact and phone tables: a B-tree search fewer per contact and
-- per phone, and with a database larger than the page cache, fewer pages
-- read from the file (docs/performance.md). `ceased` is a column of both,
-- although always NULL in them, because SQLite counts an index as covering
-- only when it holds every column the query names.

DROP INDEX phone_live_by_contact;

CREATE INDEX phone_live_by_contact
    ON phone (contact_id, id, phone_type, country, area_code, number, extension, ceased)
    WHERE ceased IS NULL;

CREATE INDEX contact_live_by_owner
    ON contact (customer_key, account_key, ceased, id, contact_type, name, updated)
    WHERE ceased IS NULL;
