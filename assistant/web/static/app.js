// Hankeapu web chat.
// Every piece of document text, answer, title and error message is inserted with textContent or
// text nodes — never as HTML — so a document containing markup shows that markup as text.
"use strict";

const store = {
  get(key, fallback) {
    try { const value = sessionStorage.getItem(`hanke.${key}`); return value === null ? fallback : JSON.parse(value); }
    catch { return fallback; }
  },
  set(key, value) {
    try { sessionStorage.setItem(`hanke.${key}`, JSON.stringify(value)); } catch { /* private mode: no history */ }
  },
};

function preferredLanguage() {
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const code = String(tag).slice(0, 2).toLowerCase();
    if (code === "fi" || code === "en") return code;
  }
  return "fi";
}

const state = {
  ui: null,
  lang: store.get("lang", null) || preferredLanguage(),
  session: store.get("session", null),
  history: store.get("history", []),
  project: store.get("project", ""),
  documents: [],
  projects: [],
  docCache: new Map(),
  opener: null,     // the element that opened the source panel (focus returns there)
  shown: null,      // {doc, citation} currently in the source panel
  busy: false,
};
const MAX_TURNS = 40;

const $ = (id) => document.getElementById(id);

function t(key) {
  const texts = state.ui && state.ui[state.lang];
  return texts && key in texts ? texts[key] : key;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// fetch with the UI language, so that error messages come back in it.
function api(path, options = {}) {
  const headers = { "Accept-Language": state.lang, ...(options.headers || {}) };
  return fetch(path, { ...options, headers });
}

async function problemText(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
    return JSON.stringify(body.detail ?? body);
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

function typeLabel(type) {
  const types = t("types");
  return (types && types[type]) || type;
}

// Offsets from the server count Unicode code points; JavaScript strings count UTF-16 units.
function sliceByCodePoints(text, start, end) {
  if (!/[\uD800-\uDFFF]/.test(text)) return [text.slice(0, start), text.slice(start, end), text.slice(end)];
  const points = Array.from(text);
  return [points.slice(0, start).join(""), points.slice(start, end).join(""), points.slice(end).join("")];
}

// ---------------------------------------------------------------------------------------------
// Messages

function citationButton(citation) {
  const button = el("button", "cite", `[${citation.n}]`);
  button.type = "button";
  button.dataset.n = String(citation.n);
  button.title = `${citation.title} — ${citation.section || ""}`;
  button.setAttribute("aria-label", `${t("sources")} ${citation.n}: ${citation.title}`);
  button.setAttribute("aria-controls", "source-panel");
  button.addEventListener("click", () => openSource(citation.doc, citation, button));
  return button;
}

// The answer's lines as paragraphs, with each [n] marker turned into a citation button.
function renderAnswerText(container, text, citations) {
  container.textContent = "";
  const byNumber = new Map((citations || []).map((c) => [c.n, c]));
  const lines = text.replace(/\n+$/, "").split("\n");
  for (const line of lines) {
    const p = el("p");
    let last = 0;
    for (const match of line.matchAll(/\[(\d+)\]/g)) {
      p.append(document.createTextNode(line.slice(last, match.index)));
      const citation = byNumber.get(Number(match[1]));
      p.append(citation ? citationButton(citation) : document.createTextNode(match[0]));
      last = match.index + match[0].length;
    }
    p.append(document.createTextNode(line.slice(last)));
    container.append(p);
  }
}

function renderSources(li, answer) {
  const citations = answer.citations || [];
  if (!citations.length) return;
  const box = el("details", "sources");
  box.open = !answer.found;  // a refusal's closest passages are shown at once
  const label = answer.found ? t("sources") : t("closest");
  box.append(el("summary", null, `${label} (${citations.length})`));
  const list = el("ol", "source-list");
  for (const c of citations) {
    const item = el("li");
    const head = el("div", "source-line");
    head.append(citationButton(c), el("span", "source-title", ` ${c.title}`));
    if (c.section) head.append(el("span", "source-section", ` — ${c.section}`));
    const quote = el("blockquote", "quote");
    const words = c.quote.replace(/\s+/g, " ").trim();
    quote.textContent = words.length > 280 ? `${words.slice(0, 277)}…` : words;
    item.append(head, quote);
    list.append(item);
  }
  box.append(list);
  li.append(box);
}

function addUserMessage(text) {
  const li = el("li", "message user");
  li.append(el("span", "who", t("you")), el("p", "question-text", text));
  $("messages").append(li);
  return li;
}

function fillAssistantMessage(li, answer) {
  li.className = "message assistant" + (answer.found ? "" : " refusal");
  li.lang = answer.language || state.lang;
  li.textContent = "";
  const who = el("span", "who", t("assistant"));
  if (!answer.found) who.append(el("span", "badge", t("refusal")));
  const body = el("div", "answer");
  renderAnswerText(body, answer.answer, answer.citations);
  li.append(who, body);
  // Only when an LLM is configured: say whether its checked answer or the documents' quotes are shown.
  if (typeof answer.generated === "boolean") li.append(el("p", "llm-note", t(answer.generated ? "llm_generated" : "llm_fallback")));
  renderSources(li, answer);
}

function addAssistantMessage(answer) {
  const li = el("li");
  fillAssistantMessage(li, answer);
  $("messages").append(li);
  return li;
}

function renderHistory() {
  $("messages").textContent = "";
  for (const turn of state.history) {
    addUserMessage(turn.question);
    addAssistantMessage(turn.answer);
  }
  $("intro").hidden = state.history.length > 0;
}

function scrollToEnd() {
  const scroller = $("scroller");
  scroller.scrollTop = scroller.scrollHeight;
}

function showError(message) {
  const box = $("form-error");
  box.textContent = `${t("error")}: ${message}`;
  box.hidden = false;
}

function clearError() {
  $("form-error").hidden = true;
  $("form-error").textContent = "";
}

// Parse "event: x\ndata: {json}" blocks from a text/event-stream body.
async function* serverEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
    }
    if (done) return;
  }
}

