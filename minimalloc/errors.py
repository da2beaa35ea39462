"""The exception types: :class:`ProblemError` for bad input, and
:class:`InternalError` for a bug caught before its answer could leave."""

from __future__ import annotations

#: The longest message a :class:`ProblemError` prints (a backstop: values
#: quoted in it are cut by :func:`shorten` first).
MAX_MESSAGE = 2000


def shorten(text: str, limit: int = 60) -> str:
    """``text``, or its start and its length when it is longer than ``limit``:
    a value quoted in a one-line message, whatever its size.

    >>> shorten("x" * 100_000, 5)
    'xxxxx... (100,000 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


class ProblemError(ValueError):
    """A problem, file or parameter that cannot be used as given.

    Carries where the trouble is (file, line, column) when it came from a
    file, so a person can go straight to it.  ``str(error)`` is one line:
    ``file:line: column 'size': expected an integer >= 0, got '-4'``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        text = shorten(self.message, MAX_MESSAGE)
        if self.column is not None:
            text = f"column '{shorten(self.column)}': {text}"
        return f"{where}: {text}" if where else text

    def located(
        self, *, file: str | None = None, line: int | None = None,
        column: str | None = None,
    ) -> ProblemError:
        """The same error with a location filled in where it was missing."""
        return ProblemError(
            self.message,
            file=self.file if self.file is not None else file,
            line=self.line if self.line is not None else line,
            column=self.column if self.column is not None else column,
        )


class InternalError(RuntimeError):
    """minimalloc caught itself about to hand out a wrong answer.

    Every allocation is checked by the independent validator before it is
    returned (:func:`minimalloc.validate.check_answer`); one that fails is a
    bug in minimalloc, never the user's fault.  ``report`` is the path of a
    file holding the problem (as CSV), the capacity and the parameters, to
    attach to a bug report (None if it could not be written).
    """

    def __init__(self, message: str, report: str | None = None) -> None:
        self.report = report
        super().__init__(message)
