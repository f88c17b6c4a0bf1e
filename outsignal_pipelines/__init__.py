"""Outsignal Lead Engine: the lead store, its operations and the Dagster code location."""

import os as _os

# litellm otherwise tries the network for a price map on import (measured ~7 s offline).
_os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
