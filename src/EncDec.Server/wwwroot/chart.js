// A small line chart on a <canvas>: axes with "nice" ticks, one or more series, hover shows the nearest point.
// Written for the EncDec dashboard; no dependencies.
"use strict";
class LineChart {
  constructor(canvas, title, { logY = false } = {}) {
    this.canvas = canvas; this.title = title; this.logY = logY; this.series = []; this.hover = null;
    canvas.addEventListener("mousemove", e => { this.hover = this.nearest(e); this.draw(); });
    canvas.addEventListener("mouseleave", () => { this.hover = null; this.draw(); });
  }
  set(series) {   // [{ name, color, points: [[x, y], ...] }]
    this.series = series.filter(s => s.points.length);
    this.canvas.dataset.points = String(this.series.reduce((n, s) => n + s.points.length, 0));
    this.draw();
  }
  static ticks(lo, hi, n) {
    if (!(hi > lo)) { hi = lo + 1; }
    const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw);
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(12));
    return out;
  }
  static fmt(v) {
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
    return +v.toPrecision(4) + "";
  }
  layout() {
    const dpr = window.devicePixelRatio || 1, w = this.canvas.clientWidth || 420, h = this.canvas.clientHeight || 240;
    if (this.canvas.width !== Math.round(w * dpr)) { this.canvas.width = Math.round(w * dpr); this.canvas.height = Math.round(h * dpr); }
    const all = this.series.flatMap(s => s.points);
    const xs = all.map(p => p[0]), ys = all.map(p => this.y(p[1]));
    let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= Math.abs(y0) * 0.1 || 1; y1 += Math.abs(y1) * 0.1 || 1; }
    const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    return { dpr, w, h, x0, x1, y0, y1, left: 56, right: 12, top: 26, bottom: 30 };
  }
  y(v) { return this.logY ? Math.log10(Math.max(v, 1e-12)) : v; }
  px(L, x, y) {
    return [L.left + (x - L.x0) / (L.x1 - L.x0) * (L.w - L.left - L.right),
            L.top + (1 - (this.y(y) - L.y0) / (L.y1 - L.y0)) * (L.h - L.top - L.bottom)];
  }
  nearest(e) {
    if (!this.series.length) return null;
    const L = this.layout(), r = this.canvas.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    let best = null, bd = 1e9;
    for (const s of this.series) for (const p of s.points) {
      const [x, y] = this.px(L, p[0], p[1]), d = Math.hypot(x - mx, y - my);
      if (d < bd) { bd = d; best = { s, p }; }
    }
    return bd < 40 ? best : null;
  }
  draw() {
    const c = this.canvas.getContext("2d");
    const L = this.layout();
    c.setTransform(L.dpr, 0, 0, L.dpr, 0, 0);
    c.clearRect(0, 0, L.w, L.h);
    c.font = "12px system-ui, sans-serif"; c.fillStyle = "#1d2327"; c.textBaseline = "alphabetic";
    c.fillText(this.title, L.left, 16);
    if (!this.series.length) { c.fillStyle = "#68737d"; c.fillText("no data yet", L.left, L.h / 2); return; }
    c.strokeStyle = "#e4e4df"; c.fillStyle = "#68737d"; c.lineWidth = 1;
    // y ticks in value space: round values (a log axis spanning a decade or more: powers of ten)
    const lo = this.logY ? Math.pow(10, L.y0) : L.y0, hi = this.logY ? Math.pow(10, L.y1) : L.y1;
    const yTicks = this.logY && L.y1 - L.y0 >= 1
      ? LineChart.ticks(Math.ceil(L.y0), Math.floor(L.y1), Math.max(1, Math.floor(L.y1) - Math.ceil(L.y0))).map(e => Math.pow(10, e))
      : LineChart.ticks(lo, hi, 5).filter(t => !this.logY || t > 0);
    for (const t of yTicks) {
      const [, y] = this.px(L, L.x0, t);
      c.beginPath(); c.moveTo(L.left, y); c.lineTo(L.w - L.right, y); c.stroke();
      c.textAlign = "right"; c.fillText(LineChart.fmt(t), L.left - 6, y + 4);
    }
    for (const t of LineChart.ticks(L.x0, L.x1, 6)) {
      const [x] = this.px(L, t, this.logY ? 1 : L.y0);
      c.textAlign = "center"; c.fillText(LineChart.fmt(t), x, L.h - 10);
    }
    c.textAlign = "left";
    let lx = L.left + c.measureText(this.title).width + 16;
    for (const s of this.series) {
      c.strokeStyle = s.color; c.lineWidth = 1.6; c.beginPath();
      s.points.forEach((p, i) => { const [x, y] = this.px(L, p[0], p[1]); i ? c.lineTo(x, y) : c.moveTo(x, y); });
      c.stroke();
      if (s.points.length < 60) { c.fillStyle = s.color; for (const p of s.points) { const [x, y] = this.px(L, p[0], p[1]); c.beginPath(); c.arc(x, y, 2.5, 0, 7); c.fill(); } }
      c.fillStyle = s.color; c.fillRect(lx, 8, 10, 10); c.fillStyle = "#1d2327"; c.fillText(s.name, lx + 14, 17); lx += c.measureText(s.name).width + 30;
    }
    if (this.hover) {
      const [x, y] = this.px(L, this.hover.p[0], this.hover.p[1]);
      c.fillStyle = this.hover.s.color; c.beginPath(); c.arc(x, y, 4.5, 0, 7); c.fill();
      const label = `${this.hover.s.name} step ${this.hover.p[0]}: ${LineChart.fmt(this.hover.p[1])}`;
      const tw = c.measureText(label).width + 10, bx = Math.min(x + 8, L.w - tw - 2), by = Math.max(y - 24, 2);
      c.fillStyle = "rgba(29,35,39,.9)"; c.fillRect(bx, by, tw, 18); c.fillStyle = "#fff"; c.fillText(label, bx + 5, by + 13);
    }
  }
}
