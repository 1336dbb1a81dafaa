// The desk's composer: one article being written, autosaved into a draft on the server a moment after each change (and
// at least every few seconds while typing), so a reload, a crash, a dead battery or another device loses nothing: the
// draft it was writing is named in the store (/api/newsroom/desk/composing) and opens again. Every save names the version
// it was made from (If-Match): when someone else changed the article meanwhile, the save is refused, the composer says
// who, and offers to load their version or to keep this text as a copy; nothing is overwritten or dropped silently.
import { t } from "./i18n.js";
import { ApiError, api, apiForm, randomId, timeOf, zonedToUtc } from "./live.js";
import { askText, richText } from "./editor.js";

const MaxUploadBytes = 20 * 1024 * 1024;
/** A moment after the last change, and never longer than this while changes keep coming. */
const QuietMs = 1_500, LongestMs = 5_000;

/** Uploads a photo (the server strips its metadata and makes the renditions); resolves with the MediaItem. */
export async function uploadPhoto(file) {
  if (file.size > MaxUploadBytes) throw new Error(t("photoTooBig", { n: (file.size / 1048576).toFixed(1) }));
  const form = new FormData();
  form.append("file", file, file.name);
  return apiForm("/api/newsroom/media", form);
}

/** A counter under a field: "12 / 300". */
function countCharacters(field) {
  const counter = document.getElementById(field.getAttribute("aria-describedby"));
  const show = () => { counter.textContent = t("counter", { n: field.value.length, max: field.maxLength }); };
  field.addEventListener("input", show);
  show();
  return show;
}

export class Composer {
  /** `session`: who is signed in; `context.timeZone()`: the newsroom's; `context.done()`: after a publication or submission. */
  constructor(session, context) {
    this.session = session;
    this.context = context;
    this.form = document.getElementById("article-form");
    this.article = null;     // the draft as last saved: { id, version, state, … } (null: nothing saved yet)
    this.photo = null;       // the main photo's `image` (renditions), or null
    this.dirty = false;
    this.saving = null;      // the save under way
    this.blocked = false;    // a conflict waits for the writer's choice
    this.key = randomId();   // the Idempotency-Key of this article's first save
    this.firstChange = 0;
    this.timer = 0;
    this.counters = [countCharacters(this.form.elements.title), countCharacters(this.form.elements.lead)];
    this.body = richText(document.getElementById("a-body"), {
      label: t("bodyLabel"), upload: uploadPhoto, ask: askText, onChange: () => this.changed(),
    });
    this.photoField();
    for (const field of this.form.querySelectorAll("input, textarea, select")) {
      field.addEventListener(field.type === "checkbox" || field.tagName === "SELECT" ? "change" : "input", () => this.changed());
    }
    this.form.addEventListener("submit", e => { e.preventDefault(); this.publish(); });
    document.getElementById("a-submit").addEventListener("click", () => this.submit());
    document.getElementById("a-save").addEventListener("click", () => this.saveNow());
    document.getElementById("new-article").addEventListener("click", () => this.startNew());
    document.getElementById("conflict-load").addEventListener("click", () => this.loadTheirs());
    document.getElementById("conflict-copy").addEventListener("click", () => this.keepMine());
    // Ctrl+S saves now, Ctrl+Enter publishes (an editor) or submits (a contributor), wherever the focus is in the composer.
    this.form.closest(".composer-card").addEventListener("keydown", e => {
      if (!(e.ctrlKey || e.metaKey)) return;
      if (e.key === "s") { e.preventDefault(); this.saveNow(); }
      if (e.key === "Enter") { e.preventDefault(); this.session.role === "editor" ? this.publish() : this.submit(); }
    });
    window.addEventListener("beforeunload", e => { if (this.dirty) e.preventDefault(); });
    this.showState();
  }

  get editor() { return this.session.role === "editor"; }

  // ---- what the composer holds ----

  input() {
    const f = this.form.elements;
    const value = name => f[name].value.trim() || null;
    return {
      title: value("title"), lead: value("lead"), body: this.body.html(),
      imageId: this.photo?.mediaId, imageAlt: this.photo ? value("imageAlt") : undefined, imageCredit: this.photo ? value("imageCredit") : undefined,
      sourceName: value("sourceName"), sourceUrl: value("sourceUrl"), language: f.language.value,
      pollIds: [...f.pollIds.selectedOptions].map(o => o.value),
      ...(this.editor ? { pinned: f.pinned.checked, keyEvent: f.keyEvent.checked, byline: f.byline.value.trim(), bylineHidden: f.bylineHidden.checked } : {}),
    };
  }

