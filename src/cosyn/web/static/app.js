// cosyn serve — the page. Plain JS, no libraries; every number comes from the server.
"use strict";
let LANG = new URLSearchParams(location.search).get("lang") === "zh" ? "zh" : "en";
const WORDS = {
  en: {
    title: "cosyn — do the subsystems develop together?",
    intro: "Your data stays on this computer: the fit runs in the local cosyn server.",
    h_data: "1. Data", pick: "Choose a CSV or XLSX file, or drop it here", example: "Try the Guangzhou example",
    spec_file: "Model file (optional, model.toml)", h_data_check: "Data check",
    h_columns: "2. Columns", entity: "Entity column", period: "Period column", model_title: "Title of the study",
    preview: "First rows", h_subsystems: "Subsystems",
    subsystems_help: "Name the subsystems, then give each indicator its subsystem and direction.",
    add_subsystem: "Add a subsystem", h_indicators: "Indicators", col_column: "Column",
    col_subsystem: "Subsystem", col_direction: "Direction", col_label: "Label",
    h_method: "3. Method", run: "Run", h_results: "4. Results", h_stages: "Stages",
    h_figures: "Figures", figures_help: "Click a figure to enlarge it.", h_tables: "Tables",
    h_summary: "Summary as text (as cosyn run prints it)", close: "Close",
    none: "(none)", unassigned: "(not assigned)", remove: "Remove", running: "Running…",
    reading: "Reading…", checking: "Checking…", download: "Download", all_zip: "Everything (ZIP)",
    subsystem: "subsystem", margin: "Margin a", bounds: "Bounds", weights: "Weights",
    weights_scope: "Weights computed", aggregation: "Aggregation", base: "Base period",
    impute: "Missing values", on_constant: "Constant indicator",
    h_margin: "Bounds widened by a·|value| on each side",
    h_bounds: "Bounds of each indicator: per entity over its periods, or over the whole panel",
    h_weights: "How the indicators of a subsystem are weighted",
    h_weights_scope: "Per entity (one weight table per entity, and their mean) or once for the whole panel",
    h_aggregation: "How indicator order degrees combine into a subsystem's",
    h_base: "first: against the first period; adjacent: the period before; or a period",
    h_impute: "How empty cells are filled", h_on_constant: "An indicator with equal bounds: stop or drop it",
    colon: ": ", focus: "Focus", stage: "Stage", level: "Level", meaning: "What it means",
    h_diag: "Diagnostics (optional)", gra: "Grey relational test", coupling: "Coupling coordination",
    obstacles: "Obstacle indicators (top N)", forecast: "GM(1,1) forecast periods",
    robustness: "Robustness draws", h_gra: "Each indicator against its subsystem's order degree",
    h_coupling: "Model: classic, wang or fan", h_obstacles: "0 = off", h_forecast: "0 = off",
    h_robustness: "0 = off; e.g. 1000",
    entities_shown: "Entities in the figures", ph_entities: "e.g. Beijing, Shanghai",
    h_entities_shown: "Optional: names as the entity column writes them, separated by commas; empty: every entity",
    need_period: "Choose the period column.",
    need_two: "Assign at least one indicator to each of 2 subsystems",
    now_assigned: "now", indicators_word: "indicators", ready: "Ready to run",
    no_excluded: "Every column is used: entity, period or a possible indicator.",
    excluded_head: "Columns left out, and why", data_info: "{file}: {rows} rows, {columns} columns",
    h_notes: "Notes",
    no_problems: "No problems found in the data.", problems_head: "problems found",
    data_problems_help: "Checked on the guessed entity and period columns and every column of numbers.",
    check_ok: "cosyn check: no problems with this model and data.",
    check_problems: "cosyn check found", fix_first: "Fix the problems listed above first.",
    check_notes: "Worth reading (the model runs):",
    filter: "Filter rows", per_page: "Rows per page", prev: "Previous", next: "Next", all: "all",
    range: "{a}–{b} of {n}", copy: "Copy table", copied: "Copied: paste into Excel or Word",
    copy_failed: "The browser did not allow copying",
    paper_tables: "Tables as papers print them", long_tables: "Every value",
    enlarge: "Enlarge", drawing: "Drawing…", entities: "entities", sort_hint: "Click a column header to sort",
    err_SpecError: "Problem in the model", err_DataError: "Problem in the data",
    err_TooLarge: "Over this server's size limits", err_TimeLimit: "Stopped at the time limit",
    err_error: "Error", err_BadHost: "Refused", err_CrossOrigin: "Refused",
    h_analysis_set: "Spatio-temporal analysis (optional)", an_on: "Analyse where, how unevenly and where next",
    h_an_on: "Regional differences, the distribution over time, spatial association and transitions between classes across the entities",
    an_series: "Series", h_an_series: "What is analysed; D needs Coupling coordination (Diagnostics, above)", ser_synergy: "U synergy degree", ser_order: "μ order degrees",
    ser_coupling: "D coupling coordination",
    an_groups: "Groups", h_an_groups: "Groups of entities: group means, Dagum Gini and Theil decompositions",
    grp_china_3: "china_3: East, Central, West", grp_china_4: "china_4: East, Central, West, Northeast",
    column_word: "column", an_weights: "Spatial weights",
    h_an_weights: "Who neighbours whom: Moran's I, LISA, spatial Markov chains",
    w_china: "china_provinces: shared borders", w_coords: "coordinates: k nearest neighbours",
    from_model: "as in the model file", an_x: "x (longitude) column", an_y: "y (latitude) column", an_k: "k nearest neighbours",
    an_permutations: "Permutations", h_an_permutations: "Of the Moran's I and LISA inference; 0 = normal approximation only",
    an_seed: "Seed", h_an_seed: "Of the permutations: the same seed gives the same p-values",
    h_analysis: "Spatio-temporal analysis", h_methods: "Methods (a paragraph for the paper, with references)",
    h_section_methods: "Methods of this section", an_series_fig: "Figures of the series", an_series_auto: "each: the first series it has", an_notes: "Notes of the analysis", an_tables: "Tables", an_nothing: "Nothing to show here with these settings.",
  },
  zh: {
    title: "cosyn — 各子系统是否协同发展？", intro: "数据留在本机：计算在本地 cosyn 服务器中完成。",
    h_data: "1. 数据", pick: "选择 CSV 或 XLSX 文件，或拖放到此处", example: "试用广州示例",
    spec_file: "模型文件（可选，model.toml）", h_data_check: "数据检查",
    h_columns: "2. 列", entity: "主体列", period: "时期列", model_title: "研究标题",
    preview: "前几行", h_subsystems: "子系统", subsystems_help: "先为子系统命名，再为每个指标选择所属子系统和方向。",
    add_subsystem: "添加子系统", h_indicators: "指标", col_column: "列", col_subsystem: "子系统",
    col_direction: "方向", col_label: "名称", h_method: "3. 方法", run: "运行", h_results: "4. 结果",
    h_stages: "发展阶段", h_figures: "图形", figures_help: "点击图片可放大。", h_tables: "表格",
    h_summary: "文字摘要（与 cosyn run 输出相同）", close: "关闭",
    none: "（无）", unassigned: "（未分配）", remove: "删除", running: "正在计算…",
    reading: "正在读取…", checking: "正在检查…", download: "下载", all_zip: "全部（ZIP）",
    subsystem: "子系统", margin: "边界余量 a", bounds: "边界", weights: "权重方法",
    weights_scope: "权重计算范围", aggregation: "集成方式", base: "基期", impute: "缺失值填补",
    on_constant: "常数指标", h_margin: "上下限各放宽 a·|值|",
    h_bounds: "每个指标的上下限：按主体各自的各期，或按全面板",
    h_weights: "子系统内指标的客观赋权方法",
    h_weights_scope: "按主体（每个主体一张权重表，另给均值）或全面板统一计算一次",
    h_aggregation: "由指标有序度得到子系统有序度的方式",
    h_base: "first：与首期比较；adjacent：与上期比较；或某个时期值",
    h_impute: "缺失值的填补方法", h_on_constant: "上下限相等的指标：报错或剔除",
    colon: "：", focus: "发展重点", stage: "阶段", level: "等级", meaning: "含义",
    h_diag: "诊断（可选）", gra: "灰色关联检验", coupling: "耦合协调度", obstacles: "障碍因子（前 N 个）",
    forecast: "GM(1,1) 预测期数", robustness: "稳健性抽样次数",
    h_gra: "每个指标与其子系统有序度的灰色关联度", h_coupling: "模型：经典（classic）、wang 或 fan 修正",
    h_obstacles: "0 = 不计算", h_forecast: "0 = 不预测", h_robustness: "0 = 不检验；例如 1000",
    entities_shown: "图中显示的主体", ph_entities: "例如：北京、上海",
    h_entities_shown: "可选：按主体列的写法填写名称，用逗号或顿号分隔；留空则显示全部主体",
    need_period: "请选择时期列。",
    need_two: "请为至少 2 个子系统各分配至少一个指标", now_assigned: "当前", indicators_word: "个指标",
    ready: "可以运行",
    no_excluded: "所有列均已使用：主体列、时期列或候选指标。",
    excluded_head: "未使用的列及原因", data_info: "{file}：{rows} 行，{columns} 列",
    h_notes: "说明（cosyn 的英文原文）",
    no_problems: "数据中未发现问题。", problems_head: "个问题",
    data_problems_help: "按推测的主体列、时期列和所有数值列检查。",
    check_ok: "cosyn 检查：此模型与数据没有问题。",
    check_problems: "cosyn 检查发现", fix_first: "请先修正上面列出的问题。",
    check_notes: "值得注意（模型仍可运行；cosyn 的英文原文）：",
    filter: "筛选行", per_page: "每页行数", prev: "上一页", next: "下一页", all: "全部",
    range: "第 {a}–{b} 行，共 {n} 行", copy: "复制表格", copied: "已复制，可粘贴到 Excel、WPS 或 Word",
    copy_failed: "浏览器不允许复制",
    paper_tables: "论文格式的表", long_tables: "全部数值",
    enlarge: "放大", drawing: "正在绘制…", entities: "个主体", sort_hint: "点击列标题排序",
    err_SpecError: "模型设定有误", err_DataError: "数据有误", err_TooLarge: "超出服务器的大小限制",
    err_TimeLimit: "超过时间限制，已停止", err_error: "出错", err_BadHost: "已拒绝", err_CrossOrigin: "已拒绝",
    h_analysis_set: "时空分析（可选）", an_on: "进行时空分析：区域差异、分布、空间与动态",
    h_an_on: "各主体之间的区域差异、分布动态、空间关联与类型转移",
    an_series: "分析对象", h_an_series: "分析哪些结果；D 需要先在上方诊断中选择耦合协调度", ser_synergy: "U 协同度", ser_order: "μ 有序度",
    ser_coupling: "D 耦合协调度",
    an_groups: "分组", h_an_groups: "主体分组：分组均值、Dagum 基尼系数与泰尔指数分解",
    grp_china_3: "china_3：东部、中部、西部", grp_china_4: "china_4：东部、中部、西部、东北",
    column_word: "列", an_weights: "空间权重", h_an_weights: "邻接关系：用于莫兰指数、LISA 与空间马尔可夫链",
    w_china: "china_provinces：省际陆地相邻", w_coords: "坐标：k 近邻",
    from_model: "沿用模型文件", an_x: "x（经度）列", an_y: "y（纬度）列", an_k: "近邻数 k",
    an_permutations: "置换次数", h_an_permutations: "莫兰指数与 LISA 的置换检验；0 = 仅用正态近似",
    an_seed: "随机种子", h_an_seed: "置换的随机种子：相同种子得到相同的 p 值",
    h_analysis: "时空分析", h_methods: "研究方法（可用于论文的段落，附参考文献）",
    h_section_methods: "本部分的研究方法", an_series_fig: "图形所用指标", an_series_auto: "各图取首个有结果的指标", an_notes: "分析说明", an_tables: "表格", an_nothing: "按当前设置，本部分没有可显示的结果。",
  },
};
// Option values stay the spec's keys; only what is shown is translated.
const OPTIONS = {
  en: {
    entity: "entity — per entity", panel: "panel — all entities together",
    entropy: "entropy", critic: "CRITIC", cv: "coefficient of variation", equal: "equal",
    weighted_sum: "weighted sum", geometric: "geometric mean", weighted_geometric: "weighted geometric mean",
    regression: "regression", linear: "linear interpolation", none: "none (stop on empty cells)",
    error: "stop with a message", drop: "drop the indicator", classic: "classic", wang: "wang", fan: "fan",
    "+": "+ positive", "-": "− negative",
  },
  zh: {
    entity: "按主体（各主体分别计算）", panel: "全面板（所有主体统一计算）",
    entropy: "熵值法", critic: "CRITIC 法", cv: "变异系数法", equal: "等权",
    weighted_sum: "加权求和", geometric: "几何平均", weighted_geometric: "加权几何平均",
    regression: "回归填补", linear: "线性插值", none: "不填补（遇空值报错）",
    error: "报错", drop: "剔除该指标", classic: "经典模型", wang: "wang 修正模型", fan: "fan 修正模型",
    "+": "+ 正向", "-": "− 负向",
  },
};
const FIGURES = {
  en: {
    order_degree: "Order degrees of the subsystems", synergy_path: "Synergy path", synergy_heatmap: "Synergy by entity and period",
    weights: "Indicator weights", grey_relation: "Grey relational grades", coupling: "Coupling coordination",
    obstacles: "Obstacle degrees", forecast: "GM(1,1) forecast", robustness: "Robustness of the weights",
  },
  zh: {
    order_degree: "子系统有序度", synergy_path: "协同度路径", synergy_heatmap: "各主体各期协同度",
    weights: "指标权重", grey_relation: "灰色关联度", coupling: "耦合协调度",
    obstacles: "障碍度", forecast: "GM(1,1) 预测", robustness: "权重稳健性",
  },
};
const DIAGNOSTICS = [
  ["gra", "checkbox"], ["coupling", ["", "classic", "wang", "fan"]],
  ["obstacles", "number", "0"], ["forecast", "number", "0"], ["robustness", "number", "0"],
];
const METHOD = [
  ["weights", ["entropy", "critic", "cv", "equal"]], ["weights_scope", ["entity", "panel"]],
  ["bounds", ["entity", "panel"]], ["margin", "number", "0.1"],
  ["aggregation", ["weighted_sum", "geometric", "weighted_geometric"]],
  ["base", "text", "first"], ["impute", ["regression", "linear", "none"]],
  ["on_constant", ["error", "drop"]],
];
const PAGE_SIZES = [25, 50, 100, 0];
const t = (k) => WORDS[LANG][k] ?? WORDS.en[k] ?? k;
const opt = (v) => OPTIONS[LANG][v] ?? v;
const $ = (id) => document.getElementById(id);
const state = {
  file: null, info: null, base: {}, subsystems: [], rows: [], title: "", method: {}, diag: null, entities: "",
  toml: "", result: null, check: null, checkError: null, tableView: {}, activeTab: {}, urls: {}, an: null, anColumns: "", anSeries: null,
};

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  kids.forEach((c) => e.append(c));
  return e;
}

