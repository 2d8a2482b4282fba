"""PDF documents with a Unicode font: names and Indonesian text print in full (fpdf2 + DejaVu Sans).

The fonts are vendored from Debian's fonts-dejavu-core 2.37 (licence in app/fonts/), so no system font
is needed.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"


def unicode_pdf(orientation: str = "P") -> FPDF:
    """An A4 document with DejaVu Sans (regular and bold) registered as `FONT`."""
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    return pdf
