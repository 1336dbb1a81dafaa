// What the reader, screen and desk pages share: the hub connection (with reconnect that never gives up),
// HTTP calls that turn ProblemDetails into readable errors, dates in the newsroom's time zone, small DOM helpers.
import { currentLanguage, formatNumber, languages, monthName, setLanguage, t, translatePage } from "./i18n.js";
import { HubPath } from "./hub-names.js";

export { formatNumber };

/** Creates an element: h("a", { href, class: "x" }, "text", child). Strings become text nodes, never HTML. */
export function h(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter(c => c !== null && c !== undefined && c !== false));
  return el;
}

/** An error a person can read, from a ProblemDetails answer (detail, then each field's messages). */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    const fields = problem?.errors ? Object.values(problem.errors).flat() : [];
    super([problem?.detail ?? problem?.title ?? `HTTP ${status}`, ...fields].join(" "));
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

let bearer = null;

/** Newsroom pages opened as /screen#key=… send that API key instead of relying on the sign-in cookie. */
export function useKeyFromFragment() {
  const key = new URLSearchParams(location.hash.slice(1)).get("key");
  if (key) bearer = key;
  return key;
}

export async function api(path, { method = "GET", body, signal, headers: extra = {} } = {}) {
  const headers = { accept: "application/json", ...extra };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(path, {
    method, headers, signal, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data, Number(response.headers.get("retry-after")) || null);
  return data;
}

/** Sends a form (a file upload) to the API; answers and errors as api() does. */
export async function apiForm(path, form) {
  const headers = { accept: "application/json" };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(path, { method: "POST", headers, body: form, credentials: "same-origin" });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text.slice(0, 200) }; }
  if (!response.ok) throw new ApiError(response.status, data, Number(response.headers.get("retry-after")) || null);
  return data;
}

/** A local date and time typed into a datetime-local field, read in the newsroom's time zone, as a UTC ISO string. */
export function zonedToUtc(local, timeZone) {
  const [date, time] = local.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const wanted = Date.UTC(y, m - 1, d, hh, mm);
  const format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const p = Object.fromEntries(format.formatToParts(new Date(guess)).map(part => [part.type, part.value]));
    guess += wanted - Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
  }
  return new Date(guess).toISOString();
}

/**
 * For an embed in a partner's iframe: tells the parent page the embed's height whenever it changes, as
 * { type: "livepoll:height", pollId, height } (embed-loader.js, or any page, fits the iframe to it).
 */
export function reportHeightToParent(pollId = null) {
  if (window.parent === window) return;
  let last = 0;
  const report = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "livepoll:height", pollId, height }, "*");
  };
  new ResizeObserver(report).observe(document.body);
  report();
}

/** A random id (UUID-like) that works on plain-HTTP pages too, where crypto.randomUUID is missing. */
export function randomId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, "0")).join("");
}

/**
 * How a page reaches the hub, fastest first. WebSockets without negotiation is one request, so any node behind the
 * balancer can take it, with MessagePack. Where a proxy refuses the WebSocket upgrade, the page negotiates and uses
 * Server-Sent Events (text only, so JSON) and, failing that, long polling (MessagePack). A negotiated connection makes
 * several requests that must reach one node: they carry ?route=<random>, by which the balancer keeps them together
 * (deploy/nginx.conf).
 */
const transports = [
  { name: "webSockets", negotiate: false, transport: () => signalR.HttpTransportType.WebSockets, binary: true },
  { name: "serverSentEvents", negotiate: true, transport: () => signalR.HttpTransportType.ServerSentEvents, binary: false },
  { name: "longPolling", negotiate: true, transport: () => signalR.HttpTransportType.LongPolling, binary: true },
];

/**
 * The live hub: WebSockets first, then Server-Sent Events, then long polling (see `transports`); ?transport=sse or
 * ?transport=longpolling on the page's address starts lower. Reconnects forever with a jittered back-off; after every
 * (re)connect, onConnected runs so the page can subscribe again and catch up. onState gets "live", "reconnecting" or
 * "offline", and the transport's name. Returns a hub with invoke, send and state, whichever transport carries it.
 */
