"""Render a 2021-template report as a scan: page images (and an image-only PDF) with known numbers.

The pages look like a printed report photographed or scanned at office resolution: a title, section
prose, and the three statistics tables drawn as ruled grids with the template's merged cells (the 3×3
note, the vertical 三、本年度办理结果 block, the group labels), long labels wrapped inside their cells,
optionally a slight rotation and speckle noise. The labels come from the template declaration, never
from this file. Used by tests/extract/test_ocr*.py and bench/ocr.py.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from extract.template import Template, load_template

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_INDEX_SC = 2  # the Simplified Chinese face inside the collection
A4_MM = (210, 297)
MM_PER_INCH = 25.4
APPLICATIONS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass
class Box:
    """A cell of a drawn table: grid position, spans and text."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class GridSpec:
    widths: list[int]
    boxes: list[Box] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return max(b.row + b.rowspan for b in self.boxes)


def random_values(template: Template, rng: random.Random, *, violate: bool = False) -> dict[tuple, int | float]:
    """Numbers for every cell, satisfying the template's identities (unless `violate`): realistic magnitudes."""
    values: dict[tuple, int | float] = {}
    for cell in template.tables["art20"].cells:
        if cell.value_type == "decimal":
            values[(cell.table, cell.row, cell.col)] = round(rng.uniform(0, 900), rng.choice([0, 1, 2, 4]))
        else:
            values[(cell.table, cell.row, cell.col)] = rng.choice([0, 0, rng.randint(0, 60), rng.randint(0, 9999)])
    _applications_values(template, rng, values)
    _review_values(template, rng, values)
    if violate:
        key = (
            "applications",
            template.tables["applications"].rows[0].label,
            template.tables["applications"].cols[0].label,
        )
        values[key] += 1
    return values


def _applications_values(template: Template, rng: random.Random, values: dict) -> None:
    table = template.tables["applications"]
    rows = {r.key: r.label for r in table.rows}
    cols = table.cols
    outcome_keys = next(i.sum for i in template.identities if i.id == "H2")
    for col in cols[:-1]:
        outcomes = {k: rng.choice([0, 0, 0, rng.randint(0, 12), rng.randint(0, 400)]) for k in outcome_keys}
        total = sum(outcomes.values())
        carried_forward = rng.choice([0, rng.randint(0, 30)])
        carried_over = rng.randint(0, total + carried_forward)
        column = {
            **outcomes,
            "total_processed": total,
            "carried_forward": carried_forward,
            "carried_over": carried_over,
            "new_received": total + carried_forward - carried_over,
        }
        for key, value in column.items():
            values[("applications", rows[key], col.label)] = value
    for row in table.rows:
        values[("applications", row.label, cols[-1].label)] = sum(
            values[("applications", row.label, c.label)] for c in cols[:-1]
        )


def _review_values(template: Template, rng: random.Random, values: dict) -> None:
    table = template.tables["review_litigation"]
    row = table.rows[0].label
    cols = table.cols
    for start in range(0, len(cols), 5):
        parts = [rng.choice([0, 0, rng.randint(0, 9), rng.randint(0, 120)]) for _ in range(4)]
        for col, value in zip(cols[start : start + 4], parts, strict=True):
            values[("review_litigation", row, col.label)] = value
        values[("review_litigation", row, cols[start + 4].label)] = sum(parts)