// Errors: a framing in the page's language, then cosyn's own message.
function showError(id, err) {
  const box = $(id);
  box.replaceChildren();
  box.hidden = !err;
  if (!err) { delete box.dataset.err; return; }
  box.dataset.err = JSON.stringify(err);
  box.append(el("strong", { text: t("err_" + (err.kind || "error")) }), el("span", { text: err.error }));
}
class RequestError extends Error {
  constructor(body) { super(body.error); this.body = body; }
}
async function call(url, body, errorId, json) {
  if (errorId) showError(errorId, null);
  const init = json ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }
    : { method: "POST", body };
  const r = await fetch(url, init);
  if (!r.ok) {
    let err = { error: `${r.status} ${r.statusText}`, kind: "error" };
    try { err = await r.json(); } catch (e) { /* not JSON */ }
    if (errorId) showError(errorId, err);
    throw new RequestError(err);
  }
  return r;
}

// ---- language -------------------------------------------------------------------------
function applyWords() {
  document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
  const sw = $("lang-switch");
  sw.textContent = LANG === "zh" ? "English" : "中文";
  sw.lang = LANG === "zh" ? "en" : "zh";
  document.querySelectorAll("[data-i]").forEach((n) => { n.textContent = t(n.dataset.i); });
}
async function switchLanguage() {
  readMethod();
  LANG = LANG === "zh" ? "en" : "zh";
  const url = new URL(location.href);
  url.searchParams.set("lang", LANG);
  history.replaceState(null, "", url);
  applyWords();
  if (state.info) {
    drawDataInfo(); drawDataCheck(); drawSubsystems(); drawIndicators(); drawMethod(); drawModelCheck(); updateRun();
  }
  for (const id of ["data-error", "run-error", "download-error"]) {
    if (!$(id).hidden && $(id).dataset.err) showError(id, JSON.parse($(id).dataset.err));
  }
  if (state.result) await fitAndShow();  // the results again, in the new language
}

