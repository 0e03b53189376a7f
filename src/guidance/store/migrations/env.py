"""Alembic environment, run from the installed package (see ``guidance.store.migrate``).

The caller passes an open connection in ``config.attributes["connection"]``; without
one (a developer running ``alembic`` by hand) the engine comes from the settings.
"""

from __future__ import annotations

from alembic import context

from guidance.store.db import make_engine
from guidance.store.schema import metadata


def _run(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or None
    engine = make_engine(url)
    with engine.connect() as conn, conn.begin():
        _run(conn)
    engine.dispose()
