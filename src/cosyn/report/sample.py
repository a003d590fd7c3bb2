"""Reports that show a sample of a fit's entities (the Dask engine, SCALE.md).

A fit on the Dask engine may hold millions of entities: its tables are written as Parquet
datasets, one folder per table, and the workbook, the HTML report and the figures are
drawn from a NumPy result of a few of its entities (``DaskResult.sample``). A
:class:`Sample` handed to :func:`cosyn.report.write_reports` (and to the workbook and
HTML writers) makes every report say so plainly, in English or Chinese: how many of how
many entities the tables show, where the full tables are, and that an Excel sheet holds
at most 1,048,576 rows. :func:`sample_texts` holds the words both writers use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["EXCEL_ROWS", "Sample", "SampleTexts", "sample_texts"]

#: Rows an Excel sheet holds (header included).
EXCEL_ROWS = 1_048_576


@dataclass(frozen=True)
class Sample:
    """The reports show ``shown`` of ``total`` entities; the full tables are elsewhere.

    Attributes
    ----------
    shown : int
        Entities in the result the reports are drawn from.
    total : int
        Entities fitted.
    datasets : mapping of str to Path
        Each full table's Parquet dataset folder, by table name (as
        ``DaskResult.to_parquet`` returns them).
    summary : str, optional
        The text summary of every entity (``DaskResult.summary(lang)``), shown by the
        HTML report in place of the sample's.
    stage_counts : tuple of int, optional
        Entities per development stage at the last compared period, over every entity
        (``DaskResult.stage_counts()``), shown by the HTML report's summary.
    """

    shown: int
    total: int
    datasets: Mapping[str, Path] = field(default_factory=dict)
    summary: str | None = None
    stage_counts: tuple[int, ...] | None = None

    @property
    def folder(self) -> Path | None:
        """The folder that holds every dataset (their common parent), if they share one."""
        parents = {Path(p).resolve().parent for p in self.datasets.values()}
        return parents.pop() if len(parents) == 1 else None


_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Sample of entities",
        "headline": "Sample: {what} {shown} of the {total} entities fitted on the Dask engine. "
        "The full tables of every entity are Parquet datasets (one folder per table, one "
        "file per block of entities).",
        "headline_all": "Sample: {what} all {total} entities fitted on the Dask engine (the "
        "sample is the whole panel); the tables are also Parquet datasets (one folder per "
        "table, one file per block of entities).",
        "what_workbook": "the sheets of this workbook hold",
        "what_report": "the tables, figures and stage cards of this report show",
        "workbook": "workbook",
        "report": "report",
        "where": "Full tables: in {folder} (the paths below are relative to the folder of "
        "this {doc})",
        "excel": "An Excel sheet holds at most 1,048,576 rows, so the full tables are not in "
        "the workbook; read a dataset folder with pandas.read_parquet(folder) or "
        "dask.dataframe.read_parquet(folder).",
        "excel_all": "An Excel sheet holds at most 1,048,576 rows; a larger table is read from "
        "its dataset folder with pandas.read_parquet(folder) or "
        "dask.dataframe.read_parquet(folder).",
        "summary": "The text summary below counts every entity ({total}); its synergy table "
        "lists the first ones.",
        "stages": "Stages in {p} (all {total} entities)",
        "entities_of": "a sample of the {total} entities fitted",
        "label_sample": "Sample",
        "label_full": "Full tables (Parquet)",
        "label_excel": "Excel's row limit",
    },
    "zh": {
        "title": "个体样本",
        "headline": "样本：{what}只包含用 Dask 引擎拟合的 {total} 个个体中的 {shown} 个。"
        "全部个体的完整结果表为 Parquet 数据集（每张表一个文件夹，每批个体一个文件）。",
        "headline_all": "样本：{what}包含用 Dask 引擎拟合的全部 {total} 个个体（样本即全部"
        "个体）；结果表也以 Parquet 数据集保存（每张表一个文件夹，每批个体一个文件）。",
        "what_workbook": "本工作簿的各工作表",
        "what_report": "本报告中的表、图和阶段卡片",
        "workbook": "工作簿",
        "report": "报告",
        "where": "完整结果表位于：{folder}（下列路径相对于本{doc}所在的文件夹）",
        "excel": "Excel 每个工作表最多 1,048,576 行，因此完整结果表不放在工作簿中；可用 "
        "pandas.read_parquet(文件夹) 或 dask.dataframe.read_parquet(文件夹) 读取数据集文件夹。",
        "excel_all": "Excel 每个工作表最多 1,048,576 行；更大的表可用 pandas.read_parquet(文件夹) "
        "或 dask.dataframe.read_parquet(文件夹) 从其数据集文件夹读取。",
        "summary": "下面的文字摘要统计全部 {total} 个个体；其中的协同度表只列出前几个个体。",
        "stages": "{p} 期各发展阶段（全部 {total} 个个体）",
        "entities_of": "所拟合的 {total} 个个体中的样本",
        "label_sample": "样本",
        "label_full": "完整结果表（Parquet）",
        "label_excel": "Excel 行数上限",
    },
}


def _shown(path: Path, base: Path | None) -> str:
    """``path`` as a reader finds it: relative to ``base`` (the report's folder) when it
    is inside it, else absolute; with a trailing slash (a folder)."""
    target = Path(path).resolve()
    if base is not None:
        try:
            rel = target.relative_to(Path(base).resolve())
        except ValueError:
            pass
        else:
            return rel.as_posix() + "/"
    return str(target) + os.sep


@dataclass(frozen=True)
class SampleTexts:
    """What a report of a :class:`Sample` says, in one language (see :func:`sample_texts`)."""

    title: str
    headline: str
    where: str  # "Full tables: in <folder>/ …" ("" when the datasets share no folder)
    folder: str  # the datasets' common folder, absolute, or ""
    tables: tuple[tuple[str, str], ...]  # (table, dataset folder as shown)
    excel: str
    summary: str
    entities_of: str  # "" when every entity is shown
    stages: str  # a template with {p}, the last compared period
    label_sample: str
    label_full: str
    label_excel: str


def sample_texts(sample: Sample, lang: str, *, doc: str, base: Path | None) -> SampleTexts:
    """The words a report of ``sample`` shows, in ``lang``.

    ``doc`` is ``"workbook"`` or ``"report"``; ``base`` the folder the report is written
    to: a dataset folder inside it is shown relative to it (the report and its tables
    move together), beside the absolute folder of them all.
    """
    w = _WORDS["zh" if lang == "zh" else "en"]
    total = f"{sample.total:,}"
    part = sample.shown < sample.total
    folder = sample.folder
    where = str(folder) + os.sep if folder is not None else ""
    return SampleTexts(
        title=w["title"],
        headline=w["headline" if part else "headline_all"].format(
            what=w[f"what_{doc}"], shown=f"{sample.shown:,}", total=total
        ),
        where=w["where"].format(folder=where, doc=w[doc]) if where else "",
        folder=where,
        tables=tuple((name, _shown(path, base)) for name, path in sample.datasets.items()),
        excel=w["excel" if part else "excel_all"],
        summary=w["summary"].format(total=total),
        entities_of=w["entities_of"].format(total=total) if part else "",
        stages=w["stages"].replace("{total}", total),
        label_sample=w["label_sample"],
        label_full=w["label_full"],
        label_excel=w["label_excel"],
    )
