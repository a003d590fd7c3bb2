"""The HTML report: self-contained, escaped, complete, in English and Chinese."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import cosyn
from cosyn.io.write import file_sha256
from cosyn.report.html import (
    DIAGNOSTIC_FIGURE_NAMES,
    FIGURE_NAMES,
    MAX_TABLE_ENTITIES,
    inline_svg,
    render_html,
    write_html,
)
from cosyn.report.text import stage_focus, stage_names
from cosyn.summary import render_summary

matplotlib.use("Agg")
import matplotlib.pyplot as plt

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|xlink:href)\s*=\s*["']?\s*|url\(\s*["']?\s*)(?:https?:)?//""", re.I
)


# -- a small DOM from the stdlib parser -----------------------------------------------
@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    content: list[str | Node] = field(default_factory=list)  # text and children, in order

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()
            if n.tag == tag and (cls is None or cls in n.attrs.get("class", "").split())
        ]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.content)

    def ancestors(self) -> list[str]:
        out, node = [], self.parent
        while node is not None:
            out.append(node.tag)
            node = node.parent
        return out


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.current.content.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.current.content.append(node)

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent  # type: ignore[assignment]
        assert node is not self.root, f"unbalanced </{tag}>"
        self.current = node.parent  # type: ignore[assignment]

    def handle_data(self, data):
        self.current.content.append(data)


def parse(doc: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(doc)
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder


def section(tree: TreeBuilder, id_: str) -> Node:
    [node] = [n for n in tree.root.iter() if n.attrs.get("id") == id_]
    return node


# -- fixtures ------------------------------------------------------------------------
def svg_figure(title: str) -> str:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0.1, 0.4, 0.3])
    ax.set_title(title)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue()


@pytest.fixture(scope="module")
def figures() -> dict[str, str]:
    return {name: svg_figure(name) for name in FIGURE_NAMES}


@pytest.fixture(scope="module")
def guangzhou() -> cosyn.Result:
    return cosyn.fit(cosyn.datasets.data_path("trade.csv"), cosyn.datasets.load_spec("trade_model"))


@pytest.fixture(scope="module")
def report(guangzhou, figures) -> str:
    return render_html(guangzhou, figures=figures, data_file=cosyn.datasets.data_path("trade.csv"))


def small(entities: list[str], **spec: object) -> cosyn.Result:
    rows = []
    for n, e in enumerate(entities):
        for t in range(2000, 2004):
            rows.append(
                {
                    "e": e,
                    "t": t,
                    "a1": 1.0 + t - 2000 + n % 3,
                    "a2": 5.0 - 0.5 * (t - 2000) ** 1.5,
                    "b1": 10.0 + (t - 2000) ** 2 + n % 5,
                }
            )
    model = {
        "entity": "e",
        "period": "t",
        "subsystems": {
            "A": {"indicators": {"a1": "+", "a2": "-"}},
            "B": {"indicators": {"b1": "+"}},
        },
        **spec,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(pd.DataFrame(rows), model)


# -- the Guangzhou report --------------------------------------------------------------
def test_document_is_well_formed_and_mobile_ready(report):
    tree = parse(report)
    assert tree.doctype.lower() == "doctype html"
    [html] = tree.root.find_all("html")
    assert html.attrs["lang"] == "en"
    metas = {m.attrs.get("name"): m.attrs.get("content", "") for m in tree.root.find_all("meta")}
    assert "width=device-width" in metas["viewport"]
    css = "".join(s.text() for s in tree.root.find_all("style"))
    assert re.search(
        r"figure svg \{[^}]*width: 100%;[^}]*max-width: min\(100%[^}]*height: auto", css
    )
    assert ".table-wrap { overflow-x: auto" in css
    print_css = css[css.index("@media print") :]
    assert "position: static" in print_css and "break-inside: avoid" in print_css
    # Every table scrolls in its own wrapper
    for table in tree.root.find_all("table"):
        assert "table-wrap" in table.parent.attrs.get("class", "")  # type: ignore[union-attr]
    ids = [n.attrs["id"] for n in tree.root.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)), "duplicate ids (figure ids must be prefixed)"