async function ask(question) {
  clearError();
  $("intro").hidden = true;
  const asked = addUserMessage(question);
  const pending = el("li", "message assistant pending");
  pending.append(el("span", "who", t("assistant")), el("div", "answer", t("thinking")));
  $("messages").append(pending);
  $("messages").setAttribute("aria-busy", "true");
  scrollToEnd();
  const params = new URLSearchParams({ question });
  if (state.session) params.set("session_id", state.session);
  if (state.project) params.set("project", state.project);
  let final = null;
  try {
    const response = await api(`/api/ask/stream?${params}`);
    if (!response.ok) {  // the question stays in the input, to be corrected
      asked.remove();
      pending.remove();
      $("intro").hidden = state.history.length > 0;
      showError(await problemText(response));
      return false;
    }
    let citations = [];
    let streamed = "";
    const body = pending.querySelector(".answer");
    for await (const { event, data } of serverEvents(response)) {
      if (event === "meta") {
        if (!data.found) pending.classList.add("refusal");
      } else if (event === "citations") {
        citations = data;
      } else if (event === "token") {
        streamed += data;
        renderAnswerText(body, streamed, citations);
        scrollToEnd();
      } else if (event === "done") {
        final = data;
      }
    }
    if (!final) throw new Error(t("network_error"));
  } catch (error) {
    asked.remove();
    pending.remove();
    $("intro").hidden = state.history.length > 0;
    showError(error instanceof TypeError ? t("network_error") : error.message);
    return false;
  } finally {
    $("messages").removeAttribute("aria-busy");
  }
  fillAssistantMessage(pending, final);
  state.history.push({ question, answer: final });
  state.history = state.history.slice(-MAX_TURNS);
  store.set("history", state.history);
  scrollToEnd();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Source panel

async function loadDocument(doc) {
  if (state.docCache.has(doc)) return state.docCache.get(doc);
  const response = await api(`/api/documents/${encodeURIComponent(doc)}`);
  if (!response.ok) throw new Error(await problemText(response));
  const data = await response.json();
  state.docCache.set(doc, data);
  return data;
}

function projectLabel(code) {
  if (!code) return "–";
  const project = state.projects.find((p) => p.code === code);
  return project && project.name && project.name !== code ? `${code} – ${project.name}` : code;
}

function fillSourceMeta(doc, citation) {
  $("source-title").textContent = doc.title;
  $("source-project").textContent = projectLabel(doc.project);
  $("source-type").textContent = typeLabel(doc.type);
  $("source-section").textContent = (citation && citation.section) || t("whole_document");
}

async function openSource(docId, citation, opener) {
  let doc;
  try {
    doc = await loadDocument(docId);
  } catch (error) {
    showError(error.message);
    return;
  }
  if (state.opener) state.opener.classList.remove("active");
  state.opener = opener || null;
  if (state.opener) state.opener.classList.add("active");
  state.shown = { doc, citation };
  fillSourceMeta(doc, citation);
  const text = $("source-text");
  text.textContent = "";
  text.scrollTop = 0;
  const start = citation ? citation.start : -1;
  const end = citation ? citation.end : -1;
  let mark = null;
  if (start >= 0 && end > start) {
    const [before, cited, after] = sliceByCodePoints(doc.text, start, end);
    mark = el("mark", null, cited);
    mark.id = "highlight";
    mark.setAttribute("aria-label", t("cited_passage"));
    text.append(document.createTextNode(before), mark, document.createTextNode(after));
  } else {
    text.textContent = doc.text;
  }
  const panel = $("source-panel");
  panel.hidden = false;
  document.body.classList.add("source-open");
  if (opener && opener.closest("#scroller")) opener.scrollIntoView({ block: "nearest" });  // the chat column narrowed
  if (mark) mark.scrollIntoView({ block: "center" });
  $("source-title").focus({ preventScroll: true });
}

function closeSource() {
  const panel = $("source-panel");
  if (panel.hidden) return;
  panel.hidden = true;
  document.body.classList.remove("source-open");
  state.shown = null;
  if (state.opener) state.opener.classList.remove("active");
  const back = state.opener && state.opener.isConnected ? state.opener : $("question");
  state.opener = null;
  back.focus();
}

// ---------------------------------------------------------------------------------------------
// Documents, projects, language

function renderDocuments() {
  const list = $("documents");
  list.textContent = "";
  $("documents-count").textContent = `(${state.documents.length})`;
  for (const d of state.documents) {
    const item = el("li");
    const button = el("button", "link", d.title);
    button.type = "button";
    button.addEventListener("click", () => openSource(d.doc, null, button));
    const meta = el("span", "meta", `${d.project || "–"} · ${typeLabel(d.type)} · ${d.chunks} ${t("chunks")}`);
    item.append(button, meta);
    if (token()) item.append(deleteButton(d));
    list.append(item);
  }
}

// ---------------------------------------------------------------------------------------------
// Upload and delete (need the server's HANKE_API_TOKEN; it is kept in this page only, never stored)

const ACTIVE_JOB = new Set(["queued", "waiting", "running"]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function token() {
  return $("upload-token").value.trim();
}

function authorized(options = {}) {
  return { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${token()}` } };
}

function showUploadError(message) {
  const node = $("upload-error");
  node.textContent = message;
  node.hidden = !message;
}

async function refreshDocuments() {
  const [documents, projects] = await Promise.all([
    api("/api/documents").then((r) => r.json()),
    api("/api/projects").then((r) => r.json()),
  ]);
  state.documents = documents;
  state.projects = projects;
  state.docCache.clear();
  renderDocuments();
  renderProjects();
}

function deleteButton(d) {
  const button = el("button", "secondary danger", t("delete"));
  button.type = "button";
  button.setAttribute("aria-label", `${t("delete")}: ${d.title}`);
  button.addEventListener("click", async () => {
    if (!window.confirm(t("confirm_delete").replace("{doc}", d.doc))) return;
    showUploadError("");
    const response = await api(`/api/documents/${encodeURIComponent(d.doc)}`, authorized({ method: "DELETE" }));
    if (!response.ok) { showUploadError(await problemText(response)); return; }
    await refreshDocuments();
  });
  return button;
}

function renderJob(job) {
  let item = document.getElementById(`job-${job.id}`);
  if (!item) {
    item = el("li", "upload-job");
    item.id = `job-${job.id}`;
    $("upload-jobs").prepend(item);
  }
  item.textContent = "";
  item.dataset.status = job.status;
  item.append(el("span", "job-docs", job.docs.join(", ")), el("span", "job-status", t(`job_${job.status}`)));
  const bar = el("progress");
  bar.max = Math.max(job.total, 1);
  bar.value = job.status === "done" ? bar.max : job.done;
  bar.setAttribute("aria-label", `${job.docs.join(", ")}: ${t(`job_${job.status}`)}`);
  item.append(bar);
  if (job.message) item.append(el("span", "job-message", job.message));
  for (const read of job.ocr || []) {
    item.append(el("span", "job-ocr", t("job_ocr").replace("{doc}", read.doc).replace("{pages}", read.pages)));
  }
}

async function followJob(job) {
  renderJob(job);
  while (ACTIVE_JOB.has(job.status)) {
    await sleep(1000);
    const response = await api(`/api/uploads/${encodeURIComponent(job.id)}`);
    if (!response.ok) { showUploadError(await problemText(response)); return; }
    job = await response.json();
    renderJob(job);
  }
  if (job.status === "done") await refreshDocuments();
}

async function uploadFiles() {
  showUploadError("");
  const files = $("upload-files").files;
  if (!files.length) { showUploadError(t("choose_files")); return; }
  const body = new FormData();
  for (const file of files) body.append("files", file, file.name);
  $("upload-send").disabled = true;
  try {
    const response = await api("/api/documents", authorized({ method: "POST", body }));
    if (!response.ok) { showUploadError(await problemText(response)); return; }
    $("upload-files").value = "";
    await followJob(await response.json());
  } catch (error) {
    showUploadError(error instanceof TypeError ? t("network_error") : error.message);
  } finally {
    $("upload-send").disabled = false;
  }
}

function renderProjects() {
  const select = $("project");
  select.textContent = "";
  const all = el("option", null, t("all_projects"));
  all.value = "";
  select.append(all);
  for (const p of state.projects) {
    const option = el("option", null, p.name && p.name !== p.code ? `${p.code} – ${p.name}` : p.code);
    option.value = p.code;
    select.append(option);
  }
  if (!state.projects.some((p) => p.code === state.project)) state.project = "";
  select.value = state.project;
}

function renderExamples() {
  const list = $("examples");
  list.textContent = "";
  for (const example of t("examples") || []) {
    const item = el("li");
    const button = el("button", "example", example);
    button.type = "button";
    button.addEventListener("click", () => { $("question").value = example; $("question").focus(); });
    item.append(button);
    list.append(item);
  }
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  $("language").value = state.lang;
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  $("question").placeholder = t("placeholder");
  document.title = `${t("title")} – ${t("subtitle")}`;
  renderExamples();
  renderDocuments();
  renderProjects();
  renderHistory();
  if (state.shown) fillSourceMeta(state.shown.doc, state.shown.citation);
  store.set("lang", state.lang);
}

async function newSession() {
  const old = state.session ? `?old=${encodeURIComponent(state.session)}` : "";
  const response = await api(`/api/session${old}`, { method: "POST" });
  state.session = (await response.json()).session_id;
  store.set("session", state.session);
}

// ---------------------------------------------------------------------------------------------

async function submitQuestion() {
  if (state.busy) return;
  const input = $("question");
  const question = input.value.trim();
  if (!question) {
    showError(t("question_label"));
    input.focus();
    return;
  }
  state.busy = true;
  $("send").disabled = true;
  const ok = await ask(question);
  if (ok) input.value = "";
  state.busy = false;
  $("send").disabled = false;
  input.focus();
}

async function main() {
  const [ui, documents, projects] = await Promise.all([
    api("/api/ui-texts").then((r) => r.json()),
    api("/api/documents").then((r) => r.json()),
    api("/api/projects").then((r) => r.json()),
  ]);
  state.ui = ui;
  state.documents = documents;
  state.projects = projects;
  if (!state.session) await newSession();
  applyLanguage();

  $("language").addEventListener("change", () => { state.lang = $("language").value; applyLanguage(); });
  $("project").addEventListener("change", () => { state.project = $("project").value; store.set("project", state.project); });
  $("ask-form").addEventListener("submit", (event) => { event.preventDefault(); submitQuestion(); });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitQuestion();
    }
  });
  $("new-conversation").addEventListener("click", async () => {
    await newSession();
    state.history = [];
    store.set("history", state.history);
    renderHistory();
    clearError();
    closeSource();
    $("question").value = "";
    $("question").focus();
  });
  $("close-source").addEventListener("click", closeSource);
  $("upload-form").addEventListener("submit", (event) => { event.preventDefault(); uploadFiles(); });
  $("upload-token").addEventListener("input", renderDocuments);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("source-panel").hidden) {
      event.preventDefault();
      closeSource();
    }
  });
  scrollToEnd();
  $("question").focus();
  document.body.dataset.ready = "true";
}

main().catch((error) => {
  document.body.dataset.ready = "error";
  showError(error instanceof TypeError ? "Could not reach the server. / Palvelimeen ei saatu yhteyttä." : error.message);
});
