"""The ``racine`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from racine.config import Settings, SettingsError, load_settings
from racine.logs import configure_logging

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="racine", description="Racine data governance")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server")
    serve.add_argument("--demo", action="store_true", help="load the sample shop database")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    sub.add_parser("worker", help="run a background worker (distributed job queue)")

    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="issue a token (prints it once)")
    create.add_argument("--user", required=True, help="login name")
    create.add_argument("--role", default=None, help="create the user with this role if missing")
    create.add_argument("--name", default="cli", help="what the token is for")
    create.add_argument("--expires-in-days", type=int, default=None)

    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", default="schema.graphql", help="file, or - for stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"racine: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, json=settings.log_json)
    if args.command != "export-schema" and (problem := _make_data_dirs(settings)):
        print(f"racine: {problem}", file=sys.stderr)
        return 2
    try:
        if args.command == "serve":
            return _serve(settings, args)
        if args.command == "worker":
            return _worker(settings)
        if args.command == "db":
            from racine.jobs import install_queue_schema
            from racine.persistence.migrate import head_revision, revision_of, upgrade

            url = settings.resolved_database_url
            before = asyncio.run(revision_of(url))
            upgrade(url)
            asyncio.run(install_queue_schema(url))
            head = head_revision()
            if before == head:
                print(f"database already at migration {head}: nothing to do")
            else:
                print(f"database migrated from {before or 'an empty database'} to {head}")
            return 0
        if args.command == "token":
            return asyncio.run(_token_create(settings, args))
        if args.command == "export-schema":
            return _export_schema(args.output)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line, no traceback, secrets redacted
        from racine.logs import redact

        print(
            f"racine: {type(exc).__name__}: {redact(str(exc)).splitlines()[0][:300]}",
            file=sys.stderr,
        )
        return 1
    return 2


def _make_data_dirs(settings: Settings) -> str | None:
    """Create the directory of the SQLite metadata database (``RACINE_DATA_DIR`` by
    default) if it is missing; why not, if it cannot be."""
    file = settings.sqlite_file
    if file is None:
        return None
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create {file.parent} for the metadata database: {exc.strerror}"
    return None


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from racine.app import create_app
    from racine.server import Server

    def announce(secret: str) -> None:
        print(
            "\n  Racine created the first admin. Its API token (shown once, keep it):\n\n"
            f"    {secret}\n\n"
            f"  GraphiQL: http://{args.host}:{args.port}/graphql  (add the header\n"
            '  {"Authorization": "Bearer <token>"} in the Headers tab)\n',
            flush=True,
        )

    app = create_app(settings, announce=announce)
    if args.demo:
        from racine.demo import install_demo

        app.state.runtime.on_start.append(install_demo)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        timeout_graceful_shutdown=30,
        ws="websockets-sansio",
        # No per-message deflate: it dominated /yjs latency (bench/crdt: p50 812 ms on,
        # 21 ms off). Memory stays bounded without it: this protocol waits for the
        # transport to drain before each send, so a client that stops reading stalls
        # its sender and fills its bounded queue (1013, tests/e2e/collaboration/
        # test_yjs_safety.py) instead of the socket's write buffer.
        ws_per_message_deflate=False,
    )
    Server(config).run()
    return 0


def _worker(settings: Settings) -> int:
    from racine.jobs import run_worker
    from racine.wiring import setup_jobs

    asyncio.run(run_worker(settings, setup=lambda queue: setup_jobs(queue, settings)))
    return 0


async def _token_create(settings: Settings, args: argparse.Namespace) -> int:
    from racine.domain.access.model import Principal, Role, User
    from racine.domain.access.use_cases import CreateToken, create_token
    from racine.persistence.database import Database
    from racine.persistence.migrate import upgrade_async
    from racine.persistence.unit_of_work import SqlUnitOfWork
    from racine.realtime import build_bus

    if settings.is_sqlite:
        await upgrade_async(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    bus = build_bus(settings.redis_url, channel_prefix=settings.redis_channel_prefix)
    await bus.start()
    try:
        uow = SqlUnitOfWork(db, bus)
        async with uow:
            user = await uow.users.get_by_name(args.user)
            if user is None:
                if args.role is None:
                    print(
                        f"racine: no user named {args.user!r} (pass --role to create it)",
                        file=sys.stderr,
                    )
                    return 1
                user = User(name=args.user, role=Role(args.role.upper()))
                await uow.users.add(user)
                await uow.commit()
        operator = Principal.system()
        issued = await create_token(
            SqlUnitOfWork(db, bus),
            operator,
            CreateToken(name=args.name, user_id=user.id, expires_in_days=args.expires_in_days),
        )
        print(issued.secret)
        return 0
    finally:
        await bus.stop()
        await db.dispose()


def _export_schema(output: str) -> int:
    from racine.schema.build import build_schema

    sdl = build_schema().as_str() + "\n"
    if output == "-":
        sys.stdout.write(sdl)
    else:
        Path(output).write_text(sdl)
        print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