// ---- upload and the data check ----------------------------------------------------------
async function loadFile(file, specText) {
  state.file = file; $("data-info").textContent = t("reading");
  state.result = null; state.check = null; state.checkError = null;
  $("step-results").hidden = true;
  const form = new FormData(); form.append("data", file);
  let info;
  try { info = await (await call("/api/inspect", form, "data-error")).json(); }
  catch (e) { $("data-info").textContent = ""; return; }
  state.info = info;
  drawDataInfo();
  if (info.spec_error) showError("data-error", { error: info.spec_error, kind: "SpecError" });
  let base = info.spec || {};
  if (specText) {
    const f = new FormData(); f.append("spec", specText);
    try { base = (await (await call("/api/spec/from-toml", f, "data-error")).json()).spec; } catch (e) { /* shown */ }
  }
  state.base = base;
  fillColumns(info, base);
  drawDataCheck();
  ["step-columns", "step-method"].forEach((id) => { $(id).hidden = false; });
  mappingChanged();
}

function drawDataInfo() {
  const info = state.info;
  $("data-info").textContent = t("data_info").replace("{file}", info.file).replace("{rows}", info.rows)
    .replace("{columns}", info.columns.length);
}

function drawDataCheck() {
  const info = state.info;
  $("data-check").hidden = false;
  const ex = $("excluded"); ex.replaceChildren();
  if (!info.excluded.length) ex.append(el("p", { class: "ok", text: t("no_excluded") }));
  else {
    ex.append(el("p", { class: "warn", text: `${t("excluded_head")} (${info.excluded.length}):` }));
    ex.append(el("ul", { id: "excluded-list" }, ...info.excluded.map((x) =>
      el("li", {}, el("strong", { text: x.column }), el("span", { text: ": " + x.reason })))));
  }
  const pr = $("problems"); pr.replaceChildren();
  if (!info.problems.length) pr.append(el("p", { class: "ok", text: t("no_problems") }));
  else {
    pr.append(el("p", { class: "warn", text: `${info.problems.length} ${t("problems_head")}:` }));
    pr.append(el("ol", { id: "problem-list" }, ...info.problems.map((p) => el("li", { text: p }))));
  }
  pr.append(el("p", { class: "note", text: t("data_problems_help") }));
  if ((info.notes || []).length) {
    pr.append(el("p", { class: "note", text: t("check_notes") }), el("ul", { id: "data-notes" }, ...info.notes.map((n) => el("li", { text: n }))));
  }
}

function fillColumns(info, base) {
  const g = info.guess;
  for (const [id, value, allowNone] of [["entity", base.entity ?? g.entity, true], ["period", base.period ?? g.period, true]]) {
    const s = $(id); s.replaceChildren();
    if (allowNone) s.append(el("option", { value: "", text: t("none") }));
    info.columns.forEach((c) => s.append(el("option", { value: c, text: c })));
    s.value = value || "";
  }
  $("title").value = state.title = base.title || "";
  previewTable(info);
  const map = {};
  const subs = base.subsystems || {};
  for (const [name, s] of Object.entries(subs)) {
    for (const i of s.indicators || []) {
      // unit and explicit bounds (lower, upper) of a model file are kept as they are
      const { column, direction, label, ...rest } = i;
      map[column] = { sub: name, dir: direction || "+", label: label || "", rest };
    }
  }
  state.labels = Object.fromEntries(Object.entries(subs).map(([k, s]) => [k, s.label || k]));
  state.subsystems = Object.keys(subs).length ? Object.keys(subs) : ["subsystem_1", "subsystem_2"];
  // Every candidate column starts unassigned, unless a model file assigned it.
  const cols = info.columns.filter((c) => c in map || g.indicators.includes(c));
  state.rows = cols.map((c) => (map[c] ? { column: c, ...map[c] } : { column: c, sub: "", dir: "+", label: "" }));
  state.method = { ...(base.method || {}) };
  state.entities = ((base.report || {}).entities || []).join(", ");
  state.diag = null;
  state.an = analysisState(base.analysis);
  drawSubsystems(); drawIndicators(); drawMethod();
}

