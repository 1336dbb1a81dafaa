// Every label of the pages in Kazakh (the default), Russian and English, from the one source of texts the server
// uses too (Texts/texts.json, made into ../lib/texts.js by the build). t("key", { n: 3 }) fills {n}; a text with plural
// forms ({ one, few, many, other }) is chosen by n with the CLDR rules of Intl.PluralRules: "1 голос", "2 голоса",
// "5 голосов". Numbers in the values are written as the language writes them (12 345 / 12,345).
import texts from "../lib/texts.js";

export const languages = Object.keys(texts);

/** The page's language: ?lang=, then the reader's last choice, then Kazakh. */
export function currentLanguage() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (languages.includes(fromUrl)) return fromUrl;
  let saved = null;
  try { saved = localStorage.getItem("lp_lang"); } catch { /* storage blocked (e.g. an embed in a partner's page) */ }
  return languages.includes(saved) ? saved : "kk";
}

export function setLanguage(lang) {
  try { localStorage.setItem("lp_lang", lang); } catch { /* storage blocked: the choice lasts for this page */ }
  const url = new URL(location.href);
  url.searchParams.set("lang", lang);
  history.replaceState(history.state, "", url);
}

const pluralRules = new Map();

/** The form of `key` for the count n (placeholders left in): the text itself, or its plural form for n. */
export function textForm(key, n, lang = currentLanguage()) {
  const text = texts[lang][key] ?? texts.en[key] ?? key;
  if (typeof text === "string") return text;
  if (!pluralRules.has(lang)) pluralRules.set(lang, new Intl.PluralRules(lang));
  return text[pluralRules.get(lang).select(Number(n))] ?? text.other;
}

/** A whole number as the language writes it: grouped from five digits on (1234, 12 345 / 12,345). */
export const formatNumber = (n, lang = currentLanguage()) =>
  new Intl.NumberFormat(texts[lang].numberLocale, { useGrouping: "min2" }).format(n);

export function t(key, values = {}) {
  const lang = currentLanguage();
  return textForm(key, values.n, lang).replace(/\{(\w+)\}/g, (_, name) => {
    const value = values[name];
    return typeof value === "number" ? formatNumber(value, lang) : String(value ?? "");
  });
}

/** Month names as a date writes them ("03 желтоқсан", "03 декабря", "03 December"), January first. */
export const monthName = (month, lang = currentLanguage()) => texts[lang].months.split(" ")[month - 1];

/** Fills every element with data-t (text), data-t-placeholder and data-t-aria-label from the dictionary. */
export function translatePage(root = document) {
  document.documentElement.lang = currentLanguage();
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) el.placeholder = t(el.dataset.tPlaceholder);
  for (const el of root.querySelectorAll("[data-t-aria-label]")) el.setAttribute("aria-label", t(el.dataset.tAriaLabel));
}
