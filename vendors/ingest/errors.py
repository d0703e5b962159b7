"""Errors of a report file, each tied to a row and a column a practice administrator can find."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileError:
    """One reason a file is refused; ``row`` is the file's row number (1 = first line)."""

    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        """The error as the API and the command show it."""
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class FileRefused(Exception):
    """The file cannot be stored; ``errors`` lists every reason found."""

    def __init__(self, errors: list[FileError], findings: list | None = None) -> None:
        self.errors = errors
        self.findings = findings or []
        super().__init__("; ".join(str(e) for e in errors))
