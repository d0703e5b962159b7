"""Reading a report file into rows of cells: CSV (UTF-8, comma or semicolon) and XLSX.

Every limit is checked before the expensive step it protects: the size and row count before
parsing, and for XLSX the zip directory (entry count, total uncompressed size, compression ratio)
before anything is decompressed. Every XML part is then parsed by expat with DOCTYPE and ENTITY
declarations refused (the billion-laughs attack), before calamine sees the workbook; while the
chosen sheet streams past, its declared ``<dimension>`` and the extent of the cells that hold a
value are measured, and a sheet past the row, column or cell limits is refused there, before
calamine builds its grid (calamine allocates every cell of the used range: one value at XFD50000
is 800 million cells). Empty space above and left of the data costs nothing (the used range is
read). A control character (NUL and the like) in any cell is refused with its row and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast
from xml.parsers import expat

from python_calamine import CalamineWorkbook

from .errors import FileError, FileRefused

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a file may hold; the service fills these from settings."""

    max_bytes: int = 20 * MB
    max_rows: int = 200_000
    max_zip_entries: int = 500
    max_uncompressed_bytes: int = 100 * MB
    max_compression_ratio: int = 100
    max_xlsx_rows: int = 20_000
    max_columns: int = 200
    max_xlsx_cells: int = 1_000_000


# The setting behind each limit, named in the refusal so an administrator can find it.
LIMIT_SETTINGS = {
    "max_xlsx_rows": "REPORT_XLSX_MAX_ROWS",
    "max_columns": "REPORT_MAX_COLUMNS",
    "max_xlsx_cells": "REPORT_XLSX_MAX_CELLS",
}

# Unicode control characters (Cc) other than tab, LF and CR: PostgreSQL cannot store NUL in text,
# and none of them has a meaning in a report cell.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass
class Sheet:
    """The cells of a file: ``rows[i]`` is file row ``row_numbers[i]`` (1 = the first line).

    ``percent_cells`` holds (row number, column index) of XLSX cells with a percent number format:
    their values are fractions (0.952 shown as 95.2 %).
    """

    kind: str
    rows: list[list[object]]
    row_numbers: list[int]
    percent_cells: set[tuple[int, int]] = field(default_factory=set)


def human_size(n: int) -> str:
    """A byte count for people: 20 MB, 340 KB, 12 bytes."""
    if n >= MB:
        return f"{n / MB:.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def refuse(message: str) -> FileRefused:
    """A whole-file refusal (no row or column)."""
    return FileRefused([FileError(None, None, message)])


def read_sheet(content: bytes, *, file_name: str, limits: Limits, sheet: str | None) -> Sheet:
    """Read a CSV or XLSX file (told apart by its first bytes) into rows of cells."""
    if len(content) > limits.max_bytes:
        raise refuse(
            f"The file is {human_size(len(content))}; the limit is {human_size(limits.max_bytes)}."
        )
    if not content.strip():
        raise refuse("The file is empty.")
    if content.startswith(b"PK\x03\x04") or content.startswith(b"PK\x05\x06"):
        return read_xlsx(content, limits=limits, sheet=sheet)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse(
            "This is an old Excel (.xls) workbook; save it as .xlsx or as CSV UTF-8 and send again."
        )
    if content.startswith(b"%PDF"):
        raise refuse("This is a PDF; send the report as CSV or XLSX.")
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise refuse("The file is named .xlsx but is not an Excel workbook (it may be damaged).")
    return read_csv(content, limits=limits)


