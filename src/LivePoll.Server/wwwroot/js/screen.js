// The newsroom wall screen: the live poll with large bars, total votes and votes per second, a QR code and link
// for readers to vote, the latest articles and incoming tips. Needs no interaction once signed in; survives
// reconnects and server restarts by itself (the hub reconnects forever and every reconnect re-subscribes).
import { currentLanguage, t } from "./i18n.js";
import { ApiError, api, asDate, connectHub, formatNumber, h, languageSwitch, showStatus, timeOf, animateNumber } from "./live.js";
import { signedIn } from "./newsroom.js";
import { PollView } from "./poll.js";
import { FeedFollower } from "./feed-follower.js";
import qrcode from "/lib/qrcode.mjs";
import { ClientEvents, HubMethods } from "./hub-names.js";

const pinnedPoll = new URLSearchParams(location.search).get("poll");
const pollView = new PollView(document.getElementById("poll"));
const samples = [];          // [time ms, total voters] over the last seconds, for votes per second
const articles = new Map();  // id → article
const tips = new Map();      // id → unhandled tip
let feedInfo = { timeZone: "Asia/Almaty", siteUrl: location.origin };
let pollId = null;
let hub = null;
const follower = new FeedFollower({ load: loadFeed, apply: applyFeedEvent });

/** The poll readers see on the front page (the server decides: newest open, else newest closed), unless ?poll= pins one. */
async function choosePoll() {
  if (pinnedPoll) return pinnedPoll;
  try {
    return (await api("/api/polls/current")).pollId;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

function showPoll(snapshot) {
  if (!pollView.apply(snapshot)) return;
  const total = snapshot.totalVoters ?? 0;
  animateNumber(document.getElementById("total-votes"), total);
  samples.push([Date.now(), total]);
}

/** Votes per second over the last ten seconds, from the totals the snapshots carried. */
function updateRate() {
  const now = Date.now();
  while (samples.length > 1 && samples[0][0] < now - 10_000) samples.shift();
  const [first, last] = [samples[0], samples[samples.length - 1]];
  const seconds = first && last ? Math.max(1, (now - first[0]) / 1000) : 1;
  const rate = first && last ? Math.max(0, (last[1] - first[1]) / seconds) : 0;
  document.getElementById("votes-per-second").textContent = formatNumber(Math.round(rate));
}

function showJoin() {
  const url = pollId ? `${feedInfo.siteUrl}/?poll=${encodeURIComponent(pollId)}` : feedInfo.siteUrl;
  document.getElementById("join-url").textContent = url.replace(/^https?:\/\//, "");
  const code = qrcode(0, "M");
  code.addData(url);
  code.make();
  document.getElementById("qr").innerHTML = code.createSvgTag({ cellSize: 6, margin: 2, scalable: true, alt: url });
}

async function loadFeed() {
  const page = await api(`/api/feed?limit=8&lang=${currentLanguage()}`);
  feedInfo = { timeZone: page.timeZone, siteUrl: page.siteUrl };
  articles.clear();
  for (const article of page.days.flatMap(d => d.items)) articles.set(article.id, article);
  renderArticles();
  showJoin();
  return page;
}

function renderArticles() {
  const latest = [...articles.values()].sort((a, b) => b.sequence - a.sequence).slice(0, 6);
  document.getElementById("latest").replaceChildren(...latest.map(a => h("li", { dataset: { articleId: a.id } },
    h("time", { datetime: asDate(a.publishedAt ?? a.updatedAt).toISOString() }, timeOf(a.publishedAt ?? a.updatedAt, feedInfo.timeZone)),
    a.keyEvent ? "⚡ " : "", a.title)));
}

function applyFeedEvent(event) {
  if (event.kind === "Retracted") articles.delete(event.article.id);
  else if (event.kind === "Published" || articles.has(event.article.id)) articles.set(event.article.id, event.article);
  renderArticles();
}

function renderTips() {
  const list = [...tips.values()].sort((a, b) => asDate(b.receivedAt) - asDate(a.receivedAt)).slice(0, 6);
  document.getElementById("tips").replaceChildren(...(list.length === 0 ? [h("li", { class: "muted" }, t("noTips"))] : list.map(tip =>
    h("li", { dataset: { tipId: tip.id } },
      h("time", { datetime: asDate(tip.receivedAt).toISOString() }, timeOf(tip.receivedAt, feedInfo.timeZone)),
      tip.text.length > 160 ? `${tip.text.slice(0, 160)}…` : tip.text,
      tip.name ? h("span", { class: "tip-from" }, t("from", { n: tip.name })) : null))));
}

async function onConnected(connection) {
  const chosen = await choosePoll();
  if (chosen !== pollId && pollId) await connection.invoke(HubMethods.UnsubscribePoll, pollId).catch(() => {});
  pollId = chosen;
  showJoin();
  await follower.subscribe(connection);
  try {
    if (pollId) showPoll(await connection.invoke(HubMethods.SubscribePoll, pollId));
    else document.getElementById("poll").replaceChildren(h("p", { class: "muted" }, t("noPoll")));
  } catch (error) {
    // A pinned poll that does not exist (or a store blip): say so; the feed and tips stay live.
    document.getElementById("poll").replaceChildren(h("p", { class: "muted", role: "status" }, t("failed", { m: error.message })));
  }
  tips.clear();
  for (const tip of await connection.invoke(HubMethods.JoinNewsroom)) tips.set(tip.id, tip);
  renderTips();
}

function tick() {
  const clock = new Intl.DateTimeFormat(t("locale"), { timeZone: feedInfo.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  document.getElementById("clock").textContent = clock.format(new Date());
  updateRate();
}

languageSwitch(() => { follower.reload().catch(e => console.warn(e)); renderTips(); if (pollView.snapshot) pollView.render(); });
showStatus("reconnecting");
await signedIn(["screen", "editor"]);
document.getElementById("wall").hidden = false;
await follower.reload().catch(error => console.warn(error));
hub = connectHub({
  onConnected,
  onState: showStatus,
  handlers: {
    [ClientEvents.PollSnapshot]: snapshot => { if (snapshot.pollId === pollId) showPoll(snapshot); },
    ...follower.handlers,
    [ClientEvents.TipReceived]: tip => { tips.set(tip.id, tip); renderTips(); },
    [ClientEvents.TipUpdated]: tip => { if (tip.handled) tips.delete(tip.id); else tips.set(tip.id, tip); renderTips(); },
  },
});
setInterval(tick, 1_000);
tick();
// When the newsroom opens a new poll, the wall moves to it by itself.
setInterval(async () => {
  if (pinnedPoll || hub.state !== signalR.HubConnectionState.Connected) return;
  const chosen = await choosePoll().catch(() => pollId);
  if (chosen && chosen !== pollId) await onConnected(hub);
}, 15_000);
