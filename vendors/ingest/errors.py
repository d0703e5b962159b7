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


def more_text(count: int, noun: str = "error") -> str:
    """``and 189,800 more errors`` (empty when there are none)."""
    if count <= 0:
        return ""
    return f"and {count:,} more {noun}{'' if count == 1 else 's'}"


class FileRefused(Exception):
    """The file cannot be stored; ``errors`` lists every reason found (or, once capped, the first
    ones, with ``more_errors`` counting the rest)."""

    def __init__(
        self,
        errors: list[FileError],
        findings: list | None = None,
        *,
        more_errors: int = 0,
        more_findings: int = 0,
    ) -> None:
        self.errors = errors
        self.findings = findings or []
        self.more_errors = more_errors
        self.more_findings = more_findings
        super().__init__()

    @property
    def error_count(self) -> int:
        """Every error found, shown or not."""
        return len(self.errors) + self.more_errors

    def more_errors_text(self) -> str:
        """``and 189,800 more errors`` when the list was capped, else empty."""
        return more_text(self.more_errors)

    def more_findings_text(self) -> str:
        """``and 12 more findings`` when the findings were capped, else empty."""
        return more_text(self.more_findings, "finding")

    def capped(self, limit: int) -> FileRefused:
        """The same refusal with at most ``limit`` errors and findings, counting the rest."""
        return FileRefused(
            self.errors[:limit],
            self.findings[:limit],
            more_errors=self.more_errors + max(len(self.errors) - limit, 0),
            more_findings=self.more_findings + max(len(self.findings) - limit, 0),
        )

    def __str__(self) -> str:
        text = "; ".join(str(e) for e in self.errors)
        more = self.more_errors_text()
        return f"{text}; {more}" if more else text
