"""Staff accounts for sign-in: a JSON file outside the repository, salted scrypt hashes.

The file (``LANDMAP_ACCOUNTS``, default ``~/.config/landmap/accounts.json``) is created by
``python -m landmap add-user NAME --role editor`` and is never committed. Roles are checked on
the server at every rerun (security.md §2.5 A2/A3), so removing or demoting an account takes
effect at once. Not streamlit-authenticator (A4): no JavaScript cookies, no rewrite on login.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

DEFAULT_ACCOUNTS_PATH = Path.home() / ".config" / "landmap" / "accounts.json"
_NAME = re.compile(r"[A-Za-z0-9_.\-@\u4e00-\u9fff]{1,64}")
# scrypt cost: ~50 ms per check here; enough to slow guessing, cheap for a sign-in.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
MIN_PASSWORD_LENGTH = 10


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"  # may import data and restore backups
    ADMIN = "admin"


@dataclass(frozen=True)
class Account:
    name: str
    role: Role

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)


def accounts_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("LANDMAP_ACCOUNTS") or DEFAULT_ACCOUNTS_PATH)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _matches(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest_hex)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


# Checked against unknown names too, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = hash_password("landmap-no-such-user", salt=b"\x00" * 16)


def load_accounts(path: Path) -> dict[str, dict[str, str]]:
    """The stored accounts; an absent or unreadable file means no one can sign in."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict):
        return {}
    return {
        str(name): entry
        for name, entry in users.items()
        if isinstance(entry, dict) and isinstance(entry.get("hash"), str)
    }


def verify(path: Path, name: str, password: str) -> Account | None:
    """The account when ``name`` and ``password`` match an active entry, else None."""
    entry = load_accounts(path).get(name)
    ok = _matches(password, entry["hash"] if entry else _DUMMY_HASH)
    if not ok or entry is None or entry.get("disabled"):
        return None
    return _account(name, entry)


def current(path: Path, name: str) -> Account | None:
    """Re-read a signed-in user's account (None once it is removed or disabled)."""
    entry = load_accounts(path).get(name)
    if entry is None or entry.get("disabled"):
        return None
    return _account(name, entry)


def _account(name: str, entry: Mapping[str, object]) -> Account | None:
    try:
        return Account(name, Role(str(entry.get("role", "viewer"))))
    except ValueError:
        return None


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an account name (Chinese, then English), or None."""
    if _NAME.fullmatch(name):
        return None
    return (
        "账号名须为 1–64 个字母、数字、汉字或 ._-@ 字符 / "
        "account names are 1–64 letters, digits, Chinese characters or ._-@"
    )


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused (Chinese, then English), or None.

    Said before the password is asked a second time, so nobody types a short one twice.
    """
    if len(password) >= MIN_PASSWORD_LENGTH:
        return None
    return (
        f"密码太短：至少需要 {MIN_PASSWORD_LENGTH} 个字符（现为 {len(password)} 个） / "
        f"password too short: at least {MIN_PASSWORD_LENGTH} characters "
        f"(this one has {len(password)})"
    )


def add_account(path: Path, name: str, role: Role, password: str) -> None:
    """Create or replace an account; the file is written atomically with owner-only rights."""
    problem = name_problem(name) or password_problem(password)
    if problem:
        raise ValueError(problem)
    users = load_accounts(path)
    users[name] = {"role": Role(role).value, "hash": hash_password(password)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".accounts.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"users": users}, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
