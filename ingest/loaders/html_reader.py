"""HTML, such as the public project registry's pages: the main content only (navigation, menus,
banners and footers dropped), headings as headings, paragraphs and list items, tables as
tab-separated rows, and the two-cell rows of a form table and definition lists as `Label: value`
lines, which is how the text files write form fields."""

from __future__ import annotations

import re

from ingest.loaders.plain import decode
from ingest.loaders.structured_text import StructuredText, clean_inline

DROPPED_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
                "button", "select", "svg", "iframe")
DROPPED_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar", "complementary"}
# Class or id words of page furniture in common site templates.
FURNITURE_RE = re.compile(r"(^|[-_ ])(nav|navbar|navigation|menu|breadcrumbs?|footer|header|banner|cookies?|"
                          r"skip|sidebar|share|social)([-_ ]|$)", re.I)
BLOCK_TAGS = {"p", "div", "section", "article", "main", "li", "ul", "ol", "table", "dl", "dt", "dd",
              "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "address", "figure", "figcaption"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _is_furniture(tag) -> bool:
    if tag.name in DROPPED_TAGS or (tag.get("role") or "").lower() in DROPPED_ROLES:
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    names = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
    return bool(FURNITURE_RE.search(names)) and tag.name not in ("main", "body", "table", "tr", "td", "th")


def _inline_text(tag) -> str:
    """Text of an element, with <br> as a line break."""
    parts: list[str] = []
    for node in tag.descendants:
        if getattr(node, "name", None) == "br":
            parts.append("\n")
        elif isinstance(node, str) and not getattr(node, "name", None):
            parts.append(str(node))
    return re.sub(r"[ \t\r\f\v]*\n[ \t\r\f\v]*", "\n", re.sub(r"[ \t\r\f\v\u00a0]+", " ", "".join(parts))).strip()


def _rows(table) -> list[list]:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue  # a nested table's rows belong to its own cell
        rows.append(tr.find_all(["th", "td"], recursive=False))
    return [row for row in rows if row]


def _is_form_table(rows: list[list]) -> bool:
    """Label–value rows: two cells each, the first a label (a th beside a td, or a td ending in a
    colon). A first row of th cells only is a header row: that is a data table."""
    if not rows or any(len(row) != 2 for row in rows):
        return False
    if all(cell.name == "th" for cell in rows[0]):
        return False
    return all(row[0].name == "th" and row[1].name == "td" for row in rows) or all(
        clean_inline(row[0].get_text(" ")).endswith(":") for row in rows)


def _table(out: StructuredText, table) -> None:
    rows = _rows(table)
    if _is_form_table(rows):
        for label_cell, value_cell in rows:
            label = clean_inline(label_cell.get_text(" ")).rstrip(":")
            value = clean_inline(_inline_text(value_cell).replace("\n", ", "))
            if label:
                out.paragraph(f"{label}: {value}" if value else f"{label}:")
        return
    grid: list[list[str]] = []
    for row in rows:
        cells: list[str] = []
        for cell in row:
            cells.append(clean_inline(cell.get_text(" ")))
            span = cell.get("colspan")
            cells.extend("" for _ in range(int(span) - 1 if span and str(span).isdigit() else 0))
        grid.append(cells)
    out.table(grid)


def _walk(out: StructuredText, tag, list_marker: list[int] | None = None) -> None:
    for child in tag.children:
        name = getattr(child, "name", None)
        if name is None:
            text = clean_inline(str(child))
            if text and tag.name not in ("ul", "ol", "table", "tr", "dl"):
                out.paragraph(text)  # loose text directly in a block container
            continue
        if _is_furniture(child):
            continue
        if name in HEADINGS:
            out.heading(_inline_text(child))
        elif name == "table":
            _table(out, child)
        elif name in ("ul", "ol"):
            counter = [0] if name == "ol" else None
            for item in child.find_all("li", recursive=False):
                nested = item.find(["ul", "ol"])
                text = _inline_text(item) if nested is None else clean_inline(
                    "".join(str(c) if isinstance(c, str) else c.get_text(" ") for c in item.children
                            if getattr(c, "name", None) not in ("ul", "ol")))
                if counter is not None:
                    counter[0] += 1
                out.list_item(text, f"{counter[0]})" if counter is not None else "-")
                if nested is not None:
                    _walk(out, item)
        elif name == "dl":
            label = ""
            for item in child.find_all(["dt", "dd"], recursive=False):
                if item.name == "dt":
                    label = clean_inline(item.get_text(" ")).rstrip(":")
                else:
                    value = clean_inline(_inline_text(item).replace("\n", ", "))
                    out.paragraph(f"{label}: {value}" if label else value)
        elif name in ("p", "blockquote", "pre", "address", "figcaption", "dt", "dd"):
            out.paragraph(_inline_text(child))
        elif any(getattr(d, "name", None) in BLOCK_TAGS for d in child.descendants):
            _walk(out, child)
        elif name in BLOCK_TAGS:
            out.paragraph(_inline_text(child))
        else:
            text = _inline_text(child)
            if text:
                out.paragraph(text)


def load_html(data: bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(data), "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    main = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find(id=re.compile(r"^(content|main)$")) \
        or soup.body or soup
    out = StructuredText()
    _walk(out, main)
    return out.render()
