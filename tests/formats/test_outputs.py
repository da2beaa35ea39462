"""write_output: atomic for files, through links, straight into FIFOs and devices."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from minimalloc.formats.output import write_output


def write_text(path: Path | str, text: str) -> None:
    write_output(path, lambda out: out.write(text))


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_new_file_and_a_replaced_one_keep_their_permissions(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_text(path, "first\n")
    assert path.read_text() == "first\n"
    os.chmod(path, 0o640)
    write_text(path, "second\n")
    assert path.read_text() == "second\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert names(tmp_path) == ["out.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("precious\n")

    def broken(out) -> None:
        out.write("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_output(path, broken)
    assert path.read_text() == "precious\n"
    assert names(tmp_path) == ["out.csv"]


def test_a_symlink_is_kept_and_its_target_written(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(os.path.relpath(target, tmp_path))
    write_text(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"
    assert names(tmp_path) == ["elsewhere", "link.csv"]
    assert names(elsewhere) == ["real.csv"]  # the temporary file was renamed there


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "made.csv")
    write_text(link, "x\n")
    assert link.is_symlink() and (tmp_path / "made.csv").read_text() == "x\n"


def test_a_fifo_is_written_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_text(fifo, "through the pipe\n")
    reader.join(10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert names(tmp_path) == ["pipe"]


def test_a_character_device_stays_a_device(tmp_path: Path) -> None:
    # A private copy of /dev/null (major 1, minor 3), so that a regression
    # replaces the copy, never the system's /dev/null.
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("creating a device node needs privileges")
    link = tmp_path / "to-null"
    link.symlink_to(device)
    write_text(device, "discarded\n")
    write_text(link, "discarded\n")
    assert stat.S_ISCHR(device.stat().st_mode)
    assert link.is_symlink()
    assert names(tmp_path) == ["null", "to-null"]


@pytest.mark.parametrize("through_link", [False, True])
def test_a_folder_is_refused(tmp_path: Path, through_link: bool) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    destination = folder
    if through_link:
        destination = tmp_path / "link"
        destination.symlink_to(folder)
    with pytest.raises(IsADirectoryError) as info:
        write_text(destination, "x")
    assert info.value.filename == str(destination)
    assert list(folder.iterdir()) == []


def test_errors_name_the_destination_not_the_temporary_file(tmp_path: Path) -> None:
    destination = tmp_path / "missing" / "out.csv"
    with pytest.raises(FileNotFoundError) as info:
        write_text(destination, "x")
    assert info.value.filename == str(destination)
