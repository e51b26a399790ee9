"""The dashboard's tables as files (docs/domain.md#statistics): CSV in UTF-8 with a byte-order mark (Excel and WPS
read it as UTF-8 only with one), XLSX through openpyxl 3.1.5 (one sheet per table, Chinese headers in bold,
the header row frozen so it stays in view while scrolling)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def to_csv(tables) -> bytes:
    """One table as it is; several one after the other, each under its title and separated by a blank row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for n, table in enumerate(tables):
        if len(tables) > 1:
            if n:
                writer.writerow([])
            writer.writerow([table.title])
        writer.writerow(table.headers)
        writer.writerows(table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        # A sheet name: at most 31 characters, none of []:*?/\ (Excel's rules); the titles have none of those.
        sheet = book.create_sheet(title=table.title[:31])
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for i, header in enumerate(table.headers, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = max(10, 2 * len(str(header)) + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(tables, fmt: str) -> bytes:
    return to_csv(tables) if fmt == "csv" else to_xlsx(tables)