function previewTable(info) {
  const node = $("preview"); node.replaceChildren();
  if (!info.preview.length) return;
  const cols = info.columns;
  node.append(el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", { scope: "col", text: c })))));
  node.append(el("tbody", {}, ...info.preview.map((r) => el("tr", {}, ...cols.map((c) => el("td", { text: r[c] === null ? "" : String(r[c]) }))))));
}

function drawSubsystems() {
  const ul = $("subsystems"); ul.replaceChildren();
  state.subsystems.forEach((name, k) => {
    const input = el("input", { value: name, "aria-label": `${t("subsystem")} ${k + 1}` });
    input.addEventListener("change", () => {
      const v = input.value.trim(); if (!v || state.subsystems.includes(v)) { input.value = name; return; }
      state.rows.forEach((r) => { if (r.sub === name) r.sub = v; });
      state.subsystems[k] = v; drawSubsystems(); drawIndicators(); mappingChanged();
    });
    const count = state.rows.filter((r) => r.sub === name).length;
    const rm = el("button", { type: "button", text: t("remove"), "aria-label": `${t("remove")} ${name}`, onclick: () => {
      state.subsystems.splice(k, 1); state.rows.forEach((r) => { if (r.sub === name) r.sub = ""; });
      drawSubsystems(); drawIndicators(); mappingChanged();
    } });
    ul.append(el("li", {}, input, el("span", { class: "count", text: ` ${count} ${t("indicators_word")} ` }), rm));
  });
}

function axisColumns() { return new Set([$("entity").value, $("period").value].filter(Boolean)); }

function drawIndicators() {
  const body = $("indicators").tBodies[0]; body.replaceChildren();
  const axes = axisColumns();
  for (const r of state.rows) {
    if (axes.has(r.column)) continue;
    const sub = el("select", { "aria-label": `${t("col_subsystem")} ${r.column}`, class: r.sub ? "" : "unset" },
      el("option", { value: "", text: t("unassigned") }), ...state.subsystems.map((s) => el("option", { value: s, text: s })));
    sub.value = state.subsystems.includes(r.sub) ? r.sub : "";
    sub.addEventListener("change", () => { r.sub = sub.value; sub.className = r.sub ? "" : "unset"; drawSubsystems(); mappingChanged(); });
    const dir = el("select", { "aria-label": `${t("col_direction")} ${r.column}` },
      ...["+", "-"].map((d) => el("option", { value: d, text: opt(d) })));
    dir.value = r.dir === "-" ? "-" : "+"; dir.addEventListener("change", () => { r.dir = dir.value; mappingChanged(); });
    const label = el("input", { value: r.label, "aria-label": `${t("col_label")} ${r.column}` });
    label.addEventListener("change", () => { r.label = label.value; mappingChanged(); });
    body.append(el("tr", {}, el("th", { scope: "row", text: r.column }), el("td", {}, sub), el("td", {}, dir), el("td", {}, label)));
  }
}

function drawMethod() {
  const box = $("method"); box.replaceChildren();
  for (const [key, kind, dflt] of METHOD) {
    const id = "m-" + key, v = String(state.method[key] ?? dflt ?? kind[0]);
    let input;
    if (Array.isArray(kind)) {
      const values = kind.includes(v) ? kind : [...kind, v];
      input = el("select", { id }, ...values.map((o) => el("option", { value: o, text: opt(o) })));
    } else input = el("input", { id, type: kind, step: "any", min: "0" });
    input.value = v;
    input.addEventListener("change", () => { readMethod(); mappingChanged(); });
    box.append(el("div", { class: key === "weights_scope" ? "field key" : "field" },
      el("label", { for: id, text: t(key) }), input, el("small", { text: t("h_" + key) })));
  }
  const shown = el("input", { id: "m-entities", type: "text", value: state.entities, placeholder: t("ph_entities") });
  shown.addEventListener("change", () => { state.entities = shown.value; mappingChanged(); });
  box.append(el("div", { class: "field wide" }, el("label", { for: "m-entities", text: t("entities_shown") }), shown,
    el("small", { text: t("h_entities_shown") })));
  drawDiagnostics(box);
  drawAnalysis();
}

function drawDiagnostics(box) {
  box.append(el("h3", { text: t("h_diag") }));
  const given = state.diag || (state.base || {}).diagnostics || {};
  for (const [key, kind, dflt] of DIAGNOSTICS) {
    const id = "d-" + key;
    let v = given[key] ?? dflt ?? "";
    if (key === "robustness") v = typeof given.robustness === "object" ? (given.robustness.draws ?? 1000) : (given.robustness || 0);
    let input;
    if (kind === "checkbox") { input = el("input", { id, type: "checkbox" }); input.checked = Boolean(v); }
    else if (Array.isArray(kind)) {
      input = el("select", { id }, ...kind.map((o) => el("option", { value: o, text: o ? opt(o) : t("none") })));
      input.value = String(v || "");
    } else { input = el("input", { id, type: "number", step: "1", min: "0" }); input.value = String(v); }
    input.addEventListener("change", () => { readMethod(); mappingChanged(); });
    box.append(el("div", { class: "field" }, el("label", { for: id, text: t(key) }), input, el("small", { text: t("h_" + key) })));
  }
}

function readMethod() {
  readAnalysis();
  if (!$("m-weights")) return;
  for (const [key, kind] of METHOD) {
    const raw = $("m-" + key).value;
    state.method[key] = kind === "number" ? Number(raw) : key === "base" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  }
  const d = { ...((state.base || {}).diagnostics || {}) };
  d.gra = $("d-gra").checked;
  if ($("d-coupling").value) d.coupling = $("d-coupling").value; else delete d.coupling;
  d.obstacles = Math.max(0, Math.round(Number($("d-obstacles").value) || 0));
  d.forecast = Math.max(0, Math.round(Number($("d-forecast").value) || 0));
  const draws = Math.max(0, Math.round(Number($("d-robustness").value) || 0));
  if (draws > 0) d.robustness = { ...(typeof d.robustness === "object" ? d.robustness : {}), draws };
  else delete d.robustness;
  state.diag = d;
}

function buildSpec() {
  readMethod();
  const base = JSON.parse(JSON.stringify(state.base || {}));
  const spec = { ...base, period: $("period").value, method: { ...(base.method || {}), ...state.method }, subsystems: {} };
  spec.diagnostics = state.diag || base.diagnostics || {};
  if ($("entity").value) spec.entity = $("entity").value; else delete spec.entity;
  if (state.title.trim()) spec.title = state.title.trim(); else delete spec.title;
  // The entities the figures draw: names split at commas (, ， 、) or new lines.
  const names = state.entities.split(/[,，、\n]/).map((x) => x.trim()).filter(Boolean);
  spec.report = { ...(base.report || {}), entities: names };
  if (!names.length) delete spec.report.entities;
  if (!Object.keys(spec.report).length) delete spec.report;
  const analysis = buildAnalysis(base.analysis);
  if (analysis) spec.analysis = analysis; else delete spec.analysis;
  const axes = axisColumns();
  for (const name of state.subsystems) {
    const old = (base.subsystems || {})[name] || {};
    const inds = state.rows.filter((r) => r.sub === name && !axes.has(r.column)).map((r) => {
      const i = { ...(r.rest || {}), column: r.column, direction: r.dir }; if (r.label) i.label = r.label; return i;
    });
    if (inds.length) spec.subsystems[name] = { ...old, label: old.label || name, indicators: inds };
  }
  return spec;
}

// ---- [analysis]: the spatio-temporal analysis ---------------------------------------------
// The settings the page shows; the keys it does not show (classes, k, alpha, bandwidth,
// island_links) stay as the model file had them.
const SERIES = ["synergy", "order", "coupling"];
function analysisState(a) {
  const given = a || {};
  const w = given.weights;
  let weights = "", x = "", y = "", k = 4;
  if (w === "china_provinces") weights = w;
  else if (w && typeof w === "object" && "x" in w && w.k !== undefined && w.distance === undefined) {
    weights = "coordinates"; x = w.x; y = w.y; k = w.k;
  } else if (w !== undefined && w !== null) weights = "model";
  return { on: Boolean(a), series: given.series || ["order"], groups: given.groups || "", weights, x, y, k,
    permutations: given.permutations ?? 999, seed: given.seed ?? 0 };
}

// Columns the analysis may read: neither entity, period nor an assigned indicator.
function analysisColumns() {
  const axes = axisColumns();
  const used = new Set(state.rows.filter((r) => r.sub && state.subsystems.includes(r.sub)).map((r) => r.column));
  const free = state.info.columns.filter((c) => !axes.has(c) && !used.has(c));
  const coords = free.filter((c) => state.info.numeric.includes(c));
  return { free, coords, signature: JSON.stringify([free, coords]) };
}

function drawAnalysis() {
  const box = $("analysis-fields"); box.replaceChildren();
  const a = state.an;
  if (!a || !state.info) return;
  const cols = analysisColumns();
  state.anColumns = cols.signature;
  const changed = (redraw) => () => { readAnalysis(); if (redraw) drawAnalysis(); mappingChanged(); };
  const on = el("input", { id: "a-on", type: "checkbox", onchange: changed(true) });
  on.checked = a.on;
  box.append(el("p", { class: "an-switch" }, el("label", { for: "a-on" }, on, el("span", { text: " " + t("an_on") })),
    el("small", { text: t("h_an_on") })));
  const field = (id, key, input, help) => el("div", { class: "field" },
    el("label", { for: id, text: t(key) }), input, help ? el("small", { text: t(help) }) : "");
  // series: U, μ, D
  const series = el("div", { class: "checks", role: "group", "aria-labelledby": "a-series-head" }, ...SERIES.map((name) => {
    const box1 = el("input", { id: "a-series-" + name, type: "checkbox", value: name, onchange: changed(false) });
    box1.checked = a.series.includes(name);
    return el("label", { for: "a-series-" + name, class: "inline" }, box1, el("span", { text: " " + t("ser_" + name) }));
  }));
  const seriesField = el("div", { class: "field" }, el("span", { class: "label", id: "a-series-head", text: t("an_series") }),
    series, el("small", { text: t("h_an_series") }));
  // groups: none, a bundled scheme, or a column of the upload
  const groupValues = [["", t("none")], ["china_3", t("grp_china_3")], ["china_4", t("grp_china_4")],
    ...cols.free.map((c) => [c, `${t("column_word")}${t("colon")}${c}`])];
  if (a.groups && !groupValues.some(([v]) => v === a.groups)) groupValues.push([a.groups, `${t("from_model")}${t("colon")}${a.groups}`]);
  const groups = el("select", { id: "a-groups", onchange: changed(false) }, ...groupValues.map(([v, text]) => el("option", { value: v, text })));
  groups.value = a.groups;
  // weights: none, China's provinces, coordinates (two columns and k), or the model file's
  const weightValues = [["", t("none")], ["china_provinces", t("w_china")], ["coordinates", t("w_coords")]];
  if (a.weights === "model") {
    const w = ((state.base || {}).analysis || {}).weights;
    weightValues.push(["model", `${t("from_model")}${t("colon")}${typeof w === "string" ? w : JSON.stringify(w)}`]);
  }
  const weights = el("select", { id: "a-weights", onchange: changed(true) }, ...weightValues.map(([v, text]) => el("option", { value: v, text })));
  weights.value = a.weights;
  const coordSelect = (id, value) => {
    const values = cols.coords.includes(value) || !value ? cols.coords : [...cols.coords, value];
    const s1 = el("select", { id, onchange: changed(false) }, el("option", { value: "", text: t("none") }),
      ...values.map((c) => el("option", { value: c, text: c })));
    s1.value = value || "";
    return s1;
  };
  const k = el("input", { id: "a-k", type: "number", min: "1", step: "1", onchange: changed(false) });
  k.value = String(a.k);
  const coords = el("div", { class: "field coords", id: "a-coords", hidden: a.weights !== "coordinates" },
    el("label", { for: "a-x", text: t("an_x") }), coordSelect("a-x", a.x),
    el("label", { for: "a-y", text: t("an_y") }), coordSelect("a-y", a.y),
    el("label", { for: "a-k", text: t("an_k") }), k);
  const perms = el("input", { id: "a-permutations", type: "number", min: "0", step: "1", onchange: changed(false) });
  perms.value = String(a.permutations);
  const seed = el("input", { id: "a-seed", type: "number", min: "0", step: "1", onchange: changed(false) });
  seed.value = String(a.seed);
  box.append(el("fieldset", { class: "method an-inner", id: "analysis-inner", disabled: !a.on },
    seriesField, field("a-groups", "an_groups", groups, "h_an_groups"), field("a-weights", "an_weights", weights, "h_an_weights"),
    coords, field("a-permutations", "an_permutations", perms, "h_an_permutations"), field("a-seed", "an_seed", seed, "h_an_seed")));
}

function readAnalysis() {
  const a = state.an;
  if (!a || !$("a-on")) return;
  const whole = (id, dflt) => {
    const raw = $(id).value.trim();
    if (raw === "") return dflt;
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw;  // the server names what is wrong with it
  };
  a.on = $("a-on").checked;
  a.series = SERIES.filter((name) => $("a-series-" + name).checked);
  a.groups = $("a-groups").value;
  a.weights = $("a-weights").value;
  a.x = $("a-x").value; a.y = $("a-y").value;
  a.k = whole("a-k", 4);
  a.permutations = whole("a-permutations", 999);
  a.seed = whole("a-seed", 0);
}

// The [analysis] table of the spec, or null when the analysis is off.
function buildAnalysis(given) {
  const a = state.an;
  if (!a || !a.on) return null;
  const old = { ...(given || {}) };
  const out = { ...old, series: a.series, permutations: a.permutations, seed: a.seed };
  if (a.groups) out.groups = a.groups; else delete out.groups;
  if (a.weights === "china_provinces") out.weights = "china_provinces";
  else if (a.weights === "coordinates") out.weights = { x: a.x, y: a.y, k: a.k };
  else if (a.weights === "model") out.weights = old.weights;
  else delete out.weights;
  return out;
}

// What is missing before the model can run; empty when it can.
function missing() {
  if (!$("period").value) return t("need_period");
  const axes = axisColumns();
  const counts = state.subsystems.map((s) => [s, state.rows.filter((r) => r.sub === s && !axes.has(r.column)).length]);
  if (counts.filter(([, n]) => n > 0).length < 2) {
    return `${t("need_two")} (${t("now_assigned")}: ${counts.map(([s, n]) => `${s} ${n}`).join(", ")}).`;
  }
  return "";
}

function updateRun() {
  const why = missing();
  const refused = state.checkError && ["SpecError", "DataError"].includes(state.checkError.kind);
  const problems = (state.check && state.check.problems.length) || refused;
  $("run").disabled = Boolean(why) || Boolean(problems);
  $("run-status").textContent = why || (problems ? t("fix_first") : t("ready"));
  $("run-status").className = why || problems ? "status warn" : "status ok";
}

let checkTimer = null, checkSeq = 0;
function mappingChanged() {
  if (state.an && analysisColumns().signature !== state.anColumns) drawAnalysis();  // the free columns changed
  state.check = null; state.checkError = null;
  drawModelCheck(); updateRun();
  clearTimeout(checkTimer);
  if (!missing()) checkTimer = setTimeout(checkModel, 500);
}

async function specToml() {
  const r = await call("/api/spec/to-toml", { spec: buildSpec() }, null, true);
  return (await r.json()).toml;
}

// cosyn check on the page's model and the data, every problem listed.
async function checkModel() {
  const seq = ++checkSeq;
  $("model-check").hidden = false;
  $("model-check").replaceChildren(el("p", { class: "note", text: t("checking") }));
  try {
    const toml = await specToml();
    const f = new FormData(); f.append("data", state.file); f.append("spec", toml);
    const res = await (await call("/api/check", f)).json();
    if (seq !== checkSeq) return;
    state.check = res; state.checkError = null;
  } catch (e) {
    if (seq !== checkSeq) return;
    state.check = null; state.checkError = e.body || { error: String(e), kind: "error" };
  }
  drawModelCheck(); updateRun();
}

function drawModelCheck() {
  const box = $("model-check");
  if (!state.check && !state.checkError) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false; box.replaceChildren();
  if (state.checkError) {
    box.append(el("div", { class: "error" }, el("strong", { text: t("err_" + (state.checkError.kind || "error")) }),
      el("span", { text: state.checkError.error })));
    return;
  }
  const { problems, notes } = state.check;
  if (!problems.length) box.append(el("p", { class: "ok", text: t("check_ok") }));
  else {
    box.append(el("p", { class: "warn", text: `${t("check_problems")} ${problems.length} ${t("problems_head")}:` }));
    box.append(el("ol", { id: "check-problems" }, ...problems.map((p) => el("li", { text: p }))));
  }
  if (notes.length) {
    box.append(el("p", { class: "note", text: t("check_notes") }), el("ul", {}, ...notes.map((n) => el("li", { text: n }))));
  }
}

// ---- run and results --------------------------------------------------------------------
async function run() {
  if (!state.file || missing()) return;
  state.anSeries = null;  // a new model: its figures start with its first series
  const button = $("run"); button.disabled = true;
  try {
    state.toml = await specToml();
    await fitAndShow();
  } catch (e) {
    if (e.body) showError("run-error", e.body);
  } finally { updateRun(); }
}

async function fitAndShow() {
  $("run-info").textContent = t("running");
  try {
    const res = await (await call("/api/fit", form(state.anSeries ? { series: state.anSeries } : {}), "run-error")).json();
    state.result = res;
    showResults(res);
  } catch (e) { /* the message is shown next to the Run button */ } finally { $("run-info").textContent = ""; }
}

function form(extra) {
  const f = new FormData(); f.append("data", state.file); f.append("spec", state.toml); f.append("lang", LANG);
  for (const [k, v] of Object.entries(extra || {})) f.append(k, v);
  return f;
}

function showResults(res) {
  $("step-results").hidden = false;
  $("summary").textContent = res.summary;
  $("h-notes").hidden = !res.notes.length;
  $("notes").replaceChildren(...res.notes.map((n) => el("li", { text: n })));
  drawStages(res.stages);
  drawAnalysisResults(res.analysis || null);
  drawFigures(res.figure_names || [], res.analysis || null);
  drawTables(res.tables);
  const dl = $("downloads"); dl.replaceChildren();
  for (const name of ["zip", "results.xlsx", "report.html", "synergy.csv", "subsystem_order.csv", "weights.csv", "order_degree.csv", "model.toml"]) {
    dl.append(el("button", { type: "button", text: `${t("download")} ${name === "zip" ? t("all_zip") : name}`, onclick: () => download(name) }));
  }
}

// Stage cards: one per stage reached in the last period, with what the stage means, the
// focus only when the model sets one, and the entities in it (highest U first).
function drawStages(stages) {
  const groups = new Map();
  for (const s of stages) {
    const key = s.stage_code ?? -1;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(s);
  }
  const keys = [...groups.keys()].sort((a, b) => b - a);
  $("stages").replaceChildren(...keys.map((k) => {
    const members = groups.get(k).sort((a, b) => (b.synergy ?? -Infinity) - (a.synergy ?? -Infinity));
    const first = members[0];
    return el("div", { class: "card" },
      el("strong", { text: `${t("stage")}${t("colon")}${first.stage ?? "—"} · ${members.length} ${t("entities")} (${first.period})` }),
      first.meaning ? el("p", { class: "meaning", text: first.meaning }) : "",
      first.focus ? el("p", { class: "focus", text: `${t("focus")}${t("colon")}${first.focus}` }) : "",
      el("ul", { class: "chips" }, ...members.map((s) => el("li", {
        text: `${s.entity} ${s.synergy === null ? "—" : s.synergy.toFixed(3)}`, title: `${t("level")}: ${s.level ?? "—"}`,
      }))));
  }));
}

// Figures: each drawn by its own request (two at a time over the whole page), shown as it
// arrives; the report's figures first, then those of the analysis, each in its section.
// Each area ("main", "analysis") can be drawn anew on its own: what an older drawing of
// the area still had queued is dropped.
const figureQueue = [];
const figureRuns = { main: 0, analysis: 0 };
let figureWorkers = 0;

function drawFigures(names, analysis) {
  drawMainFigures(names);
  drawAnalysisFigures(analysis);
}

function drawMainFigures(names) {
  const box = $("figures"); box.replaceChildren();
  queueFigures("main", names.map((name) => placeFigure(box, name, FIGURES[LANG][name] || name)));
}

function drawAnalysisFigures(analysis) {
  const slots = [];
  for (const f of (analysis ? analysis.figures : [])) {
    const into = $("an-figures-" + f.section);
    if (into) slots.push({ ...placeFigure(into, f.name, f.title), series: analysis.figure_series });
  }
  queueFigures("analysis", slots);
}

function placeFigure(into, name, title) {
  const slot = el("div", { class: "figure-slot", text: t("drawing") });
  const figure = el("figure", { id: "fig-" + name }, slot, el("figcaption", { text: title }));
  into.append(figure);
  return { name, title, slot, figure };
}

function queueFigures(area, slots) {
  const run = ++figureRuns[area];
  (state.urls[area] || []).forEach((u) => URL.revokeObjectURL(u));
  state.urls[area] = [];
  for (const s of slots) figureQueue.push({ ...s, area, run });
  while (figureWorkers < 2) {
    figureWorkers += 1;
    (async () => {
      while (figureQueue.length) {
        const item = figureQueue.shift();
        if (item.run === figureRuns[item.area]) await drawFigure(item);
      }
      figureWorkers -= 1;
    })();
  }
}

async function drawFigure({ name, title, slot, figure, area, run, series }) {
  const current = () => run === figureRuns[area];
  let blob;
  try {
    const query = "?name=" + encodeURIComponent(name) + (series ? "&series=" + encodeURIComponent(series) : "");
    blob = await (await call("/api/figure" + query, form())).blob();
  } catch (e) {
    if (!current()) return;
    const err = e.body || { error: String(e), kind: "error" };
    slot.replaceChildren(el("div", { class: "error" }, el("strong", { text: t("err_" + (err.kind || "error")) }), el("span", { text: err.error })));
    return;
  }
  if (!current()) return;
  const url = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: "image/svg+xml" }));
  state.urls[area].push(url);
  const img = el("img", { src: url, alt: title, "data-name": name });
  // Shown a quarter larger than drawn (the figures' text is set for print), never wider
  // than the page: a narrow figure sits beside the next one.
  img.addEventListener("load", () => { figure.style.flexBasis = `${Math.round(img.naturalWidth * 1.25)}px`; });
  slot.replaceWith(el("button", { type: "button", class: "zoom", "aria-label": `${t("enlarge")}: ${title}`, onclick: () => zoom(url, title) }, img));
}

