// The live feed embedded in a partner's page (<iframe src="https://news.example.kz/embed/feed?limit=8">): the newest
// headlines with their times, each a link to its permalink, live over the hub with the same feed-following module as
// the reader page. Tells its parent its height like the poll embed: { type: "livepoll:height", height }.
import { currentLanguage, translatePage } from "./i18n.js";
import { api, asDate, connectHub, h, reportHeightToParent, showStatus, thumbnail, timeOf } from "./live.js";
import { FeedFollower } from "./feed-follower.js";

const limit = Math.min(Math.max(Number(new URLSearchParams(location.search).get("limit")) || 8, 1, 30), 30);
const articles = new Map();
let timeZone = "Asia/Almaty";
translatePage();

function render() {
  const latest = [...articles.values()].sort((a, b) => b.sequence - a.sequence).slice(0, limit);
  document.getElementById("embed-feed").replaceChildren(...latest.map(a => h("li", { class: a.keyEvent ? "key-event" : null },
    h("time", { datetime: asDate(a.publishedAt ?? a.updatedAt).toISOString() }, timeOf(a.publishedAt ?? a.updatedAt, timeZone)), " ",
    a.keyEvent ? "⚡ " : "",
    h("a", { href: a.url, target: "_blank", rel: "noopener" }, a.title),
    a.image ? thumbnail(a.image, 64, "embed-thumb") : null)));
}

async function load() {
  const page = await api(`/api/feed?limit=${limit}&lang=${currentLanguage()}`);
  timeZone = page.timeZone;
  articles.clear();
  for (const article of page.days.flatMap(d => d.items)) articles.set(article.id, article);
  render();
  return page;
}

function apply(event) {
  if (event.kind === "Retracted") articles.delete(event.article.id);
  else if (event.kind === "Published" || articles.has(event.article.id)) articles.set(event.article.id, event.article);
  render();
}

reportHeightToParent();

const follower = new FeedFollower({ load, apply });
showStatus("reconnecting");
await follower.reload().catch(error => console.warn(error));
connectHub({ onConnected: hub => follower.subscribe(hub), onState: showStatus, handlers: follower.handlers });
