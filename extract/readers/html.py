"""A portal's article page with the report inline: the article's text and its tables as grids.

Two libraries, each for what it does well:

* trafilatura finds the article and drops the page furniture (header, navigation, breadcrumbs, footer,
  related links). Its XML output keeps tables, but as plain rows: a cell spanning several rows or columns
  becomes one cell plus empty ones, so the hierarchy of row labels is lost. We use that output for the
  text lines (tables written as tab-separated rows, empty where a merge continues).
* lxml reads the tables from the original DOM, where `rowspan`/`colspan` are still there, and expands
  them into grids. Only innermost tables are taken: portals lay pages out with tables, and a layout table
  wraps the data tables rather than being one.

Cells pasted from Word (`<p><span style=...>` inside `<td>`, `<br>` inside header labels, `&nbsp;`) are
joined into one string per cell. Anti-crawler challenges (瑞数 412 with `$_ts`, 加速乐 `__jsl_clearance`,
WZWS) and login forms are not reports: they raise `ReadError` so the crawl can retry them later.
"""

from __future__ import annotations

import copy
import re
from collections import Counter

import lxml.etree
import lxml.html
import trafilatura

from extract.detect import HTML, decode, normalise_codec
from extract.document import Document, Grid, Line
from extract.errors import ReadError
from extract.limits import Limits
from extract.readers.cells import drop_covered_columns, join_fragments

MAX_SPAN = 1000
MIN_DATA_ROWS = 3
BLOCK_TAGS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
PARAGRAPH_TAGS = tuple(BLOCK_TAGS - {"tr"})
FURNITURE_TAGS = frozenset({"header", "nav", "footer", "aside", "script", "style"})
MAX_CONTAINER_GROWTH = 1.25  # a located container much larger than trafilatura's article holds page furniture
CHALLENGE_MARKERS = (
    (re.compile(r"\$_ts\s*=|\$_ts\["), "瑞数 (Ruishu) dynamic-cookie challenge ($_ts)"),
    (re.compile(r"__jsl_clearance"), "加速乐 (jiasule) challenge (__jsl_clearance)"),
    (re.compile(r"wzws_?(?:cid|sessionid|challenge|question|confirm)|WZWSREL", re.I), "WZWS JS challenge"),
)
COOKIE_SCRIPT = re.compile(r"document\.cookie\s*=", re.I)
PASSWORD_INPUT = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.I)
LOGIN_WORDS = re.compile(r"登录|登陆|用户名|密码|验证码")
REPORT_MARKERS = ("政府信息公开", "总体情况", "主动公开", "依申请")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def read_html(data: bytes, limits: Limits | None = None, declared_charset: str | None = None) -> Document:
    """Read an HTML page (bytes in any encoding; `declared_charset` from the HTTP header if known)."""
    limits = limits or Limits()
    if len(data) > limits.max_file_bytes:
        raise ReadError("too_large", f"HTML: {len(data)} bytes, over the limit of {limits.max_file_bytes}")
    decoded = decode(data, declared_charset)
    text = XML_DECLARATION.sub("", decoded.text)
    _refuse_non_reports(text)
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ReadError("no_content", f"HTML: the page could not be parsed ({exc})") from exc
    tables = [(table, rows) for table in innermost_tables(root) if (rows := expand_table(table))]
    grids = [Grid(rows=rows) for _, rows in tables]
    data_tables = [table for table, rows in tables if len(rows) >= MIN_DATA_ROWS]
    lines, warnings = _lines(text, root, data_tables, _title_texts(root))
    if not lines and not grids:
        raise ReadError("no_content", "HTML: the page holds no article text and no table")
    document = Document(
        media_type=HTML, method="html", lines=lines, tables=grids, title=_title(root), encoding=decoded.codec
    )
    document.warnings.extend(warnings)
    if decoded.declared and decoded.codec != normalise_codec(decoded.declared):
        document.warnings.append(f"the page declares {decoded.declared} but is {decoded.codec}")
    return document


def _lines(
    text: str, root: lxml.html.HtmlElement, data_tables: list, titles: frozenset[str]
) -> tuple[list[Line], list[str]]:
    """trafilatura's article lines, checked against the element holding the article.

    trafilatura collapses paragraphs whose text repeats an earlier one (a second "无。" under 六 after one
    under 五; a table written as lines, where "0 0 0 0 0 0" or "总计" recur), whatever its `deduplicate`
    setting: its recovery pass drops elements whose text it already holds. So its output is checked
    against the article's element in the page — the element holding the data tables, else the deepest
    element holding the paragraphs trafilatura took — and when that element has lines trafilatura's
    output lacks, its own lines are used instead. A page trafilatura finds no article in is read without
    its page furniture. The page's title (`titles`: its `<h1>` and declared titles) does not count as a
    dropped line: trafilatura takes an `<h1>` as the page's heading, not the article's text, and keeps one
    of an `<h1>` and a first paragraph repeating it; the title is read from the page all the same.
    """
    lines = _article_lines(text)
    container = _common_ancestor(data_tables)
    located = container is None
    if located:
        container = _article_container(root, lines)
    if container is not None:
        own = _block_lines(container if located else copy.deepcopy(container))
        counted = [line for line in own if _normal(line.text) not in titles]
        dropped = _missing_prose(counted, lines) + _lost_repeats(counted, lines)
        if dropped and not (located and _chars(own) > MAX_CONTAINER_GROWTH * _chars(lines)):
            return own, [f"trafilatura dropped {dropped} line(s) (it collapses repeated paragraphs): the article "
                         "was read from its own element in the page instead, so no line is lost"]
    return lines or _block_lines(_without_furniture(root)), []


