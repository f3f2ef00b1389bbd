// unspin web page: no framework, no CDN; talks to /v1/restore and /v1/check.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("form"), text: $("input-text"), file: $("input-file"), drop: $("drop"),
  go: $("go"), cancel: $("cancel"), clear: $("clear"), knownSpun: $("known-spun"),
  progress: $("progress"), progressText: $("progress-text"), error: $("error"),
  results: $("results"), doc: $("doc"), summary: $("summary"),
  probability: $("probability"), probabilityNote: $("probability-note"), meter: $("meter-fill"),
  torturedBox: $("tortured-box"), tortured: $("tortured"),
  pop: $("pop"), popTitle: $("pop-title"), popOriginal: $("pop-original"), popConfidence: $("pop-confidence"),
  popReason: $("pop-reason"), popAltBox: $("pop-alternatives-box"), popAlts: $("pop-alternatives"),
  popAccept: $("pop-accept"), popReject: $("pop-reject"), popClose: $("pop-close"),
  health: $("health"),
};

const state = { source: "", edits: [], name: "", active: -1, pinned: false, controller: null };
// Readers who ask their system for less motion get the results without a smooth scroll.
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

// --- requests ---------------------------------------------------------------------------

async function post(path, body, signal) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new Error("the server cannot be reached");
  }
  let data = null;
  try { data = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok) {
    const message = data && data.error ? data.error.message : `the server answered ${response.status}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(new Error(`${file.name} could not be read`));
    reader.readAsDataURL(file);
  });
}

// --- the run: restore (edits) and check (probability) side by side ---------------------

async function run(payload, label) {
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  hideError();
  closePop();
  busy(true, label);
  const checking = post("/v1/check", payload, controller.signal);
  checking.catch(() => {});  // shown by showCheck; never an unhandled rejection
  try {
    // Only the restore takes the reader's word that the text was spun; the check judges for itself.
    const asked = ui.knownSpun.checked ? { ...payload, spun: true } : payload;
    const restored = await post("/v1/restore", asked, controller.signal);
    if (controller !== state.controller) return;
    showRestoration(restored);
    ui.probability.textContent = "…";
    ui.probabilityNote.textContent = "checking…";
    setProgressLabel("Checking for known tortured phrases…");
    await showCheck(checking);
  } catch (error) {
    if (error.name === "AbortError") return;
    ui.results.hidden = true;  // never leave the last text's results under a new error
    const notEnglish = error.status === 422 && /look like English/.test(error.message);
    showError(error.message, notEnglish && !payload.allow_non_english
      ? ["Restore anyway", () => run({ ...payload, allow_non_english: true }, label)] : null);
  } finally {
    if (controller === state.controller) {
      state.controller = null;
      busy(false);
    }
  }
}

async function showCheck(checking) {
  ui.tortured.replaceChildren();
  ui.torturedBox.hidden = true;
  try {
    const report = await checking;
    const percent = Math.round(100 * report.probability);
    ui.probability.textContent = `${percent} %`;
    const [low, high] = report.interval || [report.probability, report.probability];
    ui.probabilityNote.textContent =
      `likely range ${Math.round(100 * low)}–${Math.round(100 * high)} %, ${report.words} words` +
      (report.tier === "fast" ? " (quick screen)" : "") +
      (report.flagged ? "; above the strict threshold (few false alarms)" : "");
    ui.meter.style.width = `${percent}%`;
    for (const hit of report.tortured || []) {
      const item = document.createElement("li");
      const found = document.createElement("q");
      found.textContent = hit.text;
      item.append(found, ` → ${hit.expected}`);
      ui.tortured.append(item);
    }
    ui.torturedBox.hidden = !(report.tortured || []).length;
    if (!(report.tortured || []).length) {
      const none = document.createElement("p");
      none.className = "note";
      none.textContent = "No known tortured phrases.";
      ui.tortured.append(none);
    }
  } catch (error) {
    if (error.name === "AbortError") throw error;
    ui.probability.textContent = "–";
    ui.probabilityNote.textContent = `spin detection unavailable: ${error.message}`;
    ui.meter.style.width = "0";
  }
}

// --- progress ---------------------------------------------------------------------------

let ticker = null;
function busy(on, label) {
  ui.go.disabled = on;
  ui.cancel.hidden = !on;
  ui.progress.hidden = !on;
  ui.form.setAttribute("aria-busy", on ? "true" : "false");
  clearInterval(ticker);
  if (!on) return;
  const started = Date.now();
  let current = label;
  setProgressLabel = (text) => { current = text; tick(); };
  const tick = () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    ui.progressText.textContent = `${current} ${seconds} s`;
  };
  tick();
  ticker = setInterval(tick, 1000);
}
let setProgressLabel = () => {};

function showError(message, action) {
  ui.error.textContent = message.charAt(0).toUpperCase() + message.slice(1);
  if (action) {
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: action[0] });
    button.addEventListener("click", action[1]);
    ui.error.append(" ", button);
  }
  ui.error.hidden = false;
}
function hideError() { ui.error.hidden = true; ui.error.textContent = ""; }

// --- the text with its edits ------------------------------------------------------------

function confidenceClass(confidence) {
  if (confidence >= 0.85) return "conf-high";
  if (confidence >= 0.7) return "conf-mid";
  return "conf-low";
}
const percent = (x) => `${Math.round(100 * x)} %`;

function showRestoration(result) {
  state.source = result.source;
  state.edits = result.edits
    .slice()
    .sort((a, b) => a.start - b.start)
    .map((edit) => ({ ...edit, state: "pending", choice: edit.original }));
  const pieces = [];
  let cursor = 0;
  state.edits.forEach((edit, i) => {
    pieces.push(document.createTextNode(state.source.slice(cursor, edit.start)));
    const mark = document.createElement("mark");
    mark.dataset.i = String(i);
    mark.dataset.start = String(edit.start);
    mark.tabIndex = 0;
    mark.setAttribute("role", "button");
    mark.setAttribute("aria-haspopup", "dialog");
    mark.setAttribute("aria-expanded", "false");
    pieces.push(mark);
    cursor = edit.end;
  });
  pieces.push(document.createTextNode(state.source.slice(cursor)));
  ui.doc.replaceChildren(...pieces);
  state.edits.forEach((_, i) => paint(i));
  const first = ui.results.hidden;
  ui.results.hidden = false;
  summarise();
  if (first) ui.results.scrollIntoView({ block: "start", behavior: reducedMotion.matches ? "auto" : "smooth" });
}

function markOf(i) { return ui.doc.querySelector(`mark[data-i="${i}"]`); }

function paint(i) {
  const edit = state.edits[i];
  const mark = markOf(i);
  mark.className = `edit ${edit.state === "pending" ? confidenceClass(edit.confidence) : edit.state}`;
  mark.textContent = edit.state === "accepted" ? edit.choice : edit.spun;
  mark.dataset.state = edit.state;
  const what = edit.state === "accepted" ? `accepted: “${edit.choice}”, was “${edit.spun}”`
    : edit.state === "rejected" ? `rejected suggestion “${edit.original}” for “${edit.spun}”`
    : `“${edit.spun}” looks spun; original “${edit.original}”, ${percent(edit.confidence)} sure`;
  mark.setAttribute("aria-label", what);
}

function summarise() {
  const n = state.edits.length;
  const accepted = state.edits.filter((e) => e.state === "accepted").length;
  const rejected = state.edits.filter((e) => e.state === "rejected").length;
  ui.summary.textContent = n === 0
    ? "No spun words found."
    : `${n} suggested ${n === 1 ? "edit" : "edits"} · ${accepted} accepted · ${rejected} rejected`;
  for (const id of ["accept-all", "reject-all"]) $(id).disabled = n === 0;
}

function decide(i, decision, choice) {
  const edit = state.edits[i];
  edit.state = decision;
  if (choice !== undefined) edit.choice = choice;
  paint(i);
  summarise();
  if (state.active === i) fillPop(i);
}

function restoredText() {
  let out = "";
  let cursor = 0;
  for (const edit of state.edits) {
    out += state.source.slice(cursor, edit.start) + (edit.state === "rejected" ? edit.spun : edit.choice);
    cursor = edit.end;
  }
  return out + state.source.slice(cursor);
}

// --- the pop-over: original, alternatives, accept / reject ------------------------------

function fillPop(i) {
  const edit = state.edits[i];
  ui.popTitle.replaceChildren("Found: ", Object.assign(document.createElement("s"), { textContent: edit.spun }));
  ui.popOriginal.textContent = edit.choice;
  ui.popConfidence.textContent = edit.choice === edit.original ? `${percent(edit.confidence)} sure`
    : `your choice (suggested: ${edit.original})`;
  ui.popReason.textContent = edit.reason ? `Evidence: ${edit.reason}` : "";
  const options = [[edit.original, edit.confidence], ...edit.alternatives]
    .filter(([word]) => word !== edit.choice);
  ui.popAlts.replaceChildren(...options.map(([word, p]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `${word} (${percent(p)})`;
    button.setAttribute("aria-label", `Use “${word}” instead, ${percent(p)} likely`);
    button.addEventListener("click", () => { ui.popAccept.focus(); decide(i, "accepted", word); });
    return button;
  }));
  ui.popAltBox.hidden = options.length === 0;
  ui.popAccept.setAttribute("aria-pressed", String(edit.state === "accepted"));
  // Tab walks from highlight to highlight; the buttons join the order once Enter opens one.
  for (const button of ui.pop.querySelectorAll("button")) button.tabIndex = state.pinned ? 0 : -1;
  ui.popReject.setAttribute("aria-pressed", String(edit.state === "rejected"));
}

function openPop(i, pinned) {
  if (state.active !== i) closePop();
  state.active = i;
  state.pinned = state.pinned || pinned;
  ui.pop.setAttribute("aria-label", `Suggested edit ${i + 1} of ${state.edits.length}`);
  const mark = markOf(i);
  mark.classList.add("active");
  mark.setAttribute("aria-expanded", "true");
  fillPop(i);
  ui.pop.hidden = false;
  mark.after(ui.pop);  // Tab order: mark → its pop-over (once opened with Enter) → next mark
  position(mark);
}

function position(mark) {
  if (getComputedStyle(ui.pop).position === "fixed") {  // a sheet at the foot of a phone's screen
    const sheet = ui.pop.offsetHeight;
    document.body.style.paddingBottom = `${sheet + 16}px`;  // so that the last lines can scroll above it
    const below = mark.getBoundingClientRect().bottom - (window.innerHeight - sheet - 12);
    if (below > 0) window.scrollBy({ top: below, behavior: "instant" });
    return;
  }
  // Elsewhere the pop-over lives inside the (relatively positioned) text box, under the word.
  const box = mark.getClientRects()[0] || mark.getBoundingClientRect();
  const frame = ui.doc.getBoundingClientRect();
  const left = Math.max(0, Math.min(box.left - frame.left, ui.doc.clientWidth - ui.pop.offsetWidth));
  ui.pop.style.left = `${left}px`;
  ui.pop.style.top = `${box.bottom - frame.top + 6}px`;
}

function closePop() {
  if (state.active < 0) return;
  const mark = markOf(state.active);
  if (mark) { mark.classList.remove("active"); mark.setAttribute("aria-expanded", "false"); }
  ui.pop.hidden = true;
  document.body.style.paddingBottom = "";
  document.body.append(ui.pop);
  state.active = -1;
  state.pinned = false;
}

function markFrom(target) { return target instanceof Element ? target.closest("mark[data-i]") : null; }

ui.doc.addEventListener("click", (event) => {
  const mark = markFrom(event.target);
  if (mark) openPop(Number(mark.dataset.i), true);
});
let returningFocus = false;  // focus given back to a word on closing must not reopen its pop-over
function closeAndReturnFocus() {
  const mark = markOf(state.active);
  closePop();
  if (!mark) return;
  returningFocus = true;
  mark.focus();
  returningFocus = false;
}
ui.doc.addEventListener("focusin", (event) => {
  const mark = markFrom(event.target);
  if (mark && !returningFocus) openPop(Number(mark.dataset.i), false);
});
ui.doc.addEventListener("keydown", (event) => {
  const mark = markFrom(event.target);
  if (!mark) return;
  const i = Number(mark.dataset.i);
  const key = event.key.toLowerCase();
  if (key === "enter" || key === " ") {
    event.preventDefault();
    openPop(i, true);
    ui.popAccept.focus();
  } else if (key === "a") {
    decide(i, "accepted");
  } else if (key === "r") {
    decide(i, "rejected");
  } else if (key === "escape") {
    closePop();
  }
});
let hoverTimer = null;
ui.doc.addEventListener("mouseover", (event) => {
  const mark = markFrom(event.target);
  if (!mark || state.pinned) return;
  clearTimeout(hoverTimer);
  openPop(Number(mark.dataset.i), false);
});
ui.doc.addEventListener("mouseout", (event) => {
  if (!markFrom(event.target) || state.pinned) return;
  clearTimeout(hoverTimer);
  hoverTimer = setTimeout(() => { if (!state.pinned && !ui.pop.matches(":hover, :focus-within")) closePop(); }, 400);
});
ui.pop.addEventListener("mouseover", () => clearTimeout(hoverTimer));
ui.pop.addEventListener("keydown", (event) => { if (event.key === "Escape") closeAndReturnFocus(); });
ui.pop.addEventListener("focusout", () => {
  setTimeout(() => {  // where focus went, once it has landed
    const here = document.activeElement;
    if (here && here !== document.body && !ui.pop.contains(here) && !markFrom(here)) closePop();
  }, 0);
});
ui.popAccept.addEventListener("click", () => decide(state.active, "accepted"));
ui.popReject.addEventListener("click", () => decide(state.active, "rejected"));
ui.popClose.addEventListener("click", closeAndReturnFocus);
// On pointerdown, not click: a tap's focus opens the pop-over before its click lands, and on a
// phone the sheet then scrolls the word up, so the click can land beside it and must not close it.
document.addEventListener("pointerdown", (event) => {
  if (state.active >= 0 && !ui.pop.contains(event.target) && !markFrom(event.target)) closePop();
});
window.addEventListener("resize", () => { if (state.active >= 0) position(markOf(state.active)); });
// The sheet can grow after it opens (a phone's tap pins it, and its text reflows): keep the word above it.
new ResizeObserver(() => { if (state.active >= 0 && !ui.pop.hidden) position(markOf(state.active)); }).observe(ui.pop);

// --- toolbar ----------------------------------------------------------------------------

function decideAll(decision) {
  state.edits.forEach((edit, i) => { if (edit.state !== decision) decide(i, decision, edit.original); });
}
$("accept-all").addEventListener("click", () => decideAll("accepted"));
$("reject-all").addEventListener("click", () => decideAll("rejected"));

$("copy").addEventListener("click", async () => {
  const text = restoredText();
  let copied = true;
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {  // no clipboard API (plain http on another host): the old way
    const area = Object.assign(document.createElement("textarea"), { value: text });
    document.body.append(area);
    area.select();
    copied = document.execCommand("copy");
    area.remove();
  }
  ui.summary.textContent = copied ? "Restored text copied."
    : "The browser refused to copy: download the text, or select it and copy it yourself.";
  setTimeout(summarise, copied ? 2500 : 8000);
});

$("download").addEventListener("click", () => {
  const blob = new Blob([restoredText()], { type: "text/plain;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${(state.name || "text").replace(/\.[^.]+$/, "")}.restored.txt`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
});

