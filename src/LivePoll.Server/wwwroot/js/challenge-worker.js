// Solves a voter challenge off the page's thread (the ALTCHA scheme): the number n from 0 to maxNumber for which
// SHA-256(salt + n), as hex, is the challenge. Hashes go 500 at a time through WebCrypto; answers { number } (-1: none).
self.onmessage = async ({ data: { salt, challenge, maxNumber } }) => {
  const encoder = new TextEncoder();
  const target = new Uint8Array(challenge.match(/../g).map(pair => parseInt(pair, 16)));
  const matches = digest => {
    const bytes = new Uint8Array(digest);
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== target[i]) return false;
    return true;
  };
  for (let start = 0; start <= maxNumber; start += 500) {
    const count = Math.min(500, maxNumber - start + 1);
    const digests = await Promise.all(Array.from({ length: count },
      (_, i) => crypto.subtle.digest("SHA-256", encoder.encode(salt + (start + i)))));
    const found = digests.findIndex(matches);
    if (found >= 0) { postMessage({ number: start + found }); return; }
  }
  postMessage({ number: -1 });
};
