"""The methods text states the formulas and the parameter values actually used."""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn.report.methods import (
    analysis_methods,
    analysis_methods_html,
    analysis_methods_sections,
    analysis_methods_topics,
    analysis_notes,
    formula_html,
    methods_html,
    methods_paragraph,
)

# Two entities × six periods; A = {a1 (+), a2 (−)}, B = {b1 (+)}, C = {c1 (+)} when asked.
# Every series varies and is positive, so every weighting (CV included) applies.
DATA = pd.DataFrame(
    {
        "e": ["x"] * 6 + ["y"] * 6,
        "t": list(range(2000, 2006)) * 2,
        "a1": [1.0, 2.0, 2.5, 3.0, 4.5, 5.0, 2.0, 2.2, 3.1, 3.0, 4.0, 6.0],
        "a2": [9.0, 8.0, 8.5, 6.0, 5.0, 4.0, 7.0, 6.5, 6.0, 5.5, 5.0, 3.0],
        "b1": [10.0, 12.0, 15.0, 14.0, 20.0, 26.0, 5.0, 6.0, 8.0, 9.5, 9.0, 13.0],
        "c1": [3.0, 3.5, 4.0, 4.2, 5.0, 5.5, 1.0, 1.4, 1.3, 2.0, 2.6, 3.0],
    }
)


def spec(three: bool = False, **method: object) -> dict:
    out: dict = {
        "entity": "e",
        "period": "t",
        "method": dict(method),
        "subsystems": {
            "A": {"indicators": {"a1": "+", "a2": "-"}},
            "B": {"indicators": {"b1": "+"}},
        },
    }
    if three:
        out["subsystems"]["C"] = {"indicators": {"c1": "+"}}
    return out


def fit(data: pd.DataFrame, model: dict | cosyn.Spec) -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(data, model)


def equations(text: str) -> list[str]:
    """The display formula lines of a methods text (indented by four spaces)."""
    return [line.strip() for line in text.splitlines() if line.startswith("    ")]


@pytest.fixture(scope="module")
def guangzhou() -> cosyn.Result:
    return cosyn.fit(cosyn.datasets.data_path("trade.csv"), cosyn.datasets.load_spec("trade_model"))


def test_guangzhou_defaults_are_named(guangzhou):
    text = methods_paragraph(guangzhou)
    assert "efficacy coefficient" in text
    assert "margin a = 0.1" in text and "a = 0.1    (1)" in text
    assert "over the periods of each entity" in text
    assert "entropy method" in text and "computed separately for each entity" in text
    assert "order degrees u_i(t) of Eq. (2)" in text and "n = T = 12 periods" in text
    assert "weighted sum" in text and "μ_j(t) = Σ_{i∈j} φ_i·u_i(t)" in text
    assert "U = θ·(Π_j |Δ_j|)^(1/k),   k = 2" in text
    assert "θ = 1 when min_j Δ_j > 0 and θ = −1 otherwise" in text
    assert "U = θ·√(|Δ_1|·|Δ_2|)" in text  # the paper's k = 2 form
    assert "The base is the first period, t_0 = 2010" in text
    assert "none of the 240 cells was imputed" in text
    assert "Cluster trade (cluster_trade)" in text and "cluster_import" in text
    # Levels and stages with (lower, upper] intervals and their names
    assert "U ≤ 0 non-synergy; (0, 0.3] low; (0.3, 0.6] moderate" in text
    assert "(0.6, 0.9] high; (0.9, 1] extreme" in text
    assert "U ≤ 0 not synergistic; (0, 0.3] initial; (0.3, 0.5] development" in text
    assert "(0.5, 0.8] expansion; (0.8, 1] mature" in text
    # Both sources cited, the model's and the stages'
    assert "Meng and Han (2000)" in text and "Meng, Q., & Han, W. (2000)" in text
    assert "Zhang 2023, §4" in text and "Zhang, M. (2023)" in text
    assert f"cosyn {cosyn.__version__}" in text
    # Equations are numbered in order
    numbers = [int(n) for n in re.findall(r"    \((\d+)\)$", text, flags=re.M)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5


def test_chinese_version_has_the_same_formulas(guangzhou):
    en = methods_paragraph(guangzhou, "en")
    zh = methods_paragraph(guangzhou, "zh")
    assert equations(zh) == equations(en)
    for words in ("复合系统协同度模型", "功效系数法", "熵值法", "线性加权和", "调整幅度 a = 0.1"):
        assert words in zh
    assert "孟庆松" in zh and "Zhang（2023）" in zh
    assert "(0, 0.3] 为初始阶段" in zh and "U ≤ 0 为未协同" in zh and "(0.9, 1] 为极度协同" in zh
    assert "以第一期为基期（t_0 = 2010）" in zh
    assert "参考文献" in zh
    with pytest.raises(ValueError, match="language"):
        methods_paragraph(guangzhou, "fr")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_options_follow_the_spec(lang):
    default = methods_paragraph(fit(DATA, spec()), lang)
    res = fit(
        DATA,
        spec(three=True, margin=0.2, weights="critic", aggregation="geometric", base="adjacent"),
    )
    text = methods_paragraph(res, lang)
    assert "a = 0.2" in text and "a = 0.1" not in text and "a = 0.1" in default
    assert "CRITIC" in text and "C_i = σ_i·Σ_{m∈j} (1 − r_im)" in text
    assert "熵值法" not in text and "entropy method" not in text
    assert "Diakoulaki" in text
    assert "μ_j(t) = (Π_{i∈j} u_i(t))^(1/n_j)" in text
    assert "Σ_{i∈j} φ_i·u_i(t)" not in text
    assert "t_0 = t_1 − 1" in text
    assert "k = 3" in text and "k = 2" not in text
    assert "U = θ·√(|Δ_1|·|Δ_2|)" not in text  # the k = 2 form only for two subsystems
    if lang == "en":
        assert "unweighted geometric mean" in text
        assert "The base is the previous period" in text and "2001 to 2005 (5 values)" in text
        assert "1 indicators are positive" not in text
        assert "3 indicators are positive and 1 negative (a2)" in text
    else:
        assert "几何平均（不加权" in text and "以上一期为基期" in text
        assert "1 个为负向指标（a2）" in text


def test_weighted_geometric_named_base_and_panel_scopes():
    res = fit(
        DATA,
        spec(aggregation="weighted_geometric", base=2002, bounds="panel", weights_scope="panel"),
    )
    text = methods_paragraph(res)
    assert "weighted geometric mean" in text and "μ_j(t) = Π_{i∈j} u_i(t)^{φ_i}" in text
    assert "fixed period t_0 = 2002" in text and "(2003–2005, 3 values)" in text
    assert "over all entity–periods of the panel" in text
    assert "computed once from all entity–periods of the panel (pooled)" in text
    assert "n = E·T = 12 entity–periods" in text


def test_ahp_states_each_consistency_ratio():
    model = spec(three=True, weights="ahp")
    data = DATA.assign(a3=DATA.a1 * 1.5 + DATA.b1)
    model["subsystems"]["A"]["indicators"]["a3"] = "+"
    model["subsystems"]["A"]["ahp"] = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]
    model["subsystems"]["B"]["ahp"] = [[1]]
    model["subsystems"]["C"]["ahp"] = [[1]]
    res = fit(data, model)
    _, cr = cosyn.ahp_weights(np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]))
    assert 0 < cr < 0.1
    text = methods_paragraph(res)
    assert "analytic hierarchy process (Saaty, 1980)" in text
    assert f"A CR = {cr:.3f}" in text and "B CR = 0.000" in text and "C CR = 0.000" in text
    assert "below Saaty's limit of 0.1" in text
    assert "CR = CI/RI" in text and "Saaty, T. L. (1980)" in text
    zh = methods_paragraph(res, "zh")
    assert f"A CR = {cr:.3f}" in zh and "层次分析法" in zh and "一致性比率" in zh


