// The newsroom desk: publish, correct, retract and pin articles; create, open, close and reopen polls; the tips
// inbox with "mark handled". Lists follow the hub (feed events, tips) so two editors see each other's work.
import { t, translatePage } from "./i18n.js";
import { api, apiForm, asDate, connectHub, dateTimeOf, formatNumber, h, languageSwitch, randomId, showStatus, zonedToUtc } from "./live.js";
import { askText, richText } from "./editor.js";
import { signOut, signedIn } from "./newsroom.js";
import { FeedFollower } from "./feed-follower.js";

let timeZone = "Asia/Almaty";
const tips = new Map();
const notice = document.getElementById("notice");
const say = text => { notice.textContent = text; };

/** Runs a newsroom action; a failure is shown next to the button that caused it. */
async function act(button, action) {
  button.disabled = true;
  const error = button.closest("form, td, .tip")?.querySelector(".form-error");
  if (error) error.textContent = "";
  try {
    await action();
    say(t("done"));
    loadActivity().catch(() => {});
  } catch (failure) {
    if (error) error.textContent = t("failed", { m: failure.message });
    else alert(t("failed", { m: failure.message }));
  } finally {
    button.disabled = false;
  }
}

const stateLabel = state => t(`state${state}`);

// ---- Articles ----

async function loadArticles() {
  const all = await api("/api/newsroom/articles");
  const filter = document.getElementById("article-filter").value;
  const shown = all.filter(a => !filter || (filter === "live" ? a.state === "Published" || a.state === "Corrected" : a.state === filter));
  document.getElementById("articles").replaceChildren(...shown.slice(0, 50).map(articleRow));
}

/** The polls an editor may attach to an article: open and scheduled ones, newest first. */
let attachable = [];
async function loadAttachablePolls() {
  attachable = (await api("/api/newsroom/polls")).filter(p => p.state !== "Closed").slice(0, 30);
  document.getElementById("a-polls").replaceChildren(...attachable.map(p => h("option", { value: p.pollId }, `${p.pollId}: ${p.question}`)));
}

// ---- Activity ----

async function loadActivity() {
  const entries = await api("/api/newsroom/activity?limit=30");
  document.getElementById("activity").replaceChildren(...(entries.length === 0 ? [h("tr", {}, h("td", { class: "muted" }, t("noActivity")))]
    : entries.map(e => h("tr", {},
      h("td", { class: "muted" }, dateTimeOf(e.at, timeZone)),
      h("td", {}, h("strong", {}, e.who), " ", e.action, e.target ? ` ${e.target}` : "", e.title ? ` · ${e.title}` : ""),
      h("td", { class: "muted" }, [e.before, e.after].filter(Boolean).join(" → "), e.detail ? ` · ${e.detail}` : "")))));
}