  fill(article) {
    const f = this.form.elements;
    f.title.value = article?.title ?? "";
    f.lead.value = article?.lead ?? "";
    this.body.setHtml(article?.body ?? "");
    this.photo = article?.image ?? null;
    f.imageAlt.value = article?.image?.alt ?? "";
    f.imageCredit.value = article?.imageCredit ?? "";
    f.sourceName.value = article?.sourceName ?? "";
    f.sourceUrl.value = article?.sourceUrl ?? "";
    f.language.value = article?.language ?? "kk";
    for (const option of f.pollIds.options) option.selected = (article?.pollIds ?? []).includes(option.value);
    f.publishAt.value = "";
    if (this.editor) {
      f.pinned.checked = article?.pinned ?? false;
      f.keyEvent.checked = article?.keyEvent ?? false;
      f.byline.value = article?.desk?.byline ?? "";
      f.bylineHidden.checked = article?.desk?.bylineHidden ?? false;
    }
    this.counters.forEach(show => show());
    this.showPhoto();
  }

  // ---- autosave ----

  changed() {
    if (this.blocked) return;
    this.dirty = true;
    this.firstChange ||= Date.now();
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(QuietMs, this.firstChange + LongestMs - Date.now()));
    this.timer = setTimeout(() => this.save().catch(() => {}), wait);
    this.showState();
  }

  /** Saves what is written now (and waits for a save under way). Throws when it could not be saved. */
  async save() {
    clearTimeout(this.timer);
    while (this.saving) await this.saving.catch(() => {});
    if (!this.dirty || this.blocked) return;
    this.dirty = false;
    this.firstChange = 0;
    this.saving = this.store(this.input());
    this.showState();
    try {
      await this.saving;
    } catch (failure) {
      // Kept for the next try: a node that died or a lost connection (the balancer finds a live node next time).
      if (!this.blocked) { this.dirty = true; this.timer = setTimeout(() => this.save().catch(() => {}), 3_000); }
      throw failure;
    } finally {
      this.saving = null;
      this.showState();
    }
  }

  async store(input) {
    if (!this.article) {
      const made = await api("/api/newsroom/articles", { method: "POST", body: { ...input, draft: true }, headers: { "idempotency-key": this.key } });
      this.article = made;
      await api("/api/newsroom/desk/composing", { method: "PUT", body: { articleId: made.id } });
      this.context.changed();
      return;
    }
    try {
      this.article = await api(`/api/newsroom/articles/${encodeURIComponent(this.article.id)}`,
        { method: "PUT", body: input, headers: { "if-match": `"v${this.article.version}"` } });
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 412) this.conflict(failure.problem);
      throw failure;
    }
  }

  saveNow() { return this.save().catch(failure => this.error(failure)); }

  /** Someone else saved the article first: say who, and let the writer choose; their text stays on screen meanwhile. */
  conflict(problem) {
    this.blocked = true;
    clearTimeout(this.timer);
    const who = problem?.detail?.match(/: (.+?) changed it/)?.[1] ?? t("someoneElse");
    document.getElementById("conflict-text").textContent = t("conflict", { n: who });
    document.getElementById("conflict").hidden = false;
    this.showState();
  }

  async loadTheirs() {
    const theirs = await api(`/api/newsroom/articles/${encodeURIComponent(this.article.id)}`);
    this.resolve();
    this.article = theirs;
    this.fill(theirs);
    this.showState();
  }

  /** Keeps what is on screen as a new draft of one's own, beside theirs. */
  async keepMine() {
    const mine = this.input();
    this.resolve();
    this.article = null;
    this.key = randomId();
    this.dirty = true;
    await this.store(mine).catch(failure => this.error(failure));
    this.dirty = false;
    this.showState();
  }

  resolve() {
    this.blocked = false;
    document.getElementById("conflict").hidden = true;
  }

  /** An article changed at the desk (the hub): if it is this one and changed elsewhere, load it or warn. */
  articleChanged(view) {
    // While a conflict waits for the writer's choice, what is on screen stays as it is.
    if (!this.article || view.id !== this.article.id || view.version <= this.article.version || this.saving || this.blocked) return;
    if (!["Draft", "Returned", "Submitted"].includes(view.state)) {
      // Published, submitted or retracted by someone: this composer is done with it.
      if (view.state !== "Submitted") this.clear();
      return;
    }
    if (this.dirty) {
      this.conflict({ detail: `: ${view.desk?.updatedBy ?? t("someoneElse")} changed it` });
    } else {
      this.article = view;
      this.fill(view);
      this.showState();
    }
  }

  // ---- steps ----

  async publish() {
    if (!this.editor || !this.ready()) return;
    const at = this.form.elements.publishAt.value;
    await this.step(() => api(`/api/newsroom/articles/${encodeURIComponent(this.article.id)}/publish`, {
      method: "POST", headers: { "if-match": `"v${this.article.version}"` },
      body: at ? { publishAt: zonedToUtc(at, this.context.timeZone()) } : {},
    }), at ? "scheduledNotice" : "publishedNotice");
  }

  async submit() {
    if (this.editor || !this.ready()) return;
    await this.step(() => api(`/api/newsroom/articles/${encodeURIComponent(this.article.id)}/submit`,
      { method: "POST", headers: { "if-match": `"v${this.article.version}"` } }), "submittedNotice");
  }

  /** What must be there before an article leaves the composer; says what is missing. */
  ready() {
    const f = this.form.elements;
    const error = this.form.querySelector(".form-error");
    error.textContent = "";
    if (!f.title.value.trim()) { error.textContent = t("titleMissing"); f.title.focus(); return false; }
    if (this.photo && (!f.imageAlt.value.trim() || !f.imageCredit.value.trim())) {
      error.textContent = t("photoNeedsAlt");
      (f.imageAlt.value.trim() ? f.imageCredit : f.imageAlt).focus();
      return false;
    }
    return true;
  }

  async step(action, doneText) {
    const buttons = this.form.querySelectorAll(".composer-actions button");
    buttons.forEach(b => { b.disabled = true; });
    try {
      this.dirty = true;   // the last keystrokes go with it
      await this.save();
      await action();
      this.context.say(t(doneText));
      this.clear();
      this.context.changed();
    } catch (failure) {
      this.error(failure);
    } finally {
      buttons.forEach(b => { b.disabled = false; });
    }
  }

  error(failure) {
    this.form.querySelector(".form-error").textContent = t("failed", { m: failure.message });
  }

  // ---- which article ----

  /** Opens the composer on the draft this member was writing (on any device), if any. */
  async restore() {
    const { article } = await api("/api/newsroom/desk/composing");
    if (article) this.show(article);
  }

  /** Opens an article from the list (own draft, a returned or submitted one) to go on writing it. */
  async open(article) {
    if (this.dirty) await this.save().catch(() => {});
    // Nothing typed while the article loads would survive its arrival: the form waits for it.
    this.form.inert = true;
    try {
      await api("/api/newsroom/desk/composing", { method: "PUT", body: { articleId: article.id } });
      this.show(await api(`/api/newsroom/articles/${encodeURIComponent(article.id)}`));
    } finally {
      this.form.inert = false;
    }
    this.form.elements.title.focus();
  }

  show(article) {
    this.resolve();
    this.article = article;
    this.key = randomId();
    this.dirty = false;
    this.fill(article);
    this.showState();
  }

  async startNew() {
    if (this.dirty) await this.save().catch(() => {});
    await api("/api/newsroom/desk/composing", { method: "PUT", body: { articleId: null } }).catch(() => {});
    this.clear();
    this.form.elements.title.focus();
  }

  clear() {
    this.resolve();
    this.article = null;
    this.key = randomId();
    this.dirty = false;
    clearTimeout(this.timer);
    this.fill(null);
    this.form.querySelector(".form-error").textContent = "";
    this.showState();
  }

  // ---- what the writer sees ----

  showState() {
    const heading = document.getElementById("composer-heading");
    heading.textContent = this.article ? t("editingArticle", { n: this.article.title || t("untitled") }) : t("newArticle");
    const state = document.getElementById("save-state");
    state.dataset.state = this.blocked ? "conflict" : this.saving ? "saving" : this.dirty ? "dirty" : this.article ? "saved" : "";
    state.textContent = this.blocked ? t("notSavedConflict")
      : this.saving ? t("saving")
      : this.dirty ? t("unsaved")
      : this.article ? t("savedAt", { t: timeOf(this.article.updatedAt, this.context.timeZone()) }) : "";
    const returned = document.getElementById("returned");
    const note = this.article?.state === "Returned" ? this.article.desk?.returnNote : null;
    returned.hidden = !note;
    if (note) document.getElementById("returned-text").textContent = t("returnedBy", { n: this.article.desk?.returnedBy ?? "", note });
    document.getElementById("a-submit").textContent = this.article?.state === "Submitted" ? t("submitted") : t("submitToEditors");
    document.getElementById("a-submit").disabled = this.article?.state === "Submitted";
  }

  photoField() {
    const drop = document.getElementById("a-photo");
    const status = document.getElementById("a-photo-status");
    const file = document.getElementById("a-photo-file");
    const take = async files => {
      const picked = [...(files ?? [])].find(f => f.type.startsWith("image/") || /\.(jpe?g|png|webp|heic)$/i.test(f.name));
      if (!picked) return;
      status.textContent = t("uploading", { n: picked.name });
      try {
        this.photo = (await uploadPhoto(picked)).image;
        status.textContent = t("photoAdded");
        this.showPhoto();
        this.changed();
        this.form.elements.imageAlt.focus();
      } catch (failure) {
        status.textContent = t("failed", { m: failure.message });
      }
    };
    document.getElementById("a-photo-pick").addEventListener("click", () => file.click());
    file.addEventListener("change", async () => { await take(file.files); file.value = ""; });
    drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("dragging"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
    drop.addEventListener("drop", e => { e.preventDefault(); drop.classList.remove("dragging"); take(e.dataTransfer?.files); });
    drop.addEventListener("paste", e => { if (e.clipboardData?.files.length) { e.preventDefault(); take(e.clipboardData.files); } });
    document.getElementById("a-photo-remove").addEventListener("click", () => {
      this.photo = null;
      status.textContent = "";
      this.showPhoto();
      this.changed();
    });
  }

  showPhoto() {
    document.getElementById("a-photo-chosen").hidden = this.photo === null;
    document.getElementById("a-photo").hidden = this.photo !== null;
    if (this.photo) document.getElementById("a-photo-preview").src = this.photo.src;
  }
}

