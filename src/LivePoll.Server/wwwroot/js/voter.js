// A browser's voter identity, shared by the reader page and the embeds. A browser that has none solves the server's
// proof-of-work challenge in a worker (no captcha: about a second of work) and gets a signed voter token (and the
// lp_voter cookie). The reader page relies on the cookie; an embed inside a partner's page keeps the token itself
// (browsers may block a third-party iframe's cookies) and sends it with every vote and on its hub connection.
import { t } from "./i18n.js";
import { ApiError, api } from "./live.js";
import { HubMethods } from "./hub-names.js";

const TokenKey = "livepoll.voterToken";

/**
 * keepToken: keep the token in this origin's storage (embeds). ready() resolves to the token to send with votes, or null
 * when the cookie already carries the identity; it is asked for once (again after a failure).
 */
export function createVoter({ keepToken = false } = {}) {
  let pending = null;
  const kept = () => { try { return keepToken ? localStorage.getItem(TokenKey) : null; } catch { return null; } };
  const keep = token => { try { if (keepToken) localStorage.setItem(TokenKey, token); } catch { /* storage blocked: this page only */ } };

  async function obtain({ renew = false } = {}) {
    const stored = renew ? null : kept();
    if (stored) { performance.mark("livepoll:voter-ready"); return stored; }
    const offer = await api("/api/voters/challenge");
    if (offer.hasVoter) { performance.mark("livepoll:voter-ready"); return null; }
    if (!globalThis.crypto?.subtle || typeof Worker === "undefined") throw new Error(t("voterInsecure"));
    performance.mark("livepoll:challenge-start");
    const worker = new Worker("/js/challenge-worker.js");
    try {
      const { number } = await new Promise((resolve, reject) => {
        worker.onmessage = event => resolve(event.data);
        worker.onerror = event => reject(new Error(event.message));
        worker.postMessage({ salt: offer.salt, challenge: offer.challenge, maxNumber: offer.maxNumber });
      });
      performance.mark("livepoll:challenge-solved");
      if (number < 0) throw new Error(t("voterFailed"));
      const issued = await api("/api/voters", { method: "POST", body: { solution: {
        algorithm: offer.algorithm, challenge: offer.challenge, salt: offer.salt, signature: offer.signature, number,
      } } });
      keep(issued.token);
      performance.mark("livepoll:voter-ready");
      return issued.token;
    } finally {
      worker.terminate();
    }
  }

  const forget = () => { try { if (keepToken) localStorage.removeItem(TokenKey); } catch { /* storage blocked */ } };

  return {
    ready: () => (pending ??= obtain().catch(error => { pending = null; throw error; })),
    /** Drops an identity the server refused and earns a new one (its token, to send explicitly: a hub connection keeps the old cookie). */
    renew: () => {
      forget();
      pending = obtain({ renew: true }).catch(error => { pending = null; throw error; });
      return pending;
    },
    /** The kept token, if any, without asking the server (e.g. for the hub connection's ?voter=). */
    kept,
  };
}

/**
 * Sends a vote with the browser's identity (send(token) → the vote's result). When the server refuses the identity
 * (InvalidVoter: the store was wiped, or its keys changed), quietly earns a new one and sends the reader's vote again,
 * once; the reader sees only the vote taken.
 */
export async function voteAs(voter, send) {
  const result = await send(await voter.ready());
  if (result?.outcome !== "InvalidVoter") return result;
  console.info("LivePoll: the voter identity was refused; earned a new one and voted again");
  return await send(await voter.renew());
}

/**
 * A reader's vote, as the reader page and the embed send it: over the hub when `hub` is connected, otherwise over HTTP
 * (both answer with the same result; an HTTP refusal becomes its outcome), with the browser's identity and the quiet
 * recovery of voteAs. A 429 becomes "Retry after N s", which the poll card shows in the reader's language.
 */
export function castVote(voter, hub, pollId, optionIds, text) {
  // A words poll's answer is text; every other kind names option ids.
  const answer = text === undefined || text === null ? { optionIds } : { text };
  return voteAs(voter, async voterToken => {
    if (hub?.state === signalR.HubConnectionState.Connected) {
      return await hub.invoke(HubMethods.Vote, voterToken ? { pollId, ...answer, voterToken } : { pollId, ...answer });
    }
    try {
      return await api(`/api/polls/${encodeURIComponent(pollId)}/votes`, {
        method: "POST", body: answer, headers: voterToken ? { "x-voter-token": voterToken } : {},
      });
    } catch (error) {
      if (error instanceof ApiError && error.problem?.outcome) return { outcome: error.problem.outcome, message: error.message };
      if (error instanceof ApiError && error.status === 429) throw new Error(`Retry after ${error.retryAfter ?? 60} s`);
      throw error;
    }
  });
}
