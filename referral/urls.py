"""Redirect targets taken from a request must stay on this site (microblog's ``next`` check)."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    if not target:
        return default
    parts = urlsplit(target)
    # Only a local path: no scheme, no host, and not '//host' or '/\\host' that browsers treat as hosts.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target
