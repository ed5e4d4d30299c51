-- SPDX-License-Identifier: GPL-2.0-or-later
-- The mail server's access to the userbase: a role that reads what the
-- Postfix maps (etc/postfix/*.cf) and Dovecot's userdb need and never a
-- password, and the indexes that make each of their lookups an index scan.
--
-- Idempotent, and the migration of an existing PowerMail userbase: it never
-- re-creates table mboxes and keeps every row.  Run it after sql/schema.sql
-- on a new userbase, or on an existing one as it is:
--
--   psql -v ON_ERROR_STOP=1 -d powermail -f sql/mailserver.sql
--
-- Role powermail_mta: LOGIN, its password set by the administrator
-- (ALTER ROLE powermail_mta PASSWORD ...), never here.  It may SELECT the
-- columns mbox, isforward, fwddest and quotamb of mboxes and nothing else:
-- a map file or userdb query that names password is refused by the server
-- ("permission denied").  Running this file again revokes anything else
-- granted to it on mboxes, and the file fails if the role could still read
-- password some other way (superuser, owner of the table, member of a role
-- that may).  Two settings of the role, each set only when the role has
-- none yet (an administrator's value is left alone):
--   statement_timeout = 5s: Postfix has no query timeout of its own, and a
--     lookup that fails is a temporary refusal (4xx), never a bounce;
--   enable_seqscan = off: the domain lookup asks for one row of a domain,
--     and for a domain that holds most rows the planner would otherwise
--     take a sequential scan that stops at the first match: fast while
--     that domain's rows are spread through the table, a read of the whole
--     table when they are not.  Every query of the role has an index.
--
-- Indexes: the address lookups use schema.sql's unique mbox_index (made
-- here when the table has no index on mbox); the domain lookup
-- (virtual_mailbox_domains) uses mboxes_domain_index, on the same
-- expression the map's query compares: the part after the last '@'.
-- Building an index on a large table blocks writes to it (not reads) for
-- the few seconds it takes.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;   -- hide "already exists, skipping" notices

BEGIN;

DO $$
BEGIN
    IF to_regclass('mboxes') IS NULL THEN
        RAISE EXCEPTION 'no table mboxes in schema %: load sql/schema.sql first, or run this in the userbase''s database',
            current_schema();
    END IF;
END
$$;

-- An original PowerMail table may have no index on mbox.  Fails if it holds
-- duplicate addresses: those must be cleaned up by hand first (the module
-- refuses such an address, and Postfix would take the rows' answers joined).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = 'mboxes'::regclass AND a.attname = 'mbox'
                      AND i.indexprs IS NULL AND i.indpred IS NULL) THEN
        CREATE UNIQUE INDEX mbox_index ON mboxes(mbox);
    END IF;
END
$$;

-- The domain of an address is what follows its last '@', as Postfix splits
-- it.  The expression must stay the same here and in
-- etc/postfix/pgsql-virtual-mailbox-domains.cf, or the lookup scans the table.
CREATE INDEX IF NOT EXISTS mboxes_domain_index ON mboxes ((substring(mbox from '@([^@]*)$')));

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'powermail_mta') THEN
        CREATE ROLE powermail_mta LOGIN;
    END IF;
END
$$;

DO $$
DECLARE
    setting text[];
BEGIN
    FOREACH setting SLICE 1 IN ARRAY ARRAY[['statement_timeout', '5s'], ['enable_seqscan', 'off']] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                        WHERE r.rolname = 'powermail_mta'
                          AND EXISTS (SELECT 1 FROM unnest(s.setconfig) c
                                       WHERE split_part(c, '=', 1) = setting[1])) THEN
            EXECUTE format('ALTER ROLE powermail_mta SET %I = %L', setting[1], setting[2]);
        END IF;
    END LOOP;
END
$$;

-- Column privileges: a REVOKE on the table revokes them on every column
-- too, so the GRANT below is all the role has on mboxes.  PUBLIC gets
-- nothing, as in schema.sql.
REVOKE ALL ON mboxes FROM PUBLIC;
REVOKE ALL ON mboxes FROM powermail_mta;
GRANT SELECT (mbox, isforward, fwddest, quotamb) ON mboxes TO powermail_mta;

DO $$
BEGIN
    IF has_column_privilege('powermail_mta', 'mboxes', 'password', 'SELECT') THEN
        RAISE EXCEPTION 'role powermail_mta can still read mboxes.password (superuser, owner of mboxes, or member of a role that may read it): fix that role first';
    END IF;
END
$$;

COMMIT;
