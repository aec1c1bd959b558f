"""`python -m landmap …`: the same operations as the app, for scripts and scheduled jobs.

Exit status 0 only on success; reports go to standard output in Chinese (``--lang en`` for
English); nothing is written by ``validate`` or ``import --dry-run``.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from landmap.accounts import (
    MIN_PASSWORD_LENGTH,
    Role,
    accounts_path,
    add_account,
    name_problem,
    password_problem,
)
from landmap.cli.db import add_db_commands
from landmap.cli.progress import add_progress_commands
from landmap.cli.promotion import add_promotion_commands
from landmap.config import load_settings, secrets_from_files, state_dir
from landmap.dataset import load_boundary
from landmap.i18n import t
from landmap.ingest.boundary import outline_from_file, write_outline
from landmap.ingest.limits import Limits
from landmap.ingest.plan import SOURCE_COORDS, ImportOptions, commit_import, prepare_import
from landmap.ingest.problems import ImportRejected
from landmap.ingest.validate import ImportMode
from landmap.layers import LAYER_BY_ID
from landmap.store import GpkgStore, StoreConflict, StoreError
from landmap.store.open import AnyStore, open_store

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    _log_to_file()
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except StoreError as exc:  # e.g. the database cannot be reached: words, not a traceback
        logging.getLogger(__name__).warning("%s failed: %s", args.command, exc)
        print(t("store.command_failed", args.lang, source=exc.source, detail=exc.detail))
        return EXIT_PROBLEMS


LOG_NAME = "landmap.log"


def _log_to_file() -> None:
    """Diagnostics (the import child's GDAL errors, references of last-resort refusals) go to
    ``landmap.log`` in the state folder, never to the terminal: the user reads words, the
    administrator reads the log."""
    root = logging.getLogger()
    if any(getattr(h, "landmap_cli", False) for h in root.handlers):
        return
    path = state_dir() / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # a read-only state folder must not stop the command
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.landmap_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    logging.captureWarnings(True)  # library warnings (pyogrio's "Measured (M) …") too
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m landmap", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        help="the GeoPackage (default: LANDMAP_DATABASE_URL, else LANDMAP_DATA or the sample)",
    )
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    sub = parser.add_subparsers(dest="command")

    def file_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("file", type=Path)
        command.add_argument("--layer", required=True, choices=sorted(LAYER_BY_ID))
        command.add_argument("--crs", type=int, help="EPSG code of the file's coordinates")
        command.add_argument(
            "--source-coords",
            choices=SOURCE_COORDS,
            default="wgs84",
            help="gcj02 for points picked on 高德/腾讯 maps, bd09 for 百度",
        )
        command.add_argument("--encoding", help="text encoding, e.g. GBK (default: detected)")
        command.add_argument("--sheet", help="Excel sheet (default: the first)")
        command.add_argument("--source-layer", help="layer of a multi-layer file")
        command.add_argument("--mode", choices=[m.value for m in ImportMode], default="add")
        command.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="correct the column mapping, e.g. --map 宗地号=id (FIELD '-' leaves it unused)",
        )
        command.add_argument(
            "--default-status",
            metavar="CODE",
            help="status code for features whose status is blank, e.g. identified",
        )
        command.add_argument(
            "--status",
            action="append",
            default=[],
            metavar="VALUE=CODE",
            help="map a status wording to a code, e.g. --status 已摘牌=supplied",
        )

    validate = sub.add_parser("validate", help="report on a file without writing anything")
    file_options(validate)
    validate.set_defaults(handler=_validate, dry_run=True)

    import_ = sub.add_parser("import", help="import a file into a layer")
    file_options(import_)
    import_.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    import_.add_argument("--user", default=None, help="recorded as the author (default: login)")
    import_.set_defaults(handler=_import)

    outline = sub.add_parser(
        "boundary", help="make the district outline (LANDMAP_BOUNDARY) from a file, e.g. DataV"
    )
    outline.add_argument("file", type=Path)
    outline.add_argument("-o", "--output", type=Path, required=True, help="GeoJSON to write")
    outline.add_argument(
        "--source-coords",
        choices=SOURCE_COORDS,
        default="wgs84",
        help="gcj02 for DataV GeoAtlas and 高德 outlines, bd09 for 百度",
    )
    outline.set_defaults(handler=_boundary)

    backups = sub.add_parser("backups", help="list the saved versions of the store")
    backups.set_defaults(handler=_backups)

    add_user = sub.add_parser("add-user", help="create or reset a staff account for sign-in")
    add_user.add_argument("name")
    add_user.add_argument("--role", choices=[r.value for r in Role], default="editor")
    add_user.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (for scripts)",
    )
    add_user.set_defaults(handler=_add_user)

    restore = sub.add_parser("restore", help="put a saved version back (undoable)")
    restore.add_argument("backup_id")
    restore.add_argument("--user", default=None)
    restore.set_defaults(handler=_restore)

    add_progress_commands(sub, _store)
    add_promotion_commands(sub, _store)
    add_db_commands(sub)
    return parser


def _store(args: argparse.Namespace) -> AnyStore:
    """``--data`` if given, else the configured store: the database of LANDMAP_DATABASE_URL
    (or ``[database] url`` in secrets), else LANDMAP_DATA or the sample's working copy."""
    if args.data:
        return GpkgStore(args.data)
    return open_store(load_settings(secrets=secrets_from_files()))


def _plan(args: argparse.Namespace):
    settings = load_settings()
    data = args.file.read_bytes()
    outline, _issue = load_boundary(settings.boundary_path)
    district = outline.geometry.union_all() if outline is not None else None
    options = ImportOptions(
        layer_id=args.layer,
        mode=ImportMode(args.mode),
        crs=args.crs,
        source_coords=args.source_coords,
        encoding=args.encoding,
        sheet=args.sheet,
        source_layer=args.source_layer,
        field_mapping=_pairs(args.map, "--map"),
        status_mapping=_pairs(args.status, "--status"),
        default_status=args.default_status,
    )
    return prepare_import(data, args.file.name, options, _store(args), district, Limits())


def _pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        source, sep, target = item.partition("=")
        if not sep or not source.strip():
            print(f"{option} expects LEFT=RIGHT, got {item!r}", file=sys.stderr)
            raise SystemExit(EXIT_USAGE)
        pairs[source.strip()] = target.strip()
    return pairs


def _report(args: argparse.Namespace):
    try:
        plan = _plan(args)
    except ImportRejected as exc:
        print(exc.problem.text(args.lang))
        return None
    except OSError as exc:
        print(f"{args.file}: {exc.strerror or exc}")
        return None
    print("\n".join(plan.summary_lines(args.lang)))
    return plan


def _validate(args: argparse.Namespace) -> int:
    plan = _report(args)
    return EXIT_OK if plan is not None and plan.can_commit else EXIT_PROBLEMS


def _import(args: argparse.Namespace) -> int:
    plan = _report(args)
    if plan is None or not plan.can_commit:
        return EXIT_PROBLEMS
    if args.dry_run:
        return EXIT_OK
    store = _store(args)
    try:
        backup = commit_import(plan, store, user=args.user or getpass.getuser())
    except (StoreConflict, StoreError, ImportRejected) as exc:
        print(_failure(exc, args.lang))
        return EXIT_PROBLEMS
    done = (
        "Imported. Previous version kept as backup"
        if args.lang == "en"
        else "已导入。原数据已备份为"
    )
    print(f"{done} {backup.id}")
    return EXIT_OK


def _boundary(args: argparse.Namespace) -> int:
    try:
        outline = outline_from_file(args.file.read_bytes(), args.file.name, args.source_coords)
    except ImportRejected as exc:
        print(exc.problem.text(args.lang))
        return EXIT_PROBLEMS
    except OSError as exc:
        print(f"{args.file}: {exc.strerror or exc}")
        return EXIT_PROBLEMS
    write_outline(outline, args.output, name=args.file.stem, source=args.source_coords)
    done = (
        "Outline written; use it with LANDMAP_BOUNDARY="
        if args.lang == "en"
        else "区界已写出，使用方法：LANDMAP_BOUNDARY="
    )
    print(f"{done}{args.output}")
    return EXIT_OK


def _backups(args: argparse.Namespace) -> int:
    store = _store(args)
    for backup in store.backups():
        stamp = backup.created_at.strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{backup.id}\t{stamp}\t{backup.action}\t{backup.layer_id}\t{backup.user}\t"
            f"{backup.note}"
        )
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        undo = store.restore(
            args.backup_id, expected_version=store.version(), user=args.user or getpass.getuser()
        )
    except (StoreConflict, StoreError) as exc:
        print(_failure(exc, args.lang))
        return EXIT_PROBLEMS
    done = (
        "Restored. The replaced version is backup"
        if args.lang == "en"
        else "已恢复。被替换的版本已备份为"
    )
    print(f"{done} {undo.id}")
    return EXIT_OK