def test_given_and_combined_weights():
    model = spec(weights="given")
    model["subsystems"]["A"]["weights"] = {"a1": 3, "a2": 1}
    model["subsystems"]["B"]["weights"] = {"b1": 1}
    text = methods_paragraph(fit(DATA, model))
    assert "given in the model" in text and "A: a1 = 0.750, a2 = 0.250" in text
    model["method"].update(weights="combined", combine_lambda=0.3, objective="cv")
    text = methods_paragraph(fit(DATA, model))
    assert "φ_i = λ·φ_i^s + (1 − λ)·φ_i^o,   λ = 0.3" in text and "λ = 0.3" in text
    assert "coefficient of variation" in text and "v_i = σ_i / x̄_i" in text
    assert "The subjective weights of every subsystem are given" in text
    model["method"].update(combine="multiplicative", objective="equal")
    text = methods_paragraph(fit(DATA, model))
    assert "multiplicatively" in text and "φ_i = φ_i^s·φ_i^o / Σ_{m∈j} φ_m^s·φ_m^o" in text
    assert "φ_i^o = 1/n_j" in text and "λ = 0.3" not in text


@pytest.mark.parametrize(
    ("how", "words"),
    [
        ("minmax", "min–max scaled to [0, 1]"),
        ("rescale", "[0.002, 0.998]"),
        ("shift", "SPSSAU"),
    ],
)
def test_entropy_inputs(how, words):
    text = methods_paragraph(fit(DATA, spec(entropy_input=how)))
    assert "entropy method" in text and words in text
    assert "from the order degrees" not in text


def test_imputed_cells_and_dropped_indicators_are_counted():
    data = DATA.assign(d1=0.0)
    data.loc[[1, 8], "a1"] = np.nan
    model = spec(on_constant="drop")
    model["subsystems"]["B"]["indicators"]["d1"] = "+"
    res = fit(data, model)
    assert res.dropped == ("d1",)
    text = methods_paragraph(res)
    assert "2 of the 36 cells (5.6%) were missing" in text
    assert "simple linear regression on the period" in text and "x_i(t) = a + b·t" in text
    assert "The indicator d1 was constant" in text
    model["method"]["impute"] = "linear"
    text = methods_paragraph(fit(data, model))
    assert "linear interpolation" in text and "x_i(t) = a + b·t" not in text
    assert "2 个（5.6%）缺失" in methods_paragraph(fit(data, model), "zh")


