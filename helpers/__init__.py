"""Helpers every app may use; this package imports no app (see docs/architecture.md).

Field encryption and blind indexes (``crypto``, ``keys``), the COPY write path (``rows``),
the per-process cache, reading the environment, the errors services raise, and the
pieces the apps' pages and APIs share (web forms, strict serializers, parsers, paging).
"""