export function connectHub({ onConnected, onState, handlers = {}, url = HubPath }) {
  const backoff = attempt => Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
  const route = randomId();
  const asked = { sse: 1, longpolling: 2 }[new URLSearchParams(location.search).get("transport")] ?? 0;
  let tier = asked, connection = null;

  const build = ({ negotiate, transport, binary }) => {
    const builder = new signalR.HubConnectionBuilder()
      .withUrl(negotiate ? `${url}${url.includes("?") ? "&" : "?"}route=${route}` : url, {
        skipNegotiation: !negotiate,
        transport: transport(),
        accessTokenFactory: bearer ? () => bearer : undefined,
      })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => backoff(ctx.previousRetryCount) })
      .configureLogging(signalR.LogLevel.None);
    if (binary) builder.withHubProtocol(new signalR.protocols.msgpack.MessagePackHubProtocol());
    const built = builder.build();
    for (const [name, handler] of Object.entries(handlers)) built.on(name, handler);
    return built;
  };

  let downSince = null;
  const report = state => {
    if (state === "live") downSince = null;
    else downSince ??= Date.now();
    // Reconnecting for more than 15 s, or the browser itself is offline: say so plainly.
    const shown = state !== "live" && (!navigator.onLine || Date.now() - downSince > 15_000) ? "offline" : state;
    onState?.(shown, transports[tier].name);
  };
  const hub = {
    get state() { return connection?.state ?? signalR.HubConnectionState.Disconnected; },
    get transport() { return transports[tier].name; },
    invoke: (...args) => connection.invoke(...args),
    send: (...args) => connection.send(...args),
  };
  const connected = async () => {
    if (performance.getEntriesByName("livepoll:live").length === 0) performance.mark("livepoll:live");
    report("live");
    try {
      await onConnected?.(hub);
    } catch (error) {
      console.warn("LivePoll: subscribing after connect failed", error);
    }
  };
  // One round: each transport from the first allowed, until one connects. A round where none does (the site is down,
  // not just WebSockets blocked) waits and starts again from the top: WebSockets come back when the network allows them.
  const start = async () => {
    if (performance.getEntriesByName("livepoll:connect-start").length === 0) performance.mark("livepoll:connect-start");
    for (let attempt = 0; ; attempt++) {
      for (tier = asked; tier < transports.length; tier++) {
        const candidate = build(transports[tier]);
        try {
          // A proxy that neither allows nor refuses a transport (holds it open) must not hold the page: 8 s, then the next.
          let timer;
          await Promise.race([candidate.start(), new Promise((_, reject) => {
            timer = setTimeout(() => { candidate.stop(); reject(new Error("timed out")); }, 8_000);
          })]).finally(() => clearTimeout(timer));
          if (tier > asked) console.info(`LivePoll: live over ${transports[tier].name}; the network refused the faster transports`);
          connection = candidate;
          candidate.onreconnecting(() => report("reconnecting"));
          candidate.onreconnected(connected);
          // Automatic reconnect only gives up when told to; should the connection close anyway, start over.
          candidate.onclose(() => { if (connection === candidate) { report("reconnecting"); start(); } });
          await connected();
          return;
        } catch (error) {
          // A 4xx answer (a refused origin, too many connections) is not a blocked transport: no point trying the others.
          if (error?.statusCode >= 400 && error.statusCode < 500) break;
        }
      }
      tier = asked;
      report("reconnecting");
      await new Promise(resolve => setTimeout(resolve, backoff(attempt)));
    }
  };
  setInterval(() => { if (hub.state !== signalR.HubConnectionState.Connected) report("reconnecting"); }, 5_000);
  addEventListener("offline", () => report("offline"));
  start();
  return hub;
}

/**
 * Shows the connection state in the indicator element (#status): text, colour and an aria-live announcement; its title
 * (and data-transport) names the transport: WebSockets, Server-Sent Events or long polling.
 */
export function showStatus(state, transport) {
  const el = document.getElementById("status");
  if (!el) return;
  if (transport && el.dataset.transport !== transport) {
    el.dataset.transport = transport;
    el.title = t("connectedVia", { n: t(`transport_${transport}`) });
  }
  if (el.dataset.state === state) return;
  el.dataset.state = state;
  el.querySelector(".status-text").textContent = t(state);
}