def test_custom_scales_and_user_text():
    model = spec()
    model["title"] = "t"
    model["subsystems"]["A"]["label"] = "US$ <trade> & co"
    model["stages"] = {"edges": [0, 0.5], "names": ["none", "weak", "strong"]}
    res = fit(DATA, model)
    text = methods_paragraph(res)
    assert "U ≤ 0 none; (0, 0.5] weak; (0.5, 1] strong" in text
    assert "Development stages (as set in the model)" in text
    assert "US$ <trade> & co (A)" in text  # a $ in a label is not a formula mark
    html = methods_html(res)
    assert "US$ &lt;trade&gt; &amp; co (A)" in html and "<trade>" not in html


def test_html_fragment_sets_formulas():
    res = fit(DATA, spec())
    html = methods_html(res)
    assert html.startswith('<div class="methods">')
    assert '<div class="equation">' in html and '<span class="eqno">(1)</span>' in html
    assert "μ<sub>j</sub>(t) = Σ<sub>i∈j</sub> φ<sub>i</sub>·u<sub>i</sub>(t)" in html
    assert "<script" not in html and "http" not in html
    assert str(formula_html("U = θ·(Π_j |Δ_j|)^(1/k)")) == (
        "U = θ·(Π<sub>j</sub> |Δ<sub>j</sub>|)<sup>1/k</sup>"
    )
    assert (
        str(formula_html("u_i(t)^{φ_i} < 1")) == "u<sub>i</sub>(t)<sup>φ<sub>i</sub></sup> &lt; 1"
    )
    # the zh fragment carries the same formulas
    zh = methods_html(res, "zh")
    pick = re.compile(r'<span class="math">(.*?)</span>')
    eq = re.compile(r'<div class="equation">.*?</div>', re.S)
    assert [pick.findall(m) for m in eq.findall(zh)] == [pick.findall(m) for m in eq.findall(html)]


# -- diagnostics (METHOD.md §6–§7) ---------------------------------------------------------
HEADINGS = {
    "gra": ("Grey relational test.", "灰色关联检验。"),
    "coupling": ("Coupling coordination degree.", "耦合协调度。"),
    "obstacles": ("Obstacle degree.", "障碍度。"),
    "forecast": ("Grey forecast GM(1,1).", "灰色预测 GM(1,1)。"),
    "robustness": ("Robustness.", "稳健性检验。"),
}


def trade(**diagnostics: object) -> cosyn.Result:
    model = cosyn.datasets.load_spec("trade_model").to_dict()
    if diagnostics:
        model["diagnostics"] = diagnostics
    return fit(pd.read_csv(cosyn.datasets.data_path("trade.csv")), model)


def only(text: str, lang: str, *asked: str) -> None:
    """The paragraphs of the diagnostics in ``asked`` are in ``text``, no others."""
    n = 0 if lang == "en" else 1
    for key, heading in HEADINGS.items():
        assert (heading[n] in text) == (key in asked), key


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_diagnostic_paragraph_unless_asked(guangzhou, lang):
    text = methods_paragraph(guangzhou, lang)
    only(text, lang)
    for words in ("Deng", "Wang", "GM(1,1)", "Monte Carlo", "蒙特卡罗", "耦合"):
        assert words not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_grey_relational_test_names_rho_threshold_and_the_cross_matrix(lang):
    text = methods_paragraph(trade(gra=True), lang)
    only(text, lang, "gra")
    assert (
        "ξ_i(t) = (Δ_min + ρ·Δ_max) / (Δ_i(t) + ρ·Δ_max),   ρ = 0.5" in text
        and "r_i = (1/T)·Σ_t ξ_i(t)" in text
        and "ρ = 0.5" in text
        and "r_i < 0.6" in text
        and "cluster_trade × city_trade" in text  # the cross matrix, pair by pair
        and 'gra_normalize = "none"' in text
    )
    if lang == "en":
        assert "distinguishing coefficient" in text and "(threshold 0.6)" in text
        assert "weak order parameter" in text and "cross matrix" in text
        assert "(Deng, 1982, 1989; Liu & Lin, 2010)" in text
        assert "Deng, J.-L. (1982)" in text and "Deng, J.-L. (1989)" in text
        assert "Liu, S., & Lin, Y. (2010)" in text
    else:
        assert "分辨系数" in text and "（阈值 0.6）" in text and "弱序参量" in text
        assert "交叉关联矩阵" in text and "Deng J L. Control problems" in text
    text = methods_paragraph(
        trade(gra=True, gra_rho=0.3, gra_threshold=0.65, gra_normalize="initial"), lang
    )
    assert "ρ = 0.3" in text and "r_i < 0.65" in text and "ρ = 0.5" not in text
    assert 'gra_normalize = "initial"' in text and "x(t)/x(1)" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_coupling_names_the_method_weights_and_scales(lang):
    text = methods_paragraph(trade(coupling="wang"), lang)
    only(text, lang, "coupling")
    assert 'coupling = "wang"' in text
    assert "C = √([1 − mean_{i<j} |U_i − U_j|]·(Π_j U_j / max U)^{1/(k−1)}),   k = 2" in text
    assert "C = √((1 − |U_1 − U_2|)·min U / max U)" in text
    assert "T = Σ_j β_j·U_j,   D = √(C·T)" in text and "β_j = 1/k = 0.5" in text
    if lang == "en":
        assert "corrected model of Wang Shujia et al. (2021)" in text
        assert "Wang, S., Kong, W., Ren, L., Zhi, D., & Dai, B. (2021)" in text
        assert "D ≤ 0.1 extreme imbalance; (0.1, 0.2] severe imbalance" in text
        assert "(0.9, 1] quality coordination" in text
        assert "C ≤ 0.3 low-level coupling; (0.3, 0.5] antagonism" in text
        assert "(0.8, 1] high-level coupling" in text
    else:
        assert "王淑佳等（2021）提出的修正模型" in text
        assert "王淑佳, 孔伟, 任亮, 治丹丹, 戴彬婷. 国内耦合协调度模型的误区及修正" in text
        assert "D ≤ 0.1 为极度失调" in text and "(0.9, 1] 为优质协调" in text
        assert "C ≤ 0.3 为低水平耦合" in text and "(0.5, 0.8] 为磨合" in text
    assert "Fan" not in text


