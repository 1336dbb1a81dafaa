// For partner pages that show a LivePoll embed: fits each <iframe data-livepoll-embed> to the height its poll reports
// ({ type: "livepoll:height", height } posted by the embed). Include once: <script async src="https://…/js/embed-loader.js">.
(() => {
  if (window.livePollEmbedLoader) return;
  window.livePollEmbedLoader = true;
  window.addEventListener("message", event => {
    if (event.data?.type !== "livepoll:height" || typeof event.data.height !== "number") return;
    for (const frame of document.querySelectorAll("iframe[data-livepoll-embed]")) {
      if (frame.contentWindow === event.source) frame.style.height = `${Math.min(Math.max(event.data.height, 100), 4000)}px`;
    }
  });
})();