function articleRow(article) {
  const id = encodeURIComponent(article.id);
  // Every change names the version this row shows: if someone else changed the article since, the server answers 412
  // and the desk reloads the list instead of overwriting their change.
  const change = (action, body) => api(`/api/newsroom/articles/${id}/${action}`, { method: "POST", body, headers: { "if-match": `"v${article.version}"` } })
    .catch(async failure => {
      if (failure.status === 412) { await loadArticles(); throw new Error(t("changedElsewhere")); }
      throw failure;
    });
  const live = article.state === "Published" || article.state === "Corrected";
  // A correction is written with the same editor as the article (made when the form is first opened).
  const bodyHost = h("div", { class: "rte" });
  let correctedBody = null;
  const correctForm = h("form", { class: "inline-form", novalidate: true },
    h("label", {}, t("note"), h("input", { name: "note", required: true })),
    h("label", {}, t("title"), h("input", { name: "title", value: article.title, maxlength: 300 })),
    h("label", {}, t("lead"), h("textarea", { name: "lead", rows: 2, maxlength: 1000 }, article.lead ?? "")),
    h("span", { class: "label" }, t("bodyLabel")), bodyHost,
    h("button", { type: "submit", class: "primary small" }, t("save")),
    h("p", { class: "form-error", role: "alert" }));
  correctForm.addEventListener("submit", e => {
    e.preventDefault();
    const f = correctForm.elements;
    const body = correctedBody?.html();
    act(e.submitter ?? correctForm.querySelector("button[type=submit]"), async () => {
      await change("corrections", { note: f.note.value.trim() || null, title: f.title.value.trim() || null, lead: f.lead.value.trim() || null,
        body: body !== undefined && body !== article.body ? body : undefined });
      await loadArticles();
    });
  });
  const correctDetails = live ? h("details", { class: "correct" }, h("summary", {}, t("correct")), correctForm) : null;
  correctDetails?.addEventListener("toggle", () => {
    if (correctDetails.open && !correctedBody) {
      correctedBody = richText(bodyHost, { html: article.body, label: `${t("bodyLabel")}: ${article.title}`, upload: uploadPhoto, ask: askText });
    }
  });
  return h("tr", { dataset: { articleId: article.id } },
    h("td", {},
      h("strong", {}, article.title), h("br"),
      h("span", { class: `state state-${article.state}` }, stateLabel(article.state)), " ",
      article.pinned ? h("span", { class: "state" }, t("pinned")) : null, " ",
      h("span", { class: "muted" }, dateTimeOf(article.publishedAt ?? article.updatedAt, timeZone)),
      correctDetails,
      article.state !== "Retracted" ? pollsEditor(article, change) : null),
    h("td", { class: "row-actions" },
      article.state === "Draft" || article.state === "Scheduled"
        ? h("button", { type: "button", class: "secondary small", onclick: e => act(e.currentTarget, async () => { await change("publish"); await loadArticles(); }) }, t("publish"))
        : null,
      live ? h("button", { type: "button", class: "secondary small", onclick: e => act(e.currentTarget, async () => {
        await change(article.pinned ? "unpin" : "pin"); await loadArticles(); }) }, article.pinned ? t("unpin") : t("pin")) : null,
      live ? h("button", { type: "button", class: "secondary small", onclick: e => {
        if (!confirm(t("retractConfirm"))) return;
        act(e.currentTarget, async () => { await change("retract", {}); await loadArticles(); });
      } }, t("retract")) : null,
      h("p", { class: "form-error", role: "alert" })));
}

/** Which polls an article carries: pick them and save (readers of a published article see the change at once). */
function pollsEditor(article, change) {
  const select = h("select", { multiple: true, size: 3, "aria-label": t("attachPolls") },
    ...[...new Set([...article.pollIds ?? [], ...attachable.map(p => p.pollId)])].map(id => {
      const known = attachable.find(p => p.pollId === id);
      return h("option", { value: id, selected: (article.pollIds ?? []).includes(id) }, known ? `${id}: ${known.question}` : id);
    }));
  const form = h("form", { class: "inline-form polls-form", novalidate: true }, select,
    h("button", { type: "submit", class: "secondary small" }, t("save")), h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", e => {
    e.preventDefault();
    act(e.submitter ?? form.querySelector("button"), async () => {
      await change("polls", { pollIds: [...select.selectedOptions].map(o => o.value) });
      await loadArticles();
    });
  });
  return h("details", {}, h("summary", {}, `${t("attachPolls")} (${(article.pollIds ?? []).length})`), form);
}

// ---- Photos ----

const MaxUploadBytes = 20 * 1024 * 1024;

