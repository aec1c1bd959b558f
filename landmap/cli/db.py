"""The database commands of ``python -m landmap``: ``db init`` and ``db copy``.

``db init`` creates (or brings up to date) the landmap schema in the PostGIS database named by
``--url`` or ``LANDMAP_DATABASE_URL``; running it again changes nothing. ``db copy FROM TO``
copies a whole store between a GeoPackage file and a database (either way round); ``db`` in
FROM or TO means the database of ``--url``/``LANDMAP_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import os

import psycopg

from landmap.store.base import StoreError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
URL_VARIABLE = "LANDMAP_DATABASE_URL"


def add_db_commands(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="the PostGIS store: create its schema, copy a store in or out")
    db.add_argument("--url", help=f"the database (default: {URL_VARIABLE})")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    init = db_sub.add_parser("init", help="create or update the schema (idempotent)")
    init.add_argument(
        "--app-role",
        help="an existing login role for the app: data read/write, history read/append only",
    )
    init.set_defaults(handler=run_init)
    copy = db_sub.add_parser(
        "copy", help="copy a whole store: GeoPackage -> PostGIS or back (target must be empty)"
    )
    copy.add_argument("source", metavar="FROM", help="a .gpkg file, a postgresql:// URL or db")
    copy.add_argument("target", metavar="TO", help="a new .gpkg file, a postgresql:// URL or db")
    copy.set_defaults(handler=run_copy)


def _url(args: argparse.Namespace) -> str | None:
    return args.url or os.environ.get(URL_VARIABLE) or None


def run_init(args: argparse.Namespace) -> int:
    from landmap.store.postgis import PostgisStore
    from landmap.store.postgis_schema import (
        SCHEMA_VERSION,
        RoleMissing,
        grant_app_role,
        init_schema,
    )

    url = _url(args)
    if not url:
        print(f"--url or {URL_VARIABLE} must name the database")
        return EXIT_USAGE
    store = PostgisStore(url)
    try:
        with store.connect() as con:
            applied = init_schema(con)
            if args.app_role:
                grant_app_role(con, args.app_role)
    except RoleMissing as exc:
        print(f"{store.source_name}: no role {exc} (CREATE ROLE … LOGIN first)")
        return EXIT_PROBLEMS
    except (StoreError, psycopg.Error) as exc:
        print(f"{store.source_name}: {_reason(exc)}")
        return EXIT_PROBLEMS
    done = ", ".join(str(v) for v in applied) if applied else "nothing to do"
    print(f"{store.source_name}: schema version {SCHEMA_VERSION} ({done})")
    if args.app_role:
        print(f"{args.app_role}: data read/write, history read and append only")
    return EXIT_OK


def run_copy(args: argparse.Namespace) -> int:
    from landmap.store.transfer import CopyRefused, copy_store, open_store

    url = _url(args)
    ends = []
    for end in (args.source, args.target):
        if end == "db":
            if not url:
                print(f"'db' needs --url or {URL_VARIABLE}")
                return EXIT_USAGE
            end = url
        ends.append(end)
    source, target = open_store(ends[0]), open_store(ends[1])
    try:
        report = copy_store(source, target)
    except CopyRefused as exc:
        print(str(exc))
        return EXIT_PROBLEMS
    except StoreError as exc:  # names the end that failed, source or target
        print(f"{exc.source}: {exc.detail}")
        return EXIT_PROBLEMS
    except psycopg.Error as exc:
        print(f"{target.source_name}: {_reason(exc)}")
        return EXIT_PROBLEMS
    layers = ", ".join(f"{k} {v}" for k, v in report.layers.items())
    print(
        f"{source.source_name} -> {target.source_name}: {layers}; "
        f"history {report.history_rows}, milestones {report.milestones}, "
        f"versions {report.versions}"
    )
    return EXIT_OK


def _reason(exc: BaseException) -> str:
    if isinstance(exc, StoreError):
        return exc.detail
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
