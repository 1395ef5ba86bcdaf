-- 004_audit_owner_through_contact: as the SQLite store's 006. The audit
-- trail is found by customer or account through the contacts it records,
-- not through two indexes of its own that every write updated. The owner
-- a row records is its contact's, which never changes (contact_frozen, and
-- the triggers below for the customer's and account's keys and IDs), and
-- contacts are never deleted, so the contacts of a customer or an account
-- find all of its rows; Store.Audit still checks the row's own columns.
DROP INDEX audit_by_customer;
DROP INDEX audit_by_account;

-- The ceased contacts of a customer; the live ones are in
-- contact_one_live_per_type. Partial: a write adds to it only when it
-- ceases a contact.
CREATE INDEX contact_ceased_by_customer ON contact (customer_key) WHERE ceased IS NOT NULL;

CREATE FUNCTION owner_keys_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_TABLE_NAME = 'customer' THEN
        IF NEW.key <> OLD.key OR NEW.id_type <> OLD.id_type OR NEW.id_value <> OLD.id_value THEN
            RAISE EXCEPTION 'customer %: key or ID changed', OLD.key;
        END IF;
    ELSIF NEW.key <> OLD.key OR NEW.account_id <> OLD.account_id OR NEW.customer_key <> OLD.customer_key THEN
        RAISE EXCEPTION 'account %: key, account_id or customer changed', OLD.key;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER customer_keys_frozen BEFORE UPDATE ON customer
FOR EACH ROW EXECUTE FUNCTION owner_keys_frozen();
CREATE TRIGGER account_keys_frozen BEFORE UPDATE ON account
FOR EACH ROW EXECUTE FUNCTION owner_keys_frozen();
