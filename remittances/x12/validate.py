"""Checks of an X12 835 file before and during pyx12's validation.

Before anything is parsed: the size limit, text (no NUL, no control character that is not one of
the file's own separators), an ISA segment of 106 characters whose separators the rest of the file
uses, interchange version 00501, functional group HP with version 005010X221A1, and transaction
sets 835 only. Then pyx12 validates the whole file against its 005010X221A1 map; every error it
reports is kept with the segment number (the segment's position in the file, ISA = 1) and the
validator's words.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

import pyx12.error_handler
import pyx12.errors
import pyx12.map_if
import pyx12.map_index
import pyx12.params
import pyx12.x12file
from django.conf import settings
from pyx12.map_if._segment import apply_segment_errors
from pyx12.map_walker import apply_walk_errors, walk_tree

# We report pyx12's errors ourselves (with their segment numbers); its logger would repeat them.
logging.getLogger("pyx12").setLevel(logging.CRITICAL)

ISA_LENGTH = 106
VERSION = "005010X221A1"
_ALLOWED_CONTROLS = {"\r", "\n", "\t"}


@dataclass(frozen=True)
class X12Error:
    """One reason a file is refused: where (segment number and id, when known) and why."""

    message: str
    segment: int | None = None
    segment_id: str = ""

    def __str__(self) -> str:
        if self.segment is None:
            return self.message
        return f"Segment {self.segment} ({self.segment_id}): {self.message}"


class RemittanceRefused(Exception):
    """The file is refused whole; ``errors`` says why, each with its segment when known."""

    def __init__(self, errors: list[X12Error]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, message: str) -> RemittanceRefused:
        """A refusal for one reason that has no segment."""
        return cls([X12Error(message)])


@dataclass(frozen=True)
class Separators:
    """The separators the ISA declares."""

    element: str
    sub_element: str
    segment: str
    repetition: str


def _refuse(message: str, segment: int | None = None, segment_id: str = "") -> RemittanceRefused:
    return RemittanceRefused([X12Error(message, segment, segment_id)])


def decode(data: bytes) -> str:
    """The file as text, or a refusal: too large, empty, not text, not an X12 interchange."""
    limit = settings.REMITTANCE_MAX_BYTES
    if len(data) > limit:
        raise _refuse(f"The file is {len(data)} bytes; at most {limit} bytes are read.")
    if not data.strip():
        raise _refuse("The file is empty.")
    if b"\x00" in data[:4096] or not data.lstrip()[:3] == b"ISA":
        raise _refuse(
            "This is not an X12 file: an X12 835 remittance starts with an ISA segment "
            f"(the file starts with {data.lstrip()[:12]!r})."
        )
    try:
        return data.decode("utf-8").lstrip()
    except UnicodeDecodeError as exc:
        raise _refuse(
            f"The file is not text: byte {exc.start} ({data[exc.start : exc.start + 1]!r}) is "
            "not a character."
        ) from None


def separators(text: str) -> Separators:
    """The separators of the ISA segment (ISA = 106 characters, fixed widths)."""
    if len(text) < ISA_LENGTH:
        raise _refuse(
            f"The ISA segment is {len(text)} characters; it has 106 (the file is truncated).",
            1,
            "ISA",
        )
    element = text[3]
    fields = text[:ISA_LENGTH].split(element)
    if element.isalnum() or element.isspace() or len(fields) != 17:
        raise _refuse(
            "The ISA segment is not 106 characters of 16 fixed-width elements; the element "
            "separator (its 4th character) could not be read.",
            1,
            "ISA",
        )
    found = Separators(
        element=element,
        sub_element=text[104],
        segment=text[105],
        repetition=text[82],
    )
    if len({found.element, found.sub_element, found.segment}) != 3 or found.segment.isalnum():
        raise _refuse(
            "The ISA declares separators that collide: element "
            f"{found.element!r}, sub-element {found.sub_element!r}, segment {found.segment!r}.",
            1,
            "ISA",
        )
    return found


def check_text(text: str, seps: Separators) -> None:
    """Refuse control characters other than line breaks, tabs and the file's separators."""
    allowed = _ALLOWED_CONTROLS | {seps.element, seps.sub_element, seps.segment, seps.repetition}
    controls = "".join(
        re.escape(chr(code)) for code in [*range(32), 127] if chr(code) not in allowed
    )
    found = re.search(f"[{controls}]", text)
    if found is not None:
        raise _refuse(
            f"The file is not text: character {found.start()} is the control character "
            f"{found.group()!r} (binary data?)."
        )


