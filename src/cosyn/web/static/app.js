// cosyn serve — the page. Plain JS, no libraries; every number comes from the server.
"use strict";
const LANG = new URLSearchParams(location.search).get("lang") === "zh" ? "zh" : "en";
const WORDS = {
  en: {},
  zh: {
    title: "cosyn — 各子系统是否协同发展？", intro: "数据留在本机：计算在本地 cosyn 服务器中完成。",
    h_data: "1. 数据", pick: "选择 CSV 或 XLSX 文件，或拖放到此处", example: "试用广州示例",
    spec_file: "模型文件（可选，model.toml）", h_columns: "2. 列", entity: "主体列", period: "时期列",
    preview: "前几行", h_subsystems: "子系统", add_subsystem: "添加子系统", h_indicators: "指标",
    col_column: "列", col_subsystem: "子系统", col_direction: "方向", col_label: "名称",
    h_method: "3. 方法", run: "运行", h_results: "4. 结果", h_stages: "发展阶段",
    h_synergy: "协同度", h_order: "子系统有序度", h_wtable: "权重", none: "（无）",
    unused: "（不使用）", rename: "重命名", remove: "删除", running: "正在计算…",
    reading: "正在读取…", rows: "行", download: "下载", all_zip: "全部（ZIP）",
    subsystem: "子系统", margin: "边界余量 a", bounds: "边界", weights: "权重方法",
    aggregation: "集成方式", base: "基期", impute: "缺失值填补", on_constant: "常数指标",
    h_margin: "上下限各放宽 a·|值|", h_bounds: "entity：每个主体各自的边界；panel：全体共同边界",
    h_weights: "客观赋权方法", h_aggregation: "由指标有序度得到子系统有序度的方式",
    h_base: "first：与首期比较；adjacent：与上期比较；或某个时期值",
    h_impute: "缺失值的填补方法", h_on_constant: "上下限相等的指标：报错或剔除",
    need_two: "请至少为两个子系统分配指标。", focus: "发展重点", stage: "阶段", level: "等级",
    h_diag: "诊断（可选）", gra: "灰色关联检验", coupling: "耦合协调度", obstacles: "障碍因子（前 N 个）",
    forecast: "GM(1,1) 预测期数", robustness: "稳健性抽样次数",
    h_gra: "每个指标与其子系统有序度的灰色关联度", h_coupling: "模型：classic / wang / fan",
    h_obstacles: "0 = 不计算", h_forecast: "0 = 不预测", h_robustness: "0 = 不检验；例如 1000",
    grey_relation: "灰色关联度", grey_cross: "子系统间指标关联矩阵", obstacles_t: "障碍度",
    forecast_t: "预测", robustness_t: "稳健性", coupling_t: "耦合协调度",
  },
};
const EN = {
  none: "(none)", unused: "(not used)", rename: "Rename", remove: "Remove", running: "Running…",
  reading: "Reading…", rows: "rows", download: "Download", all_zip: "Everything (ZIP)",
  subsystem: "subsystem", margin: "Margin a", bounds: "Bounds", weights: "Weights",
  aggregation: "Aggregation", base: "Base period", impute: "Missing values",
  on_constant: "Constant indicator", h_margin: "Bounds widened by a·|value| on each side",
  h_bounds: "entity: bounds per entity over its periods; panel: over all",
  h_weights: "How the indicators of a subsystem are weighted",
  h_aggregation: "How indicator order degrees combine into a subsystem's",
  h_base: "first: against the first period; adjacent: the period before; or a period",
  h_impute: "How empty cells are filled", h_on_constant: "An indicator with equal bounds: stop or drop it",
  need_two: "Assign indicators to at least two subsystems.", focus: "Focus", stage: "Stage", level: "Level",
  h_diag: "Diagnostics (optional)", gra: "Grey relational test", coupling: "Coupling coordination",
  obstacles: "Obstacle indicators (top N)", forecast: "GM(1,1) forecast periods",
  robustness: "Robustness draws", h_gra: "Each indicator against its subsystem's order degree",
  h_coupling: "Model: classic, wang or fan", h_obstacles: "0 = off", h_forecast: "0 = off",
  h_robustness: "0 = off; e.g. 1000", grey_relation: "Grey relational grades",
  grey_cross: "Grey relation across subsystems", coupling_t: "Coupling coordination",
  obstacles_t: "Obstacle degrees", forecast_t: "Forecast", robustness_t: "Robustness",
};
const DIAGNOSTICS = [
  ["gra", "checkbox"], ["coupling", ["", "classic", "wang", "fan"]],
  ["obstacles", "number", "0"], ["forecast", "number", "0"], ["robustness", "number", "0"],
];
const DIAG_TABLES = ["grey_relation", "grey_cross", "coupling", "obstacles", "forecast", "robustness"];
const t = (k) => (WORDS[LANG][k] || EN[k] || k);
const $ = (id) => document.getElementById(id);
const METHOD = [
  ["margin", "number", "0.1"], ["bounds", ["entity", "panel"]],
  ["weights", ["entropy", "critic", "cv", "equal"]],
  ["aggregation", ["weighted_sum", "geometric", "weighted_geometric"]],
  ["base", "text", "first"], ["impute", ["regression", "linear", "none"]],
  ["on_constant", ["error", "drop"]],
];
const state = { file: null, info: null, base: {}, subsystems: [], toml: "" };

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  kids.forEach((c) => e.append(c));
  return e;
}
function showError(id, msg) { const p = $(id); p.textContent = msg || ""; p.hidden = !msg; }
async function call(url, body, errorId) {
  showError(errorId, "");
  const r = await fetch(url, { method: "POST", body });
  if (!r.ok) {
    let msg = r.status + " " + r.statusText;
    try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
    showError(errorId, msg);
    throw new Error(msg);
  }
  return r;
}
function table(node, rows, caption) {
  node.replaceChildren();
  if (caption) node.append(el("caption", { text: caption }));
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  node.append(el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", { scope: "col", text: c })))));
  const body = el("tbody");
  for (const r of rows) {
    body.append(el("tr", {}, ...cols.map((c) => {
      const v = r[c], num = typeof v === "number";
      return el("td", { class: num ? "num" : "", text: v === null ? "—" : num && !Number.isInteger(v) ? v.toFixed(4) : String(v) });
    })));
  }
  node.append(body);
}

async function loadFile(file, specText) {
  state.file = file; $("data-info").textContent = t("reading");
  const form = new FormData(); form.append("data", file);
  let info;
  try { info = await (await call("/api/inspect", form, "data-error")).json(); }
  catch (e) { $("data-info").textContent = ""; return; }
  state.info = info;
  $("data-info").textContent = `${info.file}: ${info.rows} ${t("rows")}` + (info.spec_error ? "" : "");
  if (info.spec_error) showError("data-error", info.spec_error);
  let base = info.spec || {};
  if (specText) {
    const f = new FormData(); f.append("spec", specText);
    try { base = (await (await call("/api/spec/from-toml", f, "data-error")).json()).spec; } catch (e) { /* shown */ }
  }
  state.base = base;
  fillColumns(info, base);
  ["step-columns", "step-method"].forEach((id) => { $(id).hidden = false; });
}

function fillColumns(info, base) {
  const g = info.guess;
  for (const [id, value, allowNone] of [["entity", base.entity ?? g.entity, true], ["period", base.period ?? g.period, false]]) {
    const s = $(id); s.replaceChildren();
    if (allowNone) s.append(el("option", { value: "", text: t("none") }));
    info.columns.forEach((c) => s.append(el("option", { value: c, text: c })));
    s.value = value || "";
  }
  table($("preview"), info.preview, t("preview"));
  const map = {};
  const subs = base.subsystems || {};
  for (const [name, s] of Object.entries(subs)) {
    for (const i of s.indicators || []) map[i.column] = { sub: name, dir: i.direction || "+", label: i.label || "" };
  }
  state.subsystems = Object.keys(subs).length ? Object.keys(subs) : ["subsystem_1", "subsystem_2"];
  const cols = info.columns.filter((c) => c in map || g.indicators.includes(c));
  const half = Math.ceil(cols.length / 2);
  state.rows = cols.map((c, k) => map[c] ? { column: c, ...map[c] }
    : { column: c, sub: Object.keys(subs).length ? "" : state.subsystems[k < half ? 0 : 1], dir: "+", label: "" });
  drawSubsystems(); drawIndicators(); drawMethod(base.method || {});
}

function drawSubsystems() {
  const ul = $("subsystems"); ul.replaceChildren();
  state.subsystems.forEach((name, k) => {
    const input = el("input", { value: name, "aria-label": `${t("subsystem")} ${k + 1}` });
    input.addEventListener("change", () => {
      const v = input.value.trim(); if (!v || state.subsystems.includes(v)) { input.value = name; return; }
      state.rows.forEach((r) => { if (r.sub === name) r.sub = v; });
      state.subsystems[k] = v; drawSubsystems(); drawIndicators();
    });
    const rm = el("button", { type: "button", text: t("remove"), "aria-label": `${t("remove")} ${name}`, onclick: () => {
      state.subsystems.splice(k, 1); state.rows.forEach((r) => { if (r.sub === name) r.sub = ""; });
      drawSubsystems(); drawIndicators();
    } });
    ul.append(el("li", {}, input, " ", rm));
  });
}

function drawIndicators() {
  const body = $("indicators").tBodies[0]; body.replaceChildren();
  for (const r of state.rows) {
    const sub = el("select", { "aria-label": `${t("col_subsystem")} ${r.column}` },
      el("option", { value: "", text: t("unused") }), ...state.subsystems.map((s) => el("option", { value: s, text: s })));
    sub.value = r.sub; sub.addEventListener("change", () => { r.sub = sub.value; });
    const dir = el("select", { "aria-label": `${t("col_direction")} ${r.column}` },
      el("option", { value: "+", text: "+" }), el("option", { value: "-", text: "−" }));
    dir.value = r.dir; dir.addEventListener("change", () => { r.dir = dir.value; });
    const label = el("input", { value: r.label, "aria-label": `${t("col_label")} ${r.column}` });
    label.addEventListener("input", () => { r.label = label.value; });
    body.append(el("tr", {}, el("th", { scope: "row", text: r.column }), el("td", {}, sub), el("td", {}, dir), el("td", {}, label)));
  }
}

function drawMethod(given) {
  const box = $("method"); box.replaceChildren();
  for (const [key, kind, dflt] of METHOD) {
    const id = "m-" + key, v = given[key] ?? dflt ?? kind[0];
    const input = Array.isArray(kind) ? el("select", { id }, ...kind.map((o) => el("option", { value: o, text: o })))
      : el("input", { id, type: kind, step: "any", min: "0" });
    input.value = String(v);
    if (Array.isArray(kind) && !kind.includes(String(v))) input.append(el("option", { value: String(v), text: String(v) }));
    input.value = String(v);
    box.append(el("div", {}, el("label", { for: id, text: t(key) }), input, el("small", { text: t("h_" + key) })));
  }
  drawDiagnostics(box, (state.base || {}).diagnostics || {});
}

function drawDiagnostics(box, given) {
  box.append(el("h3", { text: t("h_diag") }));
  for (const [key, kind, dflt] of DIAGNOSTICS) {
    const id = "d-" + key;
    let v = given[key] ?? dflt ?? "";
    if (key === "robustness") v = given.robustness ? (given.robustness.draws ?? 1000) : 0;
    let input;
    if (kind === "checkbox") { input = el("input", { id, type: "checkbox" }); input.checked = Boolean(v); }
    else if (Array.isArray(kind)) {
      input = el("select", { id }, ...kind.map((o) => el("option", { value: o, text: o || t("none") })));
      input.value = String(v || "");
    } else { input = el("input", { id, type: "number", step: "1", min: "0" }); input.value = String(v); }
    box.append(el("div", {}, el("label", { for: id, text: t(key) }), input, el("small", { text: t("h_" + key) })));
  }
}

function buildDiagnostics(base) {
  const d = { ...(base || {}) };
  d.gra = $("d-gra").checked;
  if ($("d-coupling").value) d.coupling = $("d-coupling").value; else delete d.coupling;
  d.obstacles = Math.max(0, Math.round(Number($("d-obstacles").value) || 0));
  d.forecast = Math.max(0, Math.round(Number($("d-forecast").value) || 0));
  const draws = Math.max(0, Math.round(Number($("d-robustness").value) || 0));
  if (draws > 0) d.robustness = { ...(typeof d.robustness === "object" ? d.robustness : {}), draws };
  else delete d.robustness;
  return d;
}

function buildSpec() {
  const base = JSON.parse(JSON.stringify(state.base || {}));
  const spec = { ...base, period: $("period").value, method: { ...(base.method || {}) }, subsystems: {} };
  spec.diagnostics = buildDiagnostics(base.diagnostics);
  if ($("entity").value) spec.entity = $("entity").value; else delete spec.entity;
  for (const [key, kind] of METHOD) {
    const raw = $("m-" + key).value;
    spec.method[key] = kind === "number" ? Number(raw) : key === "base" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  }
  for (const name of state.subsystems) {
    const old = (base.subsystems || {})[name] || {};
    const inds = state.rows.filter((r) => r.sub === name).map((r) => {
      const i = { column: r.column, direction: r.dir }; if (r.label) i.label = r.label; return i;
    });
    if (inds.length) spec.subsystems[name] = { ...old, label: old.label || name, indicators: inds };
  }
  return spec;
}

async function run() {
  if (!state.file) return;
  const spec = buildSpec();
  if (Object.keys(spec.subsystems).length < 2) { showError("run-error", t("need_two")); return; }
  const button = $("run"); button.disabled = true; $("run-info").textContent = t("running");
  try {
    const r = await fetch("/api/spec/to-toml", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ spec }) });
    const j = await r.json();
    if (!r.ok) { showError("run-error", j.error); return; }
    state.toml = j.toml;
    const res = await (await call("/api/fit", form({ figures: "true" }), "run-error")).json();
    showResults(res);
  } catch (e) { /* the message is shown next to the Run button */ } finally {
    button.disabled = false; $("run-info").textContent = "";
  }
}
function form(extra) {
  const f = new FormData(); f.append("data", state.file); f.append("spec", state.toml); f.append("lang", LANG);
  for (const [k, v] of Object.entries(extra || {})) f.append(k, v);
  return f;
}