def test_self_contained_no_external_reference(report):
    assert not EXTERNAL.search(report)
    assert "http://" not in report and "https://" not in report
    tree = parse(report)
    [script] = tree.root.find_all("script")  # the report's own, inline: no src, no data
    assert "src" not in script.attrs and "http" not in script.text()
    assert not tree.root.find_all("link")
    assert not tree.root.find_all("img") and not tree.root.find_all("iframe")
    assert "<?xml" not in report and "<!DOCTYPE svg" not in report
    assert "<metadata" not in report


def test_every_figure_is_inline_svg_in_a_figure(report):
    tree = parse(report)
    figures = {f.attrs["data-figure"]: f for f in tree.root.find_all("figure")}
    assert list(figures) == list(FIGURE_NAMES)
    for name, fig in figures.items():
        svgs = fig.find_all("svg")
        assert len(svgs) == 1 and fig.find_all("figcaption"), name
        assert "viewbox" in svgs[0].attrs and svgs[0].find_all("path"), name
    for svg in tree.root.find_all("svg"):
        assert "figure" in svg.ancestors()
    # local references follow the prefixed ids
    refs = set(re.findall(r'href="#([^"]+)"', report)) | set(re.findall(r"url\(#([^)]+)\)", report))
    ids = {n.attrs["id"] for n in tree.root.iter() if "id" in n.attrs}
    assert refs <= ids


def test_provenance_and_summary(report, guangzhou):
    tree = parse(report)
    prov = section(tree, "provenance").text()
    assert "trade.csv" in prov
    assert file_sha256(cosyn.datasets.data_path("trade.csv")) in prov
    assert cosyn.__version__ in prov and "trade_model.toml" in prov
    assert re.search(r"\d{4}-\d{2}-\d{2}", prov)
    summary = section(tree, "summary")
    text = summary.text()
    for words in ("Entities", "Periods", "Subsystems", "Method", "12 (2010–2021)"):
        assert words in text
    for e in guangzhou.entities:
        assert e in text
    assert "margin a = 0.1" in text and "weighted sum" in text and "first period (2010)" in text
    [pre] = summary.find_all("pre")
    assert pre.text() == render_summary(guangzhou, data_name="trade.csv")


def test_stage_card_for_every_entity(report, guangzhou):
    tree = parse(report)
    cards = {a.attrs["data-entity"]: a for a in section(tree, "stages").find_all("article")}
    assert list(cards) == list(guangzhou.entities)
    names = stage_names(guangzhou)
    focus = stage_focus(guangzhou)
    for e, entity in enumerate(guangzhou.entities):
        code = int(guangzhou.stage_codes[e, -1])
        text = " ".join(cards[entity].text().split())
        assert f"{guangzhou.synergy_values[e, -1]:.3f}" in text
        assert names[code] in text and focus[code] in text
        assert f"stage-{code}" in cards[entity].attrs["class"]


def test_tables_and_methods(report, guangzhou):
    tree = parse(report)
    tables = section(tree, "tables")
    keys = [t.attrs["data-table"] for t in tables.find_all("table")]
    assert keys == [
        "descriptive",
        "weights",
        "weights_by_entity",
        "synergy",
        "order_cluster_trade",
        "order_city_trade",
    ]
    [synergy] = [t for t in tables.find_all("table") if t.attrs["data-table"] == "synergy"]
    rows = synergy.find_all("tbody")[0].find_all("tr")
    assert len(rows) == len(guangzhou.entities)
    cells = [td.text() for td in rows[0].find_all("td")]
    # the base period compares nothing and is left out; then U, the rank, level and stage
    assert cells[: guangzhou.synergy_values.shape[1]] == [
        f"{v:.3f}" for v in guangzhou.synergy_values[0]
    ]
    assert cells[-2:] == [
        guangzhou.spec.levels.names[guangzhou.level_codes[0, -1]],
        guangzhou.spec.stages.names[guangzhou.stage_codes[0, -1]],
    ]
    [mean] = synergy.find_all("tfoot")[0].find_all("tr")
    assert mean.find_all("th")[0].text() == "Mean"
    assert next(td.text() for td in mean.find_all("td")) == (
        f"{guangzhou.synergy_values[:, 0].mean():.3f}"
    )
    assert "CSV" not in tables.text()  # no truncation note for 5 entities
    methods = " ".join(section(tree, "methods").text().split())
    assert "margin a = 0.1" in methods
    assert "entropy method" in methods and "weighted sum" in methods
    assert "The base is the first period" in methods and "Meng and Han (2000)" in methods
    notes = section(tree, "notes").text()
    assert "No warnings" in notes


