// A browser's voter identity, shared by the reader page and the embeds. A browser that has none solves the server's
// proof-of-work challenge in a worker (no captcha: about a second of work) and gets a signed voter token (and the
// lp_voter cookie). The reader page relies on the cookie; an embed inside a partner's page keeps the token itself
// (browsers may block a third-party iframe's cookies) and sends it with every vote and on its hub connection.
import { t } from "./i18n.js";
import { api } from "./live.js";

const TokenKey = "livepoll.voterToken";

/**
 * keepToken: keep the token in this origin's storage (embeds). ready() resolves to the token to send with votes, or null
 * when the cookie already carries the identity; it is asked for once (again after a failure).
 */
export function createVoter({ keepToken = false } = {}) {
  let pending = null;
  const kept = () => { try { return keepToken ? localStorage.getItem(TokenKey) : null; } catch { return null; } };
  const keep = token => { try { if (keepToken) localStorage.setItem(TokenKey, token); } catch { /* storage blocked: this page only */ } };

  async function obtain() {
    const stored = kept();
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

  return {
    ready: () => (pending ??= obtain().catch(error => { pending = null; throw error; })),
    /** The kept token, if any, without asking the server (e.g. for the hub connection's ?voter=). */
    kept,
  };
}
