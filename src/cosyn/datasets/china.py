"""China's 31 mainland provincial-level divisions: names, regional schemes, neighbours, tiles.

Every function returns the canonical **short Chinese name** of a division (北京, 内蒙古,
广西, 西藏, 宁夏, 新疆, …); :func:`match_provinces` maps the names found in a user's data
onto them and :func:`province_names` gives display names in other languages.

Bundled files (``cosyn/datasets/data``)
---------------------------------------
``china_provinces.csv``
    code (GB/T 2260), province (short name), full_name, english, pinyin, china_3,
    china_4, row, col (the tile-grid square).
``china_contiguity.csv``
    entity_a, entity_b: the 68 pairs of divisions that share a land border, each pair
    once. Hainan has none; :func:`china_contiguity` adds the Hainan–Guangdong link.

Regional schemes (国家统计局《东西中部和东北地区划分方法》, 2011):

- ``china_4``: East 10 (北京 天津 河北 上海 江苏 浙江 福建 山东 广东 海南), Central 6
  (山西 安徽 江西 河南 湖北 湖南), West 12 (内蒙古 广西 重庆 四川 贵州 云南 西藏 陕西
  甘肃 青海 宁夏 新疆), Northeast 3 (辽宁 吉林 黑龙江).
- ``china_3``: the older three-belt division, East 11 (East 10 and 辽宁), Central 8
  (山西 吉林 黑龙江 安徽 江西 河南 湖北 湖南), West 12.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pandas as pd

from cosyn.errors import DataError, SpecError

__all__ = [
    "SCHEMES",
    "china_contiguity",
    "china_provinces",
    "china_regions",
    "china_tiles",
    "match_provinces",
    "province_names",
    "region_names",
]

SCHEMES: tuple[str, ...] = ("china_3", "china_4")

_REGION_NAMES: dict[str, dict[str, str]] = {
    "en": {"East": "East", "Central": "Central", "West": "West", "Northeast": "Northeast"},
    "zh": {"East": "东部", "Central": "中部", "West": "西部", "Northeast": "东北"},
}
_REGION_ORDER: tuple[str, ...] = ("East", "Central", "West", "Northeast")

# Traditional characters that occur in the divisions' names, mapped to simplified ones.
_TRADITIONAL = str.maketrans(
    {
        "內": "内",
        "遼": "辽",
        "龍": "龙",
        "蘇": "苏",
        "東": "东",
        "廣": "广",
        "慶": "庆",
        "貴": "贵",
        "雲": "云",
        "陝": "陕",
        "肅": "肃",
        "寧": "宁",
        "區": "区",
        "壯": "壮",
        "維": "维",
        "爾": "尔",
        "臺": "台",
        "灣": "湾",
        "門": "门",
    }
)
# Suffixes a name may carry: administrative level in Chinese, English and pinyin.
_ZH_SUFFIXES: tuple[str, ...] = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_LATIN_SUFFIXES: tuple[str, ...] = (
    "zhuangautonomousregion",
    "huiautonomousregion",
    "uygurautonomousregion",
    "uyghurautonomousregion",
    "uighurautonomousregion",
    "autonomousregion",
    "specialadministrativeregion",
    "sar",
    "municipality",
    "province",
    "city",
    "zhuangzuzizhiqu",
    "zhuangzizhiqu",
    "huizuzizhiqu",
    "huizizhiqu",
    "weiwuerzizhiqu",
    "zizhiqu",
    "sheng",
    "shi",
)
# Other spellings in use (normalised: lower case, no spaces, hyphens or apostrophes).
_EXTRA_ALIASES: dict[str, str] = {
    "内蒙": "内蒙古",
    "neimenggu": "内蒙古",
    "neimongol": "内蒙古",
    "innermongol": "内蒙古",
    "xizang": "西藏",
    "tibet": "西藏",
}
_OUTSIDE: dict[str, str] = {
    "香港": "香港",
    "hongkong": "香港",
    "澳门": "澳门",
    "macao": "澳门",
    "macau": "澳门",
    "台湾": "台湾",
    "taiwan": "台湾",
}


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    from cosyn.datasets import data_path

    frame = pd.read_csv(data_path("china_provinces.csv"), dtype={"code": "int64"})
    return frame


def china_provinces() -> pd.DataFrame:
    """The 31 mainland provincial-level divisions, one row each in GB/T 2260 code order.

    Columns: ``code`` (110000 …), ``province`` (the canonical short name), ``full_name``
    (北京市, 内蒙古自治区, 广西壮族自治区 …), ``english`` (Beijing, Inner Mongolia,
    Tibet …), ``pinyin`` (Beijing, Nei Mongol, Xizang …), ``china_3``, ``china_4``
    (group keys), ``row``, ``col`` (tile-grid square). A fresh copy each call.
    """
    return _table().copy()


def _normalise(name: str) -> str:
    """NFKC, traditional→simplified, no surrounding or inner spaces, hyphens, dots; lower."""
    text = unicodedata.normalize("NFKC", name).translate(_TRADITIONAL).strip().lower()
    for char in " -_'’.·":
        text = text.replace(char, "")
    return text


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Normalised alias → canonical short name, for every form the table knows."""
    table = _table()
    aliases: dict[str, str] = {}
    for row in table.itertuples(index=False):
        for form in (row.province, row.full_name, row.english, row.pinyin, str(row.code)):
            aliases[_normalise(str(form))] = str(row.province)
    aliases.update(_EXTRA_ALIASES)
    return aliases


