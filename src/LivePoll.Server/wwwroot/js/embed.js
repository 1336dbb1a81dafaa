// A poll embedded in a partner's page (<iframe src="https://news.example.kz/embed/polls/7">): the poll card, live over
// the hub, voting included. The voter token is kept by the embed itself (a third-party iframe's cookies may be blocked)
// and sent with votes and on the hub connection. The embed tells its parent page how tall it is, so the iframe can fit:
// window.parent receives { type: "livepoll:height", pollId, height } whenever the height changes.
import { t, translatePage } from "./i18n.js";
import { ApiError, api, connectHub, h, reportHeightToParent, showStatus } from "./live.js";
import { PollView } from "./poll.js";
import { castVote, createVoter } from "./voter.js";
import { ClientEvents, HubMethods, HubPath } from "./hub-names.js";

const pollId = decodeURIComponent(/^\/embed\/polls\/([^/]+)/.exec(location.pathname)?.[1] ?? "");
// The language comes from ?lang= (i18n reads it); an embed never changes the reader's saved choice.
translatePage();
document.getElementById("embed-home").href = `/polls/${encodeURIComponent(pollId)}`;

const announcer = document.getElementById("announcer");
const announce = text => { announcer.textContent = ""; setTimeout(() => { announcer.textContent = text; }, 50); };
const voter = createVoter({ keepToken: true });
const pollView = new PollView(document.getElementById("poll"), { onVote: vote, announce });
let connection = null;

/** Votes over the hub when connected, otherwise over HTTP (voter.js: castVote). */
function vote(id, optionIds, text) { return castVote(voter, connection, id, optionIds, text); }

function showProblem(error) {
  document.getElementById("poll").replaceChildren(h("p", { class: "muted", role: "status" },
    error instanceof ApiError && error.status === 404 ? t("pollNotFound") : t("failed", { m: error.message })));
}

// The height protocol: the parent page resizes the iframe to what the embed needs.
reportHeightToParent(pollId);

showStatus("reconnecting");
try {
  const kept = voter.kept();
  pollView.apply(await api(`/api/polls/${encodeURIComponent(pollId)}`, { headers: kept ? { "x-voter-token": kept } : {} }));
} catch (error) {
  showProblem(error);
}
voter.ready().catch(error => console.warn(error));
const kept = voter.kept();
connection = connectHub({
  url: kept ? `${HubPath}?voter=${encodeURIComponent(kept)}` : HubPath,
  onState: showStatus,
  onConnected: async hub => {
    try {
      pollView.apply(await hub.invoke(HubMethods.SubscribePoll, pollId));
    } catch (error) {
      showProblem(error);
    }
  },
  handlers: { [ClientEvents.PollSnapshot]: snapshot => { if (snapshot.pollId === pollId) pollView.apply(snapshot); } },
});
