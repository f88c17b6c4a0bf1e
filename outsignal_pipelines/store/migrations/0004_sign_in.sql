-- Sign-in without a usable secret at rest (issue 16).
--
-- magic_links: a row is a sign-in REQUEST. Its token does not exist until the email is sent: the
-- sender mints it, stores only its SHA-256 here and puts the link in the mail it hands to SMTP. The
-- outbox row holds the request's id, never a link. Rows from before this migration had their links in
-- the outbox, so they are dropped (they expired after 15 minutes anyway) and those outbox payloads are
-- blanked.
DROP TABLE magic_links;
CREATE SEQUENCE IF NOT EXISTS seq_magic_links START 1;
CREATE TABLE magic_links (
    id              BIGINT PRIMARY KEY DEFAULT nextval('seq_magic_links'),
    email           TEXT NOT NULL,          -- lower-cased, as typed (it may belong to no client)
    workspace_slug  TEXT,                   -- resolved when the mail is sent
    token_hash      TEXT,                   -- sha256 of the token minted at send time; NULL before
    requested_at    TIMESTAMP NOT NULL,
    minted_at       TIMESTAMP,
    expires_at      TIMESTAMP,
    used_at         TIMESTAMP,
    revoked_at      TIMESTAMP,
    revoked_reason  TEXT
);
UPDATE notification_outbox
   SET payload = '{"redacted": "sign-in link removed by migration 0004"}',
       status = CASE WHEN status = 'sent' THEN 'sent' ELSE 'failed' END, attempts = 99
 WHERE kind = 'magic_link';

-- portal_sessions: the browser keeps the session id in a cookie; only its SHA-256 is here. An admin
-- session carries a salted PBKDF2 fingerprint of the admin password it was opened with: when the
-- password setting changes, the fingerprint no longer matches and the session is dead. Sessions from
-- before this migration had no fingerprint, so everyone signs in again once.
DROP TABLE portal_sessions;
CREATE TABLE portal_sessions (
    token_hash          TEXT PRIMARY KEY,
    workspace_slug      TEXT NOT NULL,      -- '__admin__' for the admin
    email               TEXT NOT NULL,
    secret_salt         TEXT,
    secret_fingerprint  TEXT,
    created_at          TIMESTAMP NOT NULL,
    expires_at          TIMESTAMP NOT NULL,
    revoked_at          TIMESTAMP,
    revoked_reason      TEXT
);

-- Rate limits as slots: a request takes one free slot per scope (the email, the browser session, the
-- whole server) by the primary key, in one transaction; a slot is free again when its window has
-- passed. Twelve requests at once cannot take more slots than exist.
CREATE TABLE sign_in_slots (
    scope       TEXT NOT NULL,              -- email | browser | global
    key         TEXT NOT NULL,              -- the email, a hash of the browser key, or '*'
    slot        INTEGER NOT NULL,
    taken_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, key, slot)
);

-- Every admin sign-in attempt and every link request, for backoff and audit. No password is stored;
-- the browser is a hash of a random per-tab key.
CREATE SEQUENCE IF NOT EXISTS seq_sign_in_attempts START 1;
CREATE TABLE sign_in_attempts (
    id          BIGINT PRIMARY KEY DEFAULT nextval('seq_sign_in_attempts'),
    kind        TEXT NOT NULL,              -- admin | link
    browser     TEXT,
    email       TEXT,                       -- link requests only
    outcome     TEXT NOT NULL,              -- ok | wrong_password | locked | closed | requested | throttled
    attempted_at TIMESTAMP NOT NULL
);