def column_letters(index: int) -> str:
    """Spreadsheet letters of a 0-based column index: 0 is A, 25 is Z, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def control_character_errors(sheet: Sheet) -> list[FileError]:
    """Every cell holding a control character other than tab, CR or LF, by row and column.

    NUL cannot be stored in PostgreSQL text, and no control character means anything in a report
    cell; the file is refused rather than cleaned, so what is stored is what the vendor sent.
    """
    errors: list[FileError] = []
    for number, row in zip(sheet.row_numbers, sheet.rows, strict=True):
        for j, cell in enumerate(row):
            if isinstance(cell, str) and (found := CONTROL_CHARACTERS.search(cell)):
                errors.append(
                    FileError(
                        number,
                        column_letters(j),
                        f"the cell holds the control character U+{ord(found[0]):04X}, which a "
                        "report never needs; remove it and send the file again",
                    )
                )
    return errors


def _refuse_control_characters(sheet: Sheet) -> None:
    if errors := control_character_errors(sheet):
        raise FileRefused(errors)


# --- CSV ------------------------------------------------------------------------------------
def _looks_binary(content: bytes) -> bool:
    # Text with a stray NUL in a cell is text (refused below with the cell's row and column);
    # a file whose first 8 KB are one twentieth control bytes is not.
    head = content[:8192]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return control > len(head) // 20


def _refuse_unreadable_csv(content: bytes, limits: Limits) -> None:
    """Refuse UTF-16, binary data and too many lines on the bytes, before decoding anything."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refuse("The file is UTF-16 text; save it as 'CSV UTF-8' and send again.")
    if _looks_binary(content):
        raise refuse("This is not a CSV or XLSX file: it holds binary data.")
    if content.count(b"\n") > limits.max_rows + 100:
        raise refuse(f"The file has more than {limits.max_rows:,} rows, the limit.")


def _decode_utf8(content: bytes) -> str:
    """The CSV's text (UTF-8, BOM or not); a byte that is not UTF-8 is refused by its line."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise FileRefused(
            [
                FileError(
                    line,
                    None,
                    f"the text is not UTF-8 (byte 0x{content[exc.start]:02x}); save the file as "
                    "'CSV UTF-8' and send again",
                )
            ]
        ) from None


def _csv_rows(text: str, delimiter: str, limits: Limits) -> tuple[list[list[object]], list[int]]:
    """The CSV's non-blank rows and the line number each starts on."""
    rows: list[list[object]] = []
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(row) > limits.max_columns:  # a quoted line break hid it from _check_width
                raise _too_wide(reader.line_num, len(row), limits)
            if any(cell.strip() for cell in row):
                rows.append(row)  # type: ignore[arg-type]
                numbers.append(reader.line_num)
    except csv.Error as exc:
        raise FileRefused(
            [FileError(reader.line_num, None, f"the CSV is malformed: {exc}")]
        ) from None
    return rows, numbers


def read_csv(content: bytes, *, limits: Limits) -> Sheet:
    """Read CSV text: UTF-8 with or without BOM, comma or semicolon, any line ending."""
    _refuse_unreadable_csv(content, limits)
    text = _decode_utf8(content)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    _check_width(text, delimiter, limits)
    rows, numbers = _csv_rows(text, delimiter, limits)
    if not rows:
        raise refuse("The file is empty.")
    if len(rows) > limits.max_rows + 1:
        raise refuse(f"The file has more than {limits.max_rows:,} rows, the limit.")
    found = Sheet("csv", rows, numbers)
    if CONTROL_CHARACTERS.search(text):  # one scan of the text; the cells only when it finds one
        _refuse_control_characters(found)
    return found


_QUOTED = re.compile(r'"[^"]*"')


def _too_wide(line: int, columns: int, limits: Limits) -> FileRefused:
    return FileRefused(
        [
            FileError(
                line,
                None,
                f"the line has {columns:,} columns; the limit is {limits.max_columns:,} columns "
                f"({LIMIT_SETTINGS['max_columns']}). It was not read.",
            )
        ]
    )


def _check_width(text: str, delimiter: str, limits: Limits) -> None:
    """Refuse a line of more columns than the limit before the CSV reader makes a list of them
    (one line of ten million commas is ten million strings)."""
    for number, line in enumerate(text.split("\n"), 1):
        if line.count(delimiter) >= limits.max_columns:  # quoted delimiters may count: look closer
            columns = _QUOTED.sub("", line).count(delimiter) + 1
            if columns > limits.max_columns:
                raise _too_wide(number, columns, limits)


