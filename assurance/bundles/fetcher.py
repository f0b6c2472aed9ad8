"""The only URL fetcher WeasyPrint gets when it renders a bundle.

It serves two things: the product's own static files, addressed under :data:`STATIC_BASE_URL`
and resolved with ``django.contrib.staticfiles`` finders (paths that leave the static folders
are refused), and ``data:`` URIs. Every other URL (``http(s)``, ``file:``, ``ftp:``, a static
path that does not exist) raises, so nothing is read from the network or the file system.
Redirects cannot happen: nothing is ever opened over a network. Each call is recorded in
``calls`` so tests (and the bundle log) can show exactly what was asked for.
"""

from __future__ import annotations

import functools
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request

from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in bundle documents resolve against this base; it never reaches a network.
STATIC_BASE_URL = "https://static.tenderleaf.invalid/"
_STATIC_PREFIX = "/static/"


class FetchRefused(ValueError):
    """A URL outside what a bundle may load."""


def static_path_resolve(relative: str) -> Path | None:
    """The file a static path names, if it is one of the product's own static files."""
    from django.contrib.staticfiles import finders

    relative = unquote(relative)
    normalised = posixpath.normpath(relative)
    if (
        not relative
        or normalised.startswith(("/", "../"))
        or normalised == ".."
        or "\\" in relative
        or "\x00" in relative
        or normalised != relative
    ):
        return None
    found = finders.find(normalised)
    if not found:
        return None
    path = Path(found).resolve()
    roots = [Path(root).resolve() for root in _static_roots()]
    if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
        return None
    return path


@functools.cache
def _static_roots() -> tuple[str, ...]:
    from django.contrib.staticfiles import finders

    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location and location not in roots:
                roots.append(location)
    return tuple(roots)


_MIME = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2"}


class SafeUrlFetcher(URLFetcher):
    """Serve static files and ``data:`` URIs; refuse everything else (and remember the calls)."""

    def __init__(self, **kwargs):
        kwargs.update(allowed_protocols=("https", "data"), allow_redirects=False)
        super().__init__(**kwargs)
        self.calls: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.calls.append(url)
        if url.startswith("data:"):
            # Only ever a data: URL here; DataHandler decodes it without any I/O.
            response = DataHandler().data_open(Request(url))  # noqa: S310
            return URLFetcherResponse(
                url, response.read(), {"Content-Type": response.headers["Content-type"]}
            )
        parts = urlsplit(url)
        base = urlsplit(STATIC_BASE_URL)
        if (
            parts.scheme == base.scheme
            and parts.netloc == base.netloc
            and parts.path.startswith(_STATIC_PREFIX)
            and not parts.query
        ):
            path = static_path_resolve(parts.path.removeprefix(_STATIC_PREFIX))
            if path is not None:
                mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        self.refused.append(url)
        raise FetchRefused(f"Bundle rendering may not load {url[:200]!r}")