/** Uploads a photo (the server strips its metadata and makes the renditions); resolves with the MediaItem. */
async function uploadPhoto(file) {
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

/**
 * The composer's main photo: picked, dropped or pasted into its box, uploaded at once (what the server made of it is
 * previewed), with the alt text and credit a published photo needs.
 */
function mainPhotoField(form) {
  let photo = null;
  const drop = document.getElementById("a-photo");
  const chosen = document.getElementById("a-photo-chosen");
  const status = document.getElementById("a-photo-status");
  const file = document.getElementById("a-photo-file");
  const show = () => {
    chosen.hidden = photo === null;
    drop.hidden = photo !== null;
    if (photo) document.getElementById("a-photo-preview").src = photo.src;
  };
  async function take(files) {
    const picked = [...(files ?? [])].find(f => f.type.startsWith("image/") || /\.(jpe?g|png|webp|heic)$/i.test(f.name));
    if (!picked) return false;
    status.textContent = t("uploading", { n: picked.name });
    try {
      photo = (await uploadPhoto(picked)).image;
      status.textContent = t("photoAdded");
      show();
      form.elements.imageAlt.focus();
    } catch (failure) {
      status.textContent = t("failed", { m: failure.message });
    }
    return true;
  }
  document.getElementById("a-photo-pick").addEventListener("click", () => file.click());
  file.addEventListener("change", async () => { await take(file.files); file.value = ""; });
  drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("dragging"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
  drop.addEventListener("drop", e => { e.preventDefault(); drop.classList.remove("dragging"); take(e.dataTransfer?.files); });
  drop.addEventListener("paste", e => { if (e.clipboardData?.files.length) { e.preventDefault(); take(e.clipboardData.files); } });
  document.getElementById("a-photo-remove").addEventListener("click", () => { photo = null; show(); status.textContent = ""; });
  show();
  return {
    get image() { return photo; },
    set image(value) { photo = value; show(); },
    reset() { photo = null; show(); status.textContent = ""; },
  };
}

let composer = null;

function articleForm() {
  const form = document.getElementById("article-form");
  const counters = [countCharacters(form.elements.title), countCharacters(form.elements.lead)];
  const body = richText(document.getElementById("a-body"), { label: t("bodyLabel"), upload: uploadPhoto, ask: askText });
  const photo = mainPhotoField(form);
  composer = { form, body, photo };
  // One key per article being written: a double click or a retry after a lost answer publishes it once.
  let idempotencyKey = randomId();
  form.addEventListener("submit", e => {
    e.preventDefault();
    const value = name => form.elements[name].value.trim() || null;
    const error = form.querySelector(".form-error");
    if (photo.image && (!value("imageAlt") || !value("imageCredit"))) {
      error.textContent = t("photoNeedsAlt");
      (value("imageAlt") ? form.elements.imageCredit : form.elements.imageAlt).focus();
      return;
    }
    act(form.querySelector("button[type=submit]"), async () => {
      await api("/api/newsroom/articles", { method: "POST", body: {
        title: value("title"), lead: value("lead"), body: body.html(),
        imageId: photo.image?.mediaId, imageAlt: photo.image ? value("imageAlt") : undefined,
        imageCredit: photo.image ? value("imageCredit") : undefined,
        sourceName: value("sourceName"), sourceUrl: value("sourceUrl"), language: form.elements.language.value,
        pinned: form.elements.pinned.checked, keyEvent: form.elements.keyEvent.checked,
        draft: form.elements.draft.checked || undefined,
        publishAt: form.elements.publishAt.value ? zonedToUtc(form.elements.publishAt.value, timeZone) : undefined,
        pollIds: [...form.elements.pollIds.selectedOptions].map(o => o.value) }, headers: { "idempotency-key": idempotencyKey } });
      form.reset();
      body.setHtml("");
      photo.reset();
      counters.forEach(show => show());
      idempotencyKey = randomId();
      await loadArticles();
    });
  });
}

// ---- Polls ----

/** The code a partner site pastes to show the poll (from the server's oEmbed answer), ready to copy. */
async function showEmbedCode(button, pollId) {
  const cell = button.closest("td");
  cell.querySelector(".embed-code")?.remove();
  const answer = await api(`/oembed?url=${encodeURIComponent(`${siteUrl}/polls/${encodeURIComponent(pollId)}`)}`);
  const code = h("textarea", { readonly: true, rows: 3, "aria-label": t("embed") }, answer.html);
  const copy = h("button", { type: "button", class: "secondary small", onclick: async () => {
    await navigator.clipboard?.writeText(answer.html).catch(() => {});
    copy.textContent = t("copied");
  } }, t("copy"));
  cell.append(h("div", { class: "embed-code" }, code, copy));
  code.select();
}

async function loadPolls() {
  const polls = await api("/api/newsroom/polls");
  document.getElementById("polls").replaceChildren(...polls.slice(0, 30).map(poll => {
    const id = encodeURIComponent(poll.pollId);
    const action = (name, label) => h("button", { type: "button", class: "secondary small", onclick: e => act(e.currentTarget, async () => {
      await api(`/api/newsroom/polls/${id}/${name}`, { method: "POST" }); await loadPolls(); }) }, label);
    return h("tr", { dataset: { pollId: poll.pollId } },
      h("td", {}, h("strong", {}, poll.question), h("br"),
        h("span", { class: `state state-${poll.state}` }, stateLabel(poll.state)), " ",
        h("span", { class: "muted" }, t("total", { n: formatNumber(poll.totalVoters ?? 0) })), " · ",
        h("a", { href: `/polls/${id}` }, "/polls/" + poll.pollId), " · ", h("a", { href: `/screen?poll=${id}` }, "/screen")),
      h("td", { class: "row-actions" },
        poll.state === "Scheduled" ? action("open", t("open")) : null,
        poll.state === "Open" ? action("close", t("close")) : null,
        poll.state === "Closed" ? action("reopen", t("reopen")) : null,
        h("button", { type: "button", class: "secondary small", onclick: e => act(e.currentTarget, () => showEmbedCode(e.currentTarget, poll.pollId)) }, t("embed")),
        h("button", { type: "button", class: "secondary small integrity-toggle", "aria-expanded": "false",
          onclick: e => toggleIntegrity(e.currentTarget, poll.pollId) }, t("integrity")),
        h("p", { class: "form-error", role: "alert" })));
  }));
}

const percent = share => `${(share * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;

/** Shows (or hides) a poll's integrity panel under its row: verdict, votes per minute, largest networks, exports. */
async function toggleIntegrity(button, pollId) {
  const row = button.closest("tr");
  if (row.nextElementSibling?.classList.contains("integrity-row")) {
    row.nextElementSibling.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const report = await api(`/api/newsroom/polls/${encodeURIComponent(pollId)}/integrity`);
  showIntegrity(row, pollId, report);
  button.setAttribute("aria-expanded", "true");
}

/** Fills (or refills) the integrity panel under a poll's row. */
function showIntegrity(row, pollId, report) {
  const id = encodeURIComponent(pollId);
  const top = report.topNetworks;
  const above = top.filter(n => n.share > 0.02);
  const verdict = report.records === 0 ? t("noVotesYet")
    : above.length === 0 ? t("noneAbove", { p: percent(top[0].share), n: formatNumber(report.networks) })
    : t("someAbove", { k: above.length, p: percent(top[0].share), v: formatNumber(top[0].votes), n: formatNumber(report.networks) });
  const minutes = report.perMinute.slice(-60);
  const peak = Math.max(1, ...minutes.map(m => m.votes));
  const svgNs = "http://www.w3.org/2000/svg";
  const chart = document.createElementNS(svgNs, "svg");
  chart.setAttribute("viewBox", "0 0 600 80");
  chart.setAttribute("class", "integrity-chart");
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", t("perMinute"));
  minutes.forEach((m, i) => {
    const bar = document.createElementNS(svgNs, "rect");
    const height = Math.max(1, Math.round(76 * m.votes / peak));
    bar.setAttribute("x", String(i * 10)); bar.setAttribute("width", "8");
    bar.setAttribute("y", String(80 - height)); bar.setAttribute("height", String(height));
    const title = document.createElementNS(svgNs, "title");
    title.textContent = `${timeOfMinute(m.minute)}: ${formatNumber(m.votes)}`;
    bar.append(title);
    chart.append(bar);
  });
  const panel = h("td", { colspan: "2", class: "integrity" },
    h("h3", {}, t("integrityHeading")),
    h("p", { class: "integrity-verdict" }, verdict),
    h("p", { class: "muted" }, `${t("perMinute")}`), chart,
    h("table", { class: "integrity-networks" },
      h("thead", {}, h("tr", {}, h("th", {}, t("network")), h("th", {}, t("votes")), h("th", {}, t("share")), h("th", {}))),
      h("tbody", {}, ...top.map(n => {
        const excluded = report.excluded.includes(n.network);
        const change = excluded ? "admit" : "exclude";
        return h("tr", { dataset: { network: n.network } }, h("td", {}, h("code", {}, n.network), excluded ? ` (${t("excludedMark")})` : null),
          h("td", {}, formatNumber(n.votes)), h("td", {}, percent(n.share)),
          h("td", {}, h("button", { type: "button", class: "secondary small network-action", onclick: e => act(e.currentTarget, async () => {
            const updated = await api(`/api/newsroom/polls/${id}/networks/${n.network}/${change}`, { method: "POST" });
            // The list shows the recounted total; the panel stays open under the poll's new row.
            await loadPolls();
            const fresh = document.querySelector(`#polls tr[data-poll-id="${CSS.escape(pollId)}"]`);
            if (fresh) {
              showIntegrity(fresh, pollId, updated);
              fresh.querySelector(".integrity-toggle")?.setAttribute("aria-expanded", "true");
            }
          }) }, t(change))));
      }))),
    h("p", { class: "integrity-held" }, t("heldCount", { n: formatNumber(report.held) })),
    h("p", { class: "integrity-outcomes" }, `${t("answers")}: `,
      Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${formatNumber(v)}`).join(" · ") || "–"),
    h("p", { class: "muted" }, `${t("transports")}: `, Object.entries(report.byTransport).map(([k, v]) => `${k} ${formatNumber(v)}`).join(" · ")),
    h("p", {},
      h("a", { href: `/api/newsroom/polls/${id}/export?series=results`, download: `poll-${pollId}-results.csv`, class: "export-results" }, t("downloadResults")), " · ",
      h("a", { href: `/api/newsroom/polls/${id}/export?series=minutes`, download: `poll-${pollId}-minutes.csv` }, t("downloadMinutes"))));
  const existing = row.nextElementSibling?.classList.contains("integrity-row") ? row.nextElementSibling : null;
  const panelRow = h("tr", { class: "integrity-row" }, panel);
  if (existing) existing.replaceWith(panelRow); else row.after(panelRow);
}

const timeOfMinute = iso => new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

function pollForm() {
  const form = document.getElementById("poll-form");
  form.addEventListener("submit", e => {
    e.preventDefault();
    const options = form.elements.options.value.split("\n").map(line => line.trim()).filter(Boolean).map(text => ({ text }));
    act(form.querySelector("button[type=submit]"), async () => {
      await api("/api/newsroom/polls", { method: "POST", body: {
        question: form.elements.question.value.trim(), options, maxChoices: Number(form.elements.maxChoices.value) || 1,
        allowVoteChange: form.elements.allowVoteChange.checked, resultVisibility: form.elements.resultVisibility.value,
        opensAt: form.elements.opensAt.value ? zonedToUtc(form.elements.opensAt.value, timeZone) : undefined,
        closesAt: form.elements.closesAt.value ? zonedToUtc(form.elements.closesAt.value, timeZone) : undefined } });
      form.reset();
      await Promise.all([loadPolls(), loadAttachablePolls()]);
    });
  });
}

// ---- Tips ----

function renderTips() {
  const list = [...tips.values()].sort((a, b) => asDate(b.receivedAt) - asDate(a.receivedAt));
  document.getElementById("tips").replaceChildren(...(list.length === 0 ? [h("p", { class: "muted" }, t("noTips"))] : list.map(tip =>
    h("div", { class: "tip", dataset: { tipId: tip.id } },
      h("p", {}, tip.text),
      h("p", { class: "muted" }, dateTimeOf(tip.receivedAt, timeZone),
        tip.name ? ` · ${t("from", { n: tip.name })}` : "", tip.contact ? ` · ${tip.contact}` : "",
        tip.creditConsent ? " · ✓" : ""),
      tip.link ? h("p", {}, h("a", { href: tip.link, rel: "noopener noreferrer", target: "_blank" }, tip.link)) : null,
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
        await loadArticles();
      }) }, t("makeDraft")),
      h("p", { class: "form-error", role: "alert" })))));
}

// ---- Start ----

let siteUrl = location.origin;
// The article list follows the feed: any change (or a reset of the store) reloads it.
const follower = new FeedFollower({
  load: async () => {
    const [page] = await Promise.all([api("/api/feed?limit=1"), loadArticles()]);
    timeZone = page.timeZone;
    siteUrl = page.siteUrl;
    for (const el of document.querySelectorAll(".zone-name")) el.textContent = `(${timeZone})`;
    return page;
  },
  apply: () => loadArticles(),
});
async function onConnected(hub) {
  await follower.subscribe(hub);
  tips.clear();
  for (const tip of await hub.invoke("JoinNewsroom")) tips.set(tip.id, tip);
  renderTips();
  await loadAttachablePolls().catch(() => {});
  await Promise.all([loadArticles(), loadPolls(), loadActivity()]);
}

let session = null;
// Before sign-in only the labels change; afterwards the lists are drawn again in the new language.
const rerender = () => { translatePage(); if (session) { loadArticles(); loadPolls(); renderTips(); } };
languageSwitch(rerender);
showStatus("reconnecting");
session = await signedIn(["editor"]);
document.getElementById("who").textContent = t("signedInAs", { n: session.name, r: session.role });
const signOutButton = document.getElementById("sign-out");
signOutButton.hidden = false;
signOutButton.addEventListener("click", signOut);
document.getElementById("desk").hidden = false;
articleForm();
pollForm();
document.getElementById("article-filter").addEventListener("change", () => loadArticles());
await follower.reload();
connectHub({
  onConnected,
  onState: showStatus,
  handlers: {
    ...follower.handlers,
    TipReceived: tip => { tips.set(tip.id, tip); renderTips(); },
    TipUpdated: tip => { if (tip.handled) tips.delete(tip.id); else tips.set(tip.id, tip); renderTips(); },
  },
});
// Counts of open polls move all the time; the list refreshes itself every few seconds.
setInterval(() => loadPolls().catch(() => {}), 5_000);
