"""Hostile report files, built in memory: shared by the reading-limit tests and bench_hostile."""

from __future__ import annotations

import io
import struct
import zipfile

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
ROOT_RELS = (
    f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
    f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets>'
    '<sheet name="Report" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
    f'Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def workbook(sheet_xml: bytes | str) -> bytes:
    """A minimal XLSX (one sheet, 'Report') around the given worksheet XML."""
    if isinstance(sheet_xml, str):
        sheet_xml = sheet_xml.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def text_cell(ref: str, text: str) -> str:
    """An inline-string cell."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def number_cell(ref: str, value: object) -> str:
    """A number cell."""
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet(rows: list[tuple[int, str]], dimension: str | None = None) -> str:
    """Worksheet XML: ``rows`` are (row number, cells XML); an optional ``<dimension>``."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(f'<row r="{n}">{cells}</row>' for n, cells in rows)
    return (
        f'<?xml version="1.0"?><worksheet xmlns="{NS}">{dim}<sheetData>{body}</sheetData>'
        "</worksheet>"
    )


def sparse_workbook(row: int, column: str = "XFD") -> bytes:
    """About 1.5 KB: a header row, one data row, and one value at ``column``+``row`` (calamine
    would allocate every cell between A1 and there)."""
    return workbook(
        sheet(
            [
                (1, text_cell("A1", "period") + text_cell("B1", "denial_rate")),
                (2, text_cell("A2", "2026-10") + number_cell("B2", 5)),
                (row, number_cell(f"{column}{row}", 1)),
            ]
        )
    )


def lying_zip_bomb(inflated_bytes: int = 200 * 1024 * 1024) -> bytes:
    """A workbook whose sheet part inflates to ``inflated_bytes`` of XML while its zip directory
    (local header and central directory) says 2,000 bytes."""
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
    head = f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'.encode()
    xml = head + row * ((inflated_bytes - len(head)) // len(row))
    content = workbook(xml)
    del xml
    return patch_sizes(content, "xl/worksheets/sheet1.xml", 2_000)


def patch_sizes(content: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local header and the central directory."""
    data = bytearray(content)
    encoded = name.encode()
    local = data.find(b"PK\x03\x04")  # the first local header; walk on to ours
    while local != -1:
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_len] == encoded:
            struct.pack_into("<I", data, local + 22, size)
            break
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == encoded:
            struct.pack_into("<I", data, central + 24, size)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def replace_rels_and_add(content: bytes, relationship: str, name: str, data: bytes) -> bytes:
    """The workbook with one more relationship in xl/_rels/workbook.xml.rels and one more part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":
                end = b"</Relationships>"
                body = body.replace(end, relationship.encode() + end)
            dst.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
        dst.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def bad_rows_csv(rows: int = 190_000) -> bytes:
    """A CSV of ``rows`` rows whose period (2026-13) cannot be read: one error a row."""
    return b"period,denial_rate\n" + b"2026-13,5\n" * rows


def bad_rows_xlsx(rows: int = 190_000) -> bytes:
    """A workbook of ``rows`` such rows."""
    cells = [(1, text_cell("A1", "period") + text_cell("B1", "denial_rate"))]
    cells += [
        (n, text_cell(f"A{n}", "2026-13") + number_cell(f"B{n}", 5)) for n in range(2, rows + 2)
    ]
    return workbook(sheet(cells))


def nul_cell_csv() -> bytes:
    """A breakdown whose payer cell holds a NUL (PostgreSQL cannot store it in text)."""
    return (
        b"period,payer,denial_reason,claims_denied,amount_denied\n"
        b"2026-10,Medi\x00care,CO-16,41,9180.50\n"
    )


def huge_single_line(megabytes: int = 18) -> bytes:
    """One line of ``megabytes`` MB: a period header and millions of columns."""
    return b"period," + b"1," * (megabytes * 1024 * 1024 // 2)


def binary_junk(kilobytes: int = 512) -> bytes:
    """Bytes that are neither text nor a workbook."""
    return bytes(range(256)) * (kilobytes * 4)