// Another series for the analysis' figures: the analysis again (its figures' names and
// titles are the series'), the report's figures stay.
async function figureSeriesChanged() {
  const pick = $("an-series");
  const value = pick.value;
  pick.disabled = true; $("an-series-status").textContent = t("running");
  try {
    const res = await (await call("/api/fit", form(value ? { series: value } : {}), "run-error")).json();
    state.anSeries = value || null; state.result = res;
    drawAnalysisResults(res.analysis);
    drawAnalysisFigures(res.analysis);
  } catch (e) {
    pick.value = state.anSeries || (state.result.analysis || {}).figure_series || ""; pick.disabled = false;
    $("an-series-status").textContent = "";
  }
}

function zoom(url, title) {
  const d = $("zoom"); $("zoom-img").src = url; $("zoom-img").alt = title; d.setAttribute("aria-label", title);
  d.showModal();
}

// ---- the analysis: a section per analysis -------------------------------------------------
function drawAnalysisResults(an) {
  $("analysis-results").hidden = !an;
  const sections = $("analysis-sections"); sections.replaceChildren();
  if (!an) return;
  // the series the figures draw: one at a time, the first by default
  const pick = $("an-series");
  pick.replaceChildren(el("option", { value: "", text: t("an_series_auto") }),
    ...an.series.map((s) => el("option", { value: s.key, text: s.label })));
  pick.value = an.figure_series || "";
  pick.disabled = an.series.length < 2;
  $("an-series-status").textContent = "";
  $("analysis-methods").hidden = !an.methods.length;
  $("analysis-methods-text").replaceChildren(...methodsNodes(an.methods, true));
  $("analysis-notes-box").hidden = !an.notes.length;
  $("analysis-notes-head").textContent = `${t("an_notes")} (${an.notes.length})`;
  $("analysis-notes").replaceChildren(...an.notes.map((n) => el("li", { text: n })));
  for (const s of an.sections) {
    const tables = an.tables.filter((tb) => tb.section === s.key);
    const figures = an.figures.filter((f) => f.section === s.key);
    const section = el("section", { class: "analysis-section", id: "an-" + s.key, "aria-labelledby": "h-an-" + s.key },
      el("h4", { id: "h-an-" + s.key, text: s.title }));
    if ((s.methods || []).length) {
      section.append(el("details", { class: "methods section-methods" }, el("summary", { text: t("h_section_methods") }),
        ...methodsNodes(s.methods, false)));
    }
    if (!tables.length && !figures.length) section.append(el("p", { class: "note", text: t("an_nothing") }));
    if (figures.length) section.append(el("div", { class: "figures", id: "an-figures-" + s.key }));
    if (tables.length) {
      const box = el("div", { class: "an-tables", id: "an-tables-" + s.key });
      section.append(box);
      drawTabbed(box, tables, [["analysis", "an_tables"]], "-" + s.key);
    }
    sections.append(section);
  }
}