def test_coupling_classic_for_three_subsystems_and_fan():
    model = spec(three=True)
    model["diagnostics"] = {"coupling": "classic", "coupling_weights": {"A": 2, "B": 1, "C": 1}}
    text = methods_paragraph(fit(DATA, model))
    assert "C = k·(Π_j U_j)^(1/k) / Σ_j U_j,   k = 3" in text
    assert "C = 2·√(U_1·U_2) / (U_1 + U_2)" not in text  # the k = 2 form only for two
    assert "A β = 0.500, B β = 0.250, C β = 0.250" in text
    assert "normative form of Wang Shujia et al. (2021)" in text
    text = methods_paragraph(trade(coupling="fan"))
    assert 'coupling = "fan"' in text and "Fan et al. (2024)" in text
    assert "C = 1 − 2·σ_U,   σ_U = √((1/k)·Σ_j (U_j − Ū)^2),   k = 2" in text
    assert "Fan, D., Ke, H., & Cao, R. (2024)" in text and "Wang, S." not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_obstacle_degree_names_n_and_the_subsystem_weights(lang):
    text = methods_paragraph(trade(obstacles=3), lang)
    only(text, lang, "obstacles")
    assert "F_i = W_j·φ_i,   I_i(t) = 1 − u_i(t),   O_i(t) = F_i·I_i(t) / Σ_m F_m·I_m(t)" in text
    assert "N = 3" in text and "W_j = 1/k = 0.5" in text
    text = methods_paragraph(
        trade(obstacles=9, obstacle_weights={"cluster_trade": 3, "city_trade": 1}), lang
    )
    assert "cluster_trade W = 0.750, city_trade W = 0.250" in text
    assert ("all 4 indicators are ranked (N = 9" if lang == "en" else "N = 9") in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_forecast_names_the_horizon_level_ratio_test_and_grades(lang):
    res = trade(forecast=3)
    text = methods_paragraph(res, lang)
    only(text, lang, "forecast")
    assert "x^{(1)}(k) = Σ_{m≤k} x^{(0)}(m),   z(k) = (x^{(1)}(k) + x^{(1)}(k − 1))/2" in text
    assert "x̂^{(1)}(k + 1) = (x^{(0)}(1) − b/a)·e^(−a·k) + b/a" in text
    assert "C = S_2/S_1,   P = #{k : |e(k) − ē| < 0.6745·S_1} / n" in text
    assert "[e^{−2/(n+1)}, e^{2/(n+1)}]" in text
    # e^(∓2/13) = 0.857404…, 1.166311… (12 periods); e^(∓2/12) = 0.846482…, 1.181360… (11 U)
    assert "[0.8574, 1.1663]" in text and "[0.8465, 1.1814]" in text
    fc = res.diagnostics.forecast
    shifted = int((~fc.order.level_ratio_ok).sum() + (~fc.synergy.level_ratio_ok).sum())
    assert shifted == 15  # every series of the Guangzhou data needs the shift
    if lang == "en":
        assert "h = 3 periods ahead (2022–2024)" in text
        assert "n = T = 12 for μ_j and n = 11 for U" in text
        assert "All 15 series fitted needed such a shift" in text
        assert "good when C < 0.35 and P > 0.95" in text
        assert "barely qualified when C < 0.65 and P > 0.7" in text
        assert "unqualified otherwise" in text
        assert "(Deng, 1989; Liu & Lin, 2010)" in text and "Deng, J.-L. (1982)" not in text
    else:
        assert "向后预测 h = 3 期（2022–2024）" in text and "级比检验" in text
        assert "15 个拟合序列均作了这种平移" in text
        assert "C < 0.35 且 P > 0.95 为好" in text and "否则为不合格" in text
    one = methods_paragraph(trade(forecast=1), lang)
    assert "h = 1" in one and "h = 3" not in one and "k = n" in one


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_robustness_names_draws_concentration_margin_and_seed(lang):
    res = trade(robustness={"draws": 40, "concentration": 20, "margin": [0.02, 0.3], "seed": 7})
    text = methods_paragraph(res, lang)
    only(text, lang, "robustness")
    assert "a_d ~ Uniform(0.02, 0.3),   φ_j^{(d)} ~ Dirichlet(κ·φ_j),   κ = 20" in text
    assert "stage agreement = #{d : stage(U^{(d)}) = stage(U)} / D" in text
    if lang == "en":
        assert "D = 40 draws (random seed 7)" in text and "uniformly from [0.02, 0.3]" in text
        assert "concentration κ = 20" in text
        assert "5th and 95th percentiles of U" in text and "stage agreement" in text
        assert "rank of each entity among the E = 5 entities" in text
    else:
        assert "D = 40 次蒙特卡罗模拟（随机种子 7）" in text and "[0.02, 0.3] 上的均匀分布" in text
        assert "集中参数 κ = 20" in text and "阶段一致率" in text and "E = 5 个个体" in text
    geometric = cosyn.datasets.load_spec("trade_model").to_dict()
    geometric["method"]["aggregation"] = "geometric"
    geometric["diagnostics"] = {"robustness": {"draws": 10}}
    text = methods_paragraph(fit(pd.read_csv(cosyn.datasets.data_path("trade.csv")), geometric))
    assert "only the margin is drawn" in text and "D = 10 draws (random seed 0)" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_diagnostic_in_order_with_numbered_equations(lang):
    res = trade(gra=True, coupling="classic", obstacles=3, forecast=3, robustness={"draws": 20})
    text = methods_paragraph(res, lang)
    only(text, lang, *HEADINGS)
    n = 0 if lang == "en" else 1
    where = [text.index(h[n]) for h in HEADINGS.values()]
    assert where == sorted(where) and text.index("参考文献" if n else "References") > where[-1]
    numbers = [int(k) for k in re.findall(r"    \((\d+)\)$", text, flags=re.M)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 14
    assert equations(text) == equations(methods_paragraph(res, "en"))
    refs = text[text.index("参考文献" if n else "References") :]
    assert refs.count("Deng") == 2 and refs.count("Liu") == 1  # each work cited once


def test_html_fragment_sets_the_grey_superscripts():
    res = trade(gra=True, coupling="wang", forecast=3, robustness={"draws": 20})
    html = str(methods_html(res))
    assert "x<sup>(0)</sup>(k) + a·z(k) = b" in html  # x^(0) keeps its parentheses
    assert "e<sup>−2/(n+1)</sup>" in html and "(Π<sub>j</sub> U<sub>j</sub> / max U)" in html
    assert "Δ<sub>min</sub> + ρ·Δ<sub>max</sub>" in html
    assert "φ<sub>j</sub><sup>(d)</sup>" in html
    assert "<script" not in html and "http" not in html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_coupling_rescale_lag_and_custom_scales_are_stated(lang):
    res = trade(
        coupling="classic",
        coupling_input="rescale",
        lag_edges=[0.9, 1.1],
        coupling_levels={"edges": [0.5], "names": ["weak link", "strong link"]},
    )
    text = methods_paragraph(res, lang)
    assert 'coupling_input = "rescale"' in text and "[0.01, 0.99]" in text
    assert "E = U_1/U_2" in text and "0.9" in text and "1.1" in text
    # the user's own level names, as written, in both languages; default stages translated
    assert "D ≤ 0.5" in text and "weak link" in text and "strong link" in text
    assert ("low-level coupling" in text) == (lang == "en") and ("低水平耦合" in text) == (
        lang == "zh"
    )
    assert ("lags" in text) if lang == "en" else ("滞后" in text)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_obstacles_mention_the_unscaled_product_and_forecast_the_clipping(lang):
    text = methods_paragraph(trade(obstacles=2, forecast=2), lang)
    assert "F_i·I_i(t)" in text
    assert ("clipped" in text) if lang == "en" else ("截断" in text)
    assert ("level-ratio outcome" in text) if lang == "en" else ("级比检验结果" in text)


# -- the spatio-temporal analysis ([analysis], SPATIAL.md) -------------------------------
PROVINCES = Path(__file__).resolve().parents[2] / "examples" / "provinces"


def province_model(**analysis: object) -> dict:
    """The bundled 31-province example (bounds and weights over the panel) with the
    ``[analysis]`` table replaced by ``analysis``."""
    model = tomllib.loads((PROVINCES / "analysis.toml").read_text(encoding="utf-8"))
    model["analysis"] = analysis
    return model


def fit_provinces(**analysis: object) -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        return cosyn.fit(PROVINCES / "panel.csv", province_model(**analysis))


@pytest.fixture(scope="module")
def provinces() -> cosyn.Result:
    """U and D of the 31 provinces: China's four regions, the bundled contiguity, 99
    permutations (not the default 999) with seed 7, LISA at α = 0.1."""
    pytest.importorskip("esda")
    res = fit_provinces(
        series=["synergy", "coupling"],
        groups="china_4",
        weights="china_provinces",
        permutations=99,
        seed=7,
        alpha=0.1,
    )
    assert res.analysis is not None  # computed once, here
    return res


def test_analysis_methods_state_the_options_actually_used(provinces):
    en = "\n\n".join(analysis_methods(provinces, "en"))
    zh = "\n\n".join(analysis_methods(provinces, "zh"))
    # groups: the NBS four regions with their sizes (10 + 6 + 12 + 3 = 31)
    assert "four regions (NBS 2011): East (10), Central (6), West (12), Northeast (3)" in en
    assert "东部（10 个）、中部（6 个）、西部（12 个）、东北（3 个）" in zh
    # permutations and seed of Moran's I and LISA, and the LISA level
    assert "from 99 random permutations of the values (seed 7)" in en
    assert "99 conditional permutations" in en and "p < 0.1" in en
    assert "以 99 次随机置换（随机数种子 7）" in zh and "p < 0.1" in zh
    assert "999" not in en
    # the bundled contiguity, Hainan linked to Guangdong, row-standardised
    assert "Hainan, which has no land border, is linked to Guangdong" in en
    assert "海南没有陆地接壤的省份，按 island_links 设定与广东相连" in zh
    assert "row-standardised" in en and "行标准化" in zh
    # Silverman's bandwidth, the speed of convergence, the level edges of the classes
    assert "h = 0.9·min(σ, IQR/1.34)·n^(−1/5)" in en
    assert "λ = −ln(1 + β·T) / T" in en
    assert "the edges 0, 0.3, 0.6, 0.9" in en  # U's levels
    assert "the edges 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9" in en  # D's levels
    # U refused by the methods that need values ≥ 0: they ran on D only
    assert "The synergy degree U can be negative" in en
    assert "Dagum (1997), per period, for the coupling coordination degree D." in en


def test_analysis_methods_cite_what_they_use(provinces):
    en = analysis_methods(provinces, "en")
    refs = en[-1].splitlines()
    assert refs[0] == "References"
    for work in (
        "Dagum, C. (1997). A new approach to the decomposition of the Gini income inequality "
        "ratio. Empirical Economics, 22(4), 515–531.",
        "Theil, H. (1967).",
        "Shorrocks, A. F. (1980).",
        "Barro, R. J., & Sala-i-Martin, X. (1992). Convergence.",
        "Silverman, B. W. (1986).",
        "Moran, P. A. P. (1950).",
        "Anselin, L. (1995). Local indicators of spatial association—LISA.",
        "Rey, S. J. (2001). Spatial empirics for economic growth and convergence. "
        "Geographical Analysis, 33(3), 195–214.",
        "Bickenbach, F., & Bode, E. (2003).",
        "National Bureau of Statistics of China (2011).",
    ):
        assert any(r.startswith(work) for r in refs[1:]), work
    assert not any(r.startswith("Scott, D. W.") for r in refs)  # Scott's rule not used
    zh = analysis_methods(provinces, "zh")
    assert zh[-1].splitlines()[0] == "参考文献"
    assert "国家统计局. 东西中部和东北地区划分方法[EB/OL]. 北京: 国家统计局, 2011." in zh[-1]
    assert analysis_methods(provinces, "en", references=False) == en[:-1]


def test_methods_text_includes_the_analysis_and_its_references(provinces):
    text = methods_paragraph(provinces)
    own = analysis_methods(provinces, references=False)
    assert "\n\n".join(own) in text
    refs = text.split("\nReferences\n")[1]
    assert "Meng, Q., & Han, W. (2000)" in refs and "Dagum, C. (1997)" in refs
    # the equations of the analysis are numbered on from the model's
    numbers = [int(n) for n in re.findall(r"    \((\d+)\)$", text, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    html = str(methods_html(provinces, "en", analysis=False))
    assert "Spatial Markov chain." not in html and "Dagum, C. (1997)" in html
    assert "Spatial Markov chain." in str(methods_html(provinces, "en"))


def test_analysis_methods_in_chinese_keep_formulas_and_space_latin(provinces):
    zh = analysis_methods(provinces, "zh", references=False)
    en = analysis_methods(provinces, "en", references=False)
    assert equations("\n\n".join(zh)) == equations("\n\n".join(en))
    text = "\n".join(zh)
    assert "耦合协调度 D 的区域差异" in text  # a space between D and the Chinese word
    assert "Series analysed" not in text


def test_analysis_methods_describe_only_what_ran():
    """No groups, no weights, U only: kernel density and the Markov chain of U are all
    that run, and the notes say why the rest did not."""
    pytest.importorskip("giddy")
    res = fit_provinces(series=["synergy"])
    en = analysis_methods(res, "en", references=False)
    heads = [p.split(". ", 1)[0] for p in en if p[:1].isupper() and ". " in p[:30]]
    assert heads == ["Series analysed", "Kernel density", "Markov chain", "Notes"]
    text = "\n".join(en)
    for absent in (
        "Groups.",
        "Dagum Gini coefficient.",
        "Theil index.",
        "Convergence.",
        "Spatial weights.",
        "Global Moran's I.",
        "Local Moran's I (LISA).",
        "Spatial Markov chain.",
    ):
        assert absent not in text, absent
    assert (
        "Dagum Gini, Theil, σ- and β-convergence (which need values ≥ 0) were not applied" in text
    )
    assert "Markov chain." in text and "Kernel density." in text
    assert "Notes. No spatial weights (analysis.weights)" in text
    zh = "\n".join(analysis_methods(res, "zh", references=False))
    assert "说明。未设定空间权重（analysis.weights）" in zh
    refs = analysis_methods(res, "en")[-1]
    assert "Silverman" in refs and "Dagum" not in refs and "Moran" not in refs


def test_analysis_methods_other_options(tmp_path):
    """Groups from a mapping file, neighbours from a CSV, no permutations, Scott's rule,
    quantile classes, Hainan left an island: each said as given."""
    pytest.importorskip("giddy")
    groups = tmp_path / "groups.csv"
    regions = cosyn.datasets.china_regions("china_3")
    pd.DataFrame({"entity": regions.index, "group": regions.to_numpy()}).to_csv(groups, index=False)
    res = fit_provinces(
        series=["coupling"],
        groups=str(groups),
        weights="china_provinces",
        island_links=False,
        permutations=0,
        bandwidth="scott",
        classes="quantiles",
        k=4,
    )
    en = "\n".join(analysis_methods(res, "en"))
    assert "by the mapping file groups.csv into 3 groups: East (11), Central (8), West (12)" in en
    assert "Hainan, which has no land border, has no neighbour (island_links = false)" in en
    assert "normal approximation (Cliff and Ord 1981) only (analysis.permutations = 0)" in en
    assert "LISA" not in en.split("References")[0].replace("LISA (whose", "")
    assert "Scott's (1992) normal-reference bandwidth $h" not in en  # marks are removed
    assert "Scott's (1992) normal-reference bandwidth h = 1.06·σ·n^(−1/5)" in en
    assert "Scott, D. W. (1992)" in en and "Silverman, B. W." not in en
    assert "4 quantiles of all the values of the coupling coordination degree D" in en
    assert "classed by 4 quantiles of all the lags" in en


def test_analysis_methods_without_analysis_is_empty(guangzhou):
    assert analysis_methods(guangzhou) == []
    assert analysis_notes(guangzhou, "zh") == []
    assert str(analysis_methods_html(guangzhou)) == ""
    assert "Dagum" not in methods_paragraph(guangzhou)


def test_analysis_notes_in_chinese(provinces):
    en = analysis_notes(provinces, "en")
    zh = analysis_notes(provinces, "zh")
    assert en == list(provinces.analysis.notes) and len(zh) == len(en)
    assert "空间权重：内置的中国省级行政区邻接关系；海南没有陆地邻接省份" in zh[0]
    assert any(n.startswith("协同度 U 可能为负") for n in zh)
    with pytest.raises(ValueError, match="language"):
        analysis_notes(provinces, "fr")


def test_analysis_methods_sections_split_the_same_paragraphs(provinces):
    parts = analysis_methods_sections(provinces, "en")
    assert list(parts) == ["overview", "differences", "distribution", "space", "time"]
    assert "Dagum Gini coefficient." in parts["differences"]
    assert "Spatial weights." in parts["space"] and "Dagum" not in parts["space"]
    whole = str(analysis_methods_html(provinces, "en", references=False))
    for html in parts.values():
        body = str(html).removeprefix('<div class="methods">\n').removesuffix("\n</div>")
        assert body in whole
    assert analysis_methods_sections(provinces, "zh")["time"].count("马尔可夫链") >= 2


def test_analysis_methods_topics_are_the_plain_paragraphs_by_topic(provinces):
    for lang in ("en", "zh"):
        topics = analysis_methods_topics(provinces, lang)
        assert list(topics) == list(analysis_methods_sections(provinces, lang))
        flat = [p for paragraphs in topics.values() for p in paragraphs]
        assert flat == analysis_methods(provinces, lang, references=False)
    assert any("Dagum" in p for p in analysis_methods_topics(provinces, "en")["differences"])


@pytest.mark.parametrize(
    ("note", "zh"),
    [
        (
            "Markov chain of series 'coupling': no steady state (not unique: 2 recurrent classes)",
            "耦合协调度 D 的马尔可夫链：无稳态分布（不唯一：有 2 个常返类）",
        ),
        (
            "Markov chain of series 'synergy': no steady state (not estimable: transitions "
            "lead into moderate, high, never left in the data)",
            "协同度 U 的马尔可夫链：无稳态分布（无法估计：转移进入数据中从未离开的类型 "
            "中度协同、高度协同）",
        ),
        (
            "Spatial Markov chain of series 'synergy': no steady state for lag (0, 0.3], "
            "lag >0.9 (no transition observed); lag ≤0 (not unique: 3 recurrent classes)",
            "协同度 U 的空间马尔可夫链：以下空间滞后类型无稳态分布：滞后 (0, 0.3]、滞后 >0.9"
            "（没有观测到转移）；滞后 ≤0（不唯一：有 3 个常返类）",
        ),
        (
            "Markov chain of series 'synergy': class(es) high, extreme never the start of a "
            "transition: their row of P is NaN (no estimate)",
            "协同度 U 的马尔可夫链：类型 高度协同、极度协同 从未作为转移的起点，其转移概率行"
            "为空（无估计值）",
        ),
        (
            "Spatial Markov chain of series 'coupling': 2 conditional row(s) with no "
            "transition, NaN in P (lag Q1: Q3; lag Q4: Q1)",
            "耦合协调度 D 的空间马尔可夫链：2 个条件转移行没有观测到转移，转移概率为空"
            "（滞后 Q1：Q3；滞后 Q4：Q1）",
        ),
        (
            "Dagum Gini of series 'coupling' is not computed: in every period every value is 0",
            "耦合协调度 D 的 Dagum 基尼系数未计算：in every period every value is 0",
        ),
        ("A note nobody knows.", "A note nobody knows."),
    ],
)
def test_analysis_notes_translated_phrase_by_phrase(provinces, note, zh):
    from cosyn.report.methods import _note_zh

    assert _note_zh(provinces, note) == zh


def test_analysis_methods_warn_when_entities_are_not_comparable():
    """Bounds and entropy weights per entity (the example's model.toml): the text says
    that comparisons across entities compare positions in each entity's own range, and
    the notes in Chinese say so too."""
    pytest.importorskip("giddy")
    from cosyn.analysis.run import BOUNDS_NOTE, WEIGHTS_NOTE

    model = province_model(series=["coupling"], groups="china_3")
    model["method"].update(bounds="entity", weights_scope="entity")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cosyn.CosynWarning)
        res = cosyn.fit(PROVINCES / "panel.csv", model)
    assert BOUNDS_NOTE in res.analysis.notes and WEIGHTS_NOTE in res.analysis.notes
    [en] = [p for p in analysis_methods(res, "en") if p.startswith("Series analysed.")]
    assert "The bounds of the efficacy coefficient were taken per entity" in en
    assert 'bounds = "panel" would make the levels comparable' in en
    assert "The weights were computed per entity and differ between them" in en
    [zh] = [p for p in analysis_methods(res, "zh") if p.startswith("分析对象。")]
    assert "功效系数的上下限按个体分别确定" in zh and "权重按个体分别计算且各不相同" in zh
    notes = analysis_notes(res, "zh")
    assert any(n.startswith("有序度按各个体自身的取值范围计算") for n in notes)
    assert any(n.startswith("各个体的权重不同") for n in notes)
    # the notes paragraph does not repeat what the first paragraph says
    [said] = [p for p in analysis_methods(res, "en") if p.startswith("Notes.")]
    assert said == (
        "Notes. No spatial weights (analysis.weights): Moran's I, LISA and the spatial "
        "Markov chain are not computed."
    )
    # china_3: the three belts, Liaoning with the East
    groups = next(p for p in analysis_methods(res, "en") if p.startswith("Groups."))
    assert "East (11), Central (8), West (12)" in groups


def _zones(tmp_path: Path, n_periods: int = 5) -> tuple[pd.DataFrame, list[str]]:
    """16 zones on a 4 × 4 grid (a GeoJSON of unit squares) with a panel that varies."""
    from test_analysis_figures import _grid_geojson

    names = [f"zone {i}" for i in range(16)]
    _grid_geojson(tmp_path / "zones.geojson", names)
    rng = np.random.default_rng(5)
    rows = []
    for i, name in enumerate(names):
        r, c = divmod(i, 4)
        for t in range(n_periods):
            rows.append(
                {
                    "name": name,
                    "t": 2000 + t,
                    "lon": c + 0.5,
                    "lat": r + 0.5,
                    "a1": 1.0 + r + t * (1 + 0.1 * c) + rng.uniform(0, 0.5),
                    "b1": 2.0 + c + t * (1 + 0.1 * r) + rng.uniform(0, 0.5),
                }
            )
    return pd.DataFrame(rows), names


def _zones_model(weights: object) -> dict:
    return {
        "entity": "name",
        "period": "t",
        "method": {"bounds": "panel", "weights": "equal"},
        "subsystems": {
            "A": {"indicators": {"a1": "+"}},
            "B": {"indicators": {"b1": "+"}},
        },
        "analysis": {"series": ["order"], "weights": weights, "permutations": 19},
    }


@pytest.mark.parametrize(
    ("weights", "en", "zh"),
    [
        (
            {"file": "ZONES", "contiguity": "rook"},
            "W is rook contiguity of the regions of zones.geojson (neighbours share an edge)",
            "由 zones.geojson 中的区域边界按 rook 邻接构建（共边即为邻居）",
        ),
        (
            "ZONES",
            "W is queen contiguity of the regions of zones.geojson (neighbours share an edge "
            "or a corner)",
            "按 queen 邻接构建（共边或共点即为邻居）",
        ),
        (
            {"x": "lon", "y": "lat", "k": 3},
            "W is the k = 3 nearest neighbours of each entity by the coordinates (lon, lat)",
            "按坐标（lon, lat）取每个个体最近的 k = 3 个邻居",
        ),
    ],
)
def test_analysis_methods_name_the_spatial_weights(tmp_path, weights, en, zh):
    if not isinstance(weights, dict) or "file" in weights:
        pytest.importorskip("geopandas")
    pytest.importorskip("esda")
    data, _ = _zones(tmp_path)
    path = str(tmp_path / "zones.geojson")
    w = path if weights == "ZONES" else weights
    if isinstance(w, dict) and "file" in w:
        w = {**w, "file": path}
    res = fit(data, _zones_model(w))
    assert en in "\n".join(analysis_methods(res, "en"))
    assert zh in "\n".join(analysis_methods(res, "zh"))
    assert "row-standardised" in "\n".join(analysis_methods(res, "en"))


def test_analysis_methods_groups_from_a_data_column(tmp_path):
    pytest.importorskip("giddy")
    data, _ = _zones(tmp_path)
    data["region"] = np.where(data["lat"] < 2, "南区", "北区")
    model = _zones_model(None)
    del model["analysis"]["weights"]
    model["analysis"]["groups"] = "region"
    res = fit(data, model)
    en = "\n".join(analysis_methods(res, "en"))
    assert "by the data column “region” into 2 groups: 南区 (8), 北区 (8)" in en
    zh = "\n".join(analysis_methods(res, "zh"))
    assert "按数据列“region”分为 2 组：南区（8 个）、北区（8 个）" in zh
    assert "National Bureau of Statistics" not in en