def test_write_html_is_atomic_and_returns_the_path(tmp_path, guangzhou):
    out = write_html(guangzhou, tmp_path / "sub" / "report.html", lang="zh")
    assert out == tmp_path / "sub" / "report.html"
    text = out.read_text(encoding="utf-8")
    assert text == render_html(guangzhou, lang="zh")
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_without_figures_there_is_no_figure_section(guangzhou):
    doc = render_html(guangzhou)
    tree = parse(doc)
    assert not tree.root.find_all("figure") and 'href="#figures"' not in doc
    assert "not recorded (no data file given)" in section(tree, "provenance").text()


# -- language --------------------------------------------------------------------------
def test_chinese_report(guangzhou, figures):
    doc = render_html(guangzhou, figures=figures, lang="zh")
    tree = parse(doc)
    assert tree.root.find_all("html")[0].attrs["lang"] == "zh"
    headings = [h.text() for h in tree.root.find_all("h2")]
    assert headings == [
        "数据与模型",
        "概要",
        "图",
        "各个体的协同发展阶段",
        "表",
        "方法说明",
        "说明与警告",
    ]
    zh_stages = stage_names(guangzhou, "zh")
    zh_focus = stage_focus(guangzhou, "zh")
    for card, code in zip(
        section(tree, "stages").find_all("article"), guangzhou.stage_codes[:, -1], strict=True
    ):
        text = " ".join(card.text().split())
        assert zh_stages[code] in text and zh_focus[code] in text
    assert "扩张阶段" in doc and "发展阶段" in doc
    assert "熵值法" in section(tree, "methods").text()
    assert tree.root.find_all("figcaption")[0].text().startswith("图 1.")
    with pytest.raises(ValueError, match="lang"):
        render_html(guangzhou, lang="de")


# -- escaping, truncation, figures -----------------------------------------------------
def test_user_text_is_escaped():
    evil = "<script>alert(1)</script>"
    res = small(
        [evil, 'Quote "q" & <b>bold</b>'],
        title="<img src=x onerror=alert(2)>",
    )
    doc = render_html(res)
    tree = parse(doc)
    [script] = tree.root.find_all("script")  # the report's own: no data of the model in it
    assert "alert" not in script.text() and not tree.root.find_all("img")
    assert not tree.root.find_all("b")
    assert "<script>alert(1)" not in doc and "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "&lt;img src=x onerror=alert(2)&gt;" in doc
    cards = [a.attrs["data-entity"] for a in tree.root.find_all("article")]
    assert cards == [evil, 'Quote "q" & <b>bold</b>']  # escaped in the page, intact as text
    assert tree.root.find_all("title")[0].text() == "<img src=x onerror=alert(2)>"


def test_many_entities_are_all_in_the_wide_tables_paged():
    names = [f"region {n:02d}" for n in range(MAX_TABLE_ENTITIES + 5)]
    res = small(names)
    tree = parse(render_html(res))
    tables = section(tree, "tables")
    assert not tables.find_all("p", "truncated")
    wide = next(t for t in tables.find_all("table") if t.attrs["data-table"] == "synergy")
    body = wide.find_all("tbody")[0].find_all("tr")
    assert [r.find_all("th")[0].text() for r in body] == names  # every entity, in order
    assert "paged" in wide.attrs["class"].split() and "sortable" in wide.attrs["class"]
    # wide tables are shown open; a long-format table is folded behind <details>
    assert "details" not in wide.ancestors()
    # every entity still has its stage card
    assert len(section(tree, "stages").find_all("article")) == 55


