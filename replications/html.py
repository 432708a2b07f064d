"""report.md -> one self-contained report.html: figures embedded, verdicts coloured, no server needed."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import markdown
import markdown.extensions
import markdown.treeprocessors

from replications.claims import VERDICTS
from replications.report_tools import render_template

VERDICT_CLASSES = {verdict: verdict.replace(" ", "-") for verdict in VERDICTS}

def _embed_images(body: str, base: Path) -> str:
    """Replace every <img src="relative.png"> by a data URI, so the page needs no other file."""

    def inline(match: re.Match) -> str:
        path = base / html.unescape(match.group(2))
        if not path.exists():
            raise FileNotFoundError(f"the report refers to a figure that does not exist: {path}")
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'{match.group(1)}data:image/png;base64,{encoded}"'

    return re.sub(r'(<img[^>]*?src=")([^"]+\.png)"', inline, body)


class VerdictRows(markdown.treeprocessors.Treeprocessor):
    """Give each table row whose first cell is a verdict in bold, and nothing else, the verdict's class (the page's
    style colours it)."""

    def run(self, root) -> None:
        for row in root.iter("tr"):
            cell = row.find("td")
            if cell is None or (cell.text or "").strip() or len(cell) != 1:
                continue
            strong = cell[0]
            if strong.tag == "strong" and strong.text in VERDICT_CLASSES and not (strong.tail or "").strip() and len(strong) == 0:
                row.set("class", VERDICT_CLASSES[strong.text])


class VerdictColours(markdown.extensions.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After the inline patterns (priority 20) have made the <strong> elements.
        md.treeprocessors.register(VerdictRows(md), "verdict_rows", 15)


def render_html(markdown_path: str | Path, html_path: str | Path) -> None:
    markdown_path = Path(markdown_path)
    text = markdown_path.read_text()
    title = text.splitlines()[0].lstrip("# ").strip() if text else "Report"
    body = markdown.markdown(text, extensions=["tables", "fenced_code", VerdictColours()])
    Path(html_path).write_text(render_template("report.html.j2", title=title, body=_embed_images(body, markdown_path.parent)))
