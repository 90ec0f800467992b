"""Listing a source folder by scandir finds what Path.glob finds, in the same order."""

from pathlib import Path

import pytest

from ingestion.source_files import list_source_files

FILES = [
    "wecom/contacts/20240108/page_0002.json",
    "wecom/contacts/20240108/page_0001.json",
    "wecom/contacts/20240101/page_0001.json",
    # path order puts 2024/ before 2024-extra/, string order the other way round
    "wecom/contacts/2024-extra/page_0001.json",
    "wecom/contacts/2024/page_0001.json",
    "wecom/contacts/.work/page_0001.json",  # hidden folders match `*`, as with Path.glob
    "wecom/contacts/20240101/notes.txt",
    "wecom/contacts/page_0009.json",  # one level too shallow
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for relative in FILES:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(relative)
    (tmp_path / "wecom/contacts/20240115/page_0001.json").mkdir(parents=True)  # not a file
    return tmp_path


def test_the_same_files_as_path_glob_in_path_order(root: Path):
    listed = list_source_files(root, "wecom/contacts", "*/page_*.json")
    by_glob = [
        p.relative_to(root).as_posix()
        for p in sorted((root / "wecom/contacts").glob("*/page_*.json"))
        if p.is_file()
    ]
    assert [f.relative for f in listed] == by_glob
    assert len(listed) == 6
    assert by_glob.index("wecom/contacts/2024/page_0001.json") < by_glob.index(
        "wecom/contacts/2024-extra/page_0001.json"
    )


def test_stamps_are_the_files_own(root: Path):
    (found,) = list_source_files(root, "wecom/contacts", "20240101/page_*.json")
    status = (root / found.relative).stat()
    assert found.path == root / "wecom/contacts/20240101/page_0001.json"
    assert (found.size, found.mtime_ns, found.ctime_ns) == (
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    )


def test_a_missing_folder_has_no_files(root: Path):
    assert list_source_files(root, "douyin/orders", "*/page_*.json") == []


def test_recursive_globs_are_refused(root: Path):
    with pytest.raises(ValueError, match=r"\*\*"):
        list_source_files(root, "wecom", "**/page_*.json")
