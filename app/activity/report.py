"""Monthly evaluation exports: CSV (one row per organisation) and PDF (fpdf2 with the vendored
DejaVu Sans, so names and the Indonesian text print in full Unicode — fonts-dejavu-core 2.37)."""
from __future__ import annotations

import csv
import io

from flask_babel import format_decimal
from flask_babel import gettext as _

from app.activity.evaluation import MonthlyReport, PeriodFigures
from app.i18n import format_local
from app.pdf import unicode_pdf


def _cell(value: object) -> str:
    """Neutralise spreadsheet formulas (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def headers(report: MonthlyReport) -> list[str]:
    return [_("Organisation"), _("Kind"), _("Weekly target"), _("Posts"),
            *[_("Posts on %(platform)s", platform=p) for p in report.platforms],
            _("Weeks meeting the target"), _("Complete weeks"), _("Median approval time (hours)"),
            _("Approvals"), _("Checklist score"), _("Followers"), _("Views")]


def values(report: MonthlyReport, row: PeriodFigures) -> list[object]:
    org = row.organisation
    return [org.name, org.kind, org.posts_per_week_target, row.posts,
            *[row.per_platform.get(p, 0) for p in report.platforms],
            row.weeks_met, row.weeks, row.turnaround_hours, row.approvals, row.checklist_score, row.followers,
            row.views]


def to_csv(report: MonthlyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(report))
    for row in report.rows:
        writer.writerow([_cell(v) for v in values(report, row)])
    return out.getvalue()


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.0")
    return str(value)


def to_pdf(report: MonthlyReport) -> bytes:
    """An A4 landscape table of the month's figures."""
    pdf = unicode_pdf(orientation="L")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, _("Monthly evaluation: %(name)s, %(month)s", name=report.root.name,
                           month=report.month.strftime("%m/%Y")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(0, 5, _("%(active)s of %(total)s organisations met their target in at least half of the "
                           "month's complete weeks.", active=report.active_count, total=len(report.rows))
                   + " " + format_local(report.generated_at, report.root.timezone), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=7)
    with pdf.table(text_align="LEFT", first_row_as_headings=True, line_height=4) as table:
        table.row(headers(report))
        for row in report.rows:
            table.row([_text(v) for v in values(report, row)])
    return bytes(pdf.output())