def _normal(text: str) -> str:
    return " ".join(text.split())


def _chars(lines: list[Line]) -> int:
    return sum(len("".join(line.text.split())) for line in lines)


def _article_container(root: lxml.html.HtmlElement, lines: list[Line]) -> lxml.html.HtmlElement | None:
    """A copy of the deepest element holding the paragraphs trafilatura took (found in order among the
    page's innermost blocks), without the furniture beside the article among its children (a header,
    navigation, footer, related links); None when fewer than two are found."""
    wanted = [_normal(line.text) for line in lines if "\t" not in line.text]
    blocks = [element for element in root.iter(*PARAGRAPH_TAGS)
              if not any(True for _ in element.iterdescendants(*BLOCK_TAGS))]  # fmt: skip
    texts = [_normal(block.text_content()) for block in blocks]
    matched, position = [], 0
    for line in wanted:
        found = next((i for i in range(position, len(blocks)) if texts[i] == line), None)
        if found is not None:
            matched.append(blocks[found])
            position = found + 1
    container = _common_ancestor(matched) if len(matched) >= 2 else None
    if container is None:
        return None
    holding = {ancestor for element in matched for ancestor in (element, *element.iterancestors())}
    pruned = copy.deepcopy(container)
    for child, original in zip(list(pruned), list(container), strict=True):
        if original not in holding and _beside_article(original):
            pruned.remove(child)  # its tail text goes too
    return pruned


def _beside_article(element: lxml.html.HtmlElement) -> bool:
    """A block holding none of trafilatura's paragraphs that is page furniture (by tag, class or id) or a
    wrapper of blocks (a sidebar, related links); a lone paragraph is kept: it may be a dropped repeat."""
    if not isinstance(element.tag, str):
        return True
    marker = f"{element.get('class', '')} {element.get('id', '')}"
    furniture = element.tag.lower() in FURNITURE_TAGS or FURNITURE.search(marker)
    return bool(furniture) or any(True for _ in element.iterdescendants(*BLOCK_TAGS))


def _lost_repeats(own: list[Line], extracted: list[Line]) -> int:
    """How many repeats of a line the container has beyond those trafilatura's output kept."""
    kept = Counter(_normal(line.text) for line in extracted)
    written = Counter(_normal(line.text) for line in own)
    return sum(count - kept[text] for text, count in written.items() if kept[text] and count > kept[text])


def _refuse_non_reports(text: str) -> None:
    visible = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", text, flags=re.S | re.I)
    has_report = sum(marker in visible for marker in REPORT_MARKERS) >= 2
    for pattern, name in CHALLENGE_MARKERS:
        if pattern.search(text) and not has_report:
            raise ReadError("challenge_page", f"HTML: {name}; fetch it again with a real browser")
    if COOKIE_SCRIPT.search(text) and len("".join(visible.split())) < 50 and not has_report:
        raise ReadError("challenge_page", "HTML: an empty page whose script sets a cookie (a JS challenge)")
    if PASSWORD_INPUT.search(text) and LOGIN_WORDS.search(visible) and not has_report:
        raise ReadError("login_page", "HTML: a login form (password field), not a report")


