"""The `waslack` command: serve, db upgrade, keys generate|rotate, sandbox, manifest."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from relay.settings import SettingsError, load_settings, load_storage_settings

EXIT_SETTINGS = 2
EXIT_SCHEMA = 3
EXIT_DATABASE = 4


def _fail(lines: Sequence[str], code: int) -> int:
    for line in lines:
        print(f"waslack: {line}", file=sys.stderr)
    return code


def _forwarded_ips_problems(value: str) -> list[str]:
    if "*" in (item.strip() for item in value.split(",")):
        return ["--forwarded-allow-ips: '*' would trust X-Forwarded-For from anyone (client addresses and rate "
                "limits become spoofable); list your proxy's addresses, e.g. --forwarded-allow-ips 10.0.0.5"]
    return []


def _unreachable(exc: Exception) -> str:
    """The driver's first line (no URL, so no password), e.g. "unable to open database file"."""
    reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines() or [type(exc).__name__]
    return f"DATABASE_URL: cannot open the database ({reason[0]})"


def _database_problem(url: str) -> tuple[str, int] | None:
    """One line (and exit code) when the database is missing, unreachable or not at the current schema.

    Creates nothing: a SQLite file that does not exist yet is for `waslack db upgrade` to create."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from storage.migrate import SchemaOutdatedError, check_schema

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            return (f"DATABASE_URL: there is no database at {parsed.database} yet; run `waslack db upgrade` "
                    "to create it", EXIT_SCHEMA)
    try:
        check_schema(url)
    except SchemaOutdatedError as exc:
        return str(exc), EXIT_SCHEMA
    except SQLAlchemyError as exc:
        return _unreachable(exc), EXIT_DATABASE
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    """Production entry: web, Slack bot, workers and scheduler in one process."""
    problems = _forwarded_ips_problems(args.forwarded_allow_ips)
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(problems + exc.problems, EXIT_SETTINGS)
    if problems:
        return _fail(problems, EXIT_SETTINGS)
    # checked before logging is set up, so that nothing but the one line is printed
    database = _database_problem(settings.DATABASE_URL)
    if database is not None:
        return _fail([database[0]], database[1])

    import uvicorn

    from relay.logging import configure_logging
    from relay.runtime import build_relay

    configure_logging(settings.LOG_LEVEL, settings.secret_values, activity=settings.LOG_ACTIVITY == "on")
    if not args.workers:
        logging.getLogger("waslack.cli").warning(
            "--no-workers: webhooks and replies are stored here and processed by the other `waslack serve` "
            "processes%s", " (on SQLite, by the next one started with workers)" if
            settings.DATABASE_URL.startswith("sqlite") else "")
    relay = build_relay(settings, run_workers=args.workers)
    uvicorn.run(relay.web, host=args.host, port=args.port, log_config=None, proxy_headers=True,
                forwarded_allow_ips=args.forwarded_allow_ips, access_log=args.access_log)
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.migrate import current_revision, upgrade

    try:
        storage = load_storage_settings(need_keys=False)
    except SettingsError as exc:
        return _fail(exc.problems, EXIT_SETTINGS)
    try:
        upgrade(storage.DATABASE_URL)
    except OSError as exc:  # the SQLite file's folder could not be created
        return _fail([f"DATABASE_URL: cannot create the folder {exc.filename} ({exc.strerror})"], EXIT_DATABASE)
    except SQLAlchemyError as exc:
        return _fail([_unreachable(exc)], EXIT_DATABASE)
    print(f"database at revision {current_revision(storage.DATABASE_URL)}")
    return 0


def cmd_keys_generate(_args: argparse.Namespace) -> int:
    from storage.cipher import generate_key

    print(generate_key())
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from storage.cipher import TokenCipher
    from storage.database import Database
    from storage.rotation import rotate_keys

    try:
        storage = load_storage_settings()
    except SettingsError as exc:
        return _fail(exc.problems, EXIT_SETTINGS)
    database = _database_problem(storage.DATABASE_URL)
    if database is not None:
        return _fail([database[0]], database[1])

    async def run() -> None:
        database = Database(storage.DATABASE_URL)
        try:
            report = await rotate_keys(database, TokenCipher(storage.encryption_keys), batch_size=args.batch_size)
        finally:
            await database.dispose()
        print(f"examined {report.examined} secrets, re-encrypted {report.rotated} under the first key")

    asyncio.run(run())
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from sandbox.runner import run_sandbox

    return run_sandbox(port=args.port, database_url=args.database_url, scenario=args.scenario)


def cmd_manifest(args: argparse.Namespace) -> int:
    from relay.manifest import render_manifest

    try:
        print(render_manifest(args.base_url), end="")
    except ValueError as exc:
        return _fail([str(exc)], EXIT_SETTINGS)
    return 0


def _sandbox_port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65533:
        raise argparse.ArgumentTypeError("must be between 1 and 65533 (the sandbox also uses PORT+1 and PORT+2)")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waslack", description="Recruiters talk to candidates on WhatsApp without leaving Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the relay: web, Slack bot, workers and scheduler in one process",
                           description="Run the relay (reads settings from the environment and .env).")
    serve.add_argument("--host", default="0.0.0.0", help="interface to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                       help="comma-separated addresses of the proxies whose X-Forwarded-* headers are trusted "
                            "(default 127.0.0.1; '*' is refused)")
    serve.add_argument("--no-access-log", dest="access_log", action="store_false",
                       help="no line per HTTP request (a proxy in front usually logs them; each costs the relay "
                            "about as much CPU as storing a webhook)")
    serve.add_argument("--no-workers", dest="workers", action="store_false",
                       help="web only: store webhooks and Slack requests, leave processing to other `waslack serve` "
                            "processes on the same PostgreSQL (scaling acknowledgements apart from the work)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema", description="Database schema (Alembic migrations).")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser(
        "upgrade", help="apply every pending migration to DATABASE_URL",
        description="Apply every pending Alembic migration to DATABASE_URL (a SQLite file and its folder are "
                    "created when missing). Safe to re-run.").set_defaults(func=cmd_db_upgrade)

    keys = sub.add_parser("keys", help="encryption keys for stored secrets",
                          description="Manage WASLACK_ENCRYPTION_KEYS (Fernet keys; the first encrypts).")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys_sub.add_parser(
        "generate", help="print a new key to put first in WASLACK_ENCRYPTION_KEYS",
        description="Print a new Fernet key. Put it first in WASLACK_ENCRYPTION_KEYS, keep the old keys after "
                    "it, restart, then run `waslack keys rotate`.").set_defaults(func=cmd_keys_generate)
    rotate = keys_sub.add_parser(
        "rotate", help="re-encrypt every stored secret under the first key (safe to re-run)",
        description="Re-encrypt every stored token and PIN under the first key of WASLACK_ENCRYPTION_KEYS, "
                    "in batches; re-run after an interruption. Keep old keys listed until it finishes.")
    rotate.add_argument("--batch-size", type=int, default=200, help="rows per transaction (default 200)")
    rotate.set_defaults(func=cmd_keys_rotate)

    sandbox = sub.add_parser("sandbox", help="run the relay against the built-in Meta and Slack simulators",
                             description="Relay on PORT, Meta simulator on PORT+1, Slack simulator on PORT+2, "
                                         "all on 127.0.0.1, with a fresh SQLite database.")
    sandbox.add_argument("--port", type=_sandbox_port, default=8000,
                         help="relay port; the simulators take the next two (default 8000)")
    sandbox.add_argument("--database-url", default=None, help="database (default: fresh SQLite in a temp dir)")
    sandbox.add_argument("--scenario", action="store_true",
                         help="play the scripted walk-through, print each step, exit 0 only if all pass")
    sandbox.set_defaults(func=cmd_sandbox)

    manifest = sub.add_parser("manifest", help="print manifest.yml filled in for a base URL",
                              description="Print the Slack app manifest (manifest.yml) with PUBLIC_BASE_URL "
                                          "filled in, to paste into api.slack.com/apps.")
    manifest.add_argument("--base-url", required=True, help="where Slack reaches this relay, https://…")
    manifest.set_defaults(func=cmd_manifest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
