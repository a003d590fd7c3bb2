"""The Spatio-temporal analysis section of the HTML report: methods, figures, tables, notes."""

from __future__ import annotations

import io
import re
import tomllib
import warnings
from pathlib import Path

import matplotlib
import pytest

import cosyn
from cosyn.report.html import ANALYSIS_PREFIX, FIGURE_NAMES, render_html
from cosyn.report.methods import analysis_notes

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from test_html import Node, parse, section  # the report tests' small DOM

PROVINCES = Path(__file__).resolve().parents[2] / "examples" / "provinces"
CHROMIUM = Path("/usr/bin/chromium")


def svg_figure(title: str) -> str:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0.1, 0.4, 0.3])
    ax.set_title(title)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue()


def fit_provinces(**analysis: object) -> cosyn.Result:
    """The bundled 31-province example with ``analysis`` as its ``[analysis]`` table."""
    model = tomllib.loads((PROVINCES / "analysis.toml").read_text(encoding="utf-8"))
    if analysis:
        model["analysis"] = analysis
    else:
        del model["analysis"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(PROVINCES / "panel.csv", model)


@pytest.fixture(scope="module")
def provinces() -> cosyn.Result:
    pytest.importorskip("esda")
    res = fit_provinces(
        series=["synergy", "coupling"],
        groups="china_4",
        weights="china_provinces",
        permutations=99,
        seed=3,
    )
    assert res.analysis is not None
    return res


@pytest.fixture(scope="module")
def figures() -> dict[str, str]:
    """The model's figures and three of the analysis, one of a name the report does not
    know (captioned from its name)."""
    names = [
        *FIGURE_NAMES,
        "analysis_new_thing",
        "analysis_moran",
        "analysis_lisa_map",
        "analysis_gini",
    ]
    return {name: svg_figure(name) for name in names}


@pytest.fixture(scope="module")
def pages(provinces, figures) -> dict[str, Node]:
    return {
        lang: parse(render_html(provinces, figures=figures, lang=lang)).root
        for lang in ("en", "zh")
    }


def text(node: Node) -> str:
    return re.sub(r"\s+", " ", node.text())


def test_section_after_the_others_with_a_contents_entry(pages):
    for lang, title in (("en", "Spatio-temporal analysis"), ("zh", "时空分析")):
        root = pages[lang]
        ids = [n.attrs["id"] for n in root.find_all("section")]
        assert ids[-1] == "analysis"
        sec = section_of(root)
        assert text(sec.find_all("h2")[0]) == title
        toc = [a.attrs["href"] for a in root.find_all("nav")[0].find_all("a")]
        assert toc[-1] == "#analysis"


def section_of(root: Node) -> Node:
    [node] = [n for n in root.iter() if n.attrs.get("id") == "analysis"]
    return node


def test_methods_paragraphs_without_a_second_reference_list(pages, provinces):
    sec = section_of(pages["en"])
    body = text(sec)
    assert "Dagum Gini coefficient." in body and "Spatial Markov chain." in body
    assert "99 random permutations of the values (seed 3)" in body
    assert "four regions (NBS 2011): East (10), Central (6), West (12), Northeast (3)" in body
    assert not sec.find_all("ul", "references")
    # the works of the analysis are in the Methods section's one reference list
    [refs] = pages["en"].find_all("ul", "references")
    listed = text(refs)
    assert "Dagum, C. (1997)" in listed and "Rey, S. J. (2001)" in listed
    assert "Meng, Q., & Han, W. (2000)" in listed
    # and the Methods section itself does not repeat the analysis paragraphs
    methods = text(section(_Tree(pages["en"]), "methods"))
    assert "Spatial Markov chain." not in methods
    zh = text(section_of(pages["zh"]))
    assert "东部（10 个）、中部（6 个）、西部（12 个）、东北（3 个）" in zh
    assert "以 99 次随机置换（随机数种子 3）" in zh


class _Tree:
    """What :func:`section` expects: an object with a ``root``."""

    def __init__(self, root: Node) -> None:
        self.root = root


def test_every_analysis_table_is_shown_sortable(pages, provinces):
    from cosyn.report.analysis_tables import analysis_paper_tables

    for lang in ("en", "zh"):
        sec = section_of(pages[lang])
        expected = analysis_paper_tables(provinces, lang)
        tables = sec.find_all("table")
        assert [t.attrs["data-table"] for t in tables] == [t.key for t in expected]
        for t, paper in zip(tables, expected, strict=True):
            assert "sortable" in t.attrs["class"].split()
            heads = [text(th).strip() for th in t.find_all("th") if th.parent.tag == "tr"][
                : len(paper.table.columns)
            ]
            assert heads == [str(c) for c in paper.table.columns]
            body = len(t.find_all("tbody")[0].find_all("tr"))
            foot = [len(f.find_all("tr")) for f in t.find_all("tfoot")]
            if paper.key.startswith("analysis_markov_"):  # the steady state below
                assert (body, foot) == (len(paper.table) - 1, [1])
                assert (
                    text(t.find_all("tfoot")[0])
                    .strip()
                    .startswith("Steady state" if lang == "en" else "稳态")
                )
            else:
                assert (body, foot) == (len(paper.table), [])
        titles = [text(h).strip() for h in sec.find_all("h4")]
        assert titles == [t.title for t in expected]


def test_long_tables_are_folded_and_paged(pages, provinces):
    from cosyn.report.html import PAGE_ROWS

    sec = section_of(pages["en"])
    for t in sec.find_all("table"):
        n = len(t.find_all("tbody")[0].find_all("tr"))
        folded = t.parent.parent.tag == "details"
        assert folded == (n > PAGE_ROWS), t.attrs["data-table"]
        assert ("paged" in t.attrs["class"].split()) == (n > PAGE_ROWS)


def test_moran_values_as_the_analysis_gives_them(pages, provinces):
    moran = provinces.analysis.moran
    sec = section_of(pages["en"])
    [table] = [t for t in sec.find_all("table") if t.attrs["data-table"] == "analysis_moran"]
    rows = [[text(c).strip() for c in r.children] for r in table.find_all("tbody")[0].children]
    first = moran.iloc[0]
    assert rows[0][0] == "U" and rows[0][1] == str(first["period"])
    assert rows[0][2] == f"{first['I']:.3f}"
    assert rows[0][3] == f"{-1 / 30:.3f}"  # E[I] = −1/(n − 1), n = 31


def test_analysis_figures_in_their_section_numbered_after_the_others(pages):
    root = pages["en"]
    main = section(_Tree(root), "figures")
    assert not [f for f in main.find_all("figure") if f.attrs["data-figure"].startswith("analysis")]
    sec = section_of(root)
    shown = sec.find_all("figure")
    assert [f.attrs["data-figure"] for f in shown] == [
        "analysis_gini",  # regional differences
        "analysis_moran",  # spatial association
        "analysis_lisa_map",
        "analysis_new_thing",  # a name of no part: last
    ]
    numbers = [
        int(re.search(r"(\d+)\.", text(f.find_all("figcaption")[0])).group(1)) for f in shown
    ]
    before = len(main.find_all("figure"))
    assert numbers == [before + 1, before + 2, before + 3, before + 4]
    captions = [text(f.find_all("figcaption")[0]) for f in shown]
    assert "Dagum Gini coefficient by period" in captions[0]
    assert "Global Moran's I by period." in captions[1]
    assert "LISA clusters" in captions[2]
    assert captions[3].endswith("New thing.")
    zh = [text(f.find_all("figcaption")[0]) for f in section_of(pages["zh"]).find_all("figure")]
    assert "各时期的全局 Moran's I。" in zh[1]


def test_notes_listed_the_first_ones_at_once(pages, provinces):
    from cosyn.report.html import ANALYSIS_NOTES_SHOWN

    for lang in ("en", "zh"):
        notes = analysis_notes(provinces, lang)
        sec = section_of(pages[lang])
        items = [text(li).strip() for ul in sec.find_all("ul", "notes") for li in ul.children]
        assert items == notes
        assert len(notes) > ANALYSIS_NOTES_SHOWN  # so the fold is tested
        [fold] = [d for d in sec.find_all("details") if d.find_all("ul", "notes")]
        assert len(fold.find_all("li")) == len(notes) - ANALYSIS_NOTES_SHOWN
    assert "海南没有陆地邻接省份" in text(section_of(pages["zh"]))


def test_no_section_without_an_analysis_table(figures):
    res = fit_provinces()
    html = render_html(res, figures={k: v for k, v in figures.items() if k in FIGURE_NAMES})
    assert 'id="analysis"' not in html and "Spatio-temporal analysis" not in html
    assert "Dagum" not in html


def test_analysis_figures_without_analysis_are_not_lost(figures):
    """A figure named analysis_… given for a model without [analysis] is not shown in the
    Figures section (it belongs to a section that is not there) and nothing fails."""
    res = fit_provinces()
    html = render_html(res, figures=figures)
    assert f'data-figure="{ANALYSIS_PREFIX}moran"' not in html


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium")
def test_analysis_section_in_chromium(tmp_path, provinces, figures):
    """On a phone the section stays within the screen; a click sorts an analysis table."""
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(provinces, figures=figures, lang="zh"), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(page_file.as_uri())
        overflow = page.eval_on_selector("#analysis", "s => s.scrollWidth - s.clientWidth")
        assert overflow <= 1
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390
        table = 'table[data-table="analysis_moran"]'
        page.click(f"{table} thead th >> nth=2")  # Moran's I, smallest first
        values = page.eval_on_selector(
            table, "t => Array.from(t.tBodies[0].rows, r => Number(r.cells[2].dataset.sort))"
        )
        assert values == sorted(values) and len(values) == len(provinces.analysis.moran)
        assert values != list(provinces.analysis.moran["I"])  # not already in that order
        browser.close()


def test_each_part_holds_its_methods_figures_and_tables(pages):
    root = pages["en"]

    def part(name: str) -> Node:
        [node] = [n for n in root.iter() if n.attrs.get("id") == f"analysis-{name}"]
        return node

    def keys(node: Node) -> list[str]:
        return [t.attrs["data-table"] for t in node.find_all("table")]

    differences, space, time = part("differences"), part("space"), part("time")
    assert text(differences.find_all("h3")[0]) == "Regional differences"
    assert "Dagum Gini coefficient." in text(differences) and "Groups." in text(differences)
    assert keys(differences) == [
        "analysis_group_stats",
        "analysis_gini",
        "analysis_gini_within",
        "analysis_gini_between",
        "analysis_theil",
        "analysis_sigma",
        "analysis_beta",
    ]
    assert "Global Moran's I." in text(space) and "Spatial weights." in text(space)
    assert keys(space) == ["analysis_moran", "analysis_lisa"]
    assert [f.attrs["data-figure"] for f in space.find_all("figure")] == [
        "analysis_moran",
        "analysis_lisa_map",
    ]
    assert "Spatial Markov chain." in text(time)
    assert all(k.startswith(("analysis_markov_", "analysis_spatial_markov")) for k in keys(time))
    assert keys(part("distribution")) == ["analysis_density"]
    assert [f.attrs["data-figure"] for f in part("other").find_all("figure")] == [
        "analysis_new_thing"
    ]
    nav = [a.attrs["href"] for a in section_of(root).find_all("nav")[0].find_all("a")]
    assert nav == [
        "#analysis-differences",
        "#analysis-distribution",
        "#analysis-space",
        "#analysis-time",
        "#analysis-other",
        "#analysis-notes",
    ]
    zh = [text(h) for h in section_of(pages["zh"]).find_all("h3")]
    assert zh[:4] == ["区域差异", "分布动态", "空间关联", "类型转移"]


def test_every_analysis_figure_has_a_caption_in_both_languages():
    from cosyn.report.analysis_figures import ANALYSIS_FIGURES
    from cosyn.report.html import _WORDS

    for lang in ("en", "zh"):
        missing = [n for n in ANALYSIS_FIGURES if f"cap_{n}" not in _WORDS[lang]]
        assert not missing, (lang, missing)


def test_figures_section_points_to_the_analysis_figures(pages):
    main = section(_Tree(pages["en"]), "figures")
    [note] = main.find_all("p", "analysis-figures")
    n = len(main.find_all("figure"))
    assert text(note) == f"Figures {n + 1}–{n + 4} are in the section Spatio-temporal analysis."
    assert note.find_all("a")[0].attrs["href"] == "#analysis"
    [zh] = section(_Tree(pages["zh"]), "figures").find_all("p", "analysis-figures")
    assert text(zh) == f"图 {n + 1}–{n + 4} 见“时空分析”一节。"


def test_one_analysis_figure_is_named_alone(provinces, figures):
    one = {k: v for k, v in figures.items() if k in FIGURE_NAMES or k == "analysis_moran"}
    root = parse(render_html(provinces, figures=one, lang="zh")).root
    [note] = section(_Tree(root), "figures").find_all("p", "analysis-figures")
    n = len(FIGURE_NAMES)
    assert text(note) == f"图 {n + 1} 见“时空分析”一节。"
