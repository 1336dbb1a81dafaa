// The desk's polls: the list with their state and totals, create / open / close / reopen (editors), the embed code, and
// each poll's integrity panel (editors): a chart with one bar per minute of the poll's life, the largest networks, exports.
import { t } from "./i18n.js";
import { api, formatNumber, h, zonedToUtc } from "./live.js";
import { uploadPhoto } from "./desk-composer.js";

/** What the desk shares with this module: its role, its action runner, the site's address and the newsroom's time zone. */
export const desk = { editor: false, act: async (_button, action) => action(), siteUrl: location.origin, timeZone: "Asia/Almaty", pollsChanged: async () => {} };

const stateLabel = state => t(`state${state}`);

/**
 * Votes per minute as bars, one for every minute from the first vote to the last (or now, while votes come): a minute
 * without votes is an empty slot, not a missing one, so a lull reads as a lull. Labelled with its first and last
 * minute and its peak; each bar says its minute and count to a pointer and to a screen reader (its title).
 */
function minuteChart(perMinute) {
  const svgNs = "http://www.w3.org/2000/svg";
  const figure = h("figure", { class: "minute-chart" });
  if (perMinute.length === 0) {
    figure.append(h("p", { class: "muted" }, t("noVotesYet")));
    return figure;
  }
  const counts = new Map(perMinute.map(m => [Date.parse(m.minute), m.votes]));
  const first = Math.min(...counts.keys());
  const last = Math.max(Math.max(...counts.keys()), Math.floor(Date.now() / 60_000) * 60_000);
  const span = Math.min(Math.round((last - first) / 60_000) + 1, 240);
  const start = last - (span - 1) * 60_000;
  const minutes = Array.from({ length: span }, (_, i) => ({ at: start + i * 60_000, votes: counts.get(start + i * 60_000) ?? 0 }));
  const peak = Math.max(1, ...minutes.map(m => m.votes));
  const width = Math.max(span * 6, 120), height = 80, slot = width / span;
  const chart = document.createElementNS(svgNs, "svg");
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  chart.setAttribute("preserveAspectRatio", "none");
  chart.setAttribute("class", "integrity-chart");
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", t("chartSummary", { n: span, p: formatNumber(peak), from: timeOfMinute(start), to: timeOfMinute(last) }));
  minutes.forEach((m, i) => {
    const bar = document.createElementNS(svgNs, "rect");
    const barHeight = m.votes === 0 ? 0 : Math.max(2, Math.round((height - 2) * m.votes / peak));
    bar.setAttribute("x", String(i * slot));
    bar.setAttribute("width", String(Math.max(1, slot * 0.8)));
    bar.setAttribute("y", String(height - barHeight));
    bar.setAttribute("height", String(barHeight));
    const title = document.createElementNS(svgNs, "title");
    title.textContent = `${timeOfMinute(m.at)}: ${formatNumber(m.votes)}`;
    bar.append(title);
    chart.append(bar);
  });
  figure.append(chart, h("figcaption", { class: "chart-axis" },
    h("span", {}, timeOfMinute(start)), h("span", {}, t("peak", { n: formatNumber(peak) })), h("span", {}, timeOfMinute(last))));
  return figure;
}

/** The code a partner site pastes to show the poll (from the server's oEmbed answer), ready to copy. */
async function showEmbedCode(button, pollId) {
  const cell = button.closest("td");
  cell.querySelector(".embed-code")?.remove();
  const answer = await api(`/oembed?url=${encodeURIComponent(`${desk.siteUrl}/polls/${encodeURIComponent(pollId)}`)}`);
  const code = h("textarea", { readonly: true, rows: 3, "aria-label": t("embed") }, answer.html);
  const copy = h("button", { type: "button", class: "secondary small", onclick: async () => {
    await navigator.clipboard?.writeText(answer.html).catch(() => {});
    copy.textContent = t("copied");
  } }, t("copy"));
  cell.append(h("div", { class: "embed-code" }, code, copy));
  code.select();
}

