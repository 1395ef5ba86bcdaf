-- 005_account_customer_id: an account row holds its customer's ID, so that
-- reading an account (which needs that ID for the access decision) searches
-- no customer row. With 1,000,000 customers that search is through a table
-- of over 100,000 pages, mostly not in the cache (docs/performance.md).
-- Neither side ever changes: the triggers keep the copy equal to the
-- customer's ID.
ALTER TABLE account ADD COLUMN customer_id_type TEXT NOT NULL DEFAULT '';
ALTER TABLE account ADD COLUMN customer_id_value TEXT NOT NULL DEFAULT '';

UPDATE account SET customer_id_type = c.id_type, customer_id_value = c.id_value
FROM customer c WHERE c.key = account.customer_key;

CREATE TRIGGER account_customer_id BEFORE INSERT ON account
WHEN NOT EXISTS (SELECT 1 FROM customer
                 WHERE key = NEW.customer_key AND id_type = NEW.customer_id_type AND id_value = NEW.customer_id_value)
BEGIN
    SELECT RAISE(ABORT, 'account: customer_id_type and customer_id_value are not its customer''s ID');
END;

CREATE TRIGGER account_customer_frozen BEFORE UPDATE OF customer_key, customer_id_type, customer_id_value ON account
WHEN NEW.customer_key IS NOT OLD.customer_key
  OR NEW.customer_id_type IS NOT OLD.customer_id_type
  OR NEW.customer_id_value IS NOT OLD.customer_id_value
BEGIN
    SELECT RAISE(ABORT, 'account: its customer never changes');
END;

CREATE TRIGGER customer_id_frozen BEFORE UPDATE OF id_type, id_value ON customer
WHEN NEW.id_type IS NOT OLD.id_type OR NEW.id_value IS NOT OLD.id_value
BEGIN
    SELECT RAISE(ABORT, 'customer: its ID never changes');
END;
