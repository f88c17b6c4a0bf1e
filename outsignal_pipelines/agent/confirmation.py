"""The one confirmation rule of every face (chat with either planner, MCP, CLI): a tool that spends
money, acts outside the product or destroys something first answers with a preview and a confirmation
token; it runs only when called again with `confirm` and that token, for the same tool and the same
arguments. In the chat the token travels with the preview and is handed over by the user's "yes"; an
MCP client passes it back itself. A model can never mint one, and a token is good once.

Tokens live in this process (the Streamlit server, the MCP server, a CLI call) for a short while; a
preview in one process is confirmed in the same one."""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

TTL_SECONDS = 15 * 60
_lock = threading.Lock()
_issued: dict[str, tuple[str, str, float]] = {}   # token -> (tool, key of its arguments, expiry)


def key(arguments: dict[str, Any]) -> str:
    """What a confirmation is about: the arguments without the confirmation fields themselves."""
    kept = {k: v for k, v in arguments.items() if k not in ("confirm", "confirmation_token") and v is not None}
    return json.dumps(kept, sort_keys=True, default=str)


def issue(tool: str, arguments: dict[str, Any]) -> str:
    token = secrets.token_urlsafe(12)
    now = time.monotonic()
    with _lock:
        for old in [t for t, (_, _, until) in _issued.items() if until < now]:
            del _issued[old]
        _issued[token] = (tool, key(arguments), now + TTL_SECONDS)
    return token


def redeem(token: str | None, tool: str, arguments: dict[str, Any]) -> bool:
    """True once for a live token issued for this tool and these arguments (popped atomically)."""
    if not token:
        return False
    with _lock:
        found = _issued.get(token)
        if found is None or found[0] != tool or found[1] != key(arguments) or found[2] < time.monotonic():
            return False
        del _issued[token]
    return True
