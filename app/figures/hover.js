// Exact hover for the packing chart and the spill plan's panels.
//
// No '<' right before a letter or '/' anywhere in this file: the page's
// HTML sanitizer drops a script that has one (it looks like markup).
//
// Plotly names the point nearest the pointer, and a rectangle has no point
// everywhere inside it; drawing each buffer as its own shape to hover on
// does not scale (60,000 SVG paths take many seconds).  So the chart carries
// every rectangle in the meta of an empty trace (role "hover", built by
// charts.hover_index) and this script, installed once per page, finds the
// rectangle under the pointer itself: a grid over time holds, for each
// column, the rectangles that cross it.  It shows the buffer's details
// next to the pointer and outlines the buffer.  A chart may carry several
// such traces, on the axes of several panels (one per memory pool): each
// is read on its own axes, and where two hold the point (a buffer moved
// out, drawn where it was) both are named.
(function () {
  if (window.__minimallocHover) return;
  window.__minimallocHover = true;

  function decode(value) {
    if (!value || value.bdata === undefined) return value || [];
    const bin = atob(value.bdata);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return value.dtype === "i4" ? new Int32Array(bytes.buffer) : new Float64Array(bytes.buffer);
  }

  function build(meta) {
    const r = {
      t0: decode(meta.t0), t1: decode(meta.t1), y0: decode(meta.y0), y1: decode(meta.y1),
      buffer: meta.buffer ? decode(meta.buffer) : null,
      id: typeof meta.id === "string" ? meta.id.split("\n") : meta.id, lower: decode(meta.lower),
      upper: decode(meta.upper), size: decode(meta.size), offset: decode(meta.offset),
      alignment: decode(meta.alignment), fixed: new Set(meta.fixed || []),
      gaps: meta.gaps || {}, label: meta.label || {}, alias: meta.alias || {}, meta: meta,
    };
    const n = r.t0.length;
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < n; k++) { lo = Math.min(lo, r.t0[k]); hi = Math.max(hi, r.t1[k]); }
    // At most about two million grid entries, whatever the lifetimes.
    const columns = Math.max(1, Math.min(4096, Math.floor(2e6 / Math.max(n, 1))));
    const width = Math.max((hi - lo) / columns, 1e-9);
    const col = (t) => Math.min(columns - 1, Math.max(0, Math.floor((t - lo) / width)));
    const count = new Int32Array(columns + 1);
    for (let k = 0; k < n; k++) for (let c = col(r.t0[k]); c <= col(r.t1[k]); c++) count[c + 1]++;
    for (let c = 0; c < columns; c++) count[c + 1] += count[c];
    const items = new Int32Array(count[columns]);
    const fill = count.slice(0, columns);
    for (let k = 0; k < n; k++) for (let c = col(r.t0[k]); c <= col(r.t1[k]); c++) items[fill[c]++] = k;
    Object.assign(r, { lo: lo, hi: hi, col: col, start: count, items: items, n: n });
    return r;
  }

  // The rectangle holding (t, y); the last drawn if several (an invalid
  // allocation can overlap).
  function find(r, t, y) {
    if (!r.n || t < r.lo || t >= r.hi) return -1;
    const c = r.col(t);
    let found = -1;
    for (let j = r.start[c]; j < r.start[c + 1]; j++) {
      const k = r.items[j];
      if (r.t0[k] <= t && t < r.t1[k] && r.y0[k] <= y && y < r.y1[k] && k > found) found = k;
    }
    return found;
  }

  // Rectangle k is buffer k unless some buffer has gaps.
  const buf = (r, k) => (r.buffer ? r.buffer[k] : k);
  const fmt = (v) => Number(v).toLocaleString("en-US");

  function element(id, css) {
    let el = document.getElementById(id);
    if (!el) {
      el = document.createElement("div");
      el.id = id;
      el.style.cssText = css;
      document.body.appendChild(el);
    }
    return el;
  }

  function tip() {
    return element("minimalloc-hover",
      "position:fixed;z-index:100000;pointer-events:none;display:none;" +
      "background:rgba(20,20,30,0.92);color:#fff;font:12px sans-serif;" +
      "padding:6px 8px;border-radius:4px;line-height:1.45;white-space:nowrap;" +
      "box-shadow:0 1px 4px rgba(0,0,0,0.4)");
  }

  function outline() {
    return element("minimalloc-outline",
      "position:fixed;z-index:99999;pointer-events:none;display:none;" +
      "border:2px solid #111;outline:1px solid #fff;box-sizing:border-box");
  }

  function hide() {
    tip().style.display = "none";
    outline().style.display = "none";
  }

  // The layout's name of a trace's axis: "x" -> "xaxis", "x2" -> "xaxis2".
  const axis = (id, letter) => letter + "axis" + (id && id !== letter ? id.slice(1) : "");

  // Every hover index of the chart with the names of its axes; each index
  // is built once per meta.
  function indexes(gd) {
    const built = gd.__minimallocIndexes || (gd.__minimallocIndexes = new WeakMap());
    return (gd.data || []).filter((t) => t.meta && t.meta.role === "hover").map((t) => {
      if (!built.has(t.meta)) built.set(t.meta, build(t.meta));
      return { r: built.get(t.meta), x: axis(t.xaxis, "x"), y: axis(t.yaxis, "y") };
    });
  }

  function text(r, k) {
    const b = buf(r, k);
    const lines = [
      "\x3cb>" + String(r.id[b]).replace(/\x3c/g, "&lt;") + "\x3c/b>",
      "lifespan [" + fmt(r.lower[b]) + ", " + fmt(r.upper[b]) + ")",
      "size " + fmt(r.size[b]),
      "offset " + fmt(r.offset[b]) + (r.meta.pool ? " in " + r.meta.pool : "") +
        (r.fixed.has(b) ? " (fixed)" : ""),
      "alignment " + fmt(r.alignment[b]),
    ];
    if (r.meta.note) lines.splice(1, 0, String(r.meta.note).replace(/\x3c/g, "&lt;"));
    if (r.gaps[b] !== undefined) lines.push("gaps " + r.gaps[b]);
    if (r.label[b] !== undefined) lines.push(String(r.label[b]).replace(/\x3c/g, "&lt;"));
    if (r.alias[b] !== undefined) lines.push(String(r.alias[b]).replace(/\x3c/g, "&lt;"));
    return lines.join("\x3cbr>");
  }

  // What every index names at the pointer: [{r, k, xa, ya}], in trace order.
  function hits(gd, fl, event) {
    const box = gd.getBoundingClientRect();
    const found = [];
    for (const h of indexes(gd)) {
      const xa = fl[h.x], ya = fl[h.y];
      if (!xa || !ya) continue;
      const px = event.clientX - box.left - xa._offset;
      const py = event.clientY - box.top - ya._offset;
      if (px < 0 || px > xa._length || py < 0 || py > ya._length) continue;
      const k = find(h.r, xa.p2l(px), ya.p2l(py));
      if (k >= 0) found.push({ r: h.r, k: k, xa: xa, ya: ya });
    }
    return found;
  }

  function move(gd, event) {
    const fl = gd._fullLayout;
    const found = fl && event.buttons === 0 ? hits(gd, fl, event) : [];
    if (!found.length) { hide(); return; }
    const { r, k, xa, ya } = found[0];
    const box = gd.getBoundingClientRect();
    const t = tip();
    t.innerHTML = found.map((h) => text(h.r, h.k))
      .join("\x3chr style='margin:4px 0;border:0;border-top:1px solid #888'>");
    t.dataset.buffer = r.id[buf(r, k)];
    t.style.display = "block";
    const right = event.clientX + 14 + t.offsetWidth > window.innerWidth;
    t.style.left = (right ? event.clientX - 14 - t.offsetWidth : event.clientX + 14) + "px";
    t.style.top = Math.max(0, event.clientY - t.offsetHeight - 8) + "px";
    // Outline: the rectangle clipped to the plot area.
    const clip = (v, a, b) => Math.min(Math.max(v, a), b);
    const left = clip(xa.l2p(r.t0[k]), 0, xa._length), rightPx = clip(xa.l2p(r.t1[k]), 0, xa._length);
    const topPx = clip(ya.l2p(r.y1[k]), 0, ya._length), bottom = clip(ya.l2p(r.y0[k]), 0, ya._length);
    const o = outline();
    o.style.left = (box.left + xa._offset + left - 1) + "px";
    o.style.top = (box.top + ya._offset + topPx - 1) + "px";
    o.style.width = Math.max(rightPx - left + 2, 3) + "px";
    o.style.height = Math.max(bottom - topPx + 2, 3) + "px";
    o.style.display = "block";
  }

  function attach() {
    document.querySelectorAll(".js-plotly-plot").forEach((gd) => {
      if (gd.__minimallocHoverBound) return;
      gd.__minimallocHoverBound = true;
      gd.addEventListener("mousemove", (e) => move(gd, e));
      gd.addEventListener("mouseleave", hide);
      gd.addEventListener("wheel", hide, { passive: true });
    });
  }
  window.addEventListener("scroll", hide, true);
  attach();
  setInterval(attach, 500);
})();