// Methods text: paragraphs; display formulas (indented lines) as they are; with
// ``references``, the last element is the reference list (a heading line, a work a line).
function methodsNodes(paragraphs, references) {
  return paragraphs.map((p, k) => {
    if (/^\s/.test(p)) return el("pre", { class: "formula", text: p.replace(/^ {4}/gm, "") });
    if (references && k === paragraphs.length - 1 && p.includes("\n")) {
      const [head, ...works] = p.split("\n");
      return el("div", { class: "references" }, el("strong", { text: head }), el("ul", {}, ...works.map((w) => el("li", { text: w }))));
    }
    return el("p", { text: p });
  });
}

// ---- tables: paged, sortable, filterable --------------------------------------------------
function drawTables(tables) {
  drawTabbed($("tables"), tables, [["paper", "paper_tables"], ["long", "long_tables"]], "");
}

// Tabs over ``tables`` (one row of tabs per kind in ``groups``) and the chosen table;
// ``suffix`` tells the ids of this box's panel, filter and page size from another's.
function drawTabbed(box, tables, groups, suffix) {
  box.replaceChildren();
  for (const tb of tables) tb.key = `${tb.kind}-${tb.name}`;
  const byKey = Object.fromEntries(tables.map((tb) => [tb.key, tb]));
  if (!byKey[state.activeTab[suffix]]) state.activeTab[suffix] = tables.length ? tables[0].key : null;
  const panelId = "table-panel" + suffix;
  const panel = el("div", { class: "table-panel", role: "tabpanel", id: panelId });
  const select = (key) => {
    state.activeTab[suffix] = key;
    box.querySelectorAll("[role=tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.key === key)));
    drawTable(panel, byKey[key], suffix);
  };
  for (const [kind, head] of groups) {
    const mine = tables.filter((tb) => tb.kind === kind);
    if (!mine.length) continue;
    box.append(el("div", { class: "tabs", role: "tablist", "aria-label": t(head) },
      el("span", { class: "tabs-head", text: t(head) + ":" }),
      ...mine.map((tb) => el("button", {
        type: "button", role: "tab", "data-key": tb.key, id: "tab-" + tb.key, "aria-controls": panelId,
        "aria-selected": String(tb.key === state.activeTab[suffix]), text: tb.tab, title: tb.title, onclick: () => select(tb.key),
      }))));
  }
  box.append(panel);
  if (state.activeTab[suffix]) select(state.activeTab[suffix]);
}

function cellText(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return String(v);
  // degrees, weights and small raw values: 4 decimals; raw values of 10 or more: 2
  return Math.abs(v) >= 10 ? v.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 }) : v.toFixed(4);
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), LANG === "zh" ? "zh-CN" : "en", { numeric: true });
}

