// "Check my vote": proves in the browser, with WebCrypto, that a vote's receipt is a leaf of the poll's tally log under
// a head the newsroom signed. Fetches the inclusion proof and the published keys, hashes the leaf as RFC 9162 does
// (SHA-256 of 0x00 ‖ leaf), folds the audit path (§2.1.3.2) to the head's root, checks the head's ECDSA P-256
// signature over the text the server signs (TallyHeads.SignedText), and that the leaf is this reader's answer.
// Receipts are kept in localStorage per poll, so the check works after a reload.

const StoreKey = "lp_receipts";
const Kept = 50;

const read = () => { try { return JSON.parse(localStorage.getItem(StoreKey) ?? "{}"); } catch { return {}; } };

/** The receipt and choices of this reader's newest counted answer in a poll, or null. */
export const keptReceipt = pollId => read()[pollId] ?? null;

/** Keeps the receipt of a counted answer (the newest of each poll, at most 50 polls). */
export function keepReceipt(pollId, receipt, choices) {
  const all = read();
  delete all[pollId];
  all[pollId] = { receipt, choices, at: Date.now() };
  const polls = Object.keys(all);
  for (const old of polls.slice(0, Math.max(0, polls.length - Kept))) delete all[old];
  try { localStorage.setItem(StoreKey, JSON.stringify(all)); } catch { /* storage blocked: no check after a reload */ }
}

/** Whether this browser can check (WebCrypto needs a secure context: https, or localhost). */
export const canCheck = () => !!globalThis.crypto?.subtle;

const hex = bytes => [...new Uint8Array(bytes)].map(b => b.toString(16).padStart(2, "0")).join("");
const fromHex = text => Uint8Array.from(text.match(/../g) ?? [], b => parseInt(b, 16));
const fromBase64 = text => Uint8Array.from(atob(text), c => c.charCodeAt(0));
const sha256 = async (...parts) => new Uint8Array(await crypto.subtle.digest("SHA-256", concat(...parts)));

function concat(...parts) {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { all.set(part, at); at += part.length; }
  return all;
}

/** RFC 9162 §2.1.3.2, step by step as the server's MerkleTree.VerifyInclusion. */
async function rootFromPath(leafHash, index, size, path) {
  if (index >= size) return null;
  let fn = index, sn = size - 1, r = leafHash;
  for (const p of path.map(fromHex)) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(Uint8Array.of(1), p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await sha256(Uint8Array.of(1), r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 ? hex(r) : null;
}

/** The text a head's signature covers: the same lines as the server's TallyHeads.SignedText. */
export function signedText(head) {
  const counts = Object.keys(head.counts).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(id => `count ${id} ${head.counts[id]}\n`).join("");
  return `livepoll-tally-head/1\npoll ${head.poll}\nsize ${head.size}\nroot ${head.root}\nvoters ${head.voters}\n${counts}at ${head.at}\nfinal ${head.final ? 1 : 0}\n`;
}

/**
 * Checks a kept receipt. Returns { ok: true, head } when proven; { ok: false, pending: true } while the answer is not in
 * a signed head yet; otherwise { ok: false, reason } with reason one of "leaf", "root", "signature", "unavailable".
 */
export async function checkVote(pollId, { receipt, choices }) {
  let proof, keys;
  try {
    const answer = await fetch(`/api/polls/${encodeURIComponent(pollId)}/log/proof/${encodeURIComponent(receipt)}`, { cache: "no-store" });
    if (answer.status === 404) return { ok: false, pending: true };
    if (!answer.ok) return { ok: false, reason: "unavailable" };
    proof = await answer.json();
    const published = await fetch("/.well-known/livepoll-tally-keys");
    if (!published.ok) return { ok: false, reason: "unavailable" };
    keys = await published.json();
  } catch {
    return { ok: false, reason: "unavailable" };
  }
  // The leaf must be this reader's answer: this poll, this receipt, the options chosen.
  let leaf;
  try { leaf = JSON.parse(proof.leaf); } catch { return { ok: false, reason: "leaf" }; }
  const added = Object.keys(leaf.add ?? {}).sort().join(",");
  if (leaf.poll !== pollId || leaf.receipt !== receipt || (choices && added !== [...choices].sort().join(","))) return { ok: false, reason: "leaf" };

  const leafHash = await sha256(Uint8Array.of(0), new TextEncoder().encode(proof.leaf));
  if (await rootFromPath(leafHash, proof.index, proof.head.size, proof.path) !== proof.head.root) return { ok: false, reason: "root" };

  const key = keys.find(k => k.keyId === proof.head.keyId);
  if (!key) return { ok: false, reason: "signature" };
  try {
    const publicKey = await crypto.subtle.importKey("spki", fromBase64(key.spki), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, fromBase64(proof.head.signature),
      new TextEncoder().encode(signedText(proof.head)));
    return valid ? { ok: true, head: proof.head } : { ok: false, reason: "signature" };
  } catch {
    return { ok: false, reason: "signature" };
  }
}