export async function loadPolls() {
  const polls = await api("/api/newsroom/polls");
  placeRows(document.getElementById("polls"), polls.slice(0, 30).map(poll => {
    const id = encodeURIComponent(poll.pollId);
    const action = (name, label) => h("button", { type: "button", class: "secondary small", onclick: e => desk.act(e.currentTarget, async () => {
      await api(`/api/newsroom/polls/${id}/${name}`, { method: "POST" }); await loadPolls(); }) }, label);
    return h("tr", { dataset: { pollId: poll.pollId } },
      h("td", {}, h("strong", {}, poll.question), h("br"),
        h("span", { class: `state state-${poll.state}` }, stateLabel(poll.state)), " ",
        (poll.kind ?? "Choice") !== "Choice" ? h("span", { class: "kind-badge" }, t(`kind${poll.kind}`), poll.answersRevealed ? ` · ${t("revealed")}` : "") : null, " ",
        h("span", { class: "muted" }, t("total", { n: poll.totalVoters ?? 0 })), " · ",
        h("a", { href: `/polls/${id}` }, "/polls/" + poll.pollId), " · ", h("a", { href: `/screen?poll=${id}` }, "/screen")),
      h("td", { class: "row-actions" },
        desk.editor && poll.state === "Scheduled" ? action("open", t("open")) : null,
        desk.editor && poll.state === "Open" ? action("close", t("close")) : null,
        desk.editor && poll.state === "Closed" ? action("reopen", t("reopen")) : null,
        desk.editor && poll.kind === "Quiz" && !poll.answersRevealed ? action("reveal", t("reveal")) : null,
        desk.editor && poll.kind === "Words" ? h("button", { type: "button", class: "secondary small moderate-toggle", "aria-expanded": "false",
          onclick: e => toggleModeration(e.currentTarget, poll.pollId) }, t("moderate")) : null,
        h("button", { type: "button", class: "secondary small", onclick: e => desk.act(e.currentTarget, () => showEmbedCode(e.currentTarget, poll.pollId)) }, t("embed")),
        desk.editor ? h("button", { type: "button", class: "secondary small integrity-toggle", "aria-expanded": "false",
          onclick: e => toggleIntegrity(e.currentTarget, poll.pollId) }, t("integrity")) : null,
        h("p", { class: "form-error", role: "alert" })));
  }));
}

/** The panels open under a poll's row (integrity, moderation): the rows that follow it up to the next poll's row. */
function panelsOf(row) {
  const panels = [];
  for (let next = row.nextElementSibling; next && !next.dataset.pollId; next = next.nextElementSibling) panels.push(next);
  return panels;
}

/**
 * Puts fresh rows in place of the old ones without touching the panels open under them, so a queue being moderated or an
 * integrity panel being read stays open (with its focus) while the list refreshes itself every few seconds.
 */
function placeRows(body, rows) {
  const old = new Map([...body.querySelectorAll("tr[data-poll-id]")].map(r => [r.dataset.pollId, r]));
  let cursor = null;
  for (const row of rows) {
    const previous = old.get(row.dataset.pollId);
    old.delete(row.dataset.pollId);
    if (previous) {
      for (const panel of panelsOf(previous)) {
        const toggle = panel.classList.contains("integrity-row") ? ".integrity-toggle" : ".moderate-toggle";
        row.querySelector(toggle)?.setAttribute("aria-expanded", "true");
      }
      previous.replaceWith(row);
    } else if (cursor) {
      cursor.after(row);
    } else {
      body.prepend(row);
    }
    cursor = panelsOf(row).at(-1) ?? row;
  }
  for (const gone of old.values()) {
    for (const panel of panelsOf(gone)) panel.remove();
    gone.remove();
  }
}

