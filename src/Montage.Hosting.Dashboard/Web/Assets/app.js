// Montage dashboard pages: render from the JSON APIs, stay live through server-sent events.
(() => {
  "use strict";

  // ---------- helpers ----------
  const $ = (selector, root = document) => root.querySelector(selector);
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "style") Object.assign(node.style, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };
  // Like replaceChildren, but flattens arrays and skips null/false, as el() does.
  const fill = (node, ...children) => {
    node.replaceChildren();
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };
  const getJson = async (url) => {
    const response = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store" });
    if (response.status === 401) { location.href = "/login?returnUrl=" + encodeURIComponent(location.pathname + location.search); throw new Error("login required"); }
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  };
  const toast = (text) => {
    const node = el("div", { class: "toast", role: "status", text });
    document.body.append(node);
    setTimeout(() => node.remove(), 3500);
  };
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  const clock = (iso) => {
    const d = new Date(iso);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  };
  const formatMs = (ms) => {
    if (ms < 1) return (ms * 1000).toFixed(0) + " µs";
    if (ms < 1000) return (ms < 10 ? ms.toFixed(2) : ms.toFixed(0)) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(2) + " s";
    return (ms / 60000).toFixed(1) + " min";
  };
  const uptime = (iso) => {
    if (!iso) return "";
    let s = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 1000));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m ${s}s` : m ? `${m}m ${s}s` : `${s}s`;
  };
  const formatNumber = (value) => {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const abs = Math.abs(value);
    if (abs !== 0 && (abs >= 1e9 || abs < 1e-3)) return value.toExponential(2);
    return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toLocaleString("en-US", { maximumFractionDigits: 3 });
  };
  const serviceColor = (name) => {
    let hash = 0;
    for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
    return `hsl(${Math.abs(hash) % 360} 58% 46%)`;
  };
  const serviceChip = (name) => el("span", { class: "svc", style: { background: serviceColor(name) }, text: name });
  const attrChips = (attributes, limit = 8) => el("div", { class: "attrs" },
    attributes.slice(0, limit).map((a) => el("span", { class: "attr", title: `${a.key}=${a.value}` }, el("b", { text: a.key }), "=", a.value)),
    attributes.length > limit ? el("span", { class: "attr", text: `+${attributes.length - limit}` }) : null);
  const params = () => new URLSearchParams(location.search);
  const setParam = (key, value) => {
    const p = params();
    if (value) p.set(key, value); else p.delete(key);
    history.replaceState(null, "", location.pathname + (p.toString() ? "?" + p : ""));
  };
  const debounce = (fn, ms = 250) => { let t; return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); }; };
  const liveBadge = (on) => {
    const live = $("#live");
    if (!live) return;
    live.className = "live " + (on ? "on" : "off");
    live.textContent = on ? "live" : "reconnecting…";
  };
  const stream = (url, handlers) => {
    const source = new EventSource(url);
    source.onopen = () => liveBadge(true);
    source.onerror = () => liveBadge(false);
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => { liveBadge(true); handler(JSON.parse(event.data)); });
    }
    return source;
  };
  // One telemetry stream per page: calls refresh() when the given signal's version changes.
  const onTelemetry = (signal, refresh) => {
    let seen = -1;
    let running = false, again = false;
    const run = async () => {
      if (running) { again = true; return; }
      running = true;
      try { await refresh(); } catch (error) { console.warn(error); }
      running = false;
      if (again) { again = false; run(); }
    };
    stream("/api/telemetry/stream", {
      changed: (versions) => { if (versions[signal] !== seen) { seen = versions[signal]; run(); } },
    });
    return run;
  };
  const fillServices = async (select) => {
    const services = await getJson("/api/services");
    const current = select.value || params().get("service") || "";
    const known = new Set([...select.options].map((o) => o.value));
    for (const service of services) if (!known.has(service)) select.append(el("option", { value: service, text: service }));
    select.value = current;
  };
  const stateBadge = (state) => {
    const kind = { Running: "good", Healthy: "good", Starting: "info", Restarting: "info", NotStarted: "", Unhealthy: "warn", Exited: "bad", FailedToStart: "bad", Stopped: "" }[state] ?? "";
    return el("span", { class: "badge state " + kind, text: state });
  };
  const healthBadge = (health) => el("span", { class: "badge health " + ({ Healthy: "good", Unhealthy: "bad" }[health] ?? ""), text: health });

  // ---------- resources ----------
  const resourcesPage = () => {
    const body = $("#resources tbody");
    const filter = $("#filter");
    const expanded = new Set();
    let resources = [];

    const command = async (name, cmd, button) => {
      button.disabled = true;
      try {
        const response = await fetch(`/api/resources/${encodeURIComponent(name)}/commands/${cmd}`, { method: "POST", headers: { "x-dashboard-request": "1" } });
        if (response.ok) toast(`${cmd} requested for ${name}`);
        else { const problem = await response.json().catch(() => ({})); toast(problem.title || `${cmd} failed (${response.status})`); }
      } finally { button.disabled = false; }
    };

    const render = () => {
      const text = filter.value.trim().toLowerCase();
      const shown = resources.filter((r) => !text || r.name.toLowerCase().includes(text) || r.type.toLowerCase().includes(text));
      body.replaceChildren();
      if (shown.length === 0) { body.append(el("tr", { class: "empty" }, el("td", { colspan: 9, text: resources.length ? "No resource matches." : "No resources." }))); return; }
      for (const r of shown) {
        const running = ["Running", "Healthy", "Unhealthy", "Starting", "Restarting"].includes(r.state);
        const canRun = r.type !== "Database";
        body.append(el("tr", { dataset: { resource: r.name } },
          el("td", {}, el("button", { class: "link name", title: "Show environment", onclick: () => { expanded.has(r.name) ? expanded.delete(r.name) : expanded.add(r.name); render(); } }, r.name),
            r.replicaIndex !== null && r.replicaIndex !== undefined ? el("span", { class: "badge", text: "replica " + r.replicaIndex }) : null),
          el("td", { class: "type", text: r.type }),
          el("td", {}, stateBadge(r.state), r.exitCode !== null && r.exitCode !== undefined && !running ? el("span", { class: "mono", text: " exit " + r.exitCode }) : null),
          el("td", {}, healthBadge(r.health)),
          el("td", { class: "endpoints" }, r.endpoints.map((e) => el("a", { href: e.url, target: "_blank", rel: "noopener", title: e.name, text: e.url }))),
          el("td", { class: "pid mono", text: r.processId ?? "" }),
          el("td", { class: "uptime", dataset: { started: running && r.startedAt ? r.startedAt : "" }, text: running ? uptime(r.startedAt) : "" }),
          el("td", { class: "restarts", text: r.restartCount }),
          el("td", { class: "actions" }, canRun ? [
            el("button", { dataset: { command: "stop" }, disabled: !running, onclick: (e) => command(r.name, "stop", e.currentTarget) }, "Stop"), " ",
            el("button", { dataset: { command: "start" }, disabled: running, onclick: (e) => command(r.name, "start", e.currentTarget) }, "Start"), " ",
            el("button", { dataset: { command: "restart" }, onclick: (e) => command(r.name, "restart", e.currentTarget) }, "Restart"), " ",
          ] : null, el("a", { href: "/consolelogs?resource=" + encodeURIComponent(r.name), text: "Console" }))));
        if (expanded.has(r.name)) {
          body.append(el("tr", { class: "env-row", dataset: { environmentOf: r.name } }, el("td", { colspan: 9 },
            r.source ? el("div", { class: "mono", text: "Source: " + r.source }) : null,
            r.environment.length === 0 ? el("div", { class: "hint", text: "No environment variables." }) :
              el("table", { class: "env" }, r.environment.map((v) => el("tr", { dataset: { variable: v.name } }, el("td", { text: v.name }), el("td", { class: v.masked ? "masked-value" : "", text: v.value })))))));
        }
      }
    };
    filter.addEventListener("input", render);
    stream("/api/resources/stream", { resources: (list) => { resources = list; render(); } });
    setInterval(() => { for (const cell of document.querySelectorAll("td.uptime[data-started]")) if (cell.dataset.started) cell.textContent = uptime(cell.dataset.started); }, 1000);
  };

  // ---------- console logs ----------
  const consolePage = async () => {
    const select = $("#resource"), search = $("#search"), follow = $("#follow"), view = $("#console");
    let source = null;
    const resources = await getJson("/api/resources");
    select.append(el("option", { value: "", text: "Choose a resource" }), ...resources.map((r) => el("option", { value: r.name, text: r.name })));
    select.value = params().get("resource") || "";
    const matches = (line) => !search.value || line.dataset.text.toLowerCase().includes(search.value.toLowerCase());
    const highlight = (node) => {
      const x = node.querySelector(".x"), text = node.dataset.text, query = search.value;
      if (!query) { x.textContent = text; return; }
      x.replaceChildren();
      const lower = text.toLowerCase(), q = query.toLowerCase();
      let at = 0, i;
      while ((i = lower.indexOf(q, at)) >= 0) { x.append(text.slice(at, i), el("mark", { text: text.slice(i, i + q.length) })); at = i + q.length; }
      x.append(text.slice(at));
    };
    const applySearch = () => { for (const line of view.querySelectorAll(".line")) { line.hidden = !matches(line); highlight(line); } };
    const open = () => {
      if (source) source.close();
      view.replaceChildren();
      setParam("resource", select.value);
      if (!select.value) { view.append(el("div", { class: "hint", text: "Choose a resource." })); return; }
      view.append(el("div", { class: "hint", id: "console-empty", text: "No output yet." }));
      source = stream(`/api/console/${encodeURIComponent(select.value)}/stream`, {
        lines: (lines) => {
          $("#console-empty")?.remove();
          for (const l of lines) {
            // Colour codes from console loggers would show as garbage: drop them.
            const text = l.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
            const node = el("div", { class: "line" + (l.isError ? " err" : ""), dataset: { seq: l.sequence, text } },
              el("span", { class: "n", text: l.sequence }), el("span", { class: "t", text: clock(l.timestamp) }), el("span", { class: "x", text }));
            node.hidden = !matches(node);
            if (search.value) highlight(node);
            view.append(node);
          }
          while (view.childElementCount > 5000) view.firstElementChild.remove();
          if (follow.checked) view.scrollTop = view.scrollHeight;
        },
      });
    };
    select.addEventListener("change", open);
    search.addEventListener("input", debounce(applySearch, 150));
    open();
  };

  // ---------- structured logs ----------
  const logsPage = () => {
    const body = $("#logs tbody"), service = $("#service"), severity = $("#severity"), search = $("#search"), note = $("#trace-filter");
    const p = params();
    severity.value = p.get("minSeverity") || "";
    search.value = p.get("q") || "";
    const traceId = p.get("traceId") || "";
    if (traceId) { note.hidden = false; note.replaceChildren("Trace ", el("code", { text: traceId.slice(0, 16) }), " ", el("a", { href: "/structuredlogs", text: "clear" })); }
    const refresh = async () => {
      await fillServices(service);
      const q = new URLSearchParams();
      if (service.value) q.set("service", service.value);
      if (severity.value) q.set("minSeverity", severity.value);
      if (search.value.trim()) q.set("q", search.value.trim());
      if (traceId) q.set("traceId", traceId);
      const logs = await getJson("/api/logs?" + q);
      body.replaceChildren();
      if (logs.length === 0) { body.append(el("tr", { class: "empty" }, el("td", { colspan: 6, text: "No structured logs match." }))); return; }
      for (const log of logs) {
        body.append(el("tr", { dataset: { logId: log.id } },
          el("td", { class: "mono", title: log.timestamp, text: clock(log.timestamp) }),
          el("td", {}, serviceChip(log.serviceName)),
          el("td", { class: "level level-" + log.severity, text: log.severity }),
          el("td", { class: "message" }, log.message, log.scopeName ? el("div", { class: "mono", style: { color: "var(--muted)" }, text: log.scopeName }) : null),
          el("td", {}, attrChips(log.attributes)),
          el("td", {}, log.traceId ? el("a", { class: "mono trace-link", href: "/traces/" + log.traceId, text: log.traceId.slice(0, 8) }) : "")));
      }
    };
    const run = onTelemetry("logs", refresh);
    const changed = () => { setParam("service", service.value); setParam("minSeverity", severity.value); setParam("q", search.value.trim()); run(); };
    service.addEventListener("change", changed);
    severity.addEventListener("change", changed);
    search.addEventListener("input", debounce(changed));
  };

  // ---------- traces ----------
  const tracesPage = () => {
    const body = $("#traces tbody"), service = $("#service"), status = $("#status"), minDuration = $("#min-duration"), search = $("#search");
    const p = params();
    status.value = p.get("status") || "";
    minDuration.value = p.get("minDurationMs") || "";
    search.value = p.get("q") || "";
    const refresh = async () => {
      await fillServices(service);
      const q = new URLSearchParams();
      if (service.value) q.set("service", service.value);
      if (status.value) q.set("status", status.value);
      if (minDuration.value) q.set("minDurationMs", minDuration.value);
      if (search.value.trim()) q.set("q", search.value.trim());
      const traces = await getJson("/api/traces?" + q);
      body.replaceChildren();
      if (traces.length === 0) { body.append(el("tr", { class: "empty" }, el("td", { colspan: 6, text: "No traces match." }))); return; }
      const longest = Math.max(...traces.map((t) => t.durationMs), 0.001);
      for (const t of traces) {
        body.append(el("tr", { class: "clickable", dataset: { traceId: t.traceId }, onclick: (e) => { if (e.target.tagName !== "A") location.href = "/traces/" + t.traceId; } },
          el("td", { class: "mono", text: clock(t.start) }),
          el("td", {}, el("a", { href: "/traces/" + t.traceId, text: t.name }), el("div", { class: "mono", style: { color: "var(--muted)" }, text: t.traceId.slice(0, 16) })),
          el("td", { class: "services" }, t.services.map(serviceChip)),
          el("td", {}, formatMs(t.durationMs), el("div", { class: "duration-bar", style: { width: Math.max(2, (t.durationMs / longest) * 100) + "%" } })),
          el("td", { text: t.spanCount }),
          el("td", {}, t.hasError ? el("span", { class: "badge bad", text: "Error" }) : el("span", { class: "badge good", text: "OK" }))));
      }
    };
    const run = onTelemetry("traces", refresh);
    const changed = () => { setParam("service", service.value); setParam("status", status.value); setParam("minDurationMs", minDuration.value); setParam("q", search.value.trim()); run(); };
    service.addEventListener("change", changed);
    status.addEventListener("change", changed);
    minDuration.addEventListener("input", debounce(changed));
    search.addEventListener("input", debounce(changed));
  };

  // ---------- one trace: the waterfall ----------
  const tracePage = () => {
    const traceId = $("#trace-id").textContent.trim();
    const waterfall = $("#waterfall"), summary = $("#summary"), detail = $("#span-detail");
    let selected = null;
    const showSpan = (span) => {
      selected = span.spanId;
      for (const row of waterfall.querySelectorAll(".wf-row")) row.classList.toggle("selected", row.dataset.spanId === selected);
      detail.hidden = false;
      fill(detail,
        el("h2", {}, span.name, " ", serviceChip(span.serviceName)),
        el("div", { class: "trace-summary" },
          el("span", {}, "Kind ", el("b", { text: span.kind })), el("span", {}, "Duration ", el("b", { text: formatMs(span.durationMs) })),
          el("span", {}, "Starts at ", el("b", { text: "+" + formatMs(span.offsetMs) })), el("span", {}, "Status ", el("b", { text: span.status + (span.statusMessage ? ": " + span.statusMessage : "") })),
          el("span", {}, "Span ", el("code", { text: span.spanId })), span.scopeName ? el("span", {}, "Scope ", el("code", { text: span.scopeName })) : null),
        el("table", { class: "env" }, span.attributes.map((a) => el("tr", {}, el("td", { text: a.key }), el("td", { text: a.value })))),
        span.events.length ? el("h3", { text: "Events" }) : null,
        span.events.map((e) => el("div", {}, el("b", { text: e.name }), " at +" + formatMs(e.offsetMs), " ", attrChips(e.attributes, 20))));
    };
    const refresh = async () => {
      let trace;
      try { trace = await getJson("/api/traces/" + encodeURIComponent(traceId)); }
      catch { waterfall.replaceChildren(el("div", { class: "hint", text: "This trace is unknown or was evicted from memory." })); return; }
      fill(summary,
        el("span", {}, "Started ", el("b", { text: new Date(trace.start).toLocaleString() })),
        el("span", {}, "Duration ", el("b", { text: formatMs(trace.durationMs) })),
        el("span", {}, "Spans ", el("b", { text: trace.spans.length })),
        el("span", {}, "Services ", trace.services.map(serviceChip)));
      const total = Math.max(trace.durationMs, 0.001);
      const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => el("span", { class: "wf-label", style: { left: `calc(${f * 100}% - ${f * 40}px)` }, text: formatMs(total * f) }));
      waterfall.replaceChildren(el("div", { class: "wf-row head" }, el("div", { class: "wf-name", text: "Span" }), el("div", { class: "wf-time" }, ticks, "\u00a0")));
      for (const span of trace.spans) {
        const left = (span.offsetMs / total) * 100, width = Math.max((span.durationMs / total) * 100, 0.2);
        const labelLeft = left + width > 80 ? null : `calc(${left + width}% + 6px)`;
        waterfall.append(el("div", { class: "wf-row" + (span.spanId === selected ? " selected" : ""), dataset: { spanId: span.spanId, service: span.serviceName, depth: span.depth }, onclick: () => showSpan(span) },
          el("div", { class: "wf-name", style: { paddingLeft: 10 + span.depth * 16 + "px" }, title: span.name }, serviceChip(span.serviceName), span.name),
          el("div", { class: "wf-time" },
            el("div", { class: "wf-bar" + (span.status === "Error" ? " error" : ""), style: { left: left + "%", width: width + "%", background: serviceColor(span.serviceName) }, title: `${span.name}: ${formatMs(span.durationMs)}` }),
            labelLeft ? el("span", { class: "wf-label", style: { left: labelLeft }, text: formatMs(span.durationMs) }) : null, "\u00a0")));
      }
      if (selected) { const span = trace.spans.find((s) => s.spanId === selected); if (span) showSpan(span); }
    };
    onTelemetry("traces", refresh);
  };

  // ---------- metrics ----------
  const metricsPage = () => {
    const list = $("#instruments"), panel = $("#instrument"), service = $("#service");
    let current = null;
    { const p = params(); if (p.get("name")) current = { serviceName: p.get("instrumentService") || "", scopeName: p.get("scope") || "", name: p.get("name") }; }
    const same = (a, b) => a && b && a.serviceName === b.serviceName && a.scopeName === b.scopeName && a.name === b.name;
    const latestText = (point) => point.histogram
      ? `count ${formatNumber(point.histogram.count)} · mean ${formatNumber(point.value)}` + (point.histogram.p50 !== null ? ` · p50 ${formatNumber(point.histogram.p50)} · p90 ${formatNumber(point.histogram.p90)} · p99 ${formatNumber(point.histogram.p99)}` : "")
      : formatNumber(point.value);
    const chart = (series, unit) => {
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg");
      const W = Math.max(400, Math.round(panel.clientWidth - 40)), H = 220, L = 60, R = 10, T = 10, B = 24;
      svg.setAttribute("viewBox", `0 0 ${W} ${H}`); svg.setAttribute("class", "chart"); svg.setAttribute("role", "img"); svg.setAttribute("aria-label", "chart");
      const points = series.flatMap((s) => s.points);
      if (points.length === 0) return svg;
      const times = points.map((p) => new Date(p.timestamp).getTime()), values = points.map((p) => p.value);
      let t0 = Math.min(...times), t1 = Math.max(...times); if (t1 === t0) { t0 -= 1000; t1 += 1000; }
      let v0 = Math.min(0, ...values), v1 = Math.max(...values); if (v1 === v0) v1 = v0 + 1;
      const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R), y = (v) => T + (1 - (v - v0) / (v1 - v0)) * (H - T - B);
      const add = (tag, attrs, text) => { const n = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text !== undefined) n.textContent = text; svg.append(n); return n; };
      for (const f of [0, 0.5, 1]) { const v = v0 + (v1 - v0) * f; add("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "axis" }); add("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, formatNumber(v)); }
      add("text", { x: L, y: H - 6 }, clock(new Date(t0).toISOString())); add("text", { x: W - R, y: H - 6, "text-anchor": "end" }, clock(new Date(t1).toISOString()));
      if (unit) add("text", { x: 4, y: T + 8 }, unit);
      series.slice(0, 6).forEach((s, i) => {
        const color = `hsl(${(250 + i * 67) % 360} 60% 50%)`;
        const d = s.points.map((p, j) => `${j ? "L" : "M"}${x(new Date(p.timestamp).getTime()).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
        add("path", { d, fill: "none", stroke: color, "stroke-width": 2 });
        const last = s.points[s.points.length - 1];
        if (last) add("circle", { cx: x(new Date(last.timestamp).getTime()), cy: y(last.value), r: 3, fill: color });
      });
      return svg;
    };
    const showInstrument = async () => {
      if (!current) return;
      const q = new URLSearchParams({ service: current.serviceName, scope: current.scopeName, name: current.name });
      let instrument;
      try { instrument = await getJson("/api/metrics/instrument?" + q); } catch { panel.replaceChildren(el("div", { class: "hint", text: "This instrument has not been received." })); return; }
      const first = instrument.series[0];
      fill(panel,
        el("h2", { id: "instrument-name", text: instrument.name }),
        el("div", { class: "desc" }, serviceChip(instrument.serviceName), " ", instrument.kind, instrument.unit ? ` · ${instrument.unit}` : "", instrument.description ? ` · ${instrument.description}` : "", " · meter ", el("code", { text: instrument.scopeName })),
        first ? el("div", { class: "value", id: "instrument-value" }, latestText(first.latest), " ", el("small", { text: instrument.unit })) : null,
        chart(instrument.series, instrument.unit),
        el("table", { class: "grid" }, el("thead", {}, el("tr", {}, el("th", { text: "Attributes" }), el("th", { text: "Current value" }), el("th", { text: "Updated" }))),
          el("tbody", {}, instrument.series.map((s) => el("tr", {}, el("td", {}, s.attributes.length ? attrChips(s.attributes, 20) : "(no attributes)"), el("td", { class: "series-value", text: latestText(s.latest) }), el("td", { class: "mono", text: clock(s.latest.timestamp) }))))));
    };
    const refresh = async () => {
      await fillServices(service);
      const instruments = (await getJson("/api/metrics")).filter((i) => !service.value || i.serviceName === service.value);
      list.replaceChildren();
      if (instruments.length === 0) { list.append(el("div", { class: "hint", text: "No metrics yet." })); return; }
      if (!current || !instruments.some((i) => same(i, current))) current = current ?? instruments[0];
      let group = null;
      for (const i of instruments) {
        if (i.serviceName !== group) { group = i.serviceName; list.append(el("h3", { text: group })); }
        list.append(el("a", { href: "#", class: same(i, current) ? "active" : "", dataset: { instrument: i.name },
          onclick: (e) => { e.preventDefault(); current = i; setParam("instrumentService", i.serviceName); setParam("scope", i.scopeName); setParam("name", i.name); refresh(); } },
          i.name, el("small", { text: i.series[0] ? latestText(i.series[0].latest) + (i.unit ? " " + i.unit : "") : "" })));
      }
      await showInstrument();
    };
    const run = onTelemetry("metrics", refresh);
    service.addEventListener("change", () => { current = null; run(); });
  };

  const pages = { resources: resourcesPage, console: consolePage, logs: logsPage, traces: tracesPage, trace: tracePage, metrics: metricsPage };
  const page = pages[document.body.dataset.page];
  if (page) page();
})();
