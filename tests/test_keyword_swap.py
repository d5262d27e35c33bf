"""The keyword index is replaced atomically (issue 15, finding 7): a SIGKILL between the two renames
of `bm25/` used to leave no keyword index, and the server refused to start. Here the "kill" falls at
every rename and replace the save makes, from the old layout (a real directory) and the new one (a
link); after each, the index must load and hold either the old or the new ids."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.settings import Settings
from core.store import KeywordIndex, index_exists, keyword_dir

OLD_IDS = ["a::0", "a::1"]
NEW_IDS = ["b::0", "b::1", "b::2"]


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (not even `except Exception` handlers)."""


def build(ids: list[str]) -> KeywordIndex:
    return KeywordIndex.build(ids, [["hanke", cid.split("::")[0], str(n)] for n, cid in enumerate(ids)])


def renames_in_save(directory: Path, monkeypatch) -> int:
    """How many renames and replaces one save makes (the points where a kill matters)."""
    count = 0
    real_replace, real_rename = os.replace, Path.rename

    def counting_replace(*args, **kwargs):
        nonlocal count
        count += 1
        return real_replace(*args, **kwargs)

    def counting_rename(self, target):
        nonlocal count
        count += 1
        return real_rename(self, target)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", counting_replace)
        patch.setattr(Path, "rename", counting_rename)
        build(NEW_IDS).save(directory)
    return count


def save_killed_at(directory: Path, kill_at: int, monkeypatch) -> None:
    calls = 0
    real_replace, real_rename = os.replace, Path.rename

    def maybe_kill():
        nonlocal calls
        calls += 1
        if calls == kill_at:
            raise Killed

    def replace(*args, **kwargs):
        maybe_kill()
        return real_replace(*args, **kwargs)

    def rename(self, target):
        maybe_kill()
        return real_rename(self, target)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace)
        patch.setattr(Path, "rename", rename)
        with pytest.raises(Killed):
            build(NEW_IDS).save(directory)


def old_layout(directory: Path) -> None:
    """An index as the earlier code wrote it: `bm25/` a plain directory."""
    staging = directory.with_name("staging")
    build(OLD_IDS).save(staging)
    os.rename(staging.resolve(), directory)
    if staging.is_symlink():
        staging.unlink()


@pytest.mark.parametrize("layout", ["old", "new"])
def test_a_kill_at_any_rename_leaves_a_loadable_keyword_index(tmp_path, monkeypatch, layout):
    probe = Settings(data_dir=tmp_path / "probe")
    (old_layout if layout == "old" else lambda d: build(OLD_IDS).save(d))(keyword_dir(probe))
    points = renames_in_save(keyword_dir(probe), monkeypatch)
    assert points >= 1
    for kill_at in range(1, points + 1):
        settings = Settings(data_dir=tmp_path / f"{layout}-{kill_at}")
        (old_layout if layout == "old" else lambda d: build(OLD_IDS).save(d))(keyword_dir(settings))
        save_killed_at(keyword_dir(settings), kill_at, monkeypatch)
        assert index_exists(settings), f"no keyword index after a kill at rename {kill_at}"
        assert KeywordIndex.load(keyword_dir(settings)).ids in (OLD_IDS, NEW_IDS)
        build(NEW_IDS).save(keyword_dir(settings))  # and the next ingest saves over it
        assert KeywordIndex.load(keyword_dir(settings)).ids == NEW_IDS


def test_saving_leaves_one_copy_and_loads_the_newest(tmp_path):
    directory = keyword_dir(Settings(data_dir=tmp_path))
    build(OLD_IDS).save(directory)
    build(NEW_IDS).save(directory)
    assert directory.is_symlink()
    assert KeywordIndex.load(directory).ids == NEW_IDS
    assert len(list(tmp_path.glob("bm25-*"))) == 1 and not list(tmp_path.glob("bm25.link-*"))