def _strip_suffix(key: str, known: dict[str, str]) -> str | None:
    for suffix in _ZH_SUFFIXES + _LATIN_SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in known:
            return known[key[: -len(suffix)]]
    return None


def _lookup(key: str) -> str | None:
    aliases = _aliases()
    if key in aliases:
        return aliases[key]
    return _strip_suffix(key, aliases)


def _outside(key: str) -> str | None:
    if key in _OUTSIDE:
        return _OUTSIDE[key]
    return _strip_suffix(key, _OUTSIDE)


def _nearest(key: str) -> str:
    """The canonical name whose alias is closest to ``key`` (difflib ratio)."""
    aliases = _aliases()
    best = max(aliases, key=lambda alias: difflib.SequenceMatcher(None, key, alias).ratio())
    return aliases[best]


def match_provinces(names: Iterable[Any]) -> dict[Any, str]:
    """Map each user name of a province to its canonical short Chinese name.

    Accepted forms, with surrounding spaces ignored: the short name (北京, 内蒙古), the full
    name (北京市, 内蒙古自治区, 广西壮族自治区, 新疆维吾尔自治区), the short name with 省/市/
    自治区, traditional characters (內蒙古, 廣西), the common abbreviation 内蒙, English
    (Beijing, Inner Mongolia, Tibet, Guangxi Zhuang Autonomous Region, "Hebei Province") and
    pinyin (Nei Mongol, Neimenggu, Xizang) case-insensitively with spaces, hyphens and
    apostrophes ignored, and the GB/T 2260 code (110000). "Shanxi" is 山西 and "Shaanxi"
    陕西: the two are kept apart, as in the official romanisation.

    Parameters
    ----------
    names : iterable
        The names found in the data (e.g. the entity labels); identical names count once.

    Returns
    -------
    dict
        user name → canonical short name, in the order first seen.

    Raises
    ------
    DataError
        Naming every name that matches no division, each with its nearest division; every
        pair of different names that match the same division; Hong Kong, Macao and Taiwan,
        which the bundled schemes do not cover (they cover the 31 mainland divisions).
    """
    matched: dict[Any, str] = {}
    unmatched: list[str] = []
    outside: list[str] = []
    for name in dict.fromkeys(names):
        if name is None or (isinstance(name, float) and name != name):
            unmatched.append(f"{name!r} (a missing name)")
            continue
        key = _normalise(str(name))
        canonical = _lookup(key)
        if canonical is not None:
            matched[name] = canonical
        elif _outside(key) is not None:
            outside.append(repr(name))
        else:
            unmatched.append(f"{name!r} (nearest: {_nearest(key)})")
    problems: list[str] = []
    if unmatched:
        problems.append(
            f"{len(unmatched)} name(s) match no mainland province: "
            + ", ".join(unmatched)
            + " (write the short, full, English or pinyin name, e.g. 内蒙古, 内蒙古自治区, "
            "Inner Mongolia, Nei Mongol)"
        )
    if outside:
        problems.append(
            ", ".join(outside) + ": the bundled schemes cover the 31 mainland "
            "provincial-level divisions only; give your own groups and neighbours for "
            "Hong Kong, Macao or Taiwan"
        )
    by_province: dict[str, list[Any]] = {}
    for name, canonical in matched.items():
        by_province.setdefault(canonical, []).append(name)
    twice = [
        f"{' and '.join(repr(n) for n in users)} are both {canonical}"
        for canonical, users in by_province.items()
        if len(users) > 1
    ]
    if twice:
        problems.append(
            "two names for one province: " + "; ".join(twice) + " (use one name per province)"
        )
    if problems:
        raise DataError("; ".join(problems))
    return matched


def _in_user_names(names: Iterable[Any] | None) -> dict[str, Any] | None:
    """Canonical name → the user's name (None when no names are given)."""
    if names is None:
        return None
    return {canonical: user for user, canonical in match_provinces(names).items()}


