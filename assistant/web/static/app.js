// Hankeapu web chat. Every piece of document text and every answer is inserted with textContent
// or text nodes, never as HTML.
"use strict";

const state = {
  ui: null,
  lang: (sessionStorage.getItem("hanke.lang") || (navigator.language || "fi")).slice(0, 2) === "en" ? "en" : "fi",
  session: sessionStorage.getItem("hanke.session"),
  history: JSON.parse(sessionStorage.getItem("hanke.history") || "[]"),
  documents: [],
};

const $ = (id) => document.getElementById(id);

function t(key) {
  return (state.ui && state.ui[state.lang][key]) || key;
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  $("language").value = state.lang;
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  $("question").placeholder = t("placeholder");
  const all = $("project").querySelector("option[value='']");
  if (all) all.textContent = t("all_projects");
  sessionStorage.setItem("hanke.lang", state.lang);
}

async function newSession() {
  const old = state.session ? `?old=${encodeURIComponent(state.session)}` : "";
  const response = await fetch(`/api/session${old}`, { method: "POST" });
  state.session = (await response.json()).session_id;
  sessionStorage.setItem("hanke.session", state.session);
}

function saveHistory() {
  sessionStorage.setItem("hanke.history", JSON.stringify(state.history.slice(-40)));
}

function addUserMessage(text) {
  const li = document.createElement("li");
  li.className = "message user";
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = t("you");
  const body = document.createElement("p");
  body.textContent = text;
  li.append(who, body);
  $("messages").append(li);
  return li;
}

function citationButton(n, citation) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "cite";
  button.textContent = `[${n}]`;
  button.setAttribute("aria-label", `${t("sources")} ${n}: ${citation ? citation.title : ""}`);
  button.addEventListener("click", () => openSource(citation));
  return button;
}

// Answer text with its [n] markers turned into buttons; everything else stays plain text.
function renderAnswerText(container, text, citations) {
  container.textContent = "";
  const byNumber = new Map(citations.map((c) => [c.n, c]));
  for (const line of text.split("\n")) {
    const p = document.createElement("p");
    let last = 0;
    for (const match of line.matchAll(/\[(\d+)\]/g)) {
      p.append(document.createTextNode(line.slice(last, match.index)));
      const citation = byNumber.get(Number(match[1]));
      p.append(citation ? citationButton(match[1], citation) : document.createTextNode(match[0]));
      last = match.index + match[0].length;
    }
    p.append(document.createTextNode(line.slice(last)));
    container.append(p);
  }
}

function renderSources(li, citations) {
  if (!citations.length) return;
  const box = document.createElement("details");
  box.className = "sources";
  const summary = document.createElement("summary");
  summary.textContent = `${t("sources")} (${citations.length})`;
  const list = document.createElement("ol");
  for (const c of citations) {
    const item = document.createElement("li");
    item.append(citationButton(c.n, c));
    const label = document.createElement("span");
    label.textContent = ` ${c.title} — ${c.section}`;
    item.append(label);
    list.append(item);
  }
  box.append(summary, list);
  li.append(box);
}

function addAssistantMessage(answer) {
  const li = document.createElement("li");
  li.className = "message assistant" + (answer.found ? "" : " refusal");
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = answer.found ? t("assistant") : `${t("assistant")} — ${t("refusal")}`;
  const body = document.createElement("div");
  body.className = "answer";
  renderAnswerText(body, answer.answer, answer.citations);
  li.append(who, body);
  renderSources(li, answer.citations);
  $("messages").append(li);
  return li;
}

function showError(message) {
  $("form-error").textContent = `${t("error")}: ${message}`;
  $("form-error").hidden = false;
}