def segments(text: str, seps: Separators) -> list[list[str]]:
    """The file's segments, each split into its elements (line breaks around them dropped)."""
    found = []
    for raw in text.split(seps.segment):
        piece = raw.strip("\r\n")
        if piece.strip():
            found.append(piece.split(seps.element))
    return found


def check_envelope(segs: list[list[str]]) -> None:
    """Version, functional group and transaction set: what this reader reads, or a refusal."""
    isa = segs[0]
    if isa[12] != "00501":
        raise _refuse(
            f"Unknown X12 version: ISA12 is {isa[12]!r}; only version 00501 (005010X221A1, the "
            "835 of HIPAA 5010) is read.",
            1,
            "ISA",
        )
    for number, seg in enumerate(segs, start=1):
        name = seg[0].strip()
        if name == "GS":
            _check_group(seg, number)
        elif name == "ST" and (seg[1:2] or [""])[0] != "835":
            raise _refuse(
                f"This is not an 835 remittance: ST01 is {(seg[1:2] or [''])[0]!r} "
                "(transaction set 835 is read).",
                number,
                "ST",
            )
        elif name == "ST" and (seg[3:4] or [VERSION])[0] not in ("", VERSION):
            raise _refuse(
                f"Unknown 835 version: ST03 is {seg[3]!r}; only {VERSION} (HIPAA 5010) is read.",
                number,
                "ST",
            )
    if segs[-1][0].strip() != "IEA":
        raise _refuse(
            f"The file is truncated: it ends with segment {len(segs)} "
            f"({segs[-1][0].strip()[:3]!r}), not with the IEA trailer.",
            len(segs),
            segs[-1][0].strip()[:3],
        )


_GROUPS = {"HC": "837 claims", "HB": "271 eligibility", "HN": "277 claim status", "FA": "999"}


def _check_group(seg: list[str], number: int) -> None:
    code, version = (seg[1:2] or [""])[0], (seg[8:9] or [""])[0]
    if code != "HP":
        kind = f" ({_GROUPS[code]})" if code in _GROUPS else ""
        raise _refuse(
            f"This is not an 835 remittance: GS01 is {code!r}{kind}; an 835 group is 'HP'.",
            number,
            "GS",
        )
    if version != VERSION:
        raise _refuse(
            f"Unknown 835 version: GS08 is {version!r}; only {VERSION} (HIPAA 5010) is read.",
            number,
            "GS",
        )


class _Recorder(pyx12.error_handler.err_handler):
    """pyx12's error handler, keeping every error with its segment number and id."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[X12Error] = []
        self.segment = 0
        self.segment_id = ""

    def _keep(self, code: str, text: str, value: Any = None) -> None:
        detail = f" ({value})" if value not in (None, "") and str(value) not in text else ""
        self.found.append(
            X12Error(f"{text}{detail} [pyx12 code {code}]", self.segment, self.segment_id)
        )

    def isa_error(self, err_cde: str, err_str: str) -> None:
        super().isa_error(err_cde, err_str)
        self._keep(err_cde, err_str)

    def gs_error(self, err_cde: str, err_str: str) -> None:
        super().gs_error(err_cde, err_str)
        self._keep(err_cde, err_str)

    def st_error(self, err_cde: str, err_str: str) -> None:
        super().st_error(err_cde, err_str)
        self._keep(err_cde, err_str)

    def seg_error(
        self, err_cde: str, err_str: str, err_value: str | None = None, src_line: int | None = None
    ) -> None:
        super().seg_error(err_cde, err_str, err_value, src_line)
        self._keep(err_cde, err_str, err_value)

    def ele_error(
        self, err_cde: str, err_str: str, bad_value: str | None, refdes: str | None = None
    ) -> None:
        super().ele_error(err_cde, err_str, bad_value, refdes)
        where = f"{refdes}: " if refdes else ""
        self._keep(err_cde, f"{where}{err_str}", bad_value)


def _control_segment(errh: _Recorder, seg: Any, src: Any, node: Any) -> Any:
    """Hand an envelope segment (ISA, IEA, GS, GE, ST, SE) to pyx12's error handler."""
    seg_id = seg.get_seg_id()
    if seg_id in ("IEA", "GE", "SE"):
        errh.handle_errors(src.pop_errors())
    if seg_id == "ISA":
        errh.add_isa_loop(seg, src)
    elif seg_id == "IEA":
        errh.close_isa_loop(node, seg, src)
    elif seg_id == "GS":
        errh.add_gs_loop(seg, src)
    elif seg_id == "GE":
        errh.close_gs_loop(node, seg, src)
    elif seg_id == "ST":
        errh.add_st_loop(seg, src)
    else:
        errh.close_st_loop(node, seg, src)
    if seg_id in ("ISA", "GS", "ST"):
        errh.handle_errors(src.pop_errors())


