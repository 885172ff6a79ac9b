// The training dashboard: polls /v1/runs/{run}/metrics?offset=N once a second and redraws the curves of the
// chosen run from its metrics.jsonl (step lines: loss, lr, tokens/s, memory; validation lines: loss, ppl, BLEU, chrF).
"use strict";
const charts = {
  loss: new LineChart(document.getElementById("chart-loss"), "loss"),
  ppl: new LineChart(document.getElementById("chart-ppl"), "validation perplexity", { logY: true }),
  bleu: new LineChart(document.getElementById("chart-bleu"), "validation BLEU / chrF"),
  lr: new LineChart(document.getElementById("chart-lr"), "learning rate"),
  tokens: new LineChart(document.getElementById("chart-tokens"), "target tokens/s"),
  memory: new LineChart(document.getElementById("chart-memory"), "memory (MiB)"),
};
let run = new URLSearchParams(location.search).get("run");
let offset = 0, records = [], timer = null, generation = 0;

async function listRuns() {
  const r = await fetch("/v1/runs");
  const box = document.getElementById("runs");
  if (!r.ok) { box.textContent = (await r.json()).error; return; }
  const runs = (await r.json()).runs;
  if (!runs.length) { box.innerHTML = '<span class="empty">no run folder with a metrics.jsonl yet</span>'; return; }
  if (!run || !runs.includes(run)) select(runs[0]);
  box.innerHTML = "";
  for (const name of runs) {
    const b = document.createElement("button");
    b.textContent = name; b.className = name === run ? "active" : "";
    b.onclick = () => { select(name); listRuns(); };
    box.appendChild(b);
  }
}

function select(name) {
  if (name === run && records.length) return;
  run = name; offset = 0; records = [];
  history.replaceState(null, "", "?run=" + encodeURIComponent(name));
  draw();
  poll();
}

async function poll() {
  clearTimeout(timer);
  const mine = ++generation;   // a newer poll (another run chosen) makes this one's answer stale
  if (run) {
    try {
      const r = await fetch(`/v1/runs/${encodeURIComponent(run)}/metrics?offset=${offset}`);
      if (r.ok) {
        const d = await r.json();
        if (mine !== generation) return;
        if (d.run === run) {
          if (d.reset) records = [];
          if (d.records.length || d.reset) { records.push(...d.records); draw(); }
          offset = d.offset;
          document.getElementById("updated").textContent = `${run}: ${records.length} lines, updated ${new Date().toLocaleTimeString()}`;
        }
      }
    } catch (e) { /* the server may be restarting: try again */ }
  }
  timer = setTimeout(poll, 1000);
}

function series(type, key, name, color, scale = 1) {
  return { name, color, points: records.filter(r => r.type === type && typeof r[key] === "number" && typeof r.step === "number").map(r => [r.step, r[key] * scale]) };
}

function draw() {
  const MiB = 1 / (1024 * 1024);
  charts.loss.set([series("step", "loss", "train", "#2f6fde"), series("valid", "loss", "valid", "#d9480f")]);
  charts.ppl.set([series("valid", "ppl", "perplexity", "#d9480f")]);
  charts.bleu.set([series("valid", "bleu", "BLEU", "#2b8a3e"), series("valid", "chrf", "chrF", "#9c36b5")]);
  charts.lr.set([series("step", "lr", "lr", "#495057")]);
  charts.tokens.set([series("step", "tokens_per_s", "tokens/s", "#1098ad")]);
  charts.memory.set([series("step", "rss_bytes", "RSS", "#e67700", MiB), series("step", "managed_bytes", "managed", "#5c7cfa", MiB)]);
}

window.addEventListener("resize", draw);
listRuns();
setInterval(listRuns, 5000);
poll();
