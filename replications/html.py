"""report.md -> one self-contained report.html: figures embedded, verdicts coloured, no server needed."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import markdown

from replications.claims import VERDICTS

VERDICT_CLASSES = {verdict: verdict.replace(" ", "-") for verdict in VERDICTS}

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
table { max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; vertical-align: top; overflow-wrap: anywhere; }
td:first-child, th:first-child { white-space: nowrap; overflow-wrap: normal; }
pre { overflow-x: auto; }
th { background: #f3f3f3; }
img { max-width: 100%; border: 1px solid #eee; }
code { background: #f5f5f5; padding: 0 0.2em; }
tr.reproduced td:first-child { background: #d9f2d9; }
tr.not-reproduced td:first-child { background: #f8d7d7; }
tr.inconclusive td:first-child { background: #fff0c2; }
tr.not-measured td:first-child, tr.not-a-claim td:first-child { background: #e6e6e6; color: #5a5a5a; }
"""


def _embed_images(body: str, base: Path) -> str:
    """Replace every <img src="relative.png"> by a data URI, so the page needs no other file."""

    def inline(match: re.Match) -> str:
        path = base / html.unescape(match.group(2))
        if not path.exists():
            raise FileNotFoundError(f"the report refers to a figure that does not exist: {path}")
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'{match.group(1)}data:image/png;base64,{encoded}"'

    return re.sub(r'(<img[^>]*?src=")([^"]+\.png)"', inline, body)


def _colour_verdicts(body: str) -> str:
    """Give each table row whose first cell is a verdict the verdict's class."""
    for verdict, css_class in VERDICT_CLASSES.items():
        body = body.replace(f"<tr>\n<td><strong>{verdict}</strong></td>", f'<tr class="{css_class}">\n<td><strong>{verdict}</strong></td>')
    return body


def render_html(markdown_path: str | Path, html_path: str | Path) -> None:
    markdown_path = Path(markdown_path)
    text = markdown_path.read_text()
    title = text.splitlines()[0].lstrip("# ").strip() if text else "Report"
    body = markdown.markdown(text, extensions=["tables", "fenced_code"])
    body = _colour_verdicts(_embed_images(body, markdown_path.parent))
    page = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
    Path(html_path).write_text(page)