def innermost_tables(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return [table for table in root.iter("table") if not any(True for _ in table.iterdescendants("table"))]


def expand_table(table: lxml.html.HtmlElement) -> list[list[str]]:
    """The table as a grid: each cell's text in every position its rowspan × colspan covers."""
    grid: dict[tuple[int, int], str] = {}
    starts: set[tuple[int, int]] = set()
    rows = list(table.iter("tr"))
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = cell_text(cell)
            rowspan = _span(cell.get("rowspan"), len(rows) - r)
            colspan = _span(cell.get("colspan"), MAX_SPAN)
            starts.add((r, c))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid.setdefault((r + dr, c + dc), text)
            c += colspan
    if not grid:
        return []
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    expanded = [[grid.get((r, c), "") for c in range(width)] for r in range(height)]
    return drop_covered_columns(expanded, [[(r, c) in starts for c in range(width)] for r in range(height)])


def _span(value: str | None, most: int) -> int:
    match = re.match(r"\s*(\d+)", value or "")
    return max(1, min(int(match.group(1)), most, MAX_SPAN)) if match else 1


def cell_text(cell: lxml.html.HtmlElement) -> str:
    """A cell's text, with `<br>` and Word's paragraphs as joints between pieces of one label."""
    fragments: list[str] = []
    current: list[str] = []

    def walk(element: lxml.html.HtmlElement) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in ("script", "style"):
            return
        if tag == "br" or tag in BLOCK_TAGS:
            fragments.append("".join(current))
            current.clear()
        if element.text and tag not in ("script", "style"):
            current.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if tag in BLOCK_TAGS:
            fragments.append("".join(current))
            current.clear()

    if cell.text:
        current.append(cell.text)
    for child in cell:
        walk(child)
        if child.tail:
            current.append(child.tail)
    fragments.append("".join(current))
    return join_fragments(fragments)


def _article_lines(text: str) -> list[Line]:
    """The article's lines by trafilatura, tables as tab-separated rows."""
    xml = trafilatura.extract(
        text, output_format="xml", include_tables=True, include_comments=False, with_metadata=False
    )
    if not xml:
        return []
    main = lxml.etree.fromstring(xml.encode("utf-8")).find("main")
    if main is None:
        return []
    lines: list[Line] = []
    for element in main:
        if element.tag == "table":
            for row in element.iter("row"):
                cells = [join_fragments(list(cell.itertext())) for cell in row.iter("cell")]
                if any(cells):
                    lines.append(Line("\t".join(cells)))
        elif element.tag == "list":
            lines.extend(Line(t) for item in element.iter("item") if (t := join_fragments(list(item.itertext()))))
        else:
            lines.extend(Line(line) for line in _broken_lines(element))
    return lines


def _broken_lines(element: lxml.etree._Element) -> list[str]:
    """A paragraph's lines: trafilatura writes `<br>` as `<lb/>`, and a report pasted as one `<p>` (or
    `<div>`) with `<br>` between its lines must reach the text parser as those lines (the element is
    modified)."""
    for lb in element.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    return [line for part in "".join(element.itertext()).split("\n") if (line := " ".join(part.split()))]


FURNITURE = re.compile(r"head|nav|menu|foot|crumb|bread|copyright|banner|sidebar|share|position|location", re.I)


def _without_furniture(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """When trafilatura finds no article: the body without scripts and obvious page furniture."""
    for element in list(root.iter("script", "style", "header", "nav", "footer", "noscript")):
        element.drop_tree()
    for element in list(root.iter()):
        marker = f"{element.get('class', '')} {element.get('id', '')}"
        if isinstance(element.tag, str) and element.getparent() is not None and FURNITURE.search(marker):
            element.drop_tree()
    body = root.find("body")
    return body if body is not None else root


def _block_lines(element: lxml.html.HtmlElement) -> list[Line]:
    """An element's text as lines: one per block, table rows tab-separated (the element is modified)."""
    for script in list(element.iter("script", "style", "noscript")):
        script.drop_tree()
    for row in list(element.iter("tr")):
        cells = [cell_text(cell) for cell in row if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th")]
        row.clear()
        row.text = "\t".join(cells)
    for child in element.iter("br", *BLOCK_TAGS):
        child.tail = "\n" + (child.tail or "")
    lines = (line.strip(" \t\u00a0\u3000") for line in element.text_content().split("\n"))
    return [Line(line) for line in lines if line]


def _common_ancestor(elements: list[lxml.html.HtmlElement]) -> lxml.html.HtmlElement | None:
    """The deepest element holding all the given ones (the article around a report's tables)."""
    if len(elements) < 2:
        return None
    paths = [list(element.iterancestors())[::-1] for element in elements]
    common = None
    for ancestors in zip(*paths, strict=False):
        if all(a is ancestors[0] for a in ancestors):
            common = ancestors[0]
        else:
            break
    return common


def _missing_prose(own: list[Line], extracted: list[Line]) -> int:
    """How many of the container's prose lines trafilatura's output lacks (it drops repeated paragraphs)."""
    found = "\n".join("".join(line.text.split()) for line in extracted)
    return sum(1 for line in own if "\t" not in line.text and "".join(line.text.split()) not in found)


def _title_texts(root: lxml.html.HtmlElement) -> frozenset[str]:
    """The page's title as written in its `<h1>` headings and title meta tags, whitespace normalised."""
    found = root.xpath("//meta[@name='ArticleTitle']/@content") + [h1.text_content() for h1 in root.iter("h1")]
    return frozenset(text for text in map(_normal, found) if text)


def _title(root: lxml.html.HtmlElement) -> str | None:
    for xpath in ("//meta[@name='ArticleTitle']/@content", "//h1//text()", "//title//text()"):
        found = " ".join(t.strip() for t in root.xpath(xpath) if t.strip())
        if found:
            return found
    return None