function showResults(res) {
  $("step-results").hidden = false;
  $("summary").textContent = res.summary;
  const figs = $("figures"); figs.replaceChildren();
  for (const svg of Object.values(res.figures || {})) {
    const box = el("figure"); box.innerHTML = svg; figs.append(box);  // SVG drawn by the server
  }
  $("stages").replaceChildren(...res.stages.map((s) => el("div", { class: "card" },
    el("strong", { text: String(s.entity) }),
    el("span", { text: `${s.period}: U = ${s.synergy === null ? "—" : s.synergy.toFixed(3)} · ${t("level")}: ${s.level ?? "—"} · ${t("stage")}: ${s.stage ?? "—"}` }),
    el("p", { class: "note", text: s.focus ? `${t("focus")}: ${s.focus}` : "" }))));
  table($("synergy"), res.synergy); table($("order"), res.subsystem_order); table($("weights"), res.weights);
  const diag = $("diagnostics"); diag.replaceChildren();
  for (const name of DIAG_TABLES) {
    if (!res[name]) continue;
    const node = el("table", { id: "diag-" + name });
    diag.append(el("h3", { text: t(name + "_t" in EN ? name + "_t" : name) }), el("div", { class: "scroll" }, node));
    table(node, res[name]);
  }
  const dl = $("downloads"); dl.replaceChildren();
  for (const name of ["zip", "results.xlsx", "report.html", "synergy.csv", "subsystem_order.csv", "weights.csv", "order_degree.csv", "model.toml"]) {
    dl.append(el("button", { type: "button", text: `${t("download")} ${name === "zip" ? t("all_zip") : name}`, onclick: () => download(name) }));
  }
  dl.append(el("p", { id: "download-error", class: "error", role: "alert", hidden: "" }));
  $("h-results").focus();
}

