"""Security report exports: CSV (one row per account and item) and PDF (fpdf2)."""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from app.i18n import format_local
from app.models import Organisation
from app.models.types import utcnow
from app.pdf import FONT, unicode_pdf
from app.security.status import OrganisationRollup


def _cell(value: object) -> str:
    """Neutralise spreadsheet formulas (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rollups: list[OrganisationRollup], locale: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Organisation"), _("Platform"), _("Account"), _("Score"), _("Item"), _("Title"),
                     _("Severity"), _("Status"), _("Detail"), _("Due"), _("Expires"), _("Regulation reference")])
    for rollup in rollups:
        zone = rollup.organisation.timezone
        for report in rollup.reports:
            for r in report.results:
                writer.writerow([_cell(v) for v in (
                    rollup.organisation.name, report.account.platform, report.account.handle, report.score,
                    r.item.id, r.item.text("title", locale), r.item.severity, r.status, r.detail,
                    format_local(r.due_at, zone) if r.due_at else "",
                    format_local(r.expires_at, zone) if r.expires_at else "", r.item.regulation_reference)])
    return out.getvalue()


def to_pdf(organisation: Organisation, rollups: list[OrganisationRollup], locale: str) -> bytes:
    """A plain A4 PDF of the roll-up and each account's problem items (DejaVu Sans: full Unicode)."""
    pdf = unicode_pdf()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, (_("Security report: %(name)s", name=organisation.name)),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, 5, (format_local(utcnow(), organisation.timezone)), new_x="LMARGIN", new_y="NEXT")
    for rollup in rollups:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, (f"{rollup.organisation.name} - {_('Score')} {rollup.score}"),
                       new_x="LMARGIN", new_y="NEXT")
        for report in rollup.reports:
            pdf.set_font(FONT, "B", 9)
            pdf.multi_cell(0, 5, (f"{report.account.platform} @{report.account.handle} - "
                                         f"{_('Score')} {report.score}"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(FONT, size=8)
            for r in report.results:
                if r.status == "passing":
                    continue
                line = f"{r.item.id} [{r.item.severity}] {r.status}: {r.item.text('title', locale)}"
                pdf.multi_cell(0, 4, (line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
