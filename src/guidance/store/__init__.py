"""Persistence for the serving API: SQLAlchemy models, Alembic migrations, repositories.

Import the pieces from their modules (``guidance.store.demand`` …); this package
imports nothing at load time so that ``guidance --help`` stays fast.
"""

from __future__ import annotations