async function download(name) {
  let blob;
  if (name === "model.toml") blob = new Blob([state.toml], { type: "application/toml" });
  else blob = await (await call("/api/report?file=" + encodeURIComponent(name), form(), "download-error")).blob();
  const a = el("a", { href: URL.createObjectURL(blob), download: name === "zip" ? "cosyn-results.zip" : name });
  document.body.append(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function example() {
  const [data, spec] = await Promise.all([fetch("/api/example/trade.csv"), fetch("/api/example/model.toml")]);
  const file = new File([await data.blob()], "trade.csv", { type: "text/csv" });
  await loadFile(file, await spec.text());
}

document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
  if (LANG === "zh") { const a = $("lang-switch"); a.href = "?lang=en"; a.textContent = "English"; }
  document.querySelectorAll("[data-i]").forEach((n) => { const w = WORDS[LANG][n.dataset.i]; if (w) n.textContent = w; });
  $("h-results").tabIndex = -1;
  const specText = async () => ($("spec-file").files[0] ? await $("spec-file").files[0].text() : "");
  $("data-file").addEventListener("change", async (e) => { if (e.target.files[0]) loadFile(e.target.files[0], await specText()); });
  $("spec-file").addEventListener("change", async () => { if (state.file) loadFile(state.file, await specText()); });
  $("example").addEventListener("click", example);
  $("run").addEventListener("click", run);
  $("add-subsystem").addEventListener("click", () => {
    let k = state.subsystems.length + 1; while (state.subsystems.includes("subsystem_" + k)) k++;
    state.subsystems.push("subsystem_" + k); drawSubsystems(); drawIndicators();
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault(); drop.classList.remove("over");
    if (e.dataTransfer.files[0]) loadFile(e.dataTransfer.files[0], await specText());
  });
});
