"""The serving API (FastAPI). ``create_app`` lives in ``guidance.api.app``; this package
imports nothing heavy so that ``guidance --help`` stays fast."""

from __future__ import annotations
