"""Spreadsheet downloads shared by the pages: one Excel workbook, one sheet per table.

A cell that a spreadsheet program would run as a formula (a segment called
``=HYPERLINK(...)``, say) is neutralised exactly as in the CSV exports, and every text is
written as a text cell, so nothing a customer typed into the data ever runs on the
reader's machine. Numbers stay numbers, so the reader can sort and sum them.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from cxray.web.workspaces.export import neutralise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME_MAX = 31  # Excel refuses longer sheet names
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})

Sheet = tuple[str, Iterable[Sequence[object]]]


def sheet_title(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts and not yet used in the workbook."""
    base = name.translate(SHEET_NAME_FORBIDDEN).strip()[:SHEET_NAME_MAX] or "Sheet"
    title, k = base, 2
    while title.lower() in taken:
        suffix = f" ({k})"
        title, k = base[: SHEET_NAME_MAX - len(suffix)] + suffix, k + 1
    taken.add(title.lower())
    return title


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook with one sheet per ``(name, rows)``; the first row is the header."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    taken: set[str] = set()
    for name, rows in sheets:
        sheet = book.create_sheet(sheet_title(name, taken))
        for row in rows:
            cells = []
            for value in row:
                value = neutralise(value)
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    # openpyxl would otherwise store any text starting with "=" as a formula.
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(sheets: Iterable[Sheet], filename: str) -> HttpResponse:
    """The workbook as a download named ``filename``."""
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
