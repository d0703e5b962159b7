"""Reading a report file into rows of cells: CSV (UTF-8, comma or semicolon) and XLSX.

Every limit is checked before the expensive step it protects: the size and row count before
parsing, and for XLSX the zip directory (entry count, total uncompressed size, compression ratio)
before anything is decompressed. Every XML part is then parsed by expat with DOCTYPE and ENTITY
declarations refused (the billion-laughs attack), before calamine sees the workbook.
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


# --- CSV ------------------------------------------------------------------------------------
def _looks_binary(content: bytes) -> bool:
    head = content[:8192]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return control > len(head) // 20


def read_csv(content: bytes, *, limits: Limits) -> Sheet:
    """Read CSV text: UTF-8 with or without BOM, comma or semicolon, any line ending."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refuse("The file is UTF-16 text; save it as 'CSV UTF-8' and send again.")
    if _looks_binary(content):
        raise refuse("This is not a CSV or XLSX file: it holds binary data.")
    # Count lines on the bytes before decoding or parsing anything.
    if content.count(b"\n") > limits.max_rows + 100:
        raise refuse(f"The file has more than {limits.max_rows:,} rows, the limit.")
    try:
        text = content.decode("utf-8-sig")
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
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows: list[list[object]] = []
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)  # type: ignore[arg-type]
                numbers.append(reader.line_num)
    except csv.Error as exc:
        raise FileRefused(
            [FileError(reader.line_num, None, f"the CSV is malformed: {exc}")]
        ) from None
    if not rows:
        raise refuse("The file is empty.")
    if len(rows) > limits.max_rows + 1:
        raise refuse(f"The file has more than {limits.max_rows:,} rows, the limit.")
    return Sheet("csv", rows, numbers)


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
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
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


def read_xlsx(content: bytes, *, limits: Limits, sheet: str | None) -> Sheet:
    """Read the first (or the named) sheet of a workbook with calamine, after the safety checks."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise refuse(f"The workbook is damaged and cannot be opened ({exc}).") from None
    with archive:
        _check_zip_directory(archive, limits)
        names = [e.filename for e in archive.infolist()]
        xml_parts = [n for n in names if n.lower().endswith((".xml", ".rels", ".vml"))]

        sheets: list[tuple[str, str]] = []  # (sheet name, relationship id) in workbook order
        targets: dict[str, str] = {}
        formats: dict[int, str] = {}
        xf_formats: list[int] = []
        in_cell_xfs = [False]

        def workbook_start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                sheets.append((attrs.get("name", ""), rid))

        def rels_start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship":
                targets[attrs.get("Id", "")] = attrs.get("Target", "")

        def styles_start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "numFmt":
                formats[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                in_cell_xfs[0] = True
            elif local == "cellStyleXfs":
                in_cell_xfs[0] = False
            elif local == "xf" and in_cell_xfs[0]:
                xf_formats.append(int(attrs.get("numFmtId", "0")))

        handlers = {
            "xl/workbook.xml": workbook_start,
            "xl/_rels/workbook.xml.rels": rels_start,
            "xl/styles.xml": styles_start,
        }
        worksheet_parts = [n for n in xml_parts if n.startswith("xl/worksheets/")]
        for name in xml_parts:
            if name not in worksheet_parts:
                _parse_xml(archive, name, handlers.get(name))

        wanted = sheet if sheet else (sheets[0][0] if sheets else None)
        chosen_part = None
        for sheet_name, rid in sheets:
            if sheet_name == wanted and rid in targets:
                target = targets[rid]
                chosen_part = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                break
        percent_styles = {
            i
            for i, fmt in enumerate(xf_formats)
            if fmt in _PERCENT_BUILTIN or (fmt in formats and _is_percent_format(formats[fmt]))
        }
        percent_cells: set[tuple[int, int]] = set()

        def sheet_start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "c":
                style = attrs.get("s")
                if style is not None and int(style) in percent_styles:
                    ref = attrs.get("r", "")
                    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
                    if m:
                        percent_cells.add((int(m[2]), _column_index(m[1])))

        for name in worksheet_parts:
            use = sheet_start if name == chosen_part and percent_styles else None
            _parse_xml(archive, name, use)

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        if sheet:
            if sheet not in workbook.sheet_names:
                raise refuse(
                    f"The workbook has no sheet named {sheet!r}; it has "
                    f"{', '.join(repr(s) for s in workbook.sheet_names)}."
                )
            data = workbook.get_sheet_by_name(sheet)
        else:
            data = workbook.get_sheet_by_index(0)
        if data.height > limits.max_rows + 100:
            raise refuse(f"The sheet has more than {limits.max_rows:,} rows, the limit.")
        # Without skipping the empty area, row 0 is the sheet's row 1 and column 0 is column A.
        raw_rows = data.to_python(skip_empty_area=False)
    except FileRefused:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise refuse(f"The workbook cannot be read ({exc}).") from None
    rows: list[list[object]] = []
    numbers: list[int] = []
    for i, row in enumerate(raw_rows):
        if any(cell not in ("", None) for cell in row):
            rows.append(list(row))
            numbers.append(i + 1)
    if not rows:
        raise refuse("The workbook's sheet is empty.")
    return Sheet("xlsx", rows, numbers, percent_cells)
