// The newsroom desk, laid out for a shift: the composer on the left (desk-composer.js), and beside it the articles (with
// their states: drafts, submissions, returned, scheduled, published), the polls (desk-polls.js), readers' tips and the
// activity log, as tabs. Contributors write and submit; editors also publish, return submissions with a note, correct,
// retract and pin, run polls. Everything follows the hub: an article changed by anyone (ArticleChanged), a feed event, a
// tip, so everyone at the desk sees each step at once.
import { t, translatePage } from "./i18n.js";
import { api, asDate, connectHub, dateTimeOf, h, languageSwitch, showStatus, timeOf } from "./live.js";
import { askText, richText } from "./editor.js";
import { signOut, signedIn } from "./newsroom.js";
import { FeedFollower } from "./feed-follower.js";
import { Composer, uploadPhoto } from "./desk-composer.js";
import { desk, loadPolls, pollForm, wordListsForm } from "./desk-polls.js";
import { ClientEvents, HubMethods } from "./hub-names.js";

let timeZone = "Asia/Almaty";
let session = null;
let composer = null;
const tips = new Map();
let articles = [];
let filter = "";
const notice = document.getElementById("notice");
const say = text => { notice.textContent = text; };

/** Runs a newsroom action; a failure is shown next to the button that caused it. */
async function act(button, action) {
  button.disabled = true;
  const error = button.closest("form, li, td, .tip")?.querySelector(".form-error");
  if (error) error.textContent = "";
  try {
    await action();
    say(t("done"));
  } catch (failure) {
    if (error) error.textContent = t("failed", { m: failure.message });
    else alert(t("failed", { m: failure.message }));
  } finally {
    button.disabled = false;
  }
}

const stateLabel = state => t(`state${state}`);
const isEditor = () => session?.role === "editor";
const mine = article => article.desk?.author === session?.name;

// ---- Tabs ----

function tabs() {
  const list = [...document.querySelectorAll('[role="tab"]')];
  const choose = tab => {
    for (const other of list) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
  };
  for (const tab of list) {
    tab.addEventListener("click", () => choose(tab));
    tab.addEventListener("keydown", e => {
      const index = list.indexOf(tab);
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: list.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      const target = list[(next + list.length) % list.length];
      choose(target);
      target.focus();
    });
  }
}

// ---- Articles ----

async function loadArticles() {
  articles = await api("/api/newsroom/articles");
  renderArticles();
}

function renderArticles() {
  const shown = articles.filter(a => !filter || (filter === "live" ? a.state === "Published" || a.state === "Corrected" : a.state === filter));
  const waiting = articles.filter(a => a.state === "Submitted").length;
  document.getElementById("articles-count").textContent = waiting > 0 ? String(waiting) : "";
  document.getElementById("articles-count").title = waiting > 0 ? t("waitingForEditor", { n: waiting }) : "";
  document.getElementById("articles").replaceChildren(...(shown.length === 0 ? [h("li", { class: "muted" }, t("noArticles"))] : shown.slice(0, 60).map(articleRow)));
}

