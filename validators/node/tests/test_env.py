"""The typed environment readers every settings module uses."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from validators.env import EnvError, dev_secret_key, envbool, envfloat, envint, envlist, envstr


@pytest.mark.parametrize("text, value", [("1", True), ("yes", True), ("Off", False), ("0", False)])
def test_envbool_reads_the_usual_words(
    monkeypatch: pytest.MonkeyPatch, text: str, value: bool
) -> None:
    monkeypatch.setenv("FLAG", text)
    assert envbool("FLAG", not value) is value


@pytest.mark.parametrize(
    "reader, text", [(envbool, "maybe"), (envint, "3.5"), (envint, "ten"), (envfloat, "fast")]
)
def test_a_bad_value_raises_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, reader: object, text: str
) -> None:
    monkeypatch.setenv("KNOB", text)
    with pytest.raises(EnvError, match=f"KNOB='{text}'"):
        reader("KNOB", 0)  # type: ignore[operator]


def test_unset_or_empty_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KNOB", raising=False)
    assert envint("KNOB", 7) == 7
    monkeypatch.setenv("KNOB", "  ")
    assert (envstr("KNOB", "x"), envfloat("KNOB", 0.2), envlist("KNOB", ["a"])) == ("x", 0.2, ["a"])


def test_numbers_and_lists_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOB", "42")
    assert (envint("KNOB", 0), envfloat("KNOB", 0.0)) == (42, 42.0)
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert envlist("HOSTS", []) == ["a.example", "b.example"]


def test_the_dev_secret_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret_key"
    first = dev_secret_key(path)
    assert len(first) >= 50
    assert dev_secret_key(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]