def format_value(value: int | float) -> str:
    """As a report prints it: integers plain, the fee with its decimals (never cut to 6 significant digits)."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.4f}".rstrip("0").rstrip(".")


def art20_grid(template: Template, values: dict, unit: int) -> GridSpec:
    table = template.tables["art20"]
    spec = GridSpec(widths=[unit * 9, unit * 7, unit * 7, unit * 7])
    row = 0
    for block in table.blocks:
        spec.boxes.append(Box(row, 0, block.item or "", colspan=4))
        span = 3 // len(block.cols)
        spec.boxes.append(Box(row + 1, 0, "信息内容"))
        for i, col in enumerate(block.cols):
            spec.boxes.append(Box(row + 1, 1 + i * span, col.label, colspan=span if i < len(block.cols) - 1 else 3 - i))
        for j, label in enumerate(block.rows):
            spec.boxes.append(Box(row + 2 + j, 0, label.label))
            for i, col in enumerate(block.cols):
                value = format_value(values[("art20", label.label, col.label)])
                colspan = span if i < len(block.cols) - 1 else 3 - i
                spec.boxes.append(Box(row + 2 + j, 1 + i * span, value, colspan=colspan))
        row += 2 + len(block.rows)
    return spec


def applications_grid(template: Template, values: dict, unit: int) -> GridSpec:
    table = template.tables["applications"]
    cols = table.cols
    spec = GridSpec(widths=[unit * 2, unit * 3, unit * 10] + [unit * 3] * 7)
    spec.boxes += [
        Box(0, 0, APPLICATIONS_NOTE, rowspan=3, colspan=3),
        Box(0, 3, "申请人情况", colspan=7),
        Box(1, 3, cols[0].label, rowspan=2),
        Box(1, 4, "法人或其他组织", colspan=5),
        Box(1, 9, cols[-1].label, rowspan=2),
    ]
    spec.boxes += [Box(2, 4 + i, col.label) for i, col in enumerate(cols[1:-1])]
    paths = [row.label.split("/") for row in table.rows]
    first = 3
    for i, path in enumerate(paths):
        r = first + i
        if len(path) == 1:
            spec.boxes.append(Box(r, 0, path[0], colspan=3))
        else:
            if i == 0 or paths[i - 1][0] != path[0]:
                spec.boxes.append(Box(r, 0, path[0], rowspan=sum(1 for p in paths if p[0] == path[0])))
            if len(path) == 2:
                spec.boxes.append(Box(r, 1, path[1], colspan=2))
            else:
                if paths[i - 1][:2] != path[:2]:
                    spec.boxes.append(Box(r, 1, path[1], rowspan=sum(1 for p in paths if p[:2] == path[:2])))
                spec.boxes.append(Box(r, 2, path[2]))
        for c, col in enumerate(cols):
            spec.boxes.append(Box(r, 3 + c, format_value(values[("applications", table.rows[i].label, col.label)])))
    return spec


def review_grid(template: Template, values: dict, unit: int) -> GridSpec:
    table = template.tables["review_litigation"]
    row = table.rows[0].label
    cols = table.cols
    spec = GridSpec(widths=[int(unit * 2.6)] * 15)
    spec.boxes += [Box(0, 0, "行政复议", colspan=5), Box(0, 5, "行政诉讼", colspan=10)]
    spec.boxes += [Box(1, i, col.label.split("/")[-1], rowspan=2) for i, col in enumerate(cols[:5])]
    spec.boxes += [Box(1, 5, "未经复议直接起诉", colspan=5), Box(1, 10, "复议后起诉", colspan=5)]
    spec.boxes += [Box(2, 5 + i, col.label.split("/")[-1]) for i, col in enumerate(cols[5:])]
    spec.boxes += [Box(3, i, format_value(values[("review_litigation", row, col.label)])) for i, col in enumerate(cols)]
    return spec


class PageWriter:
    """Draws text and ruled tables top to bottom on A4 pages at a given resolution."""

    def __init__(self, dpi: int):
        self.dpi = dpi
        self.size = tuple(round(mm / MM_PER_INCH * dpi) for mm in A4_MM)
        self.margin = round(25 / MM_PER_INCH * dpi)
        self.body = ImageFont.truetype(FONT_PATH, round(10.5 / 72 * dpi), index=FONT_INDEX_SC)
        self.small = ImageFont.truetype(FONT_PATH, round(9 / 72 * dpi), index=FONT_INDEX_SC)
        self.title_font = ImageFont.truetype(FONT_PATH, round(15 / 72 * dpi), index=FONT_INDEX_SC)
        self.pages: list[Image.Image] = []
        self.new_page()

    @property
    def width(self) -> int:
        return self.size[0] - 2 * self.margin

    def new_page(self) -> None:
        self.page = Image.new("L", self.size, 255)
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.y = self.margin

    def _wrap(self, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
        lines, current = [], ""
        for char in text:
            if current and font.getlength(current + char) > width:
                lines.append(current)
                current = ""
            current += char
        return [*lines, current] if current else lines

    def paragraph(self, text: str, *, font: ImageFont.FreeTypeFont | None = None, indent: bool = True) -> None:
        font = font or self.body
        height = round(font.size * 1.6)
        for line in self._wrap(("\u3000\u3000" if indent else "") + text, font, self.width):
            if self.y + height > self.size[1] - self.margin:
                self.new_page()
            self.draw.text((self.margin, self.y), line, font=font, fill=0)
            self.y += height
        self.y += font.size // 3

    def title(self, text: str) -> None:
        width = self.title_font.getlength(text)
        self.draw.text(((self.size[0] - width) / 2, self.y), text, font=self.title_font, fill=0)
        self.y += round(self.title_font.size * 2.2)

    def table(self, spec: GridSpec) -> None:
        font = self.small
        pad = font.size // 4
        line_h = round(font.size * 1.3)
        scale = self.width / sum(spec.widths)
        widths = [round(w * scale) for w in spec.widths]
        xs = [self.margin + sum(widths[:i]) for i in range(len(widths) + 1)]
        heights = [line_h + 2 * pad] * spec.n_rows
        wrapped = {}
        for box in spec.boxes:
            width = xs[box.col + box.colspan] - xs[box.col] - 2 * pad
            wrapped[id(box)] = self._wrap(box.text, font, width)
            need = len(wrapped[id(box)]) * line_h + 2 * pad
            have = sum(heights[box.row : box.row + box.rowspan])
            if need > have:
                heights[box.row + box.rowspan - 1] += need - have
        if self.y + sum(heights) > self.size[1] - self.margin:
            self.new_page()
        ys = [self.y + sum(heights[:i]) for i in range(len(heights) + 1)]
        for box in spec.boxes:
            x0, x1 = xs[box.col], xs[box.col + box.colspan]
            y0, y1 = ys[box.row], ys[box.row + box.rowspan]
            self.draw.rectangle((x0, y0, x1, y1), outline=0, width=max(1, self.dpi // 100))
            lines = wrapped[id(box)]
            top = y0 + (y1 - y0 - len(lines) * line_h) / 2
            for k, text in enumerate(lines):
                tx = x0 + (x1 - x0 - font.getlength(text)) / 2
                self.draw.text((tx, top + k * line_h), text, font=font, fill=0)
        self.y = ys[-1] + line_h


PROSE = [
    "2023年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
    "不断完善政府信息公开工作机制，及时准确发布政府信息，回应社会关切，保障人民群众知情权、参与权和监督权。",
    "依申请公开方面，严格按照法定程序和时限办理政府信息公开申请，做到件件有登记、件件有答复。",
]
TAIL = {
    5: "一是公开内容的深度和广度有待拓展；二是政策解读形式较为单一。下一步将加强培训，提升公开质量。",
    6: "本机关2023年度未收取信息处理费。",
}


def render_report(
    values: dict, *, dpi: int = 200, body: str = "县人民政府办公室", year: int = 2023, template_id: str = "2021"
) -> list[Image.Image]:
    """The report as page images (grayscale, A4 at `dpi`)."""
    template = load_template(template_id)
    unit = 10
    writer = PageWriter(dpi)
    writer.title(f"{body}{year}年政府信息公开工作年度报告")
    heading = {s.number: s.heading for s in template.sections}
    writer.paragraph(heading[1], indent=False)
    for text in PROSE:
        writer.paragraph(text)
    writer.paragraph(heading[2], indent=False)
    writer.table(art20_grid(template, values, unit))
    writer.paragraph(heading[3], indent=False)
    writer.table(applications_grid(template, values, unit))
    writer.paragraph(heading[4], indent=False)
    writer.table(review_grid(template, values, unit))
    for number, text in TAIL.items():
        writer.paragraph(heading[number], indent=False)
        writer.paragraph(text)
    return writer.pages


def degrade(page: Image.Image, rng: random.Random, *, angle: float = 0.4, speckles: int = 400) -> Image.Image:
    """A scan's imperfections: a slight rotation and dust specks."""
    rotated = page.rotate(rng.uniform(-angle, angle), resample=Image.BICUBIC, expand=False, fillcolor=255)
    draw = ImageDraw.Draw(rotated)
    for _ in range(speckles):
        x, y = rng.randrange(rotated.width), rng.randrange(rotated.height)
        draw.point((x, y), fill=rng.randint(0, 160))
    return rotated


def to_png(page: Image.Image) -> bytes:
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    return buffer.getvalue()


def to_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    """An image-only PDF (no text layer), as a scanner writes it."""
    buffer = io.BytesIO()
    rgb = [p.convert("RGB") for p in pages]
    rgb[0].save(buffer, format="PDF", save_all=True, append_images=rgb[1:], resolution=dpi)
    return buffer.getvalue()
