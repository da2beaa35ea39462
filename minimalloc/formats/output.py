"""Writing output files: never half-written, never replacing what is not a
file; and the check every writer of a plan makes first (:func:`check_plan`).

Every file the package writes (solutions, generated problems, the sample
files) goes through :func:`write_output`, which treats the destination by
what it is:

- a regular file, or nothing yet: the text is written to a temporary file in
  the same folder, flushed to disk and renamed over the destination, so a
  reader sees the old file or the new one, never half of one (an existing
  file keeps its permission bits);
- a symbolic link: the link is followed and its target is written as above
  (the temporary file goes in the *target's* folder, so the rename stays
  within one file system); the link itself is kept;
- a FIFO, a character or block device, a socket: written to directly, as
  the shell's ``>`` would (``--output=/dev/null`` discards the output; it
  must never replace the device with a regular file).  Writing to a FIFO
  waits for a reader;
- a folder: refused with :class:`IsADirectoryError`; a name ending in ``/``
  that is not a folder, with :class:`NotADirectoryError`.

Errors are :class:`OSError` naming the destination as given, not the
temporary file.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_output(folder / "plan.csv", lambda out: out.write("id\\n"))
>>> (folder / "plan.csv").read_text()
'id\\n'
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Union

from minimalloc.errors import ProblemError

if TYPE_CHECKING:
    from minimalloc.model import Problem, Solution

__all__ = ["Destination", "Source", "check_plan", "read_source_text", "send_text",
           "write_output", "write_text"]

PathLike = Union[str, "os.PathLike[str]"]
#: Where a writer sends its text: a path, or an open text file.
Destination = Union[str, "os.PathLike[str]", IO[str]]
#: What a reader of a written plan reads: a path, or the file's bytes.
Source = Union[str, "os.PathLike[str]", bytes]


def write_output(destination: PathLike, write: Callable[[IO[str]], object], *,
                 encoding: str = "utf-8") -> None:
    """Call ``write`` with a text stream whose content ends up at ``destination``.

    Parameters
    ----------
    destination : str or path
        Where the text goes: a file (replaced atomically), a symbolic link
        (its target is written), or a FIFO or device (written directly).
    write : callable
        Writes the text to the stream it is given (``newline=""``: line ends
        are written as they are given).
    encoding : str
        The text encoding (UTF-8 by default).

    Raises
    ------
    IsADirectoryError
        If ``destination`` (or the target of the link) is a folder.
    OSError
        If the file cannot be written; nothing is left behind then, and an
        existing file is untouched.
    """
    name = os.fspath(destination)
    target = os.path.realpath(name)  # follows every link, also dangling ones
    if name.endswith(("/", os.sep)) and not os.path.isdir(target):
        # realpath drops the slash: "plan.csv/" must not write plan.csv.
        raise NotADirectoryError(errno.ENOTDIR, "ends in '/' but is not a folder", name)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise _named(error, name) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", name)
    try:
        if mode is not None and not stat.S_ISREG(mode):
            _write_directly(target, write, encoding)
        else:
            _write_replacing(target, write, encoding, mode)
    except OSError as error:
        raise _named(error, name) from None


def write_text(destination: PathLike, text: str) -> None:
    """Write ``text`` to ``destination`` as :func:`write_output` does."""
    write_output(destination, lambda handle: handle.write(text))


def send_text(text: str, destination: Destination) -> None:
    """Write ``text`` to a path (as :func:`write_text` does: never
    half-written) or to an open text file."""
    if isinstance(destination, (str, os.PathLike)):
        write_text(destination, text)
    else:
        destination.write(text)


def read_source_text(source: Source) -> str:
    """The text of a plan file written by this package (UTF-8): from a path
    or from its bytes; a ProblemError if it is not UTF-8 text."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProblemError(f"is not UTF-8 text: byte 0x{data[error.start]:02x} at "
                           f"position {error.start} cannot be decoded") from None


def _write_directly(target: str, write: Callable[[IO[str]], object],
                    encoding: str) -> None:
    """A FIFO or device: there is no file to replace, so write into it."""
    with open(target, "w", encoding=encoding, newline="") as handle:
        write(handle)


def _write_replacing(target: str, write: Callable[[IO[str]], object],
                     encoding: str, mode: int | None) -> None:
    """Write a temporary file beside ``target`` and rename it into place."""
    folder, base = os.path.split(target)
    # Short whatever the name: a name near the file system's limit still fits.
    temporary = os.path.join(folder, f".{base[:24]}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temporary, "x", encoding=encoding, newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, stat.S_IMODE(mode))
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _named(error: OSError, name: str) -> OSError:
    """``error`` about ``name`` (not the temporary file or the link's target)."""
    if isinstance(error, IsADirectoryError) and error.filename == name:
        return error
    return type(error)(error.errno, error.strerror or str(error), name)


def check_plan(problem: Problem, solution: Solution | None, writer: str) -> None:
    """A ProblemError unless ``solution`` gives every buffer of ``problem``
    an offset; ``writer`` names what is written (``"a Chrome trace"``)."""
    if solution is None:
        raise ProblemError(f"{writer} draws a plan: it needs a solution")
    if len(solution.offsets) != len(problem.buffers):
        raise ProblemError(f"the solution has {len(solution.offsets)} offsets for "
                           f"{len(problem.buffers)} buffers")