async function ask(question) {
  $("form-error").hidden = true;
  addUserMessage(question);
  const pending = document.createElement("li");
  pending.className = "message assistant pending";
  const body = document.createElement("div");
  body.className = "answer";
  body.textContent = t("thinking");
  pending.append(body);
  $("messages").append(pending);
  const params = new URLSearchParams({ question, session_id: state.session || "" });
  if ($("project").value) params.set("project", $("project").value);
  try {
    const response = await fetch(`/api/ask/stream?${params}`);
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ detail: response.statusText }));
      pending.remove();
      showError(typeof problem.detail === "string" ? problem.detail : JSON.stringify(problem.detail));
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let streamed = "";
    let final = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const raw = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = (raw.match(/^event: (.*)$/m) || [])[1];
        const data = JSON.parse((raw.match(/^data: (.*)$/m) || [])[1] || "null");
        if (event === "token") {
          streamed += data;
          body.textContent = streamed;
        } else if (event === "done") {
          final = data;
        }
      }
    }
    pending.remove();
    if (final) {
      addAssistantMessage(final);
      state.history.push({ question, answer: final });
      saveHistory();
    }
  } catch (error) {
    pending.remove();
    showError(String(error));
  }
}

function typeLabel(type) {
  const labels = { fi: { loppuraportti: "loppuraportti", hankekuvaus: "hankekuvaus", tiedote: "tiedote", other: "asiakirja" },
                   en: { loppuraportti: "final report", hankekuvaus: "project description", tiedote: "press release", other: "document" } };
  return labels[state.lang][type] || type;
}

async function openSource(citation) {
  const response = await fetch(`/api/documents/${encodeURIComponent(citation.doc)}`);
  if (!response.ok) { showError(`${citation.doc}: ${response.status}`); return; }
  const doc = await response.json();
  $("source-title").textContent = doc.title;
  $("source-project").textContent = doc.project || "–";
  $("source-type").textContent = typeLabel(doc.type);
  $("source-section").textContent = citation.section || "–";
  const text = $("source-text");
  text.textContent = "";
  const start = citation.start ?? -1;
  const end = citation.end ?? -1;
  if (start >= 0 && end > start) {
    const mark = document.createElement("mark");
    mark.id = "highlight";
    mark.textContent = doc.text.slice(start, end);
    text.append(document.createTextNode(doc.text.slice(0, start)), mark, document.createTextNode(doc.text.slice(end)));
  } else {
    text.textContent = doc.text;
  }
  const panel = $("source-panel");
  panel.hidden = false;
  panel.focus();
  const mark = document.getElementById("highlight");
  if (mark) mark.scrollIntoView({ block: "center" });
}

function closeSource() {
  $("source-panel").hidden = true;
  $("question").focus();
}

async function loadDocuments() {
  const response = await fetch("/api/documents");
  state.documents = await response.json();
  const projects = new Map();
  const list = $("documents");
  list.textContent = "";
  for (const d of state.documents) {
    if (d.project) projects.set(d.project, d.title.split(" (")[0]);
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = d.title;
    button.addEventListener("click", () => openSource({ doc: d.doc, section: "", start: -1, end: -1 }));
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = ` · ${d.project || "–"} · ${typeLabel(d.type)} · ${d.chunks} ${t("chunks")}`;
    item.append(button, meta);
    list.append(item);
  }
  const select = $("project");
  select.textContent = "";
  const all = document.createElement("option");
  all.value = "";
  all.textContent = t("all_projects");
  select.append(all);
  for (const [code, name] of [...projects.entries()].sort()) {
    const option = document.createElement("option");
    option.value = code;
    option.textContent = `${code} – ${name}`;
    select.append(option);
  }
}

function restoreHistory() {
  for (const turn of state.history) {
    addUserMessage(turn.question);
    addAssistantMessage(turn.answer);
  }
}

async function main() {
  state.ui = await (await fetch("/api/ui-texts")).json();
  applyLanguage();
  await loadDocuments();
  if (!state.session) await newSession();
  restoreHistory();
  $("language").addEventListener("change", () => { state.lang = $("language").value; applyLanguage(); loadDocuments(); });
  $("ask-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = $("question").value.trim();
    if (!question) { showError(state.ui[state.lang].placeholder); return; }
    $("question").value = "";
    $("send").disabled = true;
    await ask(question);
    $("send").disabled = false;
    $("question").focus();
  });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("ask-form").requestSubmit();
    }
  });
  $("new-conversation").addEventListener("click", async () => {
    await newSession();
    state.history = [];
    saveHistory();
    $("messages").textContent = "";
    $("question").focus();
  });
  $("close-source").addEventListener("click", closeSource);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("source-panel").hidden) closeSource();
  });
  $("question").focus();
  document.body.dataset.ready = "true";
}

main();