def test_equal_weights_across_entities_show_one_row():
    res = small(["p", "q"], method={"weights": "equal"})
    tree = parse(render_html(res))
    keys = [t.attrs["data-table"] for t in section(tree, "tables").find_all("table")]
    weights = section(tree, "tables").find_all("table")[keys.index("weights")]
    rows = weights.find_all("tbody")[0].find_all("tr")
    cells = [[td.text() for td in r.find_all("td")] for r in rows]
    assert [c[1] for c in cells] == ["a1", "a2", "b1"]
    assert [c[-2] for c in cells] == ["0.5000", "0.5000", "1.0000"]  # w
    assert [c[-1] for c in cells] == ["50.00", "50.00", "100.00"]  # w in %


def test_inline_svg_cleans_and_refuses():
    svg = svg_figure("x")
    out = str(inline_svg(svg, "f1-"))
    assert out.startswith("<svg") and "xmlns" not in out and "http" not in out
    assert 'id="f1-' in out and 'href="#f1-' in out
    with pytest.raises(ValueError, match="not an SVG"):
        inline_svg("<p>hello</p>", name="hello")
    for bad in (
        "<svg><script>alert(1)</script></svg>",
        '<svg><a href="https://example.org/x"><text>x</text></a></svg>',
        '<svg><image xlink:href="http://example.org/x.png"/></svg>',
        '<svg><rect style="fill: url(https://example.org/p)"/></svg>',
        '<svg onload="alert(1)"></svg>',
        "<svg><a href='https://example.org'>x</a></svg>",
        "<svg><a href=//example.org>x</a></svg>",
        "<svg><rect style=\"fill: url('http://example.org/p')\"/></svg>",
        '<svg><a href="data:text/html,hi">x</a></svg>',
        "<svg><style>@import 'x.css';</style></svg>",
        "<svg><foreignObject><div>x</div></foreignObject></svg>",
    ):
        with pytest.raises(ValueError, match="self-contained"):
            inline_svg(bad, name="bad")
    # data: images (matplotlib's raster parts) and local references are fine
    ok = (
        '<svg><image xlink:href="data:image/png;base64,AAAA"/><use href="#g"/>'
        "<use href='#h'/><rect clip-path=\"url(#c)\" fill=\"url('#d')\"/></svg>"
    )
    assert "data:image/png" in inline_svg(ok)
    assert 'href="#p-g"' in inline_svg(ok, "p-")


def test_date_periods_are_shown_as_dates():
    res = small(["p", "q"])
    frame = res.order_degree.pivot_table(
        index=["entity", "period"], columns="indicator", values="value"
    ).reset_index()
    frame["period"] = pd.to_datetime(frame["period"].astype(str) + "-01-01")
    model = {
        "entity": "entity",
        "period": "period",
        "subsystems": {
            "A": {"indicators": {"a1": "+", "a2": "-"}},
            "B": {"indicators": {"b1": "+"}},
        },
    }
    tree = parse(render_html(cosyn.fit(frame, model)))
    headers = [th.text() for th in section(tree, "tables").find_all("th", "n")]
    assert "2001-01-01" in headers
    for part in ("tables", "stages", "methods"):
        assert "00:00:00" not in section(tree, part).text(), part
    assert "4 (2000-01-01–2003-01-01)" in section(tree, "summary").text()


def test_unknown_figure_names_are_shown_with_their_name(guangzhou):
    doc = render_html(guangzhou, figures={"sensitivity": svg_figure("r")})
    tree = parse(doc)
    [fig] = tree.root.find_all("figure")
    assert fig.attrs["data-figure"] == "sensitivity" and fig.find_all("svg")
    assert "sensitivity" in fig.find_all("figcaption")[0].text()
    with pytest.raises(ValueError, match="'broken'"):
        render_html(guangzhou, figures={"broken": "not svg"})


def test_data_file_given_as_str(guangzhou):
    path = Path(cosyn.datasets.data_path("trade.csv"))
    doc = render_html(guangzhou, data_file=str(path))
    assert file_sha256(path) in doc


# -- diagnostics -----------------------------------------------------------------------
ALL_DIAGNOSTICS = {
    "gra": True,
    "coupling": "classic",
    "obstacles": 3,
    "forecast": 3,
    "robustness": {"draws": 40},
}
ASKED = DIAGNOSTIC_FIGURE_NAMES


