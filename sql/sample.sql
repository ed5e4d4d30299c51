-- SPDX-License-Identifier: GPL-2.0-or-later
-- Sample mailboxes from the PowerMail manual, for demos and tests.
-- Idempotent: rerunning it resets these rows to the values below.
--
--   psql -v ON_ERROR_STOP=1 -d powermail -f sql/sample.sql
--
-- Every password that is set is "s3cr3t!", except legacy@example.com's.

\set ON_ERROR_STOP 1

INSERT INTO mboxes (mbox, password, quotaMB, isForward, fwdDest) VALUES
    -- explicit plaintext scheme
    ('info@example.com',    '{plain}s3cr3t!',                           NULL, NULL, NULL),
    -- no prefix: plaintext, the PowerMail 1.0 way
    ('plain@example.com',   's3cr3t!',                                  NULL, NULL, NULL),
    -- traditional DES crypt(3), salt "/C"
    ('crypt@example.com',   '{crypt}/CFF1gJfAFAqM',                     NULL, NULL, NULL),
    -- MD5-crypt ($1$), salt "Wh/8PmbX"
    ('md5@example.com',     '{md5}$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1',  NULL, NULL, NULL),
    -- a 100 MB quota
    ('quota@example.com',   '{plain}s3cr3t!',                           100,  NULL, NULL),
    -- forward only: no password, mail goes to fwdDest
    ('forward@example.com', NULL,                                       NULL, 1,    'someone@elsewhere.example'),
    -- the manual's warning: a 1.0 plaintext password "{abc}def" now reads as
    -- the unknown scheme "abc", so this user cannot log in any more
    ('legacy@example.com',  '{abc}def',                                 NULL, NULL, NULL),
    -- no password at all: nobody can log in
    ('nopass@example.com',  NULL,                                       NULL, NULL, NULL)
ON CONFLICT (mbox) DO UPDATE SET
    password  = EXCLUDED.password,
    quotaMB   = EXCLUDED.quotaMB,
    isForward = EXCLUDED.isForward,
    fwdDest   = EXCLUDED.fwdDest;
