"""A draft as a Word document (python-docx, for a person to edit further) and as a PDF (the
evidence pack's renderer, WeasyPrint with Noto CJK: one PDF path in the project)."""

from __future__ import annotations

import io
from datetime import date
from html import escape

import docx
from docx.oxml.ns import qn
from docx.shared import Pt

from mnvault import local_time
from mnvault.compliance.pack import render_pdf
from mnvault.policies.content import Bullets, Draft, Heading, Para, Table

FONT = "Noto Sans CJK JP"


def to_docx(draft: Draft, organisation: str, drafted_on: date) -> bytes:
    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    # East Asian text takes the eastAsia font, not the Latin one.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.core_properties.title = draft.title
    doc.core_properties.author = organisation
    doc.add_heading(draft.title, level=0)
    doc.add_paragraph(f"{organisation}　作成日 {local_time.day(drafted_on)}（mnvault による案）")
    for block in draft.blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=block.level)
        elif isinstance(block, Para):
            doc.add_paragraph(block.text)
        elif isinstance(block, Bullets):
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Table):
            table = doc.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = text
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_STYLE = """
@page { size: A4; margin: 18mm 16mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #555; } }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 10.5pt;
  line-height: 1.6; color: #222; }
h1 { font-size: 16pt; text-align: center; } h2 { font-size: 12.5pt; margin-top: 1.2em; }
h3 { font-size: 11pt; } .meta { text-align: right; color: #555; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: .4em 0; }
th, td { border: 1px solid #999; padding: 2px 4px; text-align: left; vertical-align: top; }
"""


def to_html(draft: Draft, organisation: str, drafted_on: date) -> str:
    parts = [
        f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>{_STYLE}</style>',
        f"<title>{escape(draft.title)}</title></head><body><h1>{escape(draft.title)}</h1>",
        f'<p class="meta">{escape(organisation)}　作成日 {local_time.day(drafted_on)}'
        "（mnvault による案）</p>",
    ]
    for block in draft.blocks:
        if isinstance(block, Heading):
            tag = f"h{block.level + 1}"
            parts.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif isinstance(block, Para):
            parts.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            parts.append("<ul>" + "".join(f"<li>{escape(t)}</li>" for t in block.items) + "</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{escape(t)}</th>" for t in block.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{escape(t)}</td>" for t in row) + "</tr>"
                for row in block.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(draft: Draft, organisation: str, drafted_on: date) -> bytes:
    return render_pdf(to_html(draft, organisation, drafted_on))


def docx_text(data: bytes) -> str:
    """The text of a Word file: its paragraphs and table cells (the upload's number check)."""
    doc = docx.Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)
