"""Secrets an admin enters in the app (a workspace's EmailBison token) are stored encrypted (Fernet:
AES-128-CBC + HMAC-SHA256), with a key that never sits in the lead store: OUTSIGNAL_SECRET_KEY, or a
key file in the Dagster home created on first use. A copy of the DuckDB file alone holds no usable
secret, and nothing here ever returns a secret in a form meant for display (see `mask`)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets as _random

from cryptography.fernet import Fernet, InvalidToken

from outsignal_pipelines import settings
from outsignal_pipelines.operations import OperationError

MIN_KEY_CHARS = 32


class SecretKeyMissing(OperationError):
    pass


def _fernet(key: str) -> Fernet:
    if len(key) < MIN_KEY_CHARS:
        raise SecretKeyMissing(f"OUTSIGNAL_SECRET_KEY is too short: use at least {MIN_KEY_CHARS} random characters")
    # Any long random string works as the key: it is stretched to Fernet's 32 bytes by SHA-256.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode("utf-8")).digest()))


def ensure_key() -> str:
    """The secret key, created once (0600, O_EXCL: two processes never write two keys) when neither
    OUTSIGNAL_SECRET_KEY nor the key file exists yet."""
    key = settings.secret_key()
    if key:
        return key
    path = settings.secret_key_file()
    if path is None:
        raise SecretKeyMissing("no key to encrypt secrets with: set OUTSIGNAL_SECRET_KEY (32+ random characters) "
                               "or DAGSTER_HOME, or give the name of an environment variable holding the token")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_random.token_urlsafe(48))
    key = settings.secret_key()
    if not key:
        raise SecretKeyMissing(f"the secret key file {path} is empty")
    return key


def encrypt(secret: str) -> str:
    return _fernet(ensure_key()).encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str) -> str:
    key = settings.secret_key()
    if not key:
        raise SecretKeyMissing("a stored secret needs OUTSIGNAL_SECRET_KEY (or the key file in the Dagster home) "
                               "to be read; set it in this process, or enter the secret again in Settings")
    try:
        return _fernet(key).decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        raise SecretKeyMissing("a stored secret cannot be read with this OUTSIGNAL_SECRET_KEY (the key changed?); "
                               "enter the secret again in Settings") from None


def mask(secret: str | None) -> str | None:
    """How a secret is shown: its first 3 and last 4 characters at most ('eb_…9f3a'), never the rest."""
    if not secret:
        return None
    if len(secret) < 12:
        return "…" + secret[-2:]
    return f"{secret[:3]}…{secret[-4:]}"
