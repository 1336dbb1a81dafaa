// The reader page: the live feed grouped by day, an article view, the poll, the "suggest news" form.
import { currentLanguage, t } from "./i18n.js";
import { ApiError, api, asDate, connectHub, dateTimeOf, dayKey, dayMonthOf, h, languageSwitch, picture, showStatus, thumbnail, timeOf } from "./live.js";
import { PollView } from "./poll.js";
import { FeedFollower } from "./feed-follower.js";
import { castVote, createVoter } from "./voter.js";
import { ClientEvents, HubMethods } from "./hub-names.js";

const feed = {
  timeZone: "Asia/Almaty",
  articles: new Map(),   // id → article, every published one this page shows
  pending: [],           // published while the reader was scrolled down; shown when they click the pill
  labels: new Map(),     // yyyy-MM-dd → the server's label in the current language
  nextBefore: null,
};
const announcer = document.getElementById("announcer");
const announce = text => { announcer.textContent = ""; setTimeout(() => { announcer.textContent = text; }, 50); };
const pollView = new PollView(document.getElementById("poll"), { onVote: vote, announce });
// Every poll this page shows (the main one, other open ones, those inside an open article), all over the one hub
// connection: poll id → the views showing it.
const extraViews = new Map();
const follower = new FeedFollower({ load: loadFeed, apply: applyEvent, onReset: () => refreshPolls() });
let connection = null;
// A poll's own address (/polls/ID) or ?poll=ID shows that poll; otherwise the newest open one.
let pollId = new URLSearchParams(location.search).get("poll")
  ?? (/^\/polls\/([^/]+)$/.exec(location.pathname)?.[1] ? decodeURIComponent(/^\/polls\/([^/]+)$/.exec(location.pathname)[1]) : null);
let openArticleId = null;

// ---- Feed ----------------------------------------------------------------------------------------------------

async function loadFeed() {
  const page = await api(`/api/feed?limit=30&lang=${currentLanguage()}`);
  feed.timeZone = page.timeZone;
  feed.articles.clear();
  feed.pending = [];
  feed.labels.clear();
  for (const day of page.days) {
    feed.labels.set(day.date, day.label);
    for (const article of day.items) feed.articles.set(article.id, article);
  }
  for (const article of page.pinned) feed.articles.set(article.id, article);
  feed.nextBefore = page.nextBefore;
  renderFeed();
  return page;
}

async function loadOlder() {
  if (feed.nextBefore === null) return;
  const page = await api(`/api/feed?limit=30&before=${feed.nextBefore}&lang=${currentLanguage()}`);
  for (const day of page.days) {
    feed.labels.set(day.date, day.label);
    for (const article of day.items) if (!feed.articles.has(article.id)) feed.articles.set(article.id, article);
  }
  feed.nextBefore = page.nextBefore;
  renderFeed();
}

/** Applies one live or caught-up change; the follower calls it once per event, in order. */
function applyEvent(event) {
  const article = event.article;
  const pendingIndex = feed.pending.findIndex(a => a.id === article.id);
  if (event.kind === "Retracted") {
    feed.articles.delete(article.id);
    if (pendingIndex >= 0) feed.pending.splice(pendingIndex, 1);
  } else if (pendingIndex >= 0) {
    feed.pending[pendingIndex] = article;
  } else if (feed.articles.has(article.id) || event.kind === "Pinned") {
    feed.articles.set(article.id, article);
  } else if (event.kind !== "Published") {
    // A change to an older article this page never loaded: nothing to show.
  } else if (readerIsDown()) {
    feed.pending.push(article);
  } else {
    feed.articles.set(article.id, article);
    announce(article.title);
  }
  if (openArticleId === article.id) renderArticle(article);
  renderFeed();
}

/** True when the top of the feed is out of sight: new items then wait behind the "N new" pill. */
function readerIsDown() {
  const top = document.getElementById("feed").getBoundingClientRect().top;
  return top < -120 || !document.getElementById("article-view").hidden;
}

function showPending({ scroll = true } = {}) {
  for (const article of feed.pending) feed.articles.set(article.id, article);
  feed.pending = [];
  closeArticle();
  renderFeed();
  if (scroll) document.getElementById("feed-title").scrollIntoView({ behavior: "smooth" });
}

