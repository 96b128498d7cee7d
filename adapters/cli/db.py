"""`policybot db upgrade`: the schema migrations."""

from __future__ import annotations

import argparse
import asyncio

from bot.settings import Settings

COMMANDS = ("db",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    db = sub.add_parser("db", help="database")
    db_sub = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply schema migrations")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command."""
    return asyncio.run(_upgrade(settings))


async def _upgrade(settings: Settings) -> int:
    import app
    from storage.db import head_revision, upgrade
    from storage.keys import secret_key

    secret_key(settings)  # the key belongs with the database it protects
    engine = await app.prepare_database(settings) if settings.embedded else None
    if engine is None:
        from storage.db import default_url, make_engine

        engine = make_engine(settings.database_url or default_url(settings.data_dir))
        try:
            await upgrade(engine)
        except Exception as exc:
            from storage.uow import unavailable

            if unavailable(exc):
                raise app.StartupError(f"database unreachable ({type(exc).__name__})") from exc
            raise
    await engine.dispose()
    print(f"database is at revision {head_revision()}")
    return 0