def without_st03(text: str, seps: Separators) -> str:
    """The file as pyx12 4.0.0 validates it: its 005010X221A1 map marks ST03 "not used", while
    the 5010 guide requires ST03 = ``005010X221A1`` and payers send it. ``check_envelope`` has
    checked its value; it is dropped here (only for validation, the segment count is unchanged)."""
    el, end = re.escape(seps.element), re.escape(seps.segment)
    pattern = rf"((?:^|{end})\s*ST{el}835{el}[^{el}{end}]*){el}{re.escape(VERSION)}(?={end})"
    return re.sub(pattern, r"\1", text)


def pyx12_errors(text: str) -> list[X12Error]:
    """pyx12's validation of the file against the 005010X221A1 map: every error it reports.

    The driver is pyx12's own ``x12n_document`` loop (without its HTML, XML and 999 output),
    with an error handler that keeps each error's segment number.
    """
    param = pyx12.params.params()
    errh = _Recorder()
    try:
        src = pyx12.x12file.X12Reader(io.StringIO(text))
    except pyx12.errors.X12Error as exc:
        return [X12Error(f"pyx12 cannot read the interchange: {exc}", 1, "ISA")]
    control_map = pyx12.map_if.load_map_file("x12.control.00501.xml", param)
    map_835 = pyx12.map_if.load_map_file(
        pyx12.map_index.map_index().get_filename("00501", VERSION, "HP"), param
    )
    node = control_map.getnodebypath("/ISA_LOOP/ISA")
    walker = walk_tree()
    valid = True
    try:
        for seg in src:
            errh.segment, errh.segment_id = src.get_cur_line(), seg.get_seg_id()
            node, ok = _validate_segment(errh, walker, src, seg, (node, control_map, map_835))
            valid = valid and ok
        src.cleanup()  # loop trailers that never came (a truncated file)
        errh.handle_errors(src.pop_errors())
    except pyx12.errors.EngineError as exc:
        errh.found.append(X12Error(f"pyx12 stopped: {exc}", errh.segment, errh.segment_id))
    if not valid and not errh.found:  # pragma: no cover - pyx12 says invalid without a reason
        errh.found.append(X12Error("pyx12 found the file invalid.", None))
    return errh.found


def _validate_segment(
    errh: _Recorder, walker: walk_tree, src: Any, seg: Any, maps: tuple[Any, Any, Any]
) -> tuple[Any, bool]:
    """One segment through pyx12's map walker and segment checks; the new map node."""
    node, control_map, map_835 = maps
    seg_id = seg.get_seg_id()
    orig_node = node
    if seg_id == "ISA":
        node = control_map.getnodebypath("/ISA_LOOP/ISA")
        walker.forceWalkCounterToLoopStart("/ISA_LOOP", "/ISA_LOOP/ISA")
    elif seg_id == "GS":
        node = map_835.getnodebypath("/ISA_LOOP/GS_LOOP/GS")
        walker.forceWalkCounterToLoopStart("/ISA_LOOP/GS_LOOP", "/ISA_LOOP/GS_LOOP/GS")
    else:
        node, _pop, _push, walk_errors = walker.walk_errors(
            node, seg, src.get_seg_count(), src.get_cur_line(), src.get_ls_id()
        )
        apply_walk_errors(errh, walk_errors)
    if node is None:
        return orig_node, False
    if seg_id in ("ISA", "IEA", "GS", "GE", "ST", "SE"):
        _control_segment(errh, seg, src, node)
    else:
        errh.add_seg(node, seg, src.get_seg_count(), src.get_cur_line(), src.get_ls_id())
        errh.handle_errors(src.pop_errors())
    return node, apply_segment_errors(node, seg, errh)