function drawTable(panel, tb, suffix) {
  const view = state.tableView[tb.key] || (state.tableView[tb.key] = { sort: null, dir: 1, page: 0, size: 25, filter: "" });
  const needle = view.filter.trim().toLowerCase();
  let rows = needle ? tb.rows.filter((r) => r.some((v) => cellText(v).toLowerCase().includes(needle))) : tb.rows.slice();
  if (view.sort !== null) {
    const k = view.sort;
    rows = rows.map((r, i) => [r, i]).sort((x, y) => {
      const c = compare(x[0][k], y[0][k]);
      return (x[0][k] == null || y[0][k] == null) ? c || x[1] - y[1] : view.dir * c || x[1] - y[1];
    }).map((x) => x[0]);
  }
  const size = view.size || rows.length || 1;
  const pages = Math.max(1, Math.ceil(rows.length / size));
  view.page = Math.min(view.page, pages - 1);
  const start = view.page * size, shown = rows.slice(start, start + size);
  const redraw = () => drawTable(panel, tb, suffix);

  const filter = el("input", { type: "search", value: view.filter, "aria-label": t("filter"), placeholder: t("filter"), class: "filter" });
  filter.addEventListener("input", () => {
    view.filter = filter.value; view.page = 0; redraw();
    const again = $("table-filter" + suffix); again.focus(); again.setSelectionRange(again.value.length, again.value.length);
  });
  filter.id = "table-filter" + suffix;
  const sizeSel = el("select", { "aria-label": t("per_page"), id: "table-size" + suffix },
    ...PAGE_SIZES.map((n) => el("option", { value: String(n), text: n ? String(n) : t("all") })));
  sizeSel.value = String(view.size);
  sizeSel.addEventListener("change", () => { view.size = Number(sizeSel.value); view.page = 0; redraw(); });
  const range = t("range").replace("{a}", rows.length ? start + 1 : 0).replace("{b}", start + shown.length).replace("{n}", rows.length);
  const prev = el("button", { type: "button", class: "page-prev", text: "‹ " + t("prev"), disabled: view.page === 0,
    onclick: () => { view.page -= 1; redraw(); } });
  const next = el("button", { type: "button", class: "page-next", text: t("next") + " ›", disabled: view.page >= pages - 1,
    onclick: () => { view.page += 1; redraw(); } });
  // Copy the rows (filtered and sorted, every page) as tab-separated text: pastes into
  // Excel, WPS or Word as a table.
  const copy = el("button", { type: "button", class: "copy", text: t("copy"), onclick: async () => {
    const lines = [tb.columns, ...rows.map((r) => r.map((v) => (v === null ? "" : typeof v === "number" ? String(v) : String(v))))];
    try {
      await navigator.clipboard.writeText(lines.map((l) => l.join("\t")).join("\n"));
      copy.textContent = t("copied");
    } catch (e) { copy.textContent = t("copy_failed"); }
  } });
  const bar = el("div", { class: "table-bar" }, filter,
    el("label", {}, el("span", { text: t("per_page") + " " }), sizeSel),
    el("span", { class: "range", text: range }), prev, next, copy);

  const head = el("tr", {}, ...tb.columns.map((c, k) => {
    const sorted = view.sort === k;
    const b = el("button", { type: "button", class: "sort", text: c + (sorted ? (view.dir > 0 ? " ▲" : " ▼") : ""),
      title: t("sort_hint"),
      onclick: () => {
        if (view.sort === k) view.dir = -view.dir; else { view.sort = k; view.dir = 1; }
        view.page = 0; redraw();
      } });
    return el("th", { scope: "col", "aria-sort": sorted ? (view.dir > 0 ? "ascending" : "descending") : "none" }, b);
  }));
  const numeric = tb.columns.map((_, k) => tb.rows.some((r) => typeof r[k] === "number"));
  const body = el("tbody", {}, ...shown.map((r) => el("tr", {}, ...r.map((v, k) =>
    el(k === 0 ? "th" : "td", { scope: k === 0 ? "row" : undefined, class: numeric[k] ? "num" : undefined, text: cellText(v) })))));
  const table = el("table", { class: "data", id: "table-" + tb.key, "data-rows": String(rows.length) },
    el("caption", { text: tb.title }), el("thead", {}, head), body);
  panel.replaceChildren(bar, el("div", { class: "scroll" }, table));
}