@pytest.fixture(scope="module")
def diag() -> cosyn.Result:
    """The Guangzhou example with every diagnostic asked for."""
    spec = cosyn.datasets.load_spec("trade_model").to_dict()
    spec["diagnostics"] = ALL_DIAGNOSTICS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(cosyn.datasets.data_path("trade.csv"), spec)


@pytest.fixture(scope="module")
def all_figures(figures) -> dict[str, str]:
    return {**figures, **{name: svg_figure(name) for name in DIAGNOSTIC_FIGURE_NAMES}}


@pytest.fixture(scope="module")
def diag_report(diag, all_figures) -> str:
    return render_html(diag, figures=all_figures)


def article(tree: TreeBuilder, name: str) -> Node:
    [node] = [n for n in tree.root.iter() if n.attrs.get("data-diagnostic") == name]
    return node


def body_rows(table: Node) -> list[Node]:
    return table.find_all("tbody")[0].find_all("tr")


def cells(row: Node) -> list[str]:
    return [" ".join(td.text().split()) for td in row.find_all("td")]


def test_diagnostic_figure_names_match_the_figures_module():
    from cosyn.report.figures import DIAGNOSTIC_FIGURES

    assert DIAGNOSTIC_FIGURE_NAMES == DIAGNOSTIC_FIGURES


def test_no_diagnostics_section_unless_asked(guangzhou, all_figures):
    doc = render_html(guangzhou, figures=all_figures)
    tree = parse(doc)
    assert not [n for n in tree.root.iter() if n.attrs.get("id") == "diagnostics"]
    assert 'href="#diagnostics"' not in doc and "data-diagnostic" not in doc
    # figures of diagnostics not asked for are shown with the others, captioned
    names = [f.attrs["data-figure"] for f in section(tree, "figures").find_all("figure")]
    assert names == [*FIGURE_NAMES, *DIAGNOSTIC_FIGURE_NAMES]