/** Language buttons in #languages; switching re-renders through onChange without reloading the page. */
export function languageSwitch(onChange) {
  const nav = document.getElementById("languages");
  const render = () => {
    nav.replaceChildren(...languages.map(lang => h("button", {
      type: "button", lang, "aria-pressed": String(lang === currentLanguage()),
      onclick: () => {
        setLanguage(lang);
        translatePage();
        const status = document.getElementById("status");
        if (status?.dataset.state) status.querySelector(".status-text").textContent = t(status.dataset.state);
        if (status?.dataset.transport) status.title = t("connectedVia", { n: t(`transport_${status.dataset.transport}`) });
        render();
        onChange?.(lang);
      },
    }, lang.toUpperCase())));
  };
  translatePage();
  render();
}

export const asDate = value => value instanceof Date ? value : new Date(value);

/** yyyy-MM-dd of an instant in the newsroom's time zone: the feed's day key. */
export function dayKey(value, timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(asDate(value));
}

export function timeOf(value, timeZone) {
  return new Intl.DateTimeFormat(t("locale"), { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(asDate(value));
}

/**
 * "03 желтоқсан" / "03 декабря" / "03 December" for a yyyy-MM-dd day, with the month names of the texts (browsers' Intl
 * often lacks Kazakh ones: Chromium prints "M11"), as the server writes the feed's day headings.
 */
export function dayMonthOf(date) {
  const [, month, day] = date.split("-").map(Number);
  return `${String(day).padStart(2, "0")} ${monthName(month)}`;
}

/** "03 желтоқсан, 14:05" in the newsroom's time zone. */
export function dateTimeOf(value, timeZone) {
  return `${dayMonthOf(dayKey(value, timeZone))}, ${timeOf(value, timeZone)}`;
}


/** Moves a number shown in an element towards its new value over ~400 ms. */
export function animateNumber(el, to, format = formatNumber) {
  const from = Number(el.dataset.value ?? to);
  el.dataset.value = String(to);
  if (from === to || matchMedia("(prefers-reduced-motion: reduce)").matches) { el.textContent = format(to); return; }
  const started = performance.now();
  const step = now => {
    if (el.dataset.value !== String(to)) return;
    const progress = Math.min(1, (now - started) / 400);
    el.textContent = format(Math.round(from + (to - from) * (1 - (1 - progress) ** 3)));
    if (progress < 1) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

/** Percentages of a poll's options that add up to 100 (largest remainder), or nulls when counts are hidden. */
export function percentages(options) {
  const counts = options.map(o => o.count);
  if (counts.some(c => c === null || c === undefined)) return counts.map(() => null);
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum === 0) return counts.map(() => 0);
  const exact = counts.map(c => c * 100 / sum);
  const result = exact.map(Math.floor);
  let left = 100 - result.reduce((a, b) => a + b, 0);
  exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0]).forEach(([, i]) => { if (left-- > 0) result[i]++; });
  return result;
}

/** The srcset entries ("/media/a.jpg 480w, …") no wider than `width`. */
export const srcsetUpTo = (srcset, width) => srcset.split(", ").filter(entry => parseInt(entry.slice(entry.lastIndexOf(" ") + 1), 10) <= width).join(", ");

/** Phones pick among renditions of at most this width (a 3x screen would otherwise take the 1,600-pixel one). */
const PhoneWidth = 960, PhoneMedia = "(max-width: 720px)";

/**
 * An uploaded photo (an article's `image`) as a <picture>: WebP where the browser takes it, JPEG otherwise, the rendition
 * the screen needs (`sizes`), phones never more than 960 pixels. The same markup the server renders on permalinks.
 */
export function picture(image, { sizes = "(max-width: 720px) 100vw, 720px", className, loading } = {}) {
  return h("picture", { class: className },
    h("source", { type: "image/webp", media: PhoneMedia, srcset: srcsetUpTo(image.webpSrcset, PhoneWidth), sizes: "100vw" }),
    h("source", { type: "image/webp", srcset: image.webpSrcset, sizes }),
    h("source", { media: PhoneMedia, srcset: srcsetUpTo(image.srcset, PhoneWidth), sizes: "100vw" }),
    h("img", { src: image.src, srcset: image.srcset, sizes, alt: image.alt, width: image.width, height: image.height, loading }));
}

/** A small picture beside a headline (`width` CSS pixels wide): the smallest renditions do. */
export function thumbnail(image, width, className) {
  return h("picture", { class: className },
    h("source", { type: "image/webp", srcset: image.webpSrcset, sizes: `${width}px` }),
    h("img", { src: image.src, srcset: image.srcset, sizes: `${width}px`, alt: "", width: image.width, height: image.height, loading: "lazy" }));
}
