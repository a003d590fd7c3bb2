"""The bundled China data: names, NBS regional schemes, contiguity list and tile grid.

Independent sources re-entered here (not read from the bundled files):

- The regional schemes: 国家统计局《东西中部和东北地区划分方法》(National Bureau of
  Statistics, 2011; published on stats.gov.cn): East 10 / Central 6 / West 12 / Northeast
  3, and the older three-belt division East 11 / Central 8 / West 12 that it replaced
  (辽宁 in the East, 吉林 and 黑龙江 in the Centre).
- GB/T 2260 codes of the provincial-level divisions.
- The neighbour list: ``adjoin_province.json`` of the public GitHub repository
  ``10d1/vpr_problem_utils`` (commit e356a6b41d31794c126e6d4bfdf894b87e3dfada), each
  division's ``adjoins`` transcribed below as short names.
"""

from __future__ import annotations

from collections import deque

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosyn.datasets import (
    china_contiguity,
    china_provinces,
    china_regions,
    china_tiles,
    data_path,
    match_provinces,
    province_names,
    region_names,
)
from cosyn.errors import DataError, SpecError

# 国家统计局《东西中部和东北地区划分方法》, 2011.
NBS_EAST = {"北京", "天津", "河北", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南"}
NBS_CENTRAL = {"山西", "安徽", "江西", "河南", "湖北", "湖南"}
NBS_WEST = {
    "内蒙古", "广西", "重庆", "四川", "贵州", "云南",
    "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
}  # fmt: skip
NBS_NORTHEAST = {"辽宁", "吉林", "黑龙江"}

# GB/T 2260 provincial codes.
GB2260 = {
    "北京": 110000, "天津": 120000, "河北": 130000, "山西": 140000, "内蒙古": 150000,
    "辽宁": 210000, "吉林": 220000, "黑龙江": 230000, "上海": 310000, "江苏": 320000,
    "浙江": 330000, "安徽": 340000, "福建": 350000, "江西": 360000, "山东": 370000,
    "河南": 410000, "湖北": 420000, "湖南": 430000, "广东": 440000, "广西": 450000,
    "海南": 460000, "重庆": 500000, "四川": 510000, "贵州": 520000, "云南": 530000,
    "西藏": 540000, "陕西": 610000, "甘肃": 620000, "青海": 630000, "宁夏": 640000,
    "新疆": 650000,
}  # fmt: skip

# 10d1/vpr_problem_utils, adjoin_province.json: "adjoins" of each mainland division
# (Hong Kong, Macao and Taiwan left out; Hainan's entry lists Guangdong).
VPR_ADJOINS = {
    "海南": ["广东"],
    "新疆": ["甘肃", "青海"],
    "黑龙江": ["吉林", "内蒙古"],
    "上海": ["江苏", "浙江"],
    "天津": ["北京", "河北"],
    "北京": ["天津", "河北"],
    "宁夏": ["甘肃", "陕西", "内蒙古"],
    "西藏": ["四川", "云南", "青海"],
    "广西": ["广东", "贵州", "云南"],
    "福建": ["浙江", "江西", "广东"],
    "吉林": ["辽宁", "黑龙江", "内蒙古"],
    "辽宁": ["河北", "吉林", "内蒙古"],
    "青海": ["甘肃", "四川", "西藏", "新疆"],
    "云南": ["四川", "贵州", "广西", "西藏"],
    "山东": ["河北", "江苏", "安徽", "河南"],
    "江苏": ["上海", "浙江", "安徽", "山东"],
    "山西": ["河北", "河南", "陕西", "内蒙古"],
    "贵州": ["重庆", "湖南", "四川", "云南", "广西"],
    "湖南": ["重庆", "江西", "湖北", "广东", "贵州"],
    "浙江": ["上海", "江苏", "安徽", "福建", "江西"],
    "重庆": ["湖北", "湖南", "四川", "贵州", "陕西"],
    "甘肃": ["四川", "青海", "陕西", "宁夏", "新疆", "内蒙古"],
    "湖北": ["重庆", "安徽", "江西", "河南", "湖南", "陕西"],
    "河南": ["河北", "山西", "安徽", "山东", "湖北", "陕西"],
    "江西": ["浙江", "安徽", "福建", "湖北", "湖南", "广东"],
    "安徽": ["江苏", "浙江", "江西", "山东", "河南", "湖北"],
    "河北": ["北京", "天津", "山西", "辽宁", "山东", "河南", "内蒙古"],
    "四川": ["重庆", "甘肃", "贵州", "云南", "青海", "陕西", "西藏"],
    "广东": ["福建", "江西", "湖南", "海南", "广西"],
    "内蒙古": ["河北", "山西", "辽宁", "吉林", "黑龙江", "甘肃", "陕西", "宁夏"],
    "陕西": ["重庆", "山西", "河南", "湖北", "甘肃", "四川", "宁夏", "内蒙古"],
}
# Land borders the source leaves out (each listed by neither side there):
# 新疆–西藏 (Hotan/Ngari, along the Kunlun) and 湖南–广西 (Yongzhou/Guilin). Both are
# borders of some hundreds of kilometres; ours keeps them.
MISSING_IN_VPR = {frozenset({"新疆", "西藏"}), frozenset({"湖南", "广西"})}


def pairs_of(frame: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(p) for p in zip(frame["entity_a"], frame["entity_b"], strict=True)}


def neighbours(frame: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {name: set() for name in GB2260}
    for a, b in zip(frame["entity_a"], frame["entity_b"], strict=True):
        out[a].add(b)
        out[b].add(a)
    return out


# ---------------------------------------------------------------- the table and schemes


def test_table_has_the_31_divisions_with_their_gb2260_codes() -> None:
    table = china_provinces()
    assert len(table) == 31
    assert dict(zip(table["province"], table["code"], strict=True)) == GB2260
    assert table["code"].is_monotonic_increasing


def test_china_4_is_the_nbs_2011_division() -> None:
    """国家统计局《东西中部和东北地区划分方法》(2011): 10 / 6 / 12 / 3."""
    groups = china_regions("china_4")
    assert groups.name == "china_4"
    assert set(groups.index) == set(GB2260)
    assert set(groups[groups == "East"].index) == NBS_EAST
    assert set(groups[groups == "Central"].index) == NBS_CENTRAL
    assert set(groups[groups == "West"].index) == NBS_WEST
    assert set(groups[groups == "Northeast"].index) == NBS_NORTHEAST


def test_china_3_is_the_three_belt_division() -> None:
    """East 11 (the NBS East and 辽宁), Central 8 (the NBS Centre and 吉林, 黑龙江), West 12."""
    groups = china_regions("china_3")
    assert groups.value_counts().to_dict() == {"East": 11, "Central": 8, "West": 12}
    assert set(groups[groups == "East"].index) == NBS_EAST | {"辽宁"}
    assert set(groups[groups == "Central"].index) == NBS_CENTRAL | {"吉林", "黑龙江"}
    assert set(groups[groups == "West"].index) == NBS_WEST
    assert china_regions().equals(groups)  # the default


def test_unknown_scheme_lists_the_schemes() -> None:
    with pytest.raises(SpecError, match="china_3, china_4"):
        china_regions("china_5")


def test_region_and_province_display_names() -> None:
    assert region_names("zh") == {
        "East": "东部",
        "Central": "中部",
        "West": "西部",
        "Northeast": "东北",
    }
    assert region_names("en")["Northeast"] == "Northeast"
    english = province_names("en")
    assert english["内蒙古"] == "Inner Mongolia"
    assert english["西藏"] == "Tibet"
    assert (english["山西"], english["陕西"]) == ("Shanxi", "Shaanxi")
    assert province_names("pinyin")["西藏"] == "Xizang"
    assert province_names("zh_full")["新疆"] == "新疆维吾尔自治区"
    assert set(province_names("zh")) == set(GB2260)
    with pytest.raises(SpecError, match="en, pinyin"):
        province_names("fr")
    with pytest.raises(SpecError, match="en, zh"):
        region_names("fr")


# ---------------------------------------------------------------- name matching


@pytest.mark.parametrize(
    ("given_name", "canonical"),
    [
        ("北京", "北京"),
        ("北京市", "北京"),
        ("Beijing", "北京"),
        ("beijing", "北京"),
        (" BEIJING ", "北京"),
        ("Beijing Municipality", "北京"),
        ("内蒙古", "内蒙古"),
        ("内蒙古自治区", "内蒙古"),
        ("内蒙", "内蒙古"),
        ("內蒙古", "内蒙古"),
        ("Inner Mongolia", "内蒙古"),
        ("inner-mongolia", "内蒙古"),
        ("Inner Mongolia Autonomous Region", "内蒙古"),
        ("Nei Mongol", "内蒙古"),
        ("Neimenggu", "内蒙古"),
        ("广西壮族自治区", "广西"),
        ("廣西壯族自治區", "广西"),
        ("Guangxi Zhuang Autonomous Region", "广西"),
        ("宁夏回族自治区", "宁夏"),
        ("Ningxia Hui Autonomous Region", "宁夏"),
        ("新疆维吾尔自治区", "新疆"),
        ("Xinjiang Uygur Autonomous Region", "新疆"),
        ("Xinjiang Uyghur Autonomous Region", "新疆"),
        ("西藏自治区", "西藏"),
        ("Tibet", "西藏"),
        ("Xizang", "西藏"),
        ("Shanxi", "山西"),
        ("山西省", "山西"),
        ("Shaanxi", "陕西"),
        ("陝西", "陕西"),
        ("Hebei Province", "河北"),
        ("Guangxi Zhuangzu Zizhiqu", "广西"),
        ("Xinjiang Weiwuer Zizhiqu", "新疆"),
        ("黑龍江省", "黑龙江"),
        ("Heilongjiang", "黑龙江"),
        ("\u3000上海\u3000", "上海"),
        ("ＧＵＡＮＧＤＯＮＧ", "广东"),  # full-width letters
        (440000, "广东"),
        ("440000", "广东"),
    ],
)
def test_every_common_form_matches(given_name: object, canonical: str) -> None:
    assert match_provinces([given_name]) == {given_name: canonical}


@pytest.mark.parametrize("column", ["province", "full_name", "english", "pinyin", "code"])
def test_each_column_of_the_table_matches_all_31_at_once(column: str) -> None:
    # All 31 at once: no two divisions share an alias (else the duplicate check fires).
    table = china_provinces()
    got = match_provinces(table[column].tolist())
    assert list(got.values()) == table["province"].tolist()


@given(
    index=st.integers(0, 30),
    upper=st.lists(st.booleans(), min_size=40, max_size=40),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_english_matches_in_any_case_and_padding(index: int, upper: list[bool], pad: str) -> None:
    row = china_provinces().iloc[index]
    name = "".join(
        c.upper() if u else c.lower() for c, u in zip(row["english"], upper, strict=False)
    )
    assert match_provinces([pad + name + pad])[pad + name + pad] == row["province"]


@given(
    picks=st.lists(
        st.tuples(
            st.integers(0, 30),
            st.sampled_from(["province", "full_name", "english", "pinyin", "code"]),
        ),
        min_size=1,
        max_size=31,
        unique_by=lambda pick: pick[0],
    )
)
def test_any_mix_of_forms_round_trips(picks: list[tuple[int, str]]) -> None:
    # Property: a set of distinct provinces, each written in any form, maps back to them.
    table = china_provinces()
    names = [table.iloc[i][column] for i, column in picks]
    got = match_provinces(names)
    assert list(got.values()) == [table.iloc[i]["province"] for i, _ in picks]


def test_identical_names_count_once() -> None:
    assert match_provinces(["北京", "北京", "天津"]) == {"北京": "北京", "天津": "天津"}


def test_unmatched_names_are_all_named_with_the_nearest() -> None:
    with pytest.raises(DataError) as info:
        match_provinces(["北京", "Guangxy", "Sichaun", "河北省份"])
    message = str(info.value)
    assert "3 name(s)" in message
    assert "'Guangxy' (nearest: 广西)" in message
    assert "'Sichaun' (nearest: 四川)" in message
    assert "'河北省份' (nearest: 河北)" in message
    assert "'北京'" not in message


def test_two_names_for_one_province_are_both_named() -> None:
    with pytest.raises(DataError, match="'内蒙古' and 'Inner Mongolia' are both 内蒙古"):
        match_provinces(["内蒙古", "Inner Mongolia", "北京"])


@pytest.mark.parametrize(
    "name", ["香港", "Hong Kong", "香港特别行政区", "澳门", "Macau", "Macao", "台湾省", "Taiwan"]
)
def test_hong_kong_macao_taiwan_are_outside_the_schemes(name: str) -> None:
    with pytest.raises(DataError, match="31 mainland provincial-level divisions"):
        match_provinces(["北京", name])


def test_missing_names_are_an_error() -> None:
    with pytest.raises(DataError, match="missing name"):
        match_provinces(["北京", float("nan")])


# ---------------------------------------------------------------- contiguity


@pytest.mark.parametrize("island_links", [True, False])
def test_contiguity_is_a_symmetric_list_of_unique_pairs(island_links: bool) -> None:
    frame = china_contiguity(island_links=island_links)
    assert list(frame.columns) == ["entity_a", "entity_b"]
    assert (frame["entity_a"] != frame["entity_b"]).all()
    pairs = pairs_of(frame)
    assert len(pairs) == len(frame)  # each unordered pair once (never also as b, a)
    assert len(frame) == (69 if island_links else 68)
    names = set(frame["entity_a"]) | set(frame["entity_b"])
    assert names == set(GB2260) - ({"海南"} if not island_links else set())
    code = frame["entity_a"].map(GB2260) < frame["entity_b"].map(GB2260)
    assert code.all()


def test_hainan_is_linked_to_guangdong_only_when_asked() -> None:
    linked = neighbours(china_contiguity())
    assert linked["海南"] == {"广东"}
    alone = neighbours(china_contiguity(island_links=False))
    assert alone["海南"] == set()
    assert all(alone[name] for name in GB2260 if name != "海南")


@pytest.mark.parametrize("island_links", [True, False])
def test_contiguity_graph_is_connected(island_links: bool) -> None:
    graph = neighbours(china_contiguity(island_links=island_links))
    start = "北京"
    seen = {start}
    queue = deque([start])
    while queue:
        for other in graph[queue.popleft()] - seen:
            seen.add(other)
            queue.append(other)
    expected = set(GB2260) - (set() if island_links else {"海南"})
    assert seen == expected


def test_contiguity_against_vpr_problem_utils_adjoin_province() -> None:
    """Compared with 10d1/vpr_problem_utils ``adjoin_province.json`` (see module docstring).

    The source leaves out two land borders, from both sides: 新疆–西藏 and 湖南–广西.
    Every other pair agrees, including 河北–内蒙古 (north of Zhangjiakou and Chengde) and
    四川–甘肃 (Aba/Gannan and Longnan): each a shared border segment, so neighbours under
    queen and rook alike. We know of no two divisions that meet at a single point only,
    so the queen rule adds no pair to rook here. The source links 海南 to 广东, as our
    default ``island_links=True`` does.
    """
    source = {frozenset({a, b}) for a, adjoins in VPR_ADJOINS.items() for b in adjoins}
    assert set(VPR_ADJOINS) == set(GB2260)
    ours = pairs_of(china_contiguity(island_links=True))
    assert ours - source == MISSING_IN_VPR
    assert source - ours == set()
    # The source is symmetric: each pair it has is listed from both sides.
    for a, adjoins in VPR_ADJOINS.items():
        for b in adjoins:
            assert a in VPR_ADJOINS[b], (a, b)


def test_neighbour_counts_of_well_known_cases() -> None:
    """陕西 and 内蒙古 border eight provincial-level divisions each, the most of any;
    河北 and 四川 seven; 北京, 天津, 上海 and 黑龙江 two."""
    degree = {k: len(v) for k, v in neighbours(china_contiguity()).items()}
    assert degree["陕西"] == degree["内蒙古"] == 8
    assert max(degree.values()) == 8
    assert degree["河北"] == degree["四川"] == 7
    assert degree["北京"] == degree["天津"] == degree["上海"] == degree["黑龙江"] == 2


def test_bundled_csv_is_a_plain_two_column_neighbour_file() -> None:
    frame = pd.read_csv(data_path("china_contiguity.csv"))
    assert list(frame.columns) == ["entity_a", "entity_b"]
    assert pairs_of(frame) == pairs_of(china_contiguity(island_links=False))


@pytest.mark.slow  # importing libpysal takes seconds
def test_contiguity_builds_a_libpysal_weights_object() -> None:
    weights_module = pytest.importorskip("libpysal.weights")
    graph = neighbours(china_contiguity())
    w = weights_module.W({k: sorted(v) for k, v in graph.items()}, silence_warnings=True)
    assert w.n == 31
    assert w.islands == []
    assert w.asymmetry() == []


# ---------------------------------------------------------------- tiles


def test_tiles_one_square_each() -> None:
    tiles = china_tiles()
    assert list(tiles.columns) == ["province", "row", "col"]
    assert set(tiles["province"]) == set(GB2260)
    assert len(tiles) == 31
    assert not tiles.duplicated(["row", "col"]).any()
    assert tiles["row"].min() == 0 and tiles["col"].min() == 0


def test_tiles_are_in_their_approximate_places() -> None:
    place = china_tiles().set_index("province")
    assert place.loc["黑龙江", "row"] == place["row"].min()  # top
    assert place.loc["黑龙江", "col"] == place["col"].max()  # right
    assert place.loc["海南", "row"] == place["row"].max()  # bottom, alone
    assert (place["row"] == place["row"].max()).sum() == 1
    west = place["col"].min()
    assert {"新疆", "西藏", "青海"} <= set(place.index[place["col"] == west])
    assert place.loc["上海", "col"] == place["col"].max()  # the east coast
    assert place.loc["北京", "row"] < place.loc["广东", "row"]


def test_tiles_put_neighbours_near_each_other() -> None:
    place = china_tiles().set_index("province")
    frame = china_contiguity()
    dr = (frame["entity_a"].map(place["row"]) - frame["entity_b"].map(place["row"])).abs()
    dc = (frame["entity_a"].map(place["col"]) - frame["entity_b"].map(place["col"])).abs()
    distance = pd.concat([dr, dc], axis=1).max(axis=1)  # squares apart (diagonals count 1)
    assert (distance <= 1).mean() >= 0.85
    far = {frozenset(p) for p in frame.loc[distance > 2, ["entity_a", "entity_b"]].to_numpy()}
    assert far == {frozenset({"内蒙古", "吉林"}), frozenset({"内蒙古", "黑龙江"})}


# ---------------------------------------------------------------- in the user's names


def test_results_in_the_users_names() -> None:
    names = ["Guangdong", "Hainan Province", "广西壮族自治区", "Beijing", "Tibet"]
    regions = china_regions("china_4", names=names)
    assert regions.to_dict() == {
        "Guangdong": "East",
        "Hainan Province": "East",
        "广西壮族自治区": "West",
        "Beijing": "East",
        "Tibet": "West",
    }
    assert list(regions.index) == names
    pairs = pairs_of(china_contiguity(names=names))
    # 北京 and 西藏 have no neighbour among these: they are in no pair.
    assert pairs == {
        frozenset({"Guangdong", "广西壮族自治区"}),
        frozenset({"Guangdong", "Hainan Province"}),
    }
    assert pairs_of(china_contiguity(island_links=False, names=names)) == {
        frozenset({"Guangdong", "广西壮族自治区"})
    }
    tiles = china_tiles(names=names)
    assert list(tiles["province"]) == names
    place = china_tiles().set_index("province")
    assert tuple(tiles.iloc[1][["row", "col"]]) == tuple(place.loc["海南", ["row", "col"]])


def test_users_names_are_checked() -> None:
    with pytest.raises(DataError, match="'Guangdon' \\(nearest: 广东\\)"):
        china_contiguity(names=["Guangdon", "广西"])