/** One article: its title, state and who; the actions its state and the member's role allow, never wrapping under the text. */
function articleRow(article) {
  const id = encodeURIComponent(article.id);
  // Every change names the version this row shows: if someone else changed the article since, the server answers 412
  // and the list reloads instead of overwriting their change.
  const change = (action, body) => api(`/api/newsroom/articles/${id}/${action}`, { method: "POST", body, headers: { "if-match": `"v${article.version}"` } })
    .catch(async failure => {
      if (failure.status === 412) { await loadArticles(); throw new Error(t("changedElsewhere")); }
      throw failure;
    });
  const live = article.state === "Published" || article.state === "Corrected";
  const writing = ["Draft", "Submitted", "Returned"].includes(article.state);
  const mayWrite = isEditor() || mine(article);
  const button = (label, onclick, primary = false) => h("button", { type: "button", class: `${primary ? "primary" : "secondary"} small`, onclick }, label);
  const primary = [
    writing && mayWrite ? button(t("edit"), e => act(e.currentTarget, () => composer.open(article))) : null,
    isEditor() && (writing || article.state === "Scheduled")
      ? button(t("publish"), e => act(e.currentTarget, () => change("publish", {})), true) : null,
    isEditor() && article.state === "Submitted" ? button(t("return"), e => act(e.currentTarget, async () => {
      const note = await askText(t("returnPrompt"), "", { required: true });
      if (note) await change("return", { note });
    })) : null,
  ];
  const more = [];
  if (live && mayWrite) more.push(correctionForm(article, change));
  if (isEditor() && live) {
    more.push(button(article.pinned ? t("unpin") : t("pin"), e => act(e.currentTarget, () => change(article.pinned ? "unpin" : "pin"))));
  }
  if (isEditor() && article.state !== "Retracted") {
    more.push(pollsEditor(article, change));
    more.push(button(t("retract"), e => { if (confirm(t("retractConfirm"))) act(e.currentTarget, () => change("retract", {})); }));
  }
  const who = [
    article.desk?.authorName ? t("by", { n: article.desk.authorName }) : null,
    article.desk?.publishedBy && live ? t("publishedBy", { n: article.desk.publishedBy }) : null,
    article.desk?.updatedBy && !live ? t("changedBy", { n: article.desk.updatedBy }) : null,
  ].filter(Boolean).join(" · ");
  return h("li", { class: "article-row", dataset: { articleId: article.id, state: article.state } },
    h("div", { class: "row-main" },
      h("p", { class: "row-title" }, live ? h("a", { href: `/articles/${id}`, target: "_blank", rel: "noopener" }, article.title) : (article.title || t("untitled"))),
      h("p", { class: "row-meta" },
        h("span", { class: `state state-${article.state}` }, stateLabel(article.state)),
        article.pinned ? h("span", { class: "state" }, t("pinned")) : null,
        h("span", { class: "muted" }, dateTimeOf(article.publishAt ?? article.publishedAt ?? article.updatedAt, timeZone)),
        who ? h("span", { class: "muted" }, who) : null),
      article.state === "Returned" && article.desk?.returnNote
        ? h("p", { class: "return-note" }, t("returnedBy", { n: article.desk.returnedBy ?? "", note: article.desk.returnNote })) : null,
      more.length ? h("details", { class: "row-more" }, h("summary", {}, t("moreActions")), h("div", { class: "row-more-body" }, ...more)) : null,
      h("p", { class: "form-error", role: "alert" })),
    h("div", { class: "row-actions" }, ...primary));
}

/** A correction, written with the same editor as the article (made when the form is first opened). */
function correctionForm(article, change) {
  const bodyHost = h("div", { class: "rte" });
  let body = null;
  const form = h("form", { class: "inline-form", novalidate: true },
    h("label", {}, t("note"), h("input", { name: "note", required: true })),
    h("label", {}, t("title"), h("input", { name: "title", value: article.title, maxlength: 300 })),
    h("label", {}, t("lead"), h("textarea", { name: "lead", rows: 2, maxlength: 1000 }, article.lead ?? "")),
    h("span", { class: "label" }, t("bodyLabel")), bodyHost,
    h("button", { type: "submit", class: "primary small" }, t("save")));
  form.addEventListener("submit", e => {
    e.preventDefault();
    const f = form.elements;
    const html = body?.html();
    act(e.submitter ?? form.querySelector("button[type=submit]"), () => change("corrections", {
      note: f.note.value.trim() || null, title: f.title.value.trim() || null, lead: f.lead.value.trim() || null,
      body: html !== undefined && html !== article.body ? html : undefined }));
  });
  const details = h("details", { class: "correct" }, h("summary", {}, t("correct")), form);
  details.addEventListener("toggle", () => {
    if (details.open && !body) body = richText(bodyHost, { html: article.body, label: `${t("bodyLabel")}: ${article.title}`, upload: uploadPhoto, ask: askText });
  });
  return details;
}

/** The polls an editor may attach to an article: open and scheduled ones, newest first. */
let attachable = [];
async function loadAttachablePolls() {
  attachable = (await api("/api/newsroom/polls")).filter(p => p.state !== "Closed").slice(0, 30);
  document.getElementById("a-polls").replaceChildren(...attachable.map(p => h("option", { value: p.pollId }, `${p.pollId}: ${p.question}`)));
}

