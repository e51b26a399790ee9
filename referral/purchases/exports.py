"""The statement as an XLSX workbook (openpyxl: reads and writes, frozen panes, no native build). Built from
the frozen figures, so an export says what was issued. Headers are Chinese whatever the reader's language:
the workbook is a paper of record, like the standard documents (docs/architecture.md#where-rules-live)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from referral.calendar import CHINA_TZ
from workflows.purchase import PurchaseState

HEADERS = ("服务项目", "服务人次", "服务时长（小时）", "服务时长（分钟）", "服务人数")
SUMMARY = (("people_served", "服务人数（有服务记录的个案）"), ("new_cases", "新增个案（当月签订服务协议）"),
           ("closed_cases", "结案个案（当月结案）"))


def title_of(statement) -> str:
    label = PurchaseState(statement.state).label
    return (f"服务量结算单　{statement.institution.name}　{statement.month}　第 {statement.revision} 版　"
            f"状态：{label}")


def statement_workbook(statement) -> bytes:
    figures = statement.figures
    book = Workbook()
    sheet = book.active
    sheet.title = "服务量结算单"
    sheet.append([title_of(statement)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in figures["items"]:
        sheet.append([row["item"], row["sessions"], float(row["hours"]), row["minutes"], row["people"]])
    sheet.append(["合计", figures["sessions"], float(figures["hours"]), figures["minutes"], figures["people_served"]])
    sheet.append([])
    for key, label in SUMMARY:
        sheet.append([label, figures[key]])
    issued = statement.issued_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    sheet.append(["出具时间", issued])
    if statement.comment:
        sheet.append(["机构意见", statement.comment])
    for column, width in zip("ABCDE", (30, 12, 18, 18, 12), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3, min_col=3, max_col=3):
        row[0].number_format = "0.00"
    sheet.freeze_panes = "A3"  # the title and the header row stay in view
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