def _add_user(args: argparse.Namespace) -> int:
    # Each refusal is said as soon as it is known: a bad name before any password is asked,
    # a short password before it is asked a second time.
    problem = name_problem(args.name)
    if problem:
        print(problem)
        return EXIT_PROBLEMS
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(
            f"密码（至少 {MIN_PASSWORD_LENGTH} 个字符） / "
            f"password (at least {MIN_PASSWORD_LENGTH} characters): "
        )
    problem = password_problem(password)
    if problem:
        print(problem)
        return EXIT_PROBLEMS
    if not args.password_stdin and password != getpass.getpass("再次输入 / again: "):
        print("两次输入不一致 / the two entries differ")
        return EXIT_PROBLEMS
    path = accounts_path()
    try:
        add_account(path, args.name, Role(args.role), password)
    except ValueError as exc:
        print(exc)
        return EXIT_PROBLEMS
    print(f"{args.name} ({args.role}) → {path}")
    return EXIT_OK


def _failure(exc: Exception, lang: str) -> str:
    if isinstance(exc, ImportRejected):
        return exc.problem.text(lang)
    if isinstance(exc, StoreConflict):
        return (
            "The data was changed by someone else meanwhile; nothing was written. Run again."
            if lang == "en"
            else "数据已被他人修改，本次未写入任何内容，请重新运行。"
        )
    return f"Could not write: {exc}" if lang == "en" else f"写入失败：{exc}"


if __name__ == "__main__":
    sys.exit(main())