/** Which polls an article carries: pick them and save (readers of a published article see the change at once). */
function pollsEditor(article, change) {
  const select = h("select", { multiple: true, size: 3, "aria-label": t("attachPolls") },
    ...[...new Set([...article.pollIds ?? [], ...attachable.map(p => p.pollId)])].map(id => {
      const known = attachable.find(p => p.pollId === id);
      return h("option", { value: id, selected: (article.pollIds ?? []).includes(id) }, known ? `${id}: ${known.question}` : id);
    }));
  const form = h("form", { class: "inline-form polls-form", novalidate: true }, select, h("button", { type: "submit", class: "secondary small" }, t("save")));
  form.addEventListener("submit", e => {
    e.preventDefault();
    act(e.submitter ?? form.querySelector("button"), () => change("polls", { pollIds: [...select.selectedOptions].map(o => o.value) }));
  });
  return h("details", {}, h("summary", {}, `${t("attachPolls")} (${(article.pollIds ?? []).length})`), form);
}

// ---- Activity, in words ----

const actionWords = {
  "article.create": e => e.after?.startsWith("Published") ? "actPublished" : e.after?.startsWith("Scheduled") ? "actScheduled" : "actDrafted",
  "article.publish": e => e.after?.startsWith("Scheduled") ? "actScheduled" : "actPublished",
  "article.submit": () => "actSubmitted", "article.return": () => "actReturned", "article.corrections": () => "actCorrected",
  "article.retract": () => "actRetracted", "article.pin": () => "actPinned", "article.unpin": () => "actUnpinned", "article.polls": () => "actPollsSet",
  "poll.create": () => "actPollCreated", "poll.open": () => "actPollOpened", "poll.close": () => "actPollClosed", "poll.reopen": () => "actPollReopened",
  "poll.exclude": () => "actNetworkExcluded", "poll.admit": () => "actNetworkAdmitted",
  "tip.handled": () => "actTipHandled", "tip.promote": () => "actTipPromoted", "voter.rotate-key": () => "actKeyRotated",
};

async function loadActivity() {
  const entries = await api("/api/newsroom/activity?limit=40");
  document.getElementById("activity").replaceChildren(...(entries.length === 0 ? [h("li", { class: "muted" }, t("noActivity"))] : entries.map(e => {
    const words = actionWords[e.action]?.(e) ?? null;
    const kind = e.action.split(".")[0];
    const target = e.title ?? e.target ?? "";
    const link = kind === "article" && e.target && /Published|Corrected/.test(e.after ?? "") ? `/articles/${encodeURIComponent(e.target)}`
      : kind === "poll" && e.target ? `/polls/${encodeURIComponent(e.target)}` : null;
    const what = target ? (link ? h("a", { href: link, target: "_blank", rel: "noopener" }, `«${target}»`) : `«${target}»`) : null;
    return h("li", { class: "activity-row" },
      h("time", { class: "muted", datetime: asDate(e.at).toISOString() }, timeOf(e.at, timeZone)),
      h("span", {}, h("strong", {}, e.whoName ?? e.who), " ", words ? t(words) : e.action, what ? " " : "", what ?? "",
        e.detail ? h("span", { class: "muted" }, ` — ${e.detail}`) : null));
  })));
}

// ---- Tips ----