def test_diagnostics_section_with_a_figure_and_a_table_each(diag_report):
    tree = parse(diag_report)
    diagnostics = section(tree, "diagnostics")
    assert 'href="#diagnostics"' in diag_report
    assert [h.text() for h in tree.root.find_all("h2")][-3:] == [
        "Diagnostics",
        "Methods",
        "Notes and warnings",
    ]
    arts = diagnostics.find_all("article")
    assert [a.attrs["data-diagnostic"] for a in arts] == list(ASKED)
    numbers = []
    for name in ASKED:
        art = article(tree, name)
        [fig] = art.find_all("figure")
        assert fig.attrs["data-figure"] == name and len(fig.find_all("svg")) == 1
        numbers.append(int(fig.find_all("figcaption")[0].text().split()[1].rstrip(".")))
        assert art.find_all("table"), name
        assert art.find_all("p", "hint")[0].text().strip(), name
        # the sub-navigation links to it
        assert f'href="#{art.attrs["id"]}"' in diag_report
    assert numbers == list(range(len(FIGURE_NAMES) + 1, len(FIGURE_NAMES) + 1 + len(ASKED)))
    # the Figures section keeps the base figures and lists the diagnostic ones
    figs = section(tree, "figures")
    assert [f.attrs["data-figure"] for f in figs.find_all("figure")] == list(FIGURE_NAMES)
    links = [a.attrs["href"] for a in figs.find_all("p", "fig-list")[0].find_all("a")]
    assert links == [f"#figure-{n}" for n in ASKED]
    ids = [n.attrs["id"] for n in tree.root.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    assert not EXTERNAL.search(diag_report)
    assert "http://" not in diag_report and "https://" not in diag_report


def test_grey_relation_table_marks_weak_grades(diag_report, diag):
    tree = parse(diag_report)
    art = article(tree, "grey_relation")
    wide, cross = art.find_all("table")
    grades = diag.diagnostics.gra
    rows = body_rows(wide)
    assert len(rows) == len(diag.entities) + 1  # and the mean
    for e, row in enumerate(rows[:-1]):
        tds = row.find_all("td")
        for i, td in enumerate(tds):
            weak = grades[e, i] < 0.6
            assert td.text() == f"{grades[e, i]:.3f}" + ("*" if weak else "")
            assert ("weak" in td.attrs["class"].split()) == weak
    assert cells(rows[-1]) == [f"{v:.3f}" for v in grades.mean(axis=0)]
    assert "Mean of all 5 entities" in rows[-1].text()
    # cross grades: cluster trade (rows) × city trade (columns), mean over entities
    mean = diag.diagnostics.gra_cross[(0, 1)].mean(axis=0)
    assert [cells(r) for r in body_rows(cross)] == [[f"{v:.3f}" for v in row] for row in mean]
    assert "mean over all 5 entities" in art.text()


def test_coupling_table_at_the_last_period(diag_report, diag):
    tree = parse(diag_report)
    [table] = article(tree, "coupling").find_all("table")
    last = diag.coupling[diag.coupling["period"] == diag.periods[-1]]
    # C, T, D, level, stage, then the relative development degree E and its lag type
    # (the table's lag text, with the subsystems' labels)
    expected = [
        [f"{c:.3f}", f"{t:.3f}", f"{d:.3f}", lv, st, f"{e:.3f}", lag]
        for c, t, d, lv, st, e, lag in zip(
            last["C"], last["T"], last["D"], last["level"], last["coupling_stage"],
            last["E"], last["lag"], strict=True,
        )
    ]  # fmt: skip
    assert [cells(r) for r in body_rows(table)] == expected
    text = article(tree, "coupling").text()
    assert "in 2021 (classic model)" in text and "relative development degree" in text
    heads = [th.text() for th in table.find_all("thead")[0].find_all("th")]
    assert heads[-2:] == ["E", "Lag type"]


def test_obstacle_table_lists_the_top_ones_of_the_last_period(diag_report, diag):
    tree = parse(diag_report)
    [table] = article(tree, "obstacles").find_all("table")
    top = diag.obstacles[diag.obstacles["period"] == diag.periods[-1]]
    for row, (entity, group) in zip(
        body_rows(table), top.groupby("entity", sort=False), strict=True
    ):
        assert row.find_all("th")[0].text() == entity
        assert cells(row) == [
            f"{i} {100 * v:.1f}% ({fi:.4f})"
            for i, v, fi in zip(group["indicator"], group["obstacle"], group["FI"], strict=True)
        ]
    heads = [th.text() for th in table.find_all("thead")[0].find_all("th")]
    assert heads == ["Entity", "No. 1", "No. 2", "No. 3"]


def test_forecast_table_gives_values_and_grades(diag_report, diag):
    tree = parse(diag_report)
    [table] = article(tree, "forecast").find_all("table")
    heads = [th.text() for th in table.find_all("thead")[0].find_all("th")]
    assert heads == ["Entity", "Series", "2022", "2023", "2024", "Grade", "Level ratio", "C", "P"]
    rows = body_rows(table)
    assert len(rows) == len(diag.entities) * 3  # two subsystems and U
    fc = diag.forecast
    ahead = fc[(fc["kind"] == "forecast") & (fc["series"] == "synergy")]
    first = ahead[ahead["entity"] == diag.entities[0]]
    row = cells(rows[2])
    assert row[0] == "synergy degree U"
    marks = ["†" if c else "" for c in first["clipped"]]
    assert row[1:4] == [f"{v:.3f}{m}" for v, m in zip(first["value"], marks, strict=True)]
    grade = first["grade"].iloc[0] + ("" if first["level_ratio_ok"].iloc[0] else "*")
    assert row[4] == grade and row[5] == first["level_ratio"].iloc[0]
    assert row[6] == f"{first['C'].iloc[0]:.3f}"


def test_robustness_table_at_the_last_period(diag_report, diag):
    tree = parse(diag_report)
    [table] = article(tree, "robustness").find_all("table")
    rb = diag.robustness
    last = rb[rb["period"] == diag.periods[-1]].reset_index()
    rows = body_rows(table)
    assert len(rows) == len(diag.entities)
    for row, r in zip(rows, last.itertuples(), strict=True):
        got = cells(row)
        assert got[0] == f"{r.synergy:.3f}" and got[1] == f"{r.median:.3f}"
        assert got[2] == f"{r.p5:.3f} – {r.p95:.3f}"
        assert got[4] == f"{100 * r.stage_agreement:.0f}%"
        assert got[5] == f"{r.rank:g}"


def test_only_the_diagnostics_asked_for_are_shown():
    res = small(["p", "q"], diagnostics={"coupling": "wang", "forecast": 1})
    doc = render_html(res, figures={"coupling": svg_figure("c"), "forecast": svg_figure("f")})
    tree = parse(doc)
    arts = [a.attrs["data-diagnostic"] for a in section(tree, "diagnostics").find_all("article")]
    assert arts == ["coupling", "forecast"]
    text = section(tree, "diagnostics").text()
    assert "corrected model of Wang et al. 2021" in text and "Forecasts 1 period ahead" in text
    # 4 periods: U has 3 compared periods, too short for GM(1,1)
    [table] = article(tree, "forecast").find_all("table")
    synergy_rows = [cells(r) for r in body_rows(table) if "synergy degree U" in r.text()]
    assert synergy_rows == [["synergy degree U", "—", "not fitted", "—", "—", "—"]] * 2


def test_diagnostic_tables_are_truncated_and_escaped():
    names = ["<script>alert(1)</script>"] + [
        f"region {n:02d}" for n in range(MAX_TABLE_ENTITIES + 4)
    ]
    res = small(names, diagnostics={"gra": True, "coupling": "fan", "obstacles": 2, "forecast": 1})
    doc = render_html(res)
    tree = parse(doc)
    [script] = tree.root.find_all("script")
    assert "alert" not in script.text() and "<script>alert(1)" not in doc
    diagnostics = section(tree, "diagnostics")
    note = " ".join(diagnostics.find_all("p", "truncated")[0].text().split())
    assert note.startswith("Each table shows the first 50 of 55 entities")
    assert "grey_relation.csv, grey_cross.csv, coupling.csv, obstacles.csv, forecast.csv" in note
    for name, per_entity in (("grey_relation", 1), ("coupling", 1), ("obstacles", 1)):
        table = article(tree, name).find_all("table")[0]
        rows = [r for r in body_rows(table) if "mean" not in r.attrs.get("class", "")]
        assert len(rows) == 50 * per_entity, name
        assert rows[0].find_all("th")[0].text() == "<script>alert(1)</script>"
    forecast = article(tree, "forecast").find_all("table")[0]
    assert len(body_rows(forecast)) == 50 * 3
    assert "region 49" not in diagnostics.text() and "region 48" in diagnostics.text()
    # the mean row of the grades is over every entity
    assert "Mean of all 55 entities" in diagnostics.text()


def test_chinese_diagnostics(diag, all_figures):
    doc = render_html(diag, figures=all_figures, lang="zh")
    tree = parse(doc)
    assert "诊断分析" in [h.text() for h in tree.root.find_all("h2")]
    coupling = article(tree, "coupling").text()
    assert "优质协调" in coupling and "高水平耦合" in coupling and "经典模型" in coupling
    assert "quality coordination" not in coupling and "high-level coupling" not in coupling
    forecast = article(tree, "forecast")
    rows = body_rows(forecast.find_all("table")[0])
    grades = {cells(r)[-4].rstrip("*") for r in rows}
    assert grades <= {"好", "合格", "勉强合格", "不合格"}
    assert not grades & {"good", "qualified", "barely", "unqualified"}
    assert {cells(r)[-3] for r in rows} <= {"通过", "未通过，平移后建模"}
    # the lag types in Chinese, with the subsystems' labels
    lags = {cells(r)[-1] for r in body_rows(article(tree, "coupling").find_all("table")[0])}
    assert lags and all(t == "同步" or t.endswith("滞后") for t in lags)
    assert "弱序参量" in article(tree, "grey_relation").text()
    assert "第 1 位" in article(tree, "obstacles").text()
    assert "阶段保持" in article(tree, "robustness").text()
    assert "http://" not in doc and "https://" not in doc
