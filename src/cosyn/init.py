"""``cosyn init``: a commented spec skeleton from a data file's columns.

The skeleton names the guessed entity and period columns and lists every numeric column
(in long layout: every indicator name) as an indicator of a first subsystem; the user
moves each to its subsystem and sets its direction. It is deliberately not runnable as
written (the second subsystem is empty), so that nobody fits a model whose subsystems
were never assigned; ``cosyn check`` says what is left to do. No column is left out
without a word: the skeleton lists, as comments, every column that is not an indicator
with the row and the cell that keep it out (:func:`cosyn.io.guess.excluded_columns`),
and :func:`init_lines` says the same on the terminal. The comments are in English or
Chinese (``lang``); the keys are the same in both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cosyn.errors import DataError
from cosyn.io.guess import ColumnGuess, guess_columns
from cosyn.io.read import label_text, read_table
from cosyn.io.write import atomic_path, atomic_write_text
from cosyn.spec import Method

__all__ = ["init_lines", "toml_skeleton", "write_sheet_skeleton", "write_toml_skeleton"]

#: How many entity labels the skeleton's ``[report] entities`` example shows.
_EXAMPLE_ENTITIES = 3

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "head": "# cosyn model skeleton written from {source} by `cosyn init`.",
        "step1": "# 1. Check the entity and period columns.",
        "step2": "# 2. Move each indicator into its subsystem (at least two subsystems, one or"
        '\n#    more indicators each) and set its direction: "+" (more is better) or "-".',
        "step3": "# 3. Run `cosyn check` on this file with --data, then `cosyn run`.",
        "long": "# The data is in long layout: indicator names in column {indicator}, values in"
        " {value}.",
        "entity": "   # one row per entity and period",
        "no_entity": '# entity = "region"   # no entity column found: the data is one entity',
        "no_period": "   # no period column found: name yours here",
        "na": '# na_values = ["-", "—", "NA"]   # the cell texts read as missing besides empty'
        '\n#   cells; leave out for the default set (docs/spec.md, "Data layout")',
        "method": "[method]   # the defaults of the composite system synergy model;"
        " see docs/spec.md",
        "margin": "# bounds widened by a·|max| and a·|min|",
        "bounds": "# entity | panel",
        "weights": "# entropy | critic | cv | equal | given | ahp | combined",
        "scope": '# or "panel": one set of weights from all entities pooled, the same'
        "\n#   for each (comparable across entities); entity: each entity's own weights",
        "aggregation": "# weighted_sum | geometric | weighted_geometric",
        "base": "# first | adjacent | a period value",
        "impute": "# regression | linear | none (fills the missing cells)",
        "constant": "# error | drop",
        "sub_label": "Subsystem {n}",
        "ind1": "   # column = direction",
        "ind2": "   # move this subsystem's indicators here",
        "excluded": "# Not listed, so not used — fix the cell (or the header) and add the column"
        "\n# here to use it:",
        "optional": "# Optional (remove the # to use; docs/spec.md):",
        "diagnostics": "# [diagnostics]       # analyses beyond the synergy degree,"
        " all off by default",
        "gra": "# gra = true          # grey relational grade of each indicator",
        "coupling": '# coupling = "classic"   # coupling coordination degree: C, T, D and levels',
        "obstacles": "# obstacles = 5       # the 5 indicators that hold each entity back most",
        "forecast": "# forecast = 3        # GM(1,1) forecast, 3 periods ahead",
        "robustness": "# robustness = true   # bands of the synergy degree over weights and margin",
        "stages": "# [stages]",
        "focus": '# focus = "zhang2023"   # the Guangzhou paper\'s advice on each stage card;'
        "\n#                        #   by default a card says only what the stage means",
        "report": "# [report]",
        "entities": "# entities = {names}   # the entities the figures draw (default: all)",
        "analysis": "# [analysis]          # regional differences, space and dynamics (pip install"
        "\n#                     #   'cosyn[spatial]'); see docs/spec.md",
        "groups": '# groups = "china_3"   # a data column | a CSV (entity, group) | china_3'
        " | china_4",
        "neighbours": '# weights = "china_provinces"   # | a neighbours CSV | a geometry file',
    },
    "zh": {
        "head": "# cosyn 模型骨架，由 `cosyn init` 根据 {source} 生成。",
        "step1": "# 1. 检查实体列和时期列。",
        "step2": "# 2. 把每个指标移到它所属的子系统（至少两个子系统，每个至少一个指标），\n"
        '#    并设置方向："+"（越大越好，正向）或 "-"（越小越好，负向）。',
        "step3": "# 3. 用 `cosyn check` 加 --data 检查本文件，再运行 `cosyn run`。",
        "long": "# 数据为长格式：指标名称在 {indicator} 列，数值在 {value} 列。",
        "entity": "   # 每个实体、每个时期一行",
        "no_entity": '# entity = "地区"   # 未找到实体列：整份数据视为一个实体',
        "no_period": "   # 未找到时期列：请在此填写时期列的列名",
        "na": '# na_values = ["-", "—", "NA"]   # 读作缺失值的单元格文本（空单元格之外）；'
        '\n#   省略则用默认集合（见 docs/spec.md "Data layout"）',
        "method": "[method]   # 复合系统协同度模型的默认设置；见 docs/spec.md",
        "margin": "# 上下界按 a·|max| 和 a·|min| 放宽",
        "bounds": "# entity（按实体）| panel（全面板）",
        "weights": "# entropy | critic | cv | equal | given | ahp | combined",
        "scope": '# 或 "panel"：全部实体合并定权，所有实体同一组权重（实体间可比）；'
        "\n#   entity：每个实体用自己各期的数据单独定权",
        "aggregation": "# weighted_sum | geometric | weighted_geometric",
        "base": "# first | adjacent | 某一时期值",
        "impute": "# regression | linear | none（填补缺失值的方法）",
        "constant": "# error | drop",
        "sub_label": "子系统 {n}",
        "ind1": "   # 列名 = 方向",
        "ind2": "   # 把本子系统的指标移到这里",
        "excluded": "# 以下列未列出，因此不会使用——"
        "修正该单元格（或表头）后把该列加到这里即可使用：",
        "optional": "# 可选设置（去掉 # 即可启用；见 docs/spec.md）：",
        "diagnostics": "# [diagnostics]       # 协同度之外的分析，默认全部关闭",
        "gra": "# gra = true          # 各指标的灰色关联度",
        "coupling": '# coupling = "classic"   # 耦合协调度：C、T、D 及协调等级',
        "obstacles": "# obstacles = 5       # 每个实体障碍度最大的 5 个指标",
        "forecast": "# forecast = 3        # GM(1,1) 预测未来 3 期",
        "robustness": "# robustness = true   # 权重和放宽系数变动下协同度的区间（稳健性）",
        "stages": "# [stages]",
        "focus": '# focus = "zhang2023"   # 阶段卡片显示广州论文对各阶段的建议；'
        "\n#                        #   默认只说明各阶段的含义",
        "report": "# [report]",
        "entities": "# entities = {names}   # 图中绘制的实体（默认：全部）",
        "analysis": "# [analysis]          # 区域差异、空间相关与动态演进（需 pip install"
        "\n#                     #   'cosyn[spatial]'）；见 docs/spec.md",
        "groups": '# groups = "china_3"   # 数据列 | CSV（entity, group）| china_3 | china_4',
        "neighbours": '# weights = "china_provinces"   # | 邻接 CSV | 地理文件',
    },
}

_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "wrote": "wrote {path}: entity column {entity}, period column {period}, {n} indicators",
        "long": " (long layout: names in {indicator}, values in {value})",
        "excluded": "{n} column{s} not used as indicators (listed in the skeleton too):",
        "next": "next: assign each indicator to its subsystem and direction, then run `{command}`",
    },
    "zh": {
        "wrote": "已写入 {path}：实体列 {entity}，时期列 {period}，{n} 个指标",
        "long": "（长格式：指标名称在 {indicator} 列，数值在 {value} 列）",
        "excluded": "{n} 列未作为指标使用（骨架中也已列出）：",
        "next": "下一步：为每个指标指定子系统和方向，然后运行 `{command}`",
    },
}


def _texts(lang: str) -> dict[str, str]:
    return _TEXTS["zh" if lang == "zh" else "en"]


def _refuse_overwrite(target: Path, force: bool, source: Path) -> None:
    if target.resolve() == source.resolve():
        raise DataError(
            f"{str(target)!r} is the data file itself; cosyn never overwrites its input — "
            "choose another output with -o"
        )
    if target.exists() and not force:
        raise DataError(f"{str(target)!r} exists; use --force to overwrite it, or -o another path")


def _quoted(text: str) -> str:
    """A TOML basic string (JSON escaping is valid TOML for these characters)."""
    return json.dumps(text, ensure_ascii=False)


def _key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise (e.g. Chinese column names)."""
    bare = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if bare else _quoted(name)


