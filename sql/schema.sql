-- SPDX-License-Identifier: GPL-2.0-or-later
-- PowerMail userbase schema for PostgreSQL, read by pam_powermail.
--
-- Idempotent: safe to run again, and safe to run over an original PowerMail
-- database, which it upgrades in place without losing rows.
--
--   psql -v ON_ERROR_STOP=1 -d powermail -f sql/schema.sql
--
-- Table mboxes, one row per mailbox.  Column names and types are PowerMail's
-- own so that PowerMail's software keeps working on the same table.  Unquoted
-- identifiers fold to lower case in PostgreSQL: in queries they are
-- quotamb, isforward and fwddest.
--
--   id         surrogate key.
--   mbox       the full address, user@domain (unique).
--   password   '{scheme}value', e.g. '{plain}s3cr3t!', '{crypt}...', '{md5}$1$...'.
--              A value without a '{scheme}' prefix is plaintext (PowerMail 1.0
--              style).  NULL: no password, nobody can log in.  Widened from
--              PowerMail's original size: '{sha512}' + sha512-crypt is more than
--              110 characters, an argon2 encoded hash about 100.
--   quotaMB    quota in megabytes; 0 or NULL means unlimited.
--   isForward  1 = mail is forwarded to fwdDest (PowerMail keeps this an INT);
--              NULL or 0 is a normal mailbox, and any other value a forward.
--   fwdDest    forward destination address (widened like password).
--
-- Role powermail: the login the module uses; it may only SELECT from mboxes.
-- Password changes (the module's "password" line, pptool passwd) and
-- upgrade-on-login also need, granted by hand where they are wanted:
--   GRANT UPDATE (password) ON mboxes TO powermail;
-- Running this file again revokes that grant.
-- Its password is set by the administrator (ALTER ROLE powermail PASSWORD ...),
-- never here.
-- Its statement_timeout is 6s, set here only when the role has none yet: the
-- module's query-timeout (5000 ms by default) plus the second it gives a cancel.
-- The server then ends a query the module gave up on even when the module
-- could not cancel it (killed mid-query).  A role setting reaches the server
-- through pgbouncer too.  With another query-timeout, set it to match:
--   ALTER ROLE powermail SET statement_timeout = '<query-timeout + 1s>';

\set ON_ERROR_STOP 1
SET client_min_messages = warning;   -- hide "already exists, skipping" notices

BEGIN;

CREATE TABLE IF NOT EXISTS mboxes (
    id        SERIAL PRIMARY KEY,
    mbox      VARCHAR(255) NOT NULL,
    password  VARCHAR(255) DEFAULT NULL,
    quotaMB   INT DEFAULT NULL,
    isForward INT DEFAULT NULL,
    fwdDest   VARCHAR(255) DEFAULT NULL
);

-- Upgrade an original PowerMail table: widen password and fwdDest when they
-- are a narrower VARCHAR.  Widening a VARCHAR keeps every value; TEXT or a
-- wider VARCHAR is left alone.
DO $$
DECLARE
    col text;
    len int;
BEGIN
    FOREACH col IN ARRAY ARRAY['password', 'fwddest'] LOOP
        SELECT c.character_maximum_length INTO len
          FROM information_schema.columns c
         WHERE c.table_schema = current_schema()
           AND c.table_name = 'mboxes'
           AND c.column_name = col
           AND c.data_type = 'character varying';
        IF len IS NOT NULL AND len < 255 THEN
            EXECUTE format('ALTER TABLE mboxes ALTER COLUMN %I TYPE VARCHAR(255)', col);
        END IF;
    END LOOP;
END
$$;

-- Lookups are by address; addresses are unique.  Fails if an old table holds
-- duplicate addresses: those must be cleaned up by hand first.
CREATE UNIQUE INDEX IF NOT EXISTS mbox_index ON mboxes(mbox);

-- The module's role, created without a password if it does not exist yet.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'powermail') THEN
        CREATE ROLE powermail LOGIN;
    END IF;
END
$$;

-- The server's own bound on the module's queries (see the top of this file);
-- an administrator's value, any database's, is left alone.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                    WHERE r.rolname = 'powermail'
                      AND EXISTS (SELECT 1 FROM unnest(s.setconfig) c
                                   WHERE c LIKE 'statement\_timeout=%')) THEN
        ALTER ROLE powermail SET statement_timeout = '6s';
    END IF;
END
$$;

-- Nobody but the owner may touch the table; powermail may only read it
-- (revoking from powermail first drops any wider grant an old setup made).
REVOKE ALL ON mboxes FROM PUBLIC;
REVOKE ALL ON mboxes FROM powermail;
GRANT SELECT ON mboxes TO powermail;

COMMIT;
