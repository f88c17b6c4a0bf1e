-- A workspace's EmailBison token, entered by an admin in Settings or `outsignal workspaces set`:
-- stored only encrypted (operations/secrets.py, key outside the store) with a masked hint for display
-- ('eb_…9f3a'). emailbison_token_env (the NAME of an environment variable) still works and is used when
-- no token is stored.
ALTER TABLE workspaces ADD COLUMN emailbison_token_encrypted TEXT;
ALTER TABLE workspaces ADD COLUMN emailbison_token_hint TEXT;