const percent = share => `${(share * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;

/** Shows (or hides) a poll's integrity panel under its row: verdict, votes per minute, largest networks, exports. */
async function toggleIntegrity(button, pollId) {
  const row = button.closest("tr");
  const open = panelsOf(row).find(p => p.classList.contains("integrity-row"));
  if (open) {
    open.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const report = await api(`/api/newsroom/polls/${encodeURIComponent(pollId)}/integrity`);
  showIntegrity(row, pollId, report);
  button.setAttribute("aria-expanded", "true");
}

/** Fills (or refills) the integrity panel under a poll's row. */
function showIntegrity(row, pollId, report) {
  const id = encodeURIComponent(pollId);
  const top = report.topNetworks;
  const above = top.filter(n => n.share > 0.02);
  const verdict = report.records === 0 ? t("noVotesYet")
    : above.length === 0 ? t("noneAbove", { p: percent(top[0].share), n: formatNumber(report.networks) })
    : t("someAbove", { k: above.length, p: percent(top[0].share), v: formatNumber(top[0].votes), n: formatNumber(report.networks) });
  const chart = minuteChart(report.perMinute);
  const panel = h("td", { colspan: "2", class: "integrity" },
    h("h3", {}, t("integrityHeading")),
    h("p", { class: "integrity-verdict" }, verdict),
    h("p", { class: "muted" }, t("perMinute")), chart,
    h("table", { class: "integrity-networks" },
      h("thead", {}, h("tr", {}, h("th", {}, t("network")), h("th", {}, t("votes")), h("th", {}, t("share")), h("th", {}))),
      h("tbody", {}, ...top.map(n => {
        const excluded = report.excluded.includes(n.network);
        const change = excluded ? "admit" : "exclude";
        return h("tr", { dataset: { network: n.network } }, h("td", {}, h("code", {}, n.network), excluded ? ` (${t("excludedMark")})` : null),
          h("td", {}, formatNumber(n.votes)), h("td", {}, percent(n.share)),
          h("td", {}, h("button", { type: "button", class: "secondary small network-action", onclick: e => desk.act(e.currentTarget, async () => {
            const updated = await api(`/api/newsroom/polls/${id}/networks/${n.network}/${change}`, { method: "POST" });
            // The list shows the recounted total; the panel stays open under the poll's new row.
            await loadPolls();
            const fresh = document.querySelector(`#polls tr[data-poll-id="${CSS.escape(pollId)}"]`);
            if (fresh) {
              showIntegrity(fresh, pollId, updated);
              fresh.querySelector(".integrity-toggle")?.setAttribute("aria-expanded", "true");
            }
          }) }, t(change))));
      }))),
    h("p", { class: "integrity-held" }, t("heldCount", { n: formatNumber(report.held) })),
    h("p", { class: "integrity-outcomes" }, `${t("answers")}: `,
      Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${formatNumber(v)}`).join(" · ") || "–"),
    h("p", { class: "muted" }, `${t("transports")}: `, Object.entries(report.byTransport).map(([k, v]) => `${k} ${formatNumber(v)}`).join(" · ")),
    h("p", {},
      h("a", { href: `/api/newsroom/polls/${id}/export?series=results`, download: `poll-${pollId}-results.csv`, class: "export-results" }, t("downloadResults")), " · ",
      h("a", { href: `/api/newsroom/polls/${id}/export?series=minutes`, download: `poll-${pollId}-minutes.csv` }, t("downloadMinutes"))));
  const existing = panelsOf(row).find(p => p.classList.contains("integrity-row")) ?? null;
  const panelRow = h("tr", { class: "integrity-row" }, panel);
  if (existing) existing.replaceWith(panelRow); else row.after(panelRow);
}

/** The queue of a words poll under its row, read again every two seconds while open: approve or hide each entry. */
async function toggleModeration(button, pollId) {
  const row = button.closest("tr");
  const open = panelsOf(row).find(p => p.classList.contains("moderation-row"));
  if (open) {
    clearInterval(Number(open.dataset.timer));
    open.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const id = encodeURIComponent(pollId);
  const list = h("ul", { class: "word-queue" });
  const panel = h("tr", { class: "moderation-row" }, h("td", { colspan: "2" }, h("h3", {}, t("moderate")), list));
  const stateText = { Pending: t("wordPendingState"), Approved: t("wordApprovedState"), Hidden: t("wordHiddenState"), Blocked: t("wordBlockedState") };
  const moderate = (change, entry) => e => desk.act(e.currentTarget, async () => {
    show(await api(`/api/newsroom/polls/${id}/words/${change}`, { method: "POST", body: { entries: [entry] } }));
  });
  const show = entries => {
    // Keep focus on the entry a person is working on when the queue is drawn again.
    const focused = document.activeElement?.closest?.(".word-queue li")?.dataset.entry;
    list.replaceChildren(...(entries.length === 0 ? [h("li", { class: "muted" }, t("noEntries"))] : entries.map(entry =>
      h("li", { class: `word-entry state-${entry.state}`, dataset: { entry: entry.text } },
        h("span", { class: "word-text" }, entry.text), " ", h("span", { class: "muted" }, `× ${formatNumber(entry.count)} · ${stateText[entry.state]}`),
        entry.state !== "Approved" && entry.state !== "Blocked" ? h("button", { type: "button", class: "secondary small approve", onclick: moderate("approve", entry.text) }, t("approve")) : null,
        entry.state !== "Hidden" && entry.state !== "Blocked" ? h("button", { type: "button", class: "secondary small hide", onclick: moderate("hide", entry.text) }, t("hide")) : null))));
    if (focused) list.querySelector(`li[data-entry="${CSS.escape(focused)}"] button`)?.focus();
  };
  row.after(panel);
  button.setAttribute("aria-expanded", "true");
  const refresh = async () => {
    if (!panel.isConnected) { clearInterval(timer); return; }
    try { show(await api(`/api/newsroom/polls/${id}/words`)); } catch { /* the next round tries again */ }
  };
  const timer = setInterval(refresh, 2_000);
  panel.dataset.timer = String(timer);
  await refresh();
}

/** The newsroom's allow- and block-lists for words polls, one entry per line. */
export async function wordListsForm() {
  const form = document.getElementById("word-lists-form");
  if (!form || !desk.editor) return;
  const lines = value => value.split("\n").map(l => l.trim()).filter(Boolean);
  const fill = lists => { form.elements.allowed.value = lists.allowed.join("\n"); form.elements.blocked.value = lists.blocked.join("\n"); };
  fill(await api("/api/newsroom/words/lists"));
  form.addEventListener("submit", e => {
    e.preventDefault();
    desk.act(form.querySelector("button[type=submit]"), async () => fill(await api("/api/newsroom/words/lists", { method: "PUT",
      body: { allowed: lines(form.elements.allowed.value), blocked: lines(form.elements.blocked.value) } })));
  });
}

const timeOfMinute = iso => new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

/**
 * One option of the poll being made: its text, for a quiz whether it is right, and an optional photo (uploaded through
 * the media upload, which strips its metadata, or an https address) with the alt text readers who cannot see it need.
 */
function optionRow(list) {
  const photo = h("div", { class: "option-photo", hidden: true });
  const url = h("input", { type: "url", name: "optionImageUrl", placeholder: "https://… / /media/…", "aria-label": t("photoAddress") });
  const alt = h("input", { name: "optionImageAlt", maxlength: "300", "aria-label": t("photoAlt") , placeholder: t("photoAlt") });
  const status = h("span", { class: "muted", role: "status" });
  const file = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", "aria-label": t("choosePhoto"), onchange: async () => {
    const chosen = file.files[0];
    if (!chosen) return;
    status.textContent = t("uploading", { n: chosen.name });
    try {
      const item = await uploadPhoto(chosen);
      url.value = item.image.src;
      status.textContent = t("photoAdded");
      alt.focus();
    } catch (error) {
      status.textContent = t("failed", { m: error.message });
    }
  } });
  photo.append(file, status, url, alt);
  const row = h("li", { class: "option-row" },
    h("input", { name: "optionText", maxlength: "300", "aria-label": t("optionN", { n: list.children.length + 1 }) }),
    h("label", { class: "check kind-quiz", hidden: true }, h("input", { type: "checkbox", name: "optionCorrect" }), " ", t("rightOption")),
    h("button", { type: "button", class: "secondary small", "aria-expanded": "false", onclick: e => {
      photo.hidden = !photo.hidden;
      e.currentTarget.setAttribute("aria-expanded", String(!photo.hidden));
    } }, t("optionPhoto")),
    h("button", { type: "button", class: "secondary small remove-option", "aria-label": t("removeOption"), onclick: () => {
      if (list.children.length > 2) row.remove();
      renumber(list);
    } }, "×"),
    photo);
  return row;
}

const renumber = list => [...list.children].forEach((row, i) => row.querySelector("[name=optionText]").setAttribute("aria-label", t("optionN", { n: i + 1 })));

export function pollForm() {
  const form = document.getElementById("poll-form");
  const list = form.querySelector("#p-options");
  const reset = () => { list.replaceChildren(optionRow(list)); list.append(optionRow(list)); renumber(list); showKind(); };
  // What each kind asks for: options (not a rating: its options are its scale), right answers for a quiz, several
  // choices only for a plain choice poll.
  const showKind = () => {
    const kind = form.elements.kind.value;
    form.querySelector(".poll-option-editor").hidden = kind === "Rating" || kind === "Words";
    form.querySelector(".kind-hint-outside").textContent = kind === "Words" ? t("hintWords") : "";
    form.querySelector(".kind-rating").hidden = kind !== "Rating";
    form.querySelector(".kind-choice").hidden = kind !== "Choice";
    form.querySelector(".kind-quiz-group").hidden = kind !== "Quiz";
    for (const label of form.querySelectorAll(".kind-quiz")) label.hidden = kind !== "Quiz";
    form.querySelector(".kind-hint").textContent = t(`hint${kind}`);
  };
  form.elements.kind.addEventListener("change", showKind);
  form.querySelector(".add-option").addEventListener("click", () => {
    if (list.children.length >= 10) return;
    const row = optionRow(list);
    list.append(row);
    for (const label of row.querySelectorAll(".kind-quiz")) label.hidden = form.elements.kind.value !== "Quiz";
    row.querySelector("input").focus();
  });
  reset();
  form.addEventListener("submit", e => {
    e.preventDefault();
    const kind = form.elements.kind.value;
    const options = kind === "Rating" || kind === "Words" ? undefined : [...list.children].map(row => ({
      text: row.querySelector("[name=optionText]").value.trim(),
      correct: kind === "Quiz" ? row.querySelector("[name=optionCorrect]").checked : undefined,
      imageUrl: row.querySelector("[name=optionImageUrl]").value.trim() || undefined,
      imageAlt: row.querySelector("[name=optionImageAlt]").value.trim() || undefined,
    })).filter(o => o.text || o.imageUrl);
    const [scaleMin, scaleMax] = form.elements.scale.value.split("-").map(Number);
    desk.act(form.querySelector("button[type=submit]"), async () => {
      await api("/api/newsroom/polls", { method: "POST", body: {
        question: form.elements.question.value.trim(), kind, options,
        quiz: kind === "Quiz" && form.elements.quiz.value.trim() ? form.elements.quiz.value.trim() : undefined,
        scaleMin: kind === "Rating" ? scaleMin : undefined, scaleMax: kind === "Rating" ? scaleMax : undefined,
        maxChoices: kind === "Choice" ? Number(form.elements.maxChoices.value) || 1 : undefined,
        allowVoteChange: form.elements.allowVoteChange.checked, resultVisibility: form.elements.resultVisibility.value,
        opensAt: form.elements.opensAt.value ? zonedToUtc(form.elements.opensAt.value, desk.timeZone) : undefined,
        closesAt: form.elements.closesAt.value ? zonedToUtc(form.elements.closesAt.value, desk.timeZone) : undefined } });
      form.reset();
      reset();
      await Promise.all([loadPolls(), desk.pollsChanged()]);
    });
  });
}
