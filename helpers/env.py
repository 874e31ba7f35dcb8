"""Reading configuration from the environment.

Every secret may also be given as ``NAME_FILE`` pointing at a file that holds
it (Docker/Kubernetes secrets); the file wins over nothing, the plain variable
wins over the file so an operator can override a mounted secret for a one-off.
"""

import os
from pathlib import Path


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value is not None else default