function dayLabel(date) {
  if (feed.labels.has(date)) return feed.labels.get(date);
  if (date === dayKey(new Date(), feed.timeZone)) return t("today");
  return dayMonthOf(date);
}

function badges(article, inPinnedList = false) {
  return h("span", { class: "badges" },
    article.pinned && !inPinnedList ? h("span", { class: "badge pinned-badge" }, t("pinned")) : null,
    article.keyEvent ? h("span", { class: "badge key-badge" }, "⚡ ", t("keyEvent")) : null,
    article.state === "Corrected" ? h("span", { class: "badge corrected-badge" }, t("corrected")) : null);
}

function feedItem(article, inPinnedList = false) {
  const when = asDate(article.publishedAt ?? article.updatedAt);
  return h("article", { class: `feed-item${article.keyEvent ? " key-event" : ""}`, dataset: { articleId: article.id, sequence: article.sequence } },
    h("time", { datetime: when.toISOString(), class: "item-time" }, timeOf(when, feed.timeZone)),
    h("div", { class: "item-body" },
      badges(article, inPinnedList),
      h("h3", { class: "item-title" }, h("a", { href: `/articles/${encodeURIComponent(article.id)}`, onclick: e => openFromFeed(e, article.id) }, article.title)),
      article.lead ? h("p", { class: "item-lead" }, article.lead) : null,
      article.byline ? h("p", { class: "item-byline" }, article.byline) : null,
      article.correctionNote ? h("p", { class: "correction-note" }, h("strong", {}, `${t("correction")}: `), article.correctionNote) : null),
    article.image ? thumbnail(article.image, 96, "item-thumb")
      : article.imageUrl ? h("img", { class: "item-thumb", src: article.imageUrl, alt: "", loading: "lazy" }) : null);
}

function renderFeed() {
  const container = document.getElementById("feed");
  const all = [...feed.articles.values()].sort((a, b) => b.sequence - a.sequence);
  const pinned = all.filter(a => a.pinned);
  const pinnedSection = document.getElementById("pinned");
  pinnedSection.hidden = pinned.length === 0;
  pinnedSection.querySelector(".pinned-items").replaceChildren(...pinned.map(a => feedItem(a, true)));

  const days = new Map();
  for (const article of all) {
    const key = dayKey(article.publishedAt ?? article.updatedAt, feed.timeZone);
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(article);
  }
  container.replaceChildren(...(days.size === 0 ? [h("p", { class: "muted" }, t("empty"))] : [...days].map(([date, items]) =>
    h("section", { class: "day", dataset: { date }, "aria-label": dayLabel(date) },
      h("h2", { class: "day-heading" }, dayLabel(date)),
      ...items.map(a => feedItem(a))))));
  container.setAttribute("aria-busy", "false");

  const pill = document.getElementById("new-pill");
  pill.hidden = feed.pending.length === 0;
  pill.textContent = t("newItems", { n: feed.pending.length });
  document.getElementById("older").hidden = feed.nextBefore === null;
  writeStructuredData(all);
}

/** LiveBlogPosting structured data for search engines: the feed as a live blog with its latest updates. */
function writeStructuredData(articles) {
  const latest = articles.slice(0, 20);
  const data = {
    "@context": "https://schema.org",
    "@type": "LiveBlogPosting",
    headline: t("feed"),
    inLanguage: currentLanguage(),
    url: location.origin + "/",
    coverageStartTime: latest.length ? asDate(latest[latest.length - 1].publishedAt).toISOString() : undefined,
    dateModified: latest.length ? asDate(latest[0].updatedAt).toISOString() : undefined,
    liveBlogUpdate: latest.map(a => ({
      "@type": "BlogPosting",
      headline: a.title,
      url: a.url,
      datePublished: asDate(a.publishedAt ?? a.updatedAt).toISOString(),
      dateModified: asDate(a.updatedAt).toISOString(),
      articleBody: a.lead ?? undefined,
      image: a.imageUrl ? new URL(a.imageUrl, location.origin).href : undefined,
    })),
  };
  document.getElementById("structured-data").textContent = JSON.stringify(data);
}