def china_regions(scheme: str = "china_3", names: Iterable[Any] | None = None) -> pd.Series:
    """Province (canonical short name) → group key of an NBS regional scheme.

    Parameters
    ----------
    scheme : {"china_3", "china_4"}
        ``china_3``: East 11 / Central 8 / West 12; ``china_4``: East 10 / Central 6 /
        West 12 / Northeast 3 (国家统计局《东西中部和东北地区划分方法》, 2011). Group keys
        are English ("East", "Central", "West", "Northeast"); :func:`region_names` gives
        display names.
    names : iterable, optional
        The user's province names (any form :func:`match_provinces` accepts): the result
        is then indexed by these names, in their order, for these provinces only.

    Returns
    -------
    pandas.Series
        Indexed by province (GB/T 2260 order, or the user's names), named after the scheme.
    """
    if scheme not in SCHEMES:
        raise SpecError(f"unknown regional scheme {scheme!r}; available: {', '.join(SCHEMES)}")
    table = _table()
    series = pd.Series(table[scheme].to_numpy(), index=pd.Index(table["province"], name="province"))
    users = _in_user_names(names)
    if users is not None:
        series = series[list(users)]
        series.index = pd.Index(list(users.values()), name="province")
    return series.rename(scheme)


def region_names(lang: str = "zh") -> dict[str, str]:
    """Group key → display name: ``zh`` 东部/中部/西部/东北, ``en`` East/Central/West/Northeast."""
    if lang not in _REGION_NAMES:
        raise SpecError(f"unknown language {lang!r}; available: {', '.join(_REGION_NAMES)}")
    return {key: _REGION_NAMES[lang][key] for key in _REGION_ORDER}


def province_names(lang: str = "en") -> dict[str, str]:
    """Canonical short name → display name.

    ``lang``: ``en`` (Beijing, Inner Mongolia, Tibet …), ``pinyin`` (Nei Mongol, Xizang …),
    ``zh`` (the short name itself) or ``zh_full`` (北京市, 内蒙古自治区 …).
    """
    columns = {"en": "english", "pinyin": "pinyin", "zh": "province", "zh_full": "full_name"}
    if lang not in columns:
        raise SpecError(f"unknown language {lang!r}; available: {', '.join(columns)}")
    table = _table()
    return dict(zip(table["province"].astype(str), table[columns[lang]].astype(str), strict=True))


def china_contiguity(island_links: bool = True, names: Iterable[Any] | None = None) -> pd.DataFrame:
    """Neighbouring pairs of the 31 mainland provincial-level divisions (queen contiguity).

    The pairs that share a land border (68), each unordered pair once (``entity_a`` the
    division with the smaller GB/T 2260 code). Queen and rook contiguity coincide here:
    no two divisions are known to meet at a single point only. Hainan has no land border: with
    ``island_links=True`` (the default) it is linked to Guangdong across the Qiongzhou
    Strait, the usual choice in studies of the 31 provinces, so that every division has a
    neighbour; with ``False`` it has none (an island in the weights).

    Parameters
    ----------
    island_links : bool
        Link Hainan to Guangdong (default True).
    names : iterable, optional
        The user's province names (any form :func:`match_provinces` accepts): the pairs
        are then those between these provinces only, written in the user's names. A
        province whose neighbours are all absent is in no pair (an island).

    Returns
    -------
    pandas.DataFrame
        Columns ``entity_a``, ``entity_b`` (canonical short names, or the user's names),
        a fresh copy.
    """
    from cosyn.datasets import data_path

    pairs = pd.read_csv(data_path("china_contiguity.csv"), dtype=str)
    if island_links:
        pairs = pd.concat(
            [pairs, pd.DataFrame({"entity_a": ["广东"], "entity_b": ["海南"]})],
            ignore_index=True,
        )
    code = dict(zip(_table()["province"], _table()["code"], strict=True))
    order = pairs["entity_a"].map(code) * 1_000_000 + pairs["entity_b"].map(code)
    pairs = pairs.iloc[order.argsort(kind="stable")].reset_index(drop=True)
    users = _in_user_names(names)
    if users is not None:
        kept = pairs["entity_a"].isin(users) & pairs["entity_b"].isin(users)
        pairs = pairs[kept].reset_index(drop=True)
        pairs = pairs.apply(lambda column: column.map(users))
    return pairs


def china_tiles(names: Iterable[Any] | None = None) -> pd.DataFrame:
    """A tile-grid layout of the 31 divisions: one square each in its approximate place.

    Row 0 is the top (黑龙江 top right, 新疆 and 西藏 on the left, 海南 at the bottom);
    neighbours sit in touching squares where the shapes allow (内蒙古's long border means
    吉林 and 黑龙江 are three squares from it). No boundary data: the layout is for
    readable maps of values, not for measuring.

    Parameters
    ----------
    names : iterable, optional
        The user's province names: the rows are then these provinces, in their order,
        with ``province`` the user's name.

    Returns
    -------
    pandas.DataFrame
        Columns ``province``, ``row``, ``col`` (integers), in GB/T 2260 order.
    """
    tiles = _table()[["province", "row", "col"]].copy()
    users = _in_user_names(names)
    if users is not None:
        tiles = tiles.set_index("province").loc[list(users)].reset_index()
        tiles["province"] = list(users.values())
    return tiles
