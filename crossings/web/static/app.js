// The page of `crossings serve`: levers -> POST /api/jobs -> poll -> chart (inline SVG) and summary.
// No external resources: everything this page needs is served by the app itself.
"use strict";

const CHANNELS = ["port", "beach", "sea", "intelligence", "camps"];
const COLOURS = {baseline: "#1f5fa8", policy: "#d2661a"};
const SVG = "http://www.w3.org/2000/svg";
const FIGURES = [["crossings_by_mode", "Crossings by mode"], ["attempts_interceptions", "Attempts and interceptions"],
  ["people_per_boat", "People per boat"], ["deaths", "Deaths by place"], ["prices", "Prices by mode"],
  ["market", "Smuggling groups and revenue"], ["camps", "Camp populations"], ["time_to_cross", "Time to cross"],
  ["spending", "Public spending"], ["map", "Map of sites and flows"], ["comparison", "Policy against baseline"]];

const state = {scenarios: [], limits: null, job: null, result: null, polling: null};
const $ = (id) => document.getElementById(id);

function token() {
  const m = /token=([^&]+)/.exec(location.hash);
  if (m) sessionStorage.setItem("crossings-token", decodeURIComponent(m[1]));
  return sessionStorage.getItem("crossings-token");
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;
  if (options.body) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, Object.assign({}, options, {headers}));
  if (!resp.ok) {
    let msg = resp.status + " " + resp.statusText;
    try {
      const body = await resp.json();
      if (Array.isArray(body.detail)) msg = body.detail.map((d) => (d.field || d.loc.join(".")) + ": " + d.msg).join("; ");
      else if (body.detail) msg = body.detail;
    } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return resp;
}

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function compact(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "-";
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(2) + "bn";
  if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
  if (a >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString("en");
  return v.toFixed(2);
}

function signed(v) { return v === null || v === undefined ? "-" : (v > 0 ? "+" : "") + compact(v); }

// ------------------------------------------------------------------ levers
function buildSpending() {
  const box = $("spending");
  for (const ch of CHANNELS) {
    const label = el("label", {}, ch + " ");
    const input = el("input", {id: "lever-spending-" + ch, type: "range", min: "0", max: "3", step: "0.1", value: "1"});
    const out = el("output", {id: "lever-spending-" + ch + "-out"}, "x1");
    input.addEventListener("input", () => { out.textContent = "x" + Number(input.value).toFixed(1); });
    label.append(input, " ", out);
    box.append(label);
  }
}

function scenario() { return state.scenarios.find((s) => s.name === $("scenario").value); }

function resetLevers() {
  const sc = scenario();
  for (const ch of CHANNELS) { $("lever-spending-" + ch).value = "1"; $("lever-spending-" + ch + "-out").textContent = "x1"; }
  $("lever-clearance-interval").value = "0";
  $("lever-clearance-buses").value = "25";
  $("lever-evictions").checked = true;
  $("lever-sea").checked = false;
  $("lever-legal").value = "0"; $("lever-returns").value = "0";
  if (sc) {
    $("lever-shelter").max = String(Math.max(1000, Math.round(sc.shelter_places * 5)));
    $("lever-shelter").value = String(sc.shelter_places);
    $("policy-start").value = sc.default_policy_start;
    $("policy-start").min = sc.start; $("policy-start").max = sc.end;
    $("scenario-about").textContent = sc.start + " to " + sc.end + ", " + sc.scale + " people per agent. " + sc.description;
  }
  syncOutputs();
}

function syncOutputs() {
  $("lever-legal-out").textContent = $("lever-legal").value;
  $("lever-returns-out").textContent = $("lever-returns").value;
  $("lever-shelter-out").textContent = $("lever-shelter").value;
}

function levers() {
  const sc = scenario();
  const spending = {};
  for (const ch of CHANNELS) {
    const v = Number($("lever-spending-" + ch).value);
    if (v !== 1) spending[ch] = v;
  }
  const out = {start: $("policy-start").value || null, spending,
    legal_route_per_week: Number($("lever-legal").value), returns_per_week: Number($("lever-returns").value),
    sea_interception: $("lever-sea").checked, evictions: $("lever-evictions").checked,
    clearance_buses: Number($("lever-clearance-buses").value)};
  const interval = Number($("lever-clearance-interval").value);
  if (interval > 0) out.clearance_interval_days = interval;
  const shelter = Number($("lever-shelter").value);
  if (sc && shelter !== sc.shelter_places) out.shelter_places = shelter;
  return out;
}

function leversAreNeutral(l) {
  return Object.keys(l.spending).length === 0 && !l.legal_route_per_week && !l.returns_per_week && !l.sea_interception &&
    l.evictions && l.clearance_interval_days === undefined && l.shelter_places === undefined;
}

// ------------------------------------------------------------------ runs
async function run() {
  $("error").textContent = "";
  const l = levers();
  const body = {scenario: $("scenario").value, seeds: Number($("seeds").value)};
  if (!leversAreNeutral(l)) body.levers = l;
  $("run").disabled = true;
  try {
    const resp = await api("/api/jobs", {method: "POST", body: JSON.stringify(body)});
    const acc = await resp.json();
    setState("queued", 0);
    poll(acc.id);
  } catch (e) {
    $("error").textContent = e.message;
    $("run").disabled = false;
  }
}

function setState(text, progress) {
  $("state").textContent = text;
  $("progress").value = progress;
}

function poll(id) {
  clearTimeout(state.polling);
  const tick = async () => {
    try {
      const job = await (await api("/api/jobs/" + id)).json();
      setState(job.state + (job.state === "running" ? " " + Math.round(job.progress * 100) + "%" : ""), job.progress);
      if (job.state === "done") { show(job); $("run").disabled = false; loadJobs(); return; }
      if (job.state === "failed" || job.state === "interrupted") {
        $("error").textContent = job.message; $("run").disabled = false; loadJobs(); return;
      }
      state.polling = setTimeout(tick, 300);
    } catch (e) { $("error").textContent = e.message; $("run").disabled = false; }
  };
  tick();
}

async function open(id) {
  const job = await (await api("/api/jobs/" + id)).json();
  if (job.state === "done") show(job);
  else poll(id);
}

function show(job) {
  state.job = job;
  state.result = job.result;
  setState("done", 1);
  $("result-title").textContent = "Results: " + job.scenario + (job.kind === "comparison" ? " with the levers against the baseline" : "") +
    ", " + job.seeds + " seed(s)";
  $("result-title").dataset.job = job.id;
  drawChart();
  drawSummary();
  $("figure-box").replaceChildren();
  for (const opt of $("figure").options) opt.disabled = opt.value === "comparison" && job.kind !== "comparison";
}

// ------------------------------------------------------------------ chart (inline SVG)
function drawChart() {
  const r = state.result;
  const box = $("chart");
  box.replaceChildren();
  $("legend").replaceChildren();
  if (!r) return;
  const metric = $("metric").value;
  const W = 760, H = 320, L = 64, R = 12, T = 14, B = 34;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", (r.labels[metric] || metric) + " per month");
  const t0 = Date.parse(r.start), t1 = Date.parse(r.end);
  const x = (d) => L + (Date.parse(d) - t0) / Math.max(1, t1 - t0) * (W - L - R);
  let hi = 0;
  for (const g of r.groups) {
    const s = g.series[metric];
    if (s) for (const v of s.high.concat(s.median)) if (v !== null && v > hi) hi = v;
  }
  const obs = (r.observed[metric] || []).filter((o) => Date.parse(o.start) >= t0 && Date.parse(o.end) <= t1 + 864e5);
  for (const o of obs) hi = Math.max(hi, o.high || 0, o.value || 0);
  hi = hi > 0 ? hi * 1.08 : 1;
  const y = (v) => T + (1 - v / hi) * (H - T - B);
  const add = (tag, attrs) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    svg.append(e);
    return e;
  };
  for (let k = 0; k <= 4; k++) {   // y grid and labels
    const v = hi * k / 4;
    add("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e6e6e6"});
    add("text", {x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": "11", fill: "#555"}).textContent = compact(v);
  }
  const y0 = new Date(r.start).getUTCFullYear(), y1 = new Date(r.end).getUTCFullYear();
  const step = Math.max(1, Math.ceil((y1 - y0 + 1) / 12));
  const short = (t1 - t0) < 400 * 864e5;
  for (let yr = y0; yr <= y1 + 1 && !short; yr += step) {   // x ticks at years (at months for a short horizon)
    const d = yr + "-01-01";
    if (Date.parse(d) < t0 || Date.parse(d) > t1) continue;
    add("line", {x1: x(d), x2: x(d), y1: T, y2: H - B, stroke: "#eeeeee"});
    add("text", {x: x(d), y: H - B + 16, "text-anchor": "middle", "font-size": "11", fill: "#555"}).textContent = String(yr);
  }
  if (short) {
    for (const d of r.groups[0].dates) {
      add("text", {x: x(d), y: H - B + 16, "text-anchor": "middle", "font-size": "10", fill: "#555"}).textContent = d.slice(0, 7);
    }
  }
  add("line", {x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#999"});
  for (const g of r.groups) {
    const s = g.series[metric];
    if (!s) continue;
    const c = COLOURS[g.label] || "#555";
    const pts = g.dates.map((d, i) => [x(d), s.median[i], s.low[i], s.high[i]]).filter((p) => p[1] !== null);
    if (!pts.length) continue;
    const upper = pts.map((p) => `${p[0].toFixed(1)},${y(p[3] ?? p[1]).toFixed(1)}`);
    const lower = pts.slice().reverse().map((p) => `${p[0].toFixed(1)},${y(p[2] ?? p[1]).toFixed(1)}`);
    add("polygon", {points: upper.concat(lower).join(" "), fill: c, "fill-opacity": "0.18", class: "band", "data-group": g.label});
    add("polyline", {points: pts.map((p) => `${p[0].toFixed(1)},${y(p[1]).toFixed(1)}`).join(" "), fill: "none", stroke: c,
      "stroke-width": "2", class: "median", "data-group": g.label});
  }
  for (const o of obs) {
    const mid = new Date((Date.parse(o.start) + Date.parse(o.end)) / 2).toISOString().slice(0, 10);
    add("line", {x1: x(o.start), x2: x(o.end), y1: y(o.value), y2: y(o.value), stroke: "#222", "stroke-width": "2.5", class: "observed"});
    add("line", {x1: x(mid), x2: x(mid), y1: y(o.low), y2: y(o.high), stroke: "#222", "stroke-width": "1"});
  }
  box.append(svg);
  const legend = $("legend");
  for (const g of r.groups) {
    const item = el("span");
    item.append(el("span", {class: "swatch sw-" + g.label}), g.label + " (" + g.scenario + ")");
    legend.append(item);
  }
  if (obs.length) {
    const item = el("span");
    item.append(el("span", {class: "swatch sw-observed"}), "observed" + (["crossings_boat", "crossings_lorry", "deaths"].includes(metric) ? " (mean month of the period)" : ""));
    legend.append(item);
  }
}

function drawSummary() {
  const r = state.result;
  const table = $("summary");
  table.replaceChildren();
  const head = el("thead"), body = el("tbody");
  const tr = el("tr");
  if (r.kind === "comparison") {
    for (const h of ["from " + r.window.start + " to " + r.window.end, "baseline", "with levers", "difference", "90% band"]) tr.append(el("th", {}, h));
    for (const row of r.summary) {
      const cost = row.key === "cost_per_prevented_eur";
      const line = el("tr", {"data-key": row.key});
      line.append(el("td", {}, row.label), el("td", {}, cost ? "" : compact(row.baseline)), el("td", {}, cost ? "" : compact(row.policy)),
        el("td", {}, signed(row.difference)), el("td", {}, row.low90 === null ? "-" : signed(row.low90) + " to " + signed(row.high90)));
      body.append(line);
    }
  } else {
    for (const h of ["whole run", "median", "90% band"]) tr.append(el("th", {}, h));
    for (const row of r.summary) {
      const line = el("tr", {"data-key": row.key});
      line.append(el("td", {}, row.label), el("td", {}, compact(row.median)), el("td", {}, compact(row.low90) + " to " + compact(row.high90)));
      body.append(line);
    }
  }
  head.append(tr);
  table.append(head, body);
}

async function showFigure() {
  if (!state.job) return;
  $("error").textContent = "";
  try {
    const resp = await api("/api/jobs/" + state.job.id + "/figures/" + $("figure").value);
    const url = URL.createObjectURL(await resp.blob());
    const img = el("img", {alt: $("figure").selectedOptions[0].textContent, src: url});
    $("figure-box").replaceChildren(img);
  } catch (e) { $("error").textContent = e.message; }
}

// ------------------------------------------------------------------ past runs
async function loadJobs() {
  const jobs = await (await api("/api/jobs?limit=50")).json();
  const list = $("jobs");
  list.replaceChildren();
  for (const j of jobs) {
    const li = el("li", {"data-job": j.id});
    const b = el("button", {type: "button", class: "secondary"}, "open");
    b.disabled = j.state !== "done" && j.state !== "queued" && j.state !== "running";
    b.addEventListener("click", () => open(j.id));
    li.append(b, `${j.created} ${j.scenario}: ${j.kind}, ${j.seeds} seed(s), ${j.state}` + (j.message ? " (" + j.message + ")" : ""));
    list.append(li);
  }
}

// ------------------------------------------------------------------ start
async function start() {
  buildSpending();
  for (const [k, label] of Object.entries({crossings_total: "Crossings, all modes", crossings_boat: "Crossings by small boat",
    crossings_lorry: "Crossings by lorry", deaths: "Deaths", in_camps: "People in camps", public_spending_eur: "Public spending (EUR)",
    people_per_boat: "People per boat", mean_price_boat_paid_eur: "Boat place price (EUR)"})) $("metric").append(el("option", {value: k}, label));
  for (const [k, label] of FIGURES) $("figure").append(el("option", {value: k}, label));
  $("metric").addEventListener("change", drawChart);
  $("run").addEventListener("click", run);
  $("reset").addEventListener("click", resetLevers);
  $("show-figure").addEventListener("click", showFigure);
  for (const id of ["lever-legal", "lever-returns", "lever-shelter"]) $(id).addEventListener("input", syncOutputs);
  try {
    state.limits = await (await api("/api/limits")).json();
    $("seeds").max = String(state.limits.max_seeds);
    state.scenarios = await (await api("/api/scenarios")).json();
    for (const s of state.scenarios) $("scenario").append(el("option", {value: s.name}, s.name));
    $("scenario").addEventListener("change", resetLevers);
    resetLevers();
    await loadJobs();
    document.body.dataset.ready = "1";
  } catch (e) { $("error").textContent = e.message; }
}

start();