// ---- Article view --------------------------------------------------------------------------------------------

function openFromFeed(event, id) {
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  history.pushState({ article: id }, "", `/articles/${encodeURIComponent(id)}${location.search}`);
  showArticle(id);
}

async function showArticle(id) {
  openArticleId = id;
  const view = document.getElementById("article-view");
  document.getElementById("feed-section").hidden = true;
  view.hidden = false;
  document.body.classList.add("reading");
  // A permalink arrives rendered by the server: keep that in view until the live copy replaces it.
  if (view.dataset.articleId !== id) view.replaceChildren(h("p", { class: "muted" }, t("loading")));
  delete view.dataset.articleId;
  try {
    renderArticle(feed.articles.get(id) ?? await api(`/api/articles/${encodeURIComponent(id)}`));
  } catch (error) {
    view.replaceChildren(backLink(), h("p", { class: "form-error" }, error instanceof ApiError && error.status === 404 ? t("notFound") : t("failed", { m: error.message })));
  }
  view.focus?.();
  scrollTo({ top: 0 });
}

function backLink() {
  return h("a", { href: `/${location.search}`, class: "back-link", onclick: e => { e.preventDefault(); history.pushState({}, "", `/${location.search}`); closeArticle(); } }, t("back"));
}

function renderArticle(article) {
  const view = document.getElementById("article-view");
  view.setAttribute("tabindex", "-1");
  dropExtraPolls(view);
  if (article.state === "Retracted") {
    view.replaceChildren(backLink(), h("h1", {}, article.title), h("p", { class: "retracted-note" }, t("retracted")));
    return;
  }
  const when = article.publishedAt ?? article.updatedAt;
  const body = h("div", { class: "article-body" });
  body.innerHTML = article.body; // sanitised by the server (HtmlSanitizer) before it was stored
  const shareNames = { facebook: "Facebook", x: "X", telegram: "Telegram", whatsapp: "WhatsApp", vk: "VK", email: "Email" };
  const copy = h("button", { type: "button", class: "secondary small", onclick: async () => {
    await navigator.clipboard?.writeText(article.url).catch(() => {});
    copy.textContent = t("copied");
  } }, t("copy"));
  view.replaceChildren(...[
    backLink(),
    badges(article),
    h("h1", { class: "article-title" }, article.title),
    article.byline ? h("p", { class: "article-byline" }, article.byline) : null,
    h("p", { class: "article-meta" }, h("time", { datetime: asDate(when).toISOString() }, dateTimeOf(when, feed.timeZone))),
    article.lead ? h("p", { class: "article-lead" }, article.lead) : null,
    article.imageUrl ? h("figure", { class: "article-photo" },
      article.image ? picture(article.image) : h("img", { src: article.imageUrl, alt: article.title }),
      article.imageCredit ? h("figcaption", {}, `${t("photo")}: ${article.imageCredit}`) : null) : null,
    article.corrections?.length ? h("aside", { class: "corrections" }, ...article.corrections.map(c =>
      h("p", { class: "correction-note" }, h("strong", {}, `${t("correction")} (${dateTimeOf(c.at, feed.timeZone)}): `), c.note))) : null,
    body,
    article.sourceName ? h("p", { class: "article-source" }, `${t("source")}: `,
      article.sourceUrl ? h("a", { href: article.sourceUrl, rel: "noopener", target: "_blank" }, article.sourceName) : article.sourceName) : null,
    article.tipCredit ? h("p", { class: "muted" }, t("credit", { name: article.tipCredit })) : null,
    h("div", { class: "share" },
      h("span", { class: "share-label" }, `${t("share")}:`),
      ...Object.entries(article.share ?? {}).map(([name, href]) =>
        h("a", { href, class: `share-link share-${name}`, rel: "noopener", target: "_blank" }, shareNames[name] ?? name))),
    h("p", { class: "permalink" }, `${t("permalink")}: `, h("a", { href: article.url }, article.url), " ", copy),
  ].filter(Boolean));
  // The polls the article carries, live, before the share links.
  if (article.pollIds?.length) {
    const boxes = article.pollIds.map(id => h("div", { class: "poll article-poll", dataset: { pollId: id } }));
    view.querySelector(".share").before(h("section", { class: "article-polls", "aria-label": t("poll") }, ...boxes));
    article.pollIds.forEach((id, i) => showExtraPoll(id, boxes[i]));
  }
  document.title = `${article.title} — LivePoll`;
}