async function download(name) {
  let blob;
  try {
    if (name === "model.toml") blob = new Blob([state.toml], { type: "application/toml" });
    else blob = await (await call("/api/report?file=" + encodeURIComponent(name), form(), "download-error")).blob();
  } catch (e) { return; }
  const a = el("a", { href: URL.createObjectURL(blob), download: name === "zip" ? "cosyn-results.zip" : name });
  document.body.append(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function example() {
  const [data, spec] = await Promise.all([fetch("/api/example/trade.csv"), fetch("/api/example/model.toml")]);
  const file = new File([await data.blob()], "trade.csv", { type: "text/csv" });
  await loadFile(file, await spec.text());
}

document.addEventListener("DOMContentLoaded", () => {
  applyWords();
  $("h-results").tabIndex = -1;
  const specText = async () => ($("spec-file").files[0] ? await $("spec-file").files[0].text() : "");
  $("data-file").addEventListener("change", async (e) => { if (e.target.files[0]) loadFile(e.target.files[0], await specText()); });
  $("spec-file").addEventListener("change", async () => { if (state.file) loadFile(state.file, await specText()); });
  $("example").addEventListener("click", example);
  $("run").addEventListener("click", run);
  $("lang-switch").addEventListener("click", switchLanguage);
  $("an-series").addEventListener("change", figureSeriesChanged);
  $("title").addEventListener("change", () => { state.title = $("title").value; mappingChanged(); });
  for (const id of ["entity", "period"]) $(id).addEventListener("change", () => { drawIndicators(); drawSubsystems(); mappingChanged(); });
  $("add-subsystem").addEventListener("click", () => {
    let k = state.subsystems.length + 1; while (state.subsystems.includes("subsystem_" + k)) k++;
    state.subsystems.push("subsystem_" + k); drawSubsystems(); drawIndicators();
  });
  $("zoom").addEventListener("click", (e) => { if (e.target === $("zoom") || e.target.id === "zoom-img") $("zoom").close(); });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault(); drop.classList.remove("over");
    if (e.dataTransfer.files[0]) loadFile(e.dataTransfer.files[0], await specText());
  });
});