function renderTips() {
  const list = [...tips.values()].sort((a, b) => asDate(b.receivedAt) - asDate(a.receivedAt));
  document.getElementById("tips-count").textContent = list.length > 0 ? String(list.length) : "";
  document.getElementById("tips").replaceChildren(...(list.length === 0 ? [h("p", { class: "muted" }, t("noTips"))] : list.map(tip =>
    h("div", { class: "tip", dataset: { tipId: tip.id } },
      h("p", {}, tip.text),
      h("p", { class: "muted" }, dateTimeOf(tip.receivedAt, timeZone),
        tip.name ? ` · ${t("from", { n: tip.name })}` : "", tip.contact ? ` · ${tip.contact}` : "",
        tip.creditConsent ? " · ✓" : ""),
      tip.link ? h("p", {}, h("a", { href: tip.link, rel: "noopener noreferrer", target: "_blank" }, tip.link)) : null,
      isEditor() ? h("div", { class: "row-actions" },
        h("button", { type: "button", class: "secondary small", onclick: e => act(e.currentTarget, async () => {
          await api(`/api/newsroom/tips/${encodeURIComponent(tip.id)}/handled`, { method: "POST" });
          tips.delete(tip.id);
          renderTips();
        }) }, t("markHandled")),
        h("button", { type: "button", class: "secondary small", onclick: e => act(e.currentTarget, async () => {
          // A draft with the tipster's credit only where they agreed to it; the tip counts as handled.
          await api(`/api/newsroom/tips/${encodeURIComponent(tip.id)}/promote`, { method: "POST" });
          tips.delete(tip.id);
          renderTips();
        }) }, t("makeDraft"))) : null,
      h("p", { class: "form-error", role: "alert" })))));
}

// ---- Start ----

// The article list follows the feed and every article change at the desk; the activity log with them.
let refresh = 0;
function refreshSoon() {
  clearTimeout(refresh);
  refresh = setTimeout(() => Promise.all([loadArticles(), loadActivity()]).catch(() => {}), 150);
}
const follower = new FeedFollower({
  load: async () => {
    const [page] = await Promise.all([api("/api/feed?limit=1"), loadArticles()]);
    timeZone = page.timeZone;
    desk.timeZone = timeZone;
    desk.siteUrl = page.siteUrl;
    for (const el of document.querySelectorAll(".zone-name")) el.textContent = `(${timeZone})`;
    return page;
  },
  apply: () => refreshSoon(),
});
async function onConnected(hub) {
  await follower.subscribe(hub);
  tips.clear();
  for (const tip of await hub.invoke(HubMethods.JoinNewsroom)) tips.set(tip.id, tip);
  renderTips();
  await loadAttachablePolls().catch(() => {});
  await Promise.all([loadArticles(), loadPolls(), loadActivity()]);
}

// Before sign-in only the labels change; afterwards the lists are drawn again in the new language.
const rerender = () => { translatePage(); if (session) { renderArticles(); loadPolls(); renderTips(); loadActivity(); composer?.showState(); } };
languageSwitch(rerender);
showStatus("reconnecting");
session = await signedIn(["editor", "contributor"]);
document.body.dataset.role = session.role;
document.getElementById("who").textContent = t("signedInAs", { n: session.displayName ?? session.name, r: t(`role_${session.role}`) });
const signOutButton = document.getElementById("sign-out");
signOutButton.hidden = false;
signOutButton.addEventListener("click", signOut);
document.getElementById("desk").hidden = false;
Object.assign(desk, { editor: isEditor(), act, pollsChanged: loadAttachablePolls });
composer = new Composer(session, { timeZone: () => timeZone, say, changed: refreshSoon });
tabs();
pollForm();
wordListsForm().catch(() => {});
for (const chip of document.querySelectorAll("#article-filter .chip")) {
  chip.addEventListener("click", () => {
    filter = chip.dataset.filter;
    for (const other of document.querySelectorAll("#article-filter .chip")) other.setAttribute("aria-pressed", String(other === chip));
    renderArticles();
  });
}
await follower.reload();
await composer.restore().catch(() => {});
connectHub({
  onConnected,
  onState: showStatus,
  handlers: {
    ...follower.handlers,
    [ClientEvents.TipReceived]: tip => { tips.set(tip.id, tip); renderTips(); },
    [ClientEvents.TipUpdated]: tip => { if (tip.handled) tips.delete(tip.id); else tips.set(tip.id, tip); renderTips(); },
    [ClientEvents.ArticleChanged]: article => { composer.articleChanged(article); refreshSoon(); },
  },
});
// Counts of open polls move all the time; the list refreshes itself every few seconds.
setInterval(() => loadPolls().catch(() => {}), 5_000);