function closeArticle() {
  openArticleId = null;
  dropExtraPolls(document.getElementById("article-view"));
  document.getElementById("article-view").hidden = true;
  document.getElementById("feed-section").hidden = false;
  document.body.classList.remove("reading");
  document.title = "LivePoll";
}

function route() {
  const match = /^\/articles\/([^/]+)$/.exec(location.pathname);
  if (match) showArticle(decodeURIComponent(match[1]));
  else closeArticle();
}

// ---- Poll ----------------------------------------------------------------------------------------------------

async function loadPoll() {
  try {
    // Over HTTP first, so the poll shows before the hub connects.
    const snapshot = await api(pollId ? `/api/polls/${encodeURIComponent(pollId)}` : "/api/polls/current");
    pollId = snapshot.pollId;
    pollView.apply(snapshot);
  } catch (error) {
    showPollProblem(error);
  }
}

// The poll the page asked for (?poll= or /polls/ID), or null for "the newest open one".
const askedPollId = pollId;
let pollRetry = null;

/**
 * Reads the page's polls again: after the store lost its data (a new epoch) or when the poll to show did not exist yet.
 * Without an asked poll, the newest open one is looked up; while there is none, it looks again after 2, 4, 8… (at most 30) s.
 */
async function refreshPolls(attempt = 0) {
  clearTimeout(pollRetry);
  pollId = askedPollId;
  await loadPoll();
  if (pollId && connection?.state === signalR.HubConnectionState.Connected) {
    try {
      pollView.apply(await connection.invoke(HubMethods.SubscribePoll, pollId));
    } catch (error) {
      showPollProblem(error);
    }
  }
  if (!pollView.snapshot || pollView.snapshot.pollId !== pollId) {
    pollRetry = setTimeout(() => refreshPolls(attempt + 1), Math.min(30_000, 2_000 * 2 ** attempt));
  }
  loadMorePolls();
}

/** Says why no poll shows: none open, a link to a poll that does not exist, or a failure; the rest of the page stays live. */
function showPollProblem(error) {
  const missing = error instanceof ApiError ? error.status === 404 : /no poll/i.test(error?.message ?? "");
  const asked = pollId !== null && (new URLSearchParams(location.search).has("poll") || location.pathname.startsWith("/polls/"));
  if (missing && asked) pollId = null;
  document.getElementById("poll").replaceChildren(h("p", { class: "muted", role: "status" },
    missing ? (asked ? t("pollNotFound") : t("noPoll")) : t("failed", { m: error.message })));
}

const voter = createVoter();
const voterReady = () => voter.ready();

/** Votes over the hub when connected, otherwise over HTTP (voter.js: castVote). */
function vote(id, optionIds, text) { return castVote(voter, connection, id, optionIds, text); }

// ---- More polls: other open ones, and those an article carries ------------------------------------------------

/** Shows poll `id` in `container` too, live; returns the view. */
function showExtraPoll(id, container) {
  const view = new PollView(container, { onVote: vote, announce });
  if (!extraViews.has(id)) extraViews.set(id, new Set());
  extraViews.get(id).add(view);
  api(`/api/polls/${encodeURIComponent(id)}`).then(snapshot => view.apply(snapshot), error => {
    container.replaceChildren(h("p", { class: "muted" }, error instanceof ApiError && error.status === 404 ? t("pollNotFound") : t("failed", { m: error.message })));
  });
  subscribeExtra(id);
  return view;
}

function subscribeExtra(id) {
  if (connection?.state !== signalR.HubConnectionState.Connected) return;
  connection.invoke(HubMethods.SubscribePoll, id)
    .then(snapshot => { for (const view of extraViews.get(id) ?? []) view.apply(snapshot); })
    .catch(error => console.warn("LivePoll: subscribing to poll", id, error));
}

