"""Evidence bundles: a PDF and a ZIP per vendor-period, contract or Scope 3 run.

- ``sections/``: what a scope's content is, the sections every bundle closes with, and the
  registry of the loaders of each scope's data (``tenderleaf/bundles/``: one query per table,
  whatever the history size), which turn it into HTML sections;
- ``html.py``: the Django templates that make the documents (vendor text is autoescaped);
- ``fetcher.py``: the only URL fetcher WeasyPrint gets (own static files and ``data:`` only);
- ``render.py``: sections rendered in parallel processes, merged with pypdf, table of contents
  and page headers, footers and numbers added afterwards; run in a memory-capped subprocess;
- ``manifest.py`` and ``archive.py``: the byte-stable ``manifest.json`` and the ZIP;
- ``services.py``: request and generate a bundle (integrity checks, storage, audit events).
"""