def _comment(text: str) -> str:
    """``text`` safe inside a TOML comment (one line; no control characters)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def toml_skeleton(
    guess: ColumnGuess, source: str, *, lang: str = "en", entities: Sequence[str] = ()
) -> str:
    """The text of a commented TOML spec for the guessed columns.

    Parameters
    ----------
    guess : ColumnGuess
        What :func:`cosyn.io.guess.guess_columns` found; its ``excluded`` columns are
        listed as comments with their reasons.
    source : str
        The data file's name, for the first comment.
    lang : {"en", "zh"}
        Language of the comments (the keys are the same).
    entities : sequence of str
        A few entity labels for the commented ``[report] entities`` example.
    """
    w = _texts(lang)
    m = Method()
    lines = [
        w["head"].format(source=_comment(source)),
        w["step1"],
        w["step2"],
        w["step3"],
    ]
    if guess.long is not None:
        indicator, value = guess.long
        lines.append(_comment(w["long"].format(indicator=repr(indicator), value=repr(value))))
    lines += ["", 'title = ""']
    if guess.entity is not None:
        lines.append(f"entity = {_quoted(guess.entity)}{w['entity']}")
    else:
        lines.append(w["no_entity"])
    period = guess.period or "year"
    note = "" if guess.period else w["no_period"]
    lines += [
        f"period = {_quoted(period)}{note}",
        w["na"],
        "",
        w["method"],
        f"margin = {m.margin}              {w['margin']}",
        f'bounds = "{m.bounds}"          {w["bounds"]}',
        f'weights = "{m.weights}"        {w["weights"]}',
        f'weights_scope = "{m.weights_scope}"   {w["scope"]}',
        f'aggregation = "{m.aggregation}"   {w["aggregation"]}',
        f'base = "{m.base}"              {w["base"]}',
        f'impute = "{m.impute}"      {w["impute"]}',
        f'on_constant = "{m.on_constant}"       {w["constant"]}',
        "",
        "[subsystems.subsystem_1]",
        f"label = {_quoted(w['sub_label'].format(n=1))}",
        f"[subsystems.subsystem_1.indicators]{w['ind1']}",
    ]
    lines += [f'{_key(c)} = "+"' for c in guess.indicators]
    if guess.excluded:
        lines.append(w["excluded"])
        lines += [_comment(f"#   {_key(c)}: {reason}") for c, reason in guess.excluded]
    names = "[" + ", ".join(_quoted(e) for e in entities) + "]" if entities else '["…", "…"]'
    lines += [
        "",
        "[subsystems.subsystem_2]",
        f"label = {_quoted(w['sub_label'].format(n=2))}",
        f"[subsystems.subsystem_2.indicators]{w['ind2']}",
        "",
        w["optional"],
        w["diagnostics"],
        w["gra"],
        w["coupling"],
        w["obstacles"],
        w["forecast"],
        w["robustness"],
        "#",
        w["stages"],
        w["focus"],
        "#",
        w["report"],
        _comment(w["entities"].format(names=names)),
        "#",
        w["analysis"],
        w["groups"],
        w["neighbours"],
        "",
    ]
    return "\n".join(lines)


def init_lines(
    written: Path, guess: ColumnGuess, data_file: Path, as_sheet: bool, lang: str = "en"
) -> list[str]:
    """What ``cosyn init`` prints: what it wrote, every column left out and why, what next."""
    w = _MESSAGES["zh" if lang == "zh" else "en"]
    first = w["wrote"].format(
        path=written,
        entity=repr(guess.entity),
        period=repr(guess.period),
        n=len(guess.indicators),
    )
    if guess.long is not None:
        first += w["long"].format(indicator=repr(guess.long[0]), value=repr(guess.long[1]))
    lines = [first]
    if guess.excluded:
        n = len(guess.excluded)
        lines.append(w["excluded"].format(n=n, s="" if n == 1 else "s"))
        lines += [f"  {c!r}: {reason}" for c, reason in guess.excluded]
    command = f"cosyn check {written}" + ("" if as_sheet else f" --data {data_file}")
    lines.append(w["next"].format(command=command))
    return lines


def _guess(
    data_file: Path, sheet: str | None, lang: str = "en"
) -> tuple[ColumnGuess, tuple[str, ...]]:
    """The guess for ``data_file`` and the first few entity labels."""
    frame = read_table(data_file, sheet=sheet)
    guess = guess_columns(frame, lang)
    if not guess.indicators:
        listed = "; ".join(f"{c!r}: {reason}" for c, reason in guess.excluded[:5])
        raise DataError(
            f"data file {str(data_file)!r} has no numeric column to use as an indicator"
            + (f" ({listed})" if listed else "")
        )
    entities: tuple[str, ...] = ()
    if guess.entity is not None:
        labels = pd.unique(frame[guess.entity].dropna())[:_EXAMPLE_ENTITIES]
        entities = tuple(label_text(e) for e in labels)
    return guess, entities


def write_toml_skeleton(
    data_file: str | Path,
    target: str | Path,
    *,
    sheet: str | None = None,
    force: bool = False,
    lang: str = "en",
) -> tuple[Path, ColumnGuess]:
    """Write :func:`toml_skeleton` for ``data_file`` to ``target`` (never over the input)."""
    src, out = Path(data_file), Path(target)
    _refuse_overwrite(out, force, src)
    guess, entities = _guess(src, sheet, lang)
    text = toml_skeleton(guess, src.name, lang=lang, entities=entities)
    return atomic_write_text(out, text), guess


def write_sheet_skeleton(
    data_file: str | Path,
    target: str | Path,
    *,
    sheet: str | None = None,
    force: bool = False,
    lang: str = "en",
) -> tuple[Path, ColumnGuess]:
    """Copy an XLSX data workbook to ``target`` with ``indicators`` and ``settings`` sheets.

    The data workbook itself is never modified. ``indicators`` lists every guessed
    indicator (column, subsystem, direction, label, unit) with subsystem ``subsystem_1``
    to be edited; ``settings`` holds the entity and period columns. The columns left out
    are in the returned guess's ``excluded`` (printed by ``cosyn init``).
    """
    from openpyxl import load_workbook

    from cosyn.io.archive import check_xlsx_archive

    src, out = Path(data_file), Path(target)
    if src.suffix.lower() not in {".xlsx", ".xlsm"}:
        raise DataError(
            f"--as-sheet needs an XLSX data file, got {str(src)!r}; without it, "
            "cosyn init writes a TOML spec"
        )
    _refuse_overwrite(out, force, src)
    guess, _ = _guess(src, sheet, lang)
    check_xlsx_archive(src)
    book = load_workbook(src)
    for name in ("indicators", "settings"):
        if name in book.sheetnames:
            raise DataError(f"workbook {str(src)!r} already has a {name!r} sheet")
    ind = book.create_sheet("indicators")
    ind.append(["column", "subsystem", "direction", "label", "unit"])
    for column in guess.indicators:
        ind.append([column, "subsystem_1", "+", column, ""])
    settings = book.create_sheet("settings")
    settings.append(["key", "value"])
    if guess.entity is not None:
        settings.append(["entity", guess.entity])
    settings.append(["period", guess.period or "year"])
    for sheet_ in (ind, settings):
        for row in sheet_.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # a column name that starts with "=" stays text
                    cell.data_type = "s"
        sheet_.freeze_panes = "A2"
        sheet_.column_dimensions["A"].width = 24
    with atomic_path(out) as tmp:
        book.save(tmp)
    return out, guess