/** Stops showing the views in `container` (an article closed); unsubscribes polls nothing shows any more. */
function dropExtraPolls(container) {
  for (const [id, views] of extraViews) {
    for (const view of views) if (container.contains(view.root)) views.delete(view);
    if (views.size === 0) {
      extraViews.delete(id);
      if (id !== pollId && connection?.state === signalR.HubConnectionState.Connected) connection.invoke(HubMethods.UnsubscribePoll, id).catch(() => {});
    }
  }
}

/** The other open polls, below the main one. */
async function loadMorePolls() {
  const open = await api("/api/polls/open?limit=5").catch(() => []);
  const others = open.filter(p => p.pollId !== pollId).slice(0, 4);
  const list = document.getElementById("more-polls");
  dropExtraPolls(list);
  list.replaceChildren();
  for (const poll of others) {
    const box = h("div", { class: "poll more-poll", dataset: { pollId: poll.pollId } });
    list.append(box);
    showExtraPoll(poll.pollId, box);
  }
  document.getElementById("more-polls-card").hidden = others.length === 0;
}

// ---- Tips ----------------------------------------------------------------------------------------------------

function tipForm() {
  const form = document.getElementById("tip-form");
  const error = document.getElementById("tip-error");
  const thanks = document.getElementById("tip-thanks");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    error.textContent = "";
    thanks.textContent = "";
    const data = new FormData(form);
    const text = String(data.get("text") ?? "").trim();
    if (!text) {
      error.textContent = t("tipRequired");
      form.elements.text.setAttribute("aria-invalid", "true");
      form.elements.text.focus();
      return;
    }
    form.elements.text.removeAttribute("aria-invalid");
    const optional = name => String(data.get(name) ?? "").trim() || null;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await api("/api/tips", { method: "POST", body: {
        text, name: optional("name"), contact: optional("contact"), link: optional("link"), creditConsent: data.get("creditConsent") === "on",
      } });
      form.reset();
      thanks.textContent = t("tipThanks");
    } catch (failure) {
      error.textContent = failure instanceof ApiError && failure.status === 429
        ? t("tooMany", { s: failure.retryAfter ?? 60 })
        : t("failed", { m: failure.message });
    } finally {
      button.disabled = false;
    }
  });
}

// ---- Start ---------------------------------------------------------------------------------------------------

async function onConnected(hub) {
  // The feed first: whatever happens to the poll (a stale ?poll=, a store blip), the news stays live.
  await follower.subscribe(hub);
  for (const id of extraViews.keys()) subscribeExtra(id);
  if (pollId) {
    try {
      pollView.apply(await hub.invoke(HubMethods.SubscribePoll, pollId));
    } catch (error) {
      showPollProblem(error);
    }
  }
}

// The hub connects first, while the page sets itself up and the feed and the poll load (on a slow network every round
// trip counts); it subscribes once they are in.
let pageLoaded;
const loaded = new Promise(resolve => { pageLoaded = resolve; });
showStatus("reconnecting");
connection = connectHub({
  onConnected: async hub => { await loaded; await onConnected(hub); },
  onState: showStatus,
  handlers: {
    [ClientEvents.PollSnapshot]: snapshot => {
      if (snapshot.pollId === pollId) pollView.apply(snapshot);
      for (const view of extraViews.get(snapshot.pollId) ?? []) view.apply(snapshot);
    },
    ...follower.handlers,
  },
});
languageSwitch(async () => {
  await follower.reload();
  if (pollView.snapshot) pollView.render();
  for (const views of extraViews.values()) for (const view of views) if (view.snapshot) view.render();
  if (openArticleId) showArticle(openArticleId);
});
document.getElementById("new-pill").addEventListener("click", () => showPending());
document.getElementById("older").addEventListener("click", loadOlder);
addEventListener("popstate", route);
addEventListener("scroll", () => { if (feed.pending.length && !readerIsDown()) showPending({ scroll: false }); }, { passive: true });
tipForm();
route();
voterReady().catch(error => console.warn(error));
await Promise.all([follower.reload().catch(e => console.warn(e)), loadPoll()]).finally(pageLoaded);
loadMorePolls();