// --- input ------------------------------------------------------------------------------

const words = (text) => (text.match(/\S+/g) || []).length;

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.text.value;
  if (!text.trim()) { showError("Paste a text, or choose a file."); ui.text.focus(); return; }
  state.name = "text";
  run({ text }, `Restoring ${words(text).toLocaleString()} words…`);
});

async function useFile(file) {
  if (!file) return;
  state.name = file.name;
  hideError();
  try {
    const encoded = await readAsBase64(file);
    run({ file: encoded, filename: file.name, content_type: file.type || null },
        `Reading ${file.name} and restoring it…`);
  } catch (error) {
    showError(error.message);
  }
}
ui.file.addEventListener("change", () => { useFile(ui.file.files[0]); ui.file.value = ""; });
for (const name of ["dragenter", "dragover"]) {
  ui.drop.addEventListener(name, (event) => { event.preventDefault(); ui.drop.classList.add("over"); });
}
for (const name of ["dragleave", "drop"]) {
  ui.drop.addEventListener(name, () => ui.drop.classList.remove("over"));
}
// A file dropped anywhere on the page is read, rather than opened by the browser in place of it.
document.addEventListener("dragover", (event) => event.preventDefault());
document.addEventListener("drop", (event) => {
  event.preventDefault();
  ui.drop.classList.remove("over");
  if (event.dataTransfer && event.dataTransfer.files.length) useFile(event.dataTransfer.files[0]);
});
ui.cancel.addEventListener("click", () => {
  if (state.controller) state.controller.abort();
  state.controller = null;
  busy(false);
});
ui.clear.addEventListener("click", () => {
  ui.text.value = "";
  ui.results.hidden = true;
  closePop();
  hideError();
  ui.text.focus();
});

fetch("/healthz").then((r) => r.json()).then((h) => {
  ui.health.textContent = `unspin ${h.version}, ${h.workers} workers`;
}).catch(() => {});
