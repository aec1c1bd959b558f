"""Staff accounts: salted hashes, roles re-read on every check, and a CLI to create them."""

from __future__ import annotations

import io
import json
import stat

import pytest

from landmap.accounts import Role, add_account, current, verify
from landmap.cli.main import main


def test_add_then_verify(tmp_path):
    path = tmp_path / "accounts.json"
    add_account(path, "张三", Role.EDITOR, "correct horse battery")
    account = verify(path, "张三", "correct horse battery")
    assert account is not None and account.can_edit
    assert verify(path, "张三", "wrong password!!") is None
    assert verify(path, "nobody", "correct horse battery") is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = path.read_text()
    assert "correct horse" not in stored and "scrypt$" in stored


def test_salts_differ_and_short_passwords_or_odd_names_are_refused(tmp_path):
    path = tmp_path / "accounts.json"
    add_account(path, "a", Role.VIEWER, "0123456789")
    add_account(path, "b", Role.VIEWER, "0123456789")
    users = json.loads(path.read_text())["users"]
    assert users["a"]["hash"] != users["b"]["hash"]
    with pytest.raises(ValueError):
        add_account(path, "c", Role.EDITOR, "short")
    with pytest.raises(ValueError):
        add_account(path, "<script>", Role.EDITOR, "0123456789")


def test_disabling_or_demoting_takes_effect_at_once(tmp_path):
    path = tmp_path / "accounts.json"
    add_account(path, "li", Role.EDITOR, "0123456789")
    assert current(path, "li").can_edit
    data = json.loads(path.read_text())
    data["users"]["li"]["role"] = "viewer"
    path.write_text(json.dumps(data))
    assert not current(path, "li").can_edit
    data["users"]["li"]["disabled"] = True
    path.write_text(json.dumps(data))
    assert current(path, "li") is None and verify(path, "li", "0123456789") is None


def test_missing_or_broken_file_lets_no_one_in(tmp_path):
    assert verify(tmp_path / "none.json", "x", "0123456789") is None
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert verify(broken, "x", "0123456789") is None


def test_cli_add_user_from_stdin(tmp_path, monkeypatch, capsys):
    path = tmp_path / "accounts.json"
    monkeypatch.setenv("LANDMAP_ACCOUNTS", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    assert main(["add-user", "wang", "--role", "admin", "--password-stdin"]) == 0
    assert verify(path, "wang", "a long enough secret").role is Role.ADMIN


def test_cli_add_user_refuses_a_short_password_in_chinese_before_asking_twice(
    tmp_path, monkeypatch, capsys
):
    path = tmp_path / "accounts.json"
    monkeypatch.setenv("LANDMAP_ACCOUNTS", str(path))
    prompts = []

    def fake_getpass(prompt=""):
        prompts.append(prompt)
        return "short"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert main(["add-user", "wang", "--role", "editor"]) == 1
    out = capsys.readouterr().out
    assert "密码太短：至少需要 10 个字符" in out and "at least 10 characters" in out
    assert len(prompts) == 1 and "至少 10 个字符" in prompts[0]  # never asked a second time
    assert not path.exists()


def test_cli_add_user_from_stdin_refuses_a_short_password_in_chinese(tmp_path, monkeypatch, capsys):
    path = tmp_path / "accounts.json"
    monkeypatch.setenv("LANDMAP_ACCOUNTS", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO("abc\n"))
    assert main(["add-user", "wang", "--password-stdin"]) == 1
    assert "密码太短" in capsys.readouterr().out and not path.exists()
