"""Stage cards: what each stage means by default; a focus only when the spec asks for one."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

import cosyn
from cosyn.report.html import render_html
from cosyn.report.text import stage_meaning, stage_texts
from cosyn.spec import STAGE_FOCUS, Scale


@pytest.fixture(scope="module")
def base() -> cosyn.Result:
    return cosyn.fit(cosyn.datasets.data_path("trade.csv"), cosyn.datasets.load_spec("trade_model"))


def with_stages(result: cosyn.Result, stages: Scale) -> cosyn.Result:
    spec = dataclasses.replace(result.spec, stages=stages)
    return cosyn.fit(cosyn.datasets.data_path("trade.csv"), spec)


def neutral(result: cosyn.Result) -> cosyn.Result:
    s = result.spec.stages
    return with_stages(result, Scale(s.edges, s.names))


def cards(doc: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<p class="focus">(.*?)</p>', doc, re.S)]


def test_meaning_follows_the_edges_of_the_spec(base):
    r = neutral(base)
    en = stage_meaning(r)
    # default edges 0, 0.3, 0.5, 0.8 (METHOD.md §5)
    assert en[0].startswith("U ≤ 0: not every subsystem has moved up")
    assert en[1].startswith("0 < U ≤ 0.3: every subsystem has moved up") and "small" in en[1]
    assert en[2].startswith("0.3 < U ≤ 0.5") and "moderate" in en[2]
    assert en[3].startswith("0.5 < U ≤ 0.8") and "fairly large" in en[3]
    assert en[4].startswith("U > 0.8") and "large" in en[4]
    zh = stage_meaning(r, "zh")
    assert len(zh) == 5 and zh[0].startswith("U ≤ 0：") and "尚未协同" in zh[0]
    assert all(re.search("[\u4e00-\u9fff]", t) and not re.search("[a-z]{3,}", t) for t in zh)
    # a user's scale: one stage below 0.2 (straddling 0) and one above
    custom = with_stages(base, Scale((0.2,), ("low", "high")))
    lo, hi = stage_meaning(custom)
    assert lo.startswith("U ≤ 0.2: either some subsystem") and hi.startswith("U > 0.2")
    adjacent = dataclasses.replace(
        r.spec, method=dataclasses.replace(r.spec.method, base="adjacent")
    )
    r2 = cosyn.fit(cosyn.datasets.data_path("trade.csv"), adjacent)
    assert "since the previous period" in stage_meaning(r2)[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cards_are_neutral_by_default(base, lang):
    r = neutral(base)
    assert r.spec.stages.focus == ()
    doc = render_html(r, lang=lang)
    shown = cards(doc)
    assert len(shown) == len(r.entities)
    meanings = stage_meaning(r, lang)
    for text, code in zip(shown, r.stage_codes[:, -1], strict=True):
        assert meanings[code] in text
    assert "recommended for that stage" not in doc and "建议的发展重点" not in doc
    [stages] = re.findall(r'<section id="stages">.*?</section>', doc, re.S)
    for focus in STAGE_FOCUS:
        assert focus not in stages
    assert "digital" not in stages and "数字" not in stages
    assert stage_texts(r, lang) == (meanings, False)
    assert "stage cards give" not in doc and "各阶段卡片给出" not in doc  # methods


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_zhang2023_focus_only_with_its_preset(base, lang):
    s = base.spec.stages
    preset = with_stages(base, Scale(s.edges, s.names, preset="zhang2023"))
    doc = render_html(preset, lang=lang)
    cite = (
        "recommended for that stage (Zhang 2023, §4)"
        if lang == "en"
        else "建议的发展重点（Zhang，2023，第 4 节）"
    )
    assert cite in doc
    methods = {
        "en": "The stage cards give the development focus Zhang (2023, §4) recommends",
        "zh": "各阶段卡片给出 Zhang（2023）第 4 节为各阶段建议的发展重点",
    }
    assert methods[lang] in doc
    focus, is_focus = stage_texts(preset, lang)
    assert is_focus
    for text, code in zip(cards(doc), preset.stage_codes[:, -1], strict=True):
        assert focus[code] in text
    # the same texts given as the user's own list: shown, but not credited to the paper
    own = with_stages(base, Scale(s.edges, s.names, focus=("a", "b", "c", "d", "e")))
    doc = render_html(own, lang=lang)
    assert cite not in doc and methods[lang] not in doc
    assert ("the model sets for each stage" if lang == "en" else "模型为各阶段设定") in doc
    label = "Development focus:" if lang == "en" else "发展重点："
    assert label in doc
    for text, code in zip(cards(doc), own.stage_codes[:, -1], strict=True):
        assert text.endswith("abcde"[code])