# --- XLSX -----------------------------------------------------------------------------------
def _check_zip_directory(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip bomb from the central directory alone, before decompressing anything."""
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise refuse(
            f"The workbook holds {len(entries):,} parts; a report workbook holds far fewer "
            f"(limit {limits.max_zip_entries}). It was not opened."
        )
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if total > limits.max_uncompressed_bytes:
        raise refuse(
            f"The workbook would expand to {total / MB:,.0f} MB (limit "
            f"{limits.max_uncompressed_bytes / MB:.0f} MB): it looks like a zip bomb and was not "
            "opened."
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MB and ratio > limits.max_compression_ratio:
            raise refuse(
                f"The workbook part {entry.filename} is compressed {ratio:,.0f} to 1 (limit "
                f"{limits.max_compression_ratio} to 1): it looks like a zip bomb and was not "
                "opened."
            )
    if packed and total / packed > limits.max_compression_ratio:
        raise refuse(
            f"The workbook is compressed {total / packed:,.0f} to 1 (limit "
            f"{limits.max_compression_ratio} to 1): it looks like a zip bomb and was not "
            "opened."
        )


class _Forbidden(Exception):
    pass


def _parse_xml(
    archive: zipfile.ZipFile,
    name: str,
    on_start: Callable[[str, dict[str, str]], None] | None = None,
    on_end: Callable[[str], None] | None = None,
) -> None:
    """Parse one XML part with expat, refusing DTDs and entity declarations (billion laughs)."""
    parser = expat.ParserCreate()

    def forbid(*_: object) -> None:
        raise _Forbidden

    for handler in (
        "StartDoctypeDeclHandler",
        "EntityDeclHandler",
        "UnparsedEntityDeclHandler",
        "ExternalEntityRefHandler",
    ):
        setattr(parser, handler, forbid)
    if on_start is not None:
        parser.StartElementHandler = on_start
    if on_end is not None:
        parser.EndElementHandler = on_end
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except FileRefused:
        raise
    except _Forbidden:
        raise refuse(
            f"The workbook part {name} declares a DOCTYPE or XML entities, which a spreadsheet "
            "never needs (it may be an attack); the file was not opened."
        ) from None
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise refuse(f"The workbook is damaged ({name}: {exc}).") from None


_PERCENT_BUILTIN = {9, 10}


def _is_percent_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.', "", code)  # quoted text and escaped characters are not codes
    return "%" in code


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _range_text(first: tuple[int, int], last: tuple[int, int]) -> str:
    """``A1:XFD50000`` from 1-based (row, column) corners."""
    return f"{column_letters(first[1] - 1)}{first[0]}:{column_letters(last[1] - 1)}{last[0]}"


def _check_extent(
    sheet_name: str,
    first: tuple[int, int],
    last: tuple[int, int],
    limits: Limits,
    *,
    declared: bool,
) -> None:
    """Refuse a used range (1-based corners, inclusive) past the XLSX limits, naming the sheet,
    the range and the setting."""
    rows = last[0] - first[0] + 1
    columns = last[1] - first[1] + 1
    if (
        rows <= limits.max_xlsx_rows
        and columns <= limits.max_columns
        and rows * columns <= limits.max_xlsx_cells
    ):
        return
    if rows > limits.max_xlsx_rows:
        limit = f"{limits.max_xlsx_rows:,} rows ({LIMIT_SETTINGS['max_xlsx_rows']})"
    elif columns > limits.max_columns:
        limit = f"{limits.max_columns:,} columns ({LIMIT_SETTINGS['max_columns']})"
    else:
        limit = f"{limits.max_xlsx_cells:,} cells ({LIMIT_SETTINGS['max_xlsx_cells']})"
    how = "declares its used range as" if declared else "has values as far as"
    raise refuse(
        f"The sheet {sheet_name!r} {how} {_range_text(first, last)} ({rows:,} rows x "
        f"{columns:,} columns); the limit is {limit}. Delete the rows and columns beyond the "
        "report's data (or copy the data to a new sheet) and send it again; it was not read."
    )


class _SheetScan:
    """Measures the chosen sheet while expat streams it, before calamine builds anything: the
    declared ``<dimension>``, the number of cells, and the extent of the cells holding a value
    (what calamine allocates); refuses as soon as a limit is passed. Also notes the cells with a
    percent number format."""

    def __init__(self, sheet_name: str, limits: Limits, percent_styles: set[int]) -> None:
        self.sheet_name = sheet_name
        self.limits = limits
        self.percent_styles = percent_styles
        self.percent_cells: set[tuple[int, int]] = set()
        self.cells = 0
        self.first: tuple[int, int] | None = None  # (row, column), 1-based
        self.last = (0, 0)
        self._row = 0
        self._column = 0
        self._pending: tuple[int, int] | None = None  # the open cell, until it shows a value

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """Expat's start-element handler."""
        local = _local(tag)
        if local == "c":
            ref = attrs.get("r")
            found = _CELL_REF.fullmatch(ref) if ref else None
            if found:
                row, column = int(found[2]), _column_index(found[1]) + 1
            else:  # a cell without a reference follows the previous one
                row, column = self._row, self._column + 1
            self._column = column
            self._pending = (row, column)
            self.cells += 1
            if self.cells > self.limits.max_xlsx_cells:
                raise refuse(
                    f"The sheet {self.sheet_name!r} holds more than "
                    f"{self.limits.max_xlsx_cells:,} cells; the limit is "
                    f"{self.limits.max_xlsx_cells:,} cells "
                    f"({LIMIT_SETTINGS['max_xlsx_cells']}). It was not read."
                )
            style = attrs.get("s", "")
            if style.isdigit() and int(style) in self.percent_styles:
                self.percent_cells.add((row, column - 1))
        elif local in ("v", "is"):
            if self._pending is not None:
                self._value_at(*self._pending)
                self._pending = None
        elif local == "row":
            number = attrs.get("r", "")
            self._row = int(number) if number.isdigit() else self._row + 1
            self._column = 0
        elif local == "dimension":
            corners = [_CELL_REF.fullmatch(p) for p in attrs.get("ref", "").split(":")]
            if corners and len(corners) <= 2 and all(corners):
                points = [(int(m[2]), _column_index(m[1]) + 1) for m in corners if m]
                _check_extent(self.sheet_name, points[0], points[-1], self.limits, declared=True)

    def end(self, tag: str) -> None:
        """Expat's end-element handler."""
        if self._pending is not None and _local(tag) == "c":
            self._pending = None  # a cell without a value: calamine skips it, so do we

    def _value_at(self, row: int, column: int) -> None:
        if self.first is None:
            self.first = (row, column)
        else:
            self.first = (min(self.first[0], row), min(self.first[1], column))
        self.last = (max(self.last[0], row), max(self.last[1], column))
        first, last = self.first, self.last
        if (
            last[0] - first[0] >= self.limits.max_xlsx_rows
            or last[1] - first[1] >= self.limits.max_columns
            or (last[0] - first[0] + 1) * (last[1] - first[1] + 1) > self.limits.max_xlsx_cells
        ):
            _check_extent(self.sheet_name, first, last, self.limits, declared=False)


def _part_name(target: str) -> str:
    """The zip entry of a relationship target of ``xl/workbook.xml``."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


class _WorkbookParts:
    """What the workbook, its relationships and its styles say, gathered as expat streams them:
    the sheets in workbook order, the relationship targets and the cell styles' number formats."""

    def __init__(self) -> None:
        self.sheets: list[tuple[str, str]] = []  # (sheet name, relationship id) in workbook order
        self.targets: dict[str, str] = {}
        self.formats: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self._in_cell_xfs = False

    def handlers(self) -> dict[str, Callable[[str, dict[str, str]], None]]:
        """Expat start-element handlers by zip entry."""
        return {
            "xl/workbook.xml": self._workbook_start,
            "xl/_rels/workbook.xml.rels": self._rels_start,
            "xl/styles.xml": self._styles_start,
        }

    def _workbook_start(self, tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            self.sheets.append((attrs.get("name", ""), rid))

    def _rels_start(self, tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship":
            self.targets[attrs.get("Id", "")] = attrs.get("Target", "")

    def _styles_start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "numFmt":
            self.formats[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            self._in_cell_xfs = True
        elif local == "cellStyleXfs":
            self._in_cell_xfs = False
        elif local == "xf" and self._in_cell_xfs:
            self.xf_formats.append(int(attrs.get("numFmtId", "0")))

    def percent_styles(self) -> set[int]:
        """The cell styles (indexes into cellXfs) whose number format shows a percent."""
        return {
            i
            for i, fmt in enumerate(self.xf_formats)
            if fmt in _PERCENT_BUILTIN
            or (fmt in self.formats and _is_percent_format(self.formats[fmt]))
        }

    def chosen_sheet(self, sheet: str | None, worksheet_parts: list[str]) -> tuple[str, str]:
        """The sheet to read (the named one, else the first) and its worksheet part."""
        wanted = sheet if sheet else (self.sheets[0][0] if self.sheets else None)
        if wanted is None or wanted not in {name for name, _ in self.sheets}:
            raise refuse(
                f"The workbook has no sheet named {wanted!r}; it has "
                f"{', '.join(repr(name) for name, _ in self.sheets)}."
                if wanted
                else "The workbook has no sheet."
            )
        chosen_part = next(
            (
                _part_name(self.targets[rid])
                for name, rid in self.sheets
                if name == wanted and rid in self.targets
            ),
            None,
        )
        if chosen_part is None or chosen_part not in worksheet_parts:
            raise refuse(f"The workbook is damaged: the sheet {wanted!r} has no worksheet part.")
        return wanted, chosen_part


def _scan_workbook(content: bytes, *, limits: Limits, sheet: str | None) -> set[tuple[int, int]]:
    """Check every part of the workbook safely before calamine opens it (zip directory, XML
    without entities, the chosen sheet's extent); return the cells with a percent format."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise refuse(f"The workbook is damaged and cannot be opened ({exc}).") from None
    with archive:
        _check_zip_directory(archive, limits)
        names = [e.filename for e in archive.infolist()]
        xml_parts = [n for n in names if n.lower().endswith((".xml", ".rels", ".vml"))]
        worksheet_parts = [n for n in xml_parts if n.startswith("xl/worksheets/")]
        parts = _WorkbookParts()
        handlers = parts.handlers()
        for name in xml_parts:
            if name not in worksheet_parts:
                _parse_xml(archive, name, handlers.get(name))
        # Calamine reads the parts the workbook's relationships name (shared strings, styles...)
        # whatever their extension: each is checked as XML too, so no part it reads goes unseen
        # (a part whose zip entry lies about its size fails here, before calamine inflates it).
        for target in parts.targets.values():
            name = _part_name(target)
            if name in names and name not in xml_parts:
                _parse_xml(archive, name)
        wanted, chosen_part = parts.chosen_sheet(sheet, worksheet_parts)
        scan = _SheetScan(wanted, limits, parts.percent_styles())
        for name in worksheet_parts:
            if name == chosen_part:
                _parse_xml(archive, name, scan.start, scan.end)
            else:
                _parse_xml(archive, name)
        return scan.percent_cells


def _calamine_rows(
    content: bytes, *, limits: Limits, sheet: str | None
) -> tuple[list[list[object]], int, int]:
    """The used range of the sheet as calamine reads it, with its top row and left column."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        if sheet and sheet not in workbook.sheet_names:
            raise refuse(
                f"The workbook has no sheet named {sheet!r}; it has "
                f"{', '.join(repr(s) for s in workbook.sheet_names)}."
            )
        data = workbook.get_sheet_by_name(sheet) if sheet else workbook.get_sheet_by_index(0)
        if data.height > limits.max_rows + 100:
            raise refuse(f"The sheet has more than {limits.max_rows:,} rows, the limit.")
        # Only the used range: empty rows above and columns left of the data cost nothing.
        top, left = (data.start or (0, 0)) if data.height else (0, 0)
        return cast(list[list[object]], data.to_python(skip_empty_area=True)), top, left
    except FileRefused:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise refuse(f"The workbook cannot be read ({exc}).") from None


def read_xlsx(content: bytes, *, limits: Limits, sheet: str | None) -> Sheet:
    """Read the first (or the named) sheet of a workbook with calamine, after the safety checks."""
    percent_cells = _scan_workbook(content, limits=limits, sheet=sheet)
    raw_rows, top, left = _calamine_rows(content, limits=limits, sheet=sheet)
    rows: list[list[object]] = []
    numbers: list[int] = []
    pad: list[object] = [""] * left  # column index 0 stays column A for the readers below
    for i, row in enumerate(raw_rows):
        if any(cell not in ("", None) for cell in row):
            rows.append([*pad, *row] if left else list(row))
            numbers.append(top + i + 1)
    if not rows:
        raise refuse("The workbook's sheet is empty.")
    found = Sheet("xlsx", rows, numbers, percent_cells)
    texts = "\t".join(c for row in rows for c in row if isinstance(c, str))
    if CONTROL_CHARACTERS.search(texts):
        _refuse_control_characters(found)
    return found
