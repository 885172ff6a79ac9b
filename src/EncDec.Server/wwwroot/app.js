// The translation page: streams tokens from /v1/translate/stream, then shows the n-best list and the
// attention heat map of the chosen hypothesis. No libraries; everything is served by the EncDec process.
"use strict";
const $ = id => document.getElementById(id);
let last = null;   // the last "done" result

fetch("/v1/models").then(r => r.json()).then(m => {
  if (m.models.length) $("model").textContent = `${m.models[0].name}: ${m.models[0].architecture}`;
});

function options() {
  const strategy = $("strategy").value;
  const num = id => Number($(id).value);
  const o = { texts: [$("source").value], strategy, max_length: num("max-length"), return_attention: true, return_scores: true };
  const n = num("nbest-count");
  if (strategy === "beam") { o.beam = num("beam"); o.n_best = n; o.length_penalty = num("length-penalty"); }
  if (strategy === "sample") { o.n_best = n; o.temperature = num("temperature"); o.top_k = num("top-k"); o.top_p = num("top-p"); }
  if ($("prefix").value) o.prefix = $("prefix").value;
  const phrases = $("constraints").value.split("\n").map(s => s.trim()).filter(s => s);
  if (phrases.length) o.constraints = phrases;
  return o;
}

function setStatus(text, error) { $("status").textContent = text; $("status").className = error ? "error" : ""; }

async function translate() {
  const button = $("translate");
  button.disabled = true;
  $("output").textContent = ""; $("nbest").innerHTML = ""; setStatus("streaming…");
  const started = performance.now();
  try {
    const r = await fetch("/v1/translate/stream", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(options()) });
    if (!r.ok) { const e = await r.json(); setStatus(`${r.status}: ${e.error}`, true); return; }
    const reader = r.body.getReader(), decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        const ev = /^event: (.*)$/m.exec(block)?.[1], data = /^data: (.*)$/m.exec(block)?.[1];
        if (!ev || data === undefined) continue;
        const d = JSON.parse(data);
        if (ev === "token" && d.index === 0 && d.sequence === 0) $("output").textContent = d.text;
        else if (ev === "done") showResult(d, performance.now() - started);
        else if (ev === "error") setStatus(d.error, true);
      }
    }
  } catch (e) { setStatus(String(e), true); }
  finally { button.disabled = false; }
}

function showResult(d, ms) {
  last = d.results[0];
  const hyps = last.hypotheses;
  $("output").textContent = hyps.length ? hyps[0].text : "";
  setStatus(`done in ${ms.toFixed(0)} ms (decoded in a batch of ${d.batch.texts} text(s) from ${d.batch.requests} request(s))`);
  const list = $("nbest");
  list.innerHTML = "";
  hyps.forEach((h, i) => {
    const li = document.createElement("li");
    li.innerHTML = `<span class="text"></span><span class="score"></span>`;
    li.querySelector(".text").textContent = h.text;
    li.querySelector(".score").textContent = `${h.normalized_score.toFixed(4)} (log-prob ${h.score.toFixed(3)})`;
    li.onclick = () => choose(i);
    list.appendChild(li);
  });
  choose(0);
}

function choose(i) {
  [...$("nbest").children].forEach((li, j) => li.classList.toggle("chosen", i === j));
  const h = last.hypotheses[i];
  if (h) heatmap(last.source_tokens, [...h.tokens, "</s>"], h.attention || []);
}

function shade(w) {   // white → deep blue
  const t = Math.max(0, Math.min(1, w));
  const c = a => Math.round(255 + (a - 255) * t);
  return `rgb(${c(31)},${c(78)},${c(180)})`;
}

function heatmap(src, out, weights) {
  const box = $("heatmap");
  box.className = "";
  if (!weights.length) { box.textContent = "this model returns no attention"; return; }
  const shown = s => s === " " ? "␣" : s;
  let html = "<table><thead><tr><th></th>" + src.map(s => `<th>${esc(shown(s))}</th>`).join("") + "</tr></thead><tbody>";
  weights.forEach((row, i) => {
    html += `<tr><th>${esc(shown(out[i] ?? ""))}</th>` +
      row.map((w, j) => `<td class="cell" data-w="${w}" data-i="${i}" data-j="${j}" style="background:${shade(w)}"></td>`).join("") + "</tr>";
  });
  box.innerHTML = html + "</tbody></table>";
  const tip = $("tip");
  box.querySelectorAll("td.cell").forEach(td => {
    td.onmousemove = e => {
      const i = +td.dataset.i, j = +td.dataset.j;
      tip.textContent = `${shown(out[i])} ← ${shown(src[j])}: ${Number(td.dataset.w).toFixed(4)}`;
      tip.style.left = e.clientX + 12 + "px"; tip.style.top = e.clientY + 12 + "px"; tip.style.display = "block";
    };
    td.onmouseleave = () => { tip.style.display = "none"; };
  });
}

function esc(s) { return String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c])); }

$("translate").onclick = translate;
$("source").addEventListener("keydown", e => { if (e.key === "Enter" && e.ctrlKey) translate(); });
$("strategy").onchange = () => { if ($("strategy").value === "greedy") $("nbest-count").value = 1; };
