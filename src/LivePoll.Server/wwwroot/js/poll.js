// A poll card: numbered options, vote buttons (one click, or checkboxes and a Vote button for multiple choice),
// bars with counts in brackets and percentages that animate in place as snapshots arrive. Keeps the snapshot
// with the highest version: with several nodes, snapshots can arrive out of order.
// Kinds: a quiz votes like a single choice and, once the answers are revealed, tells the reader whether they were right;
// a rating is a row of stars (1–5) or numbers, with the live average; a ranking is a list the reader orders (drag and
// drop, or the ↑ ↓ buttons from the keyboard) and sends; its results are Borda points and average places. Any option
// may show a photo.
import { t, textForm } from "./i18n.js";
import { animateNumber, api, formatNumber, h, percentages } from "./live.js";
import { canCheck, checkVote, keepReceipt, keptReceipt } from "./tally-check.js";

/** A rating on a 1–5 scale shows as stars; others as numbers. */
const stars = snapshot => snapshot.kind === "Rating" && snapshot.options[0].id === "1" && snapshot.options.length <= 5;

/** 4.2 as "4,2" in Kazakh and Russian, "4.2" in English. */
const formatDecimal = n => formatNumber(n);

export class PollView {
  /** root: the element to fill; onVote(optionIds) returns a promise of the vote's result, or is absent (screen). */
  constructor(root, { onVote, announce } = {}) {
    this.root = root;
    this.onVote = onVote;
    this.announce = announce;
    this.snapshot = null;
    this.busy = false;
    this.error = "";
    this.lastAnnounced = 0;
    // The page's first poll keeps the plain id; every other gets its own, so each card is labelled by its own question.
    this.headingId = PollView.count++ === 0 ? "poll-question" : `poll-question-${PollView.count}`;
  }

  static count = 0;

  /**
   * Applies a snapshot unless a newer one of the same poll is already shown. Versions compare only within one epoch: a
   * snapshot with another epoch is the poll made anew after the store lost its data, and replaces what is shown.
   */
  apply(snapshot) {
    const samePoll = this.snapshot && this.snapshot.pollId === snapshot.pollId && (this.snapshot.epoch ?? "") === (snapshot.epoch ?? "");
    if (samePoll && snapshot.version < this.snapshot.version) return false;
    // A broadcast snapshot carries no choices of ours: keep the ones we know (not across epochs: those votes are gone).
    const yourChoices = snapshot.yourChoices ?? (samePoll ? this.snapshot.yourChoices : null);
    // Drawn afresh when anything but the counts changed, for a poll made anew (another epoch), or when the card shows a
    // message instead of the poll (it was missing for a moment).
    const structural = !this.snapshot || !samePoll || !this.root.querySelector(".poll-question") || this.snapshot.state !== snapshot.state
      || this.snapshot.resultsVisible !== snapshot.resultsVisible || String(this.snapshot.yourChoices) !== String(yourChoices)
      || this.snapshot.options.length !== snapshot.options.length || this.snapshot.answersRevealed !== snapshot.answersRevealed;
    if (!samePoll) this.order = null;
    this.snapshot = { ...snapshot, yourChoices };
    if (structural) this.render(); else this.update();
    this.maybeAnnounce();
    return true;
  }

  get canVote() {
    const s = this.snapshot;
    return !!this.onVote && s.state === "Open" && (!s.yourChoices || s.allowVoteChange);
  }

  render() {
    const s = this.snapshot;
    const kind = s.kind ?? "Choice";
    const multiple = s.maxChoices > 1 && kind === "Choice";
    const voting = this.canVote;
    const ranking = kind === "Ranking" && voting;
    const rating = kind === "Rating" && voting;
    const words = kind === "Words";
    const list = h("ol", { class: `poll-options kind-${kind.toLowerCase()}` }, s.options.map((option, index) => {
      const chosen = s.yourChoices?.includes(option.id);
      // A revealed quiz marks the reader's wrong answer as wrong, not as a plain choice.
      const wrong = chosen && s.answersRevealed && option.correct === false;
      const label = [
        option.imageUrl ? h("img", { class: "option-image", src: option.imageUrl, alt: option.imageAlt ?? "", loading: "lazy", decoding: "async" }) : null,
        h("span", { class: "option-number" }, `${index + 1}.`), " ", h("span", { class: "option-text" }, kind === "Rating" ? this.ratingLabel(option.id) : option.text),
        option.correct ? h("span", { class: "option-correct" }, " ✓ ", t("correctAnswer")) : null,
      ];
      const counts = h("span", { class: "option-figures", hidden: !s.resultsVisible },
        h("span", { class: "option-count", "aria-hidden": "true" }, "(", h("span", { class: "count" }), ")"),
        " ", h("span", { class: "option-percent" }));
      const bar = h("span", { class: "bar", hidden: !s.resultsVisible, "aria-hidden": "true" }, h("span", { class: "bar-fill" }));
      let control;
      if (ranking || rating) {
        control = h("span", { class: "option-label" }, ...label);
      } else if (voting && multiple) {
        control = h("label", { class: "option-choice" },
          h("input", { type: "checkbox", name: "choice", value: option.id, checked: chosen, onchange: () => this.limitChoices() }),
          h("span", {}, ...label));
      } else if (voting) {
        control = h("button", { type: "button", class: "option-vote", disabled: this.busy, onclick: () => this.vote([option.id]) }, ...label);
      } else {
        control = h("span", { class: "option-label" }, ...label, chosen ? h("span", { class: "you-chose", title: t("voted") }, wrong ? " ✗" : " ✓") : null);
      }
      return h("li", { class: `poll-option${chosen ? " chosen" : ""}${option.correct ? " correct" : ""}${wrong ? " wrong" : ""}`, dataset: { optionId: option.id } }, control, counts, bar);
    }));

    const notes = [];
    if (s.state === "Closed") notes.push(t("closed"));
    if (s.state === "Scheduled") notes.push(t("scheduled"));
    if (!s.resultsVisible) {
      notes.push(t({ AfterVote: "afterVote", AfterClose: "afterClose", NewsroomOnly: "newsroomOnly" }[s.resultVisibility] ?? "afterClose"));
    }
    this.root.replaceChildren(...[
      h("h3", { class: "poll-question", id: this.headingId }, s.question),
      multiple && voting ? h("p", { class: "poll-hint" }, t("chooseUpTo", { n: s.maxChoices })) : null,
      rating ? this.ratingControl() : null,
      ranking ? this.rankingControl() : null,
      words && voting ? this.wordForm() : null,
      words ? h("ul", { class: "word-cloud", "aria-live": "off" }) : null,
      words ? h("p", { class: "poll-note words-empty" }, t("wordsEmpty")) : null,
      rating || words || (ranking && !s.resultsVisible) ? null : list,
      multiple && voting ? h("button", { type: "button", class: "primary vote-multiple", disabled: this.busy, onclick: () => this.voteChecked() }, t("vote")) : null,
      s.yourChoices ? h("p", { class: "poll-voted", role: "status" }, "✓ ", words ? t("wordSent", { w: s.yourChoices[0] }) : t("voted")) : null,
      s.yourChoices && keptReceipt(s.pollId) && canCheck() ? this.checkLine() : null,
      words && s.yourChoices ? h("p", { class: "poll-hint" }, t("wordPending")) : null,
      kind === "Quiz" && s.yourChoices ? this.quizVerdict() : null,
      kind === "Quiz" && s.quiz && s.yourChoices ? h("p", { class: "quiz-score", role: "status" }) : null,
      kind === "Ranking" && s.yourChoices ? h("p", { class: "poll-hint" }, t("yourRanking", { a: s.yourChoices.map(id => s.options.find(o => o.id === id)?.text ?? id).join(" › ") })) : null,
      h("p", { class: "poll-average", hidden: s.average === null || s.average === undefined }),
      h("p", { class: "poll-right", hidden: s.rightVoters === null || s.rightVoters === undefined }),
      h("p", { class: "poll-total", hidden: s.totalVoters === null || s.totalVoters === undefined }),
      ...notes.map(n => h("p", { class: "poll-note" }, n)),
      h("p", { class: "poll-error", role: "alert" }, this.error),
    ].filter(Boolean));
    this.root.setAttribute("aria-labelledby", this.headingId);
    this.update(true);
    if (kind === "Quiz" && s.quiz && s.yourChoices) this.showQuizScore();
  }

  /** Moves bars and numbers to the current snapshot without rebuilding, so CSS transitions animate them. */
  update(immediate = false) {
    const s = this.snapshot;
    // Shares of voters (several choices each: of voters, not of votes); a ranking's of all points.
    const shares = s.maxChoices > 1 && s.totalVoters && s.kind !== "Ranking"
      ? s.options.map(o => o.count == null ? null : Math.round(o.count * 100 / s.totalVoters))
      : percentages(s.options);
    s.options.forEach((option, i) => {
      const item = this.root.querySelector(`li[data-option-id="${CSS.escape(option.id)}"]`);
      if (!item || option.count === null || option.count === undefined) return;
      const count = item.querySelector(".count");
      if (immediate) { count.dataset.value = String(option.count); count.textContent = formatNumber(option.count); }
      else animateNumber(count, option.count);
      const place = option.averagePosition === null || option.averagePosition === undefined ? "" : t("avgPlace", { n: formatDecimal(option.averagePosition) });
      item.querySelector(".option-percent").textContent = s.kind === "Ranking"
        ? [t("points", { n: formatNumber(option.count) }), place].filter(Boolean).join(" · ") : `${shares[i]}%`;
      item.querySelector(".bar-fill").style.width = `${shares[i]}%`;
      item.setAttribute("aria-label", s.kind === "Ranking"
        ? `${i + 1}. ${option.text}: ${t("points", { n: formatNumber(option.count) })}, ${place}`
        : `${i + 1}. ${s.kind === "Rating" ? this.ratingLabel(option.id) : option.text}: ${formatNumber(option.count)}, ${shares[i]}%`);
    });
    if (s.kind === "Words") this.updateCloud();
    // A rating's average and a quiz's right share appear with the first answer (or the reveal) and move live.
    const average = this.root.querySelector(".poll-average");
    if (average) {
      average.hidden = s.average === null || s.average === undefined;
      if (!average.hidden) average.textContent = t("averageOf", { n: formatDecimal(s.average), max: s.options.at(-1).id });
    }
    const right = this.root.querySelector(".poll-right");
    if (right) {
      right.hidden = s.rightVoters === null || s.rightVoters === undefined;
      if (!right.hidden) right.textContent = t("rightShare", { p: s.totalVoters ? Math.round(s.rightVoters * 100 / s.totalVoters) : 0 });
    }
    const line = this.root.querySelector(".poll-total");
    if (line && s.totalVoters !== null && s.totalVoters !== undefined) {
      // "Всего: 1 голос" / "Всего: 2 голоса": the words follow the count's plural form; the number animates in its own span.
      const form = textForm("total", s.totalVoters);
      if (line.dataset.form !== form) {
        line.dataset.form = form;
        const [before, after = ""] = form.split("{n}");
        line.replaceChildren(before, line.querySelector(".total") ?? h("span", { class: "total" }), after);
      }
    }
    const total = this.root.querySelector(".total");
    if (total && s.totalVoters !== null && s.totalVoters !== undefined) {
      if (immediate) { total.dataset.value = String(s.totalVoters); total.textContent = formatNumber(s.totalVoters); }
      else animateNumber(total, s.totalVoters);
    }
  }

  /**
   * A words poll's cloud: the approved entries only (the server sends no other), sized by how many sent each, most sent
   * first; each says its count to a pointer and a screen reader.
   */
  updateCloud() {
    const s = this.snapshot;
    const cloud = this.root.querySelector(".word-cloud");
    if (!cloud) return;
    const words = s.words ?? [];
    const top = Math.max(1, ...words.map(w => w.count ?? 1));
    cloud.replaceChildren(...words.map(w => {
      const weight = w.count === null || w.count === undefined ? 0.5 : Math.log1p(w.count) / Math.log1p(top);
      return h("li", { style: `font-size: ${(1 + weight * 1.6).toFixed(2)}em`, title: w.count === null || w.count === undefined ? w.text : `${w.text}: ${formatNumber(w.count)}` },
        w.text, w.count === null || w.count === undefined ? null : h("span", { class: "visually-hidden" }, ` (${formatNumber(w.count)})`));
    }));
    this.root.querySelector(".words-empty").hidden = words.length > 0;
  }

  /** A words poll's answer: a short text field and a send button. */
  wordForm() {
    // What the reader typed survives the card being drawn again (sending, a refused answer): they fix it, not retype it.
    const input = h("input", { type: "text", name: "word", maxlength: "40", autocomplete: "off", enterkeyhint: "send", "aria-label": t("wordHint"),
      placeholder: t("wordHint"), value: this.draftWord ?? "", oninput: () => { this.draftWord = input.value; } });
    return h("form", { class: "word-form", onsubmit: e => {
      e.preventDefault();
      if (!input.value.trim()) { input.focus(); return; }
      this.draftWord = input.value;
      this.vote(null, input.value.trim());
    } }, input, h("button", { type: "submit", class: "primary", disabled: this.busy }, t("wordSend")));
  }

  /** A rating value as readers see it: "★★★★☆" on a 1–5 scale, else the number. */
  ratingLabel(value) {
    const max = Number(this.snapshot.options.at(-1).id);
    return stars(this.snapshot) ? "★".repeat(Number(value)) + "☆".repeat(max - Number(value)) : value;
  }

  /** A rating's vote: one button per value, the reader's own choice pressed. */
  ratingControl() {
    const s = this.snapshot;
    const max = s.options.at(-1).id;
    return h("div", { class: "rating-scale", role: "group", "aria-label": t("rateHint", { min: s.options[0].id, max }) },
      h("p", { class: "poll-hint" }, t("rateHint", { min: s.options[0].id, max })),
      h("div", { class: `rating-buttons${stars(s) ? " stars" : ""}` }, s.options.map(option =>
        h("button", {
          type: "button", class: "rating-value", disabled: this.busy, "aria-pressed": String(!!s.yourChoices?.includes(option.id)),
          "aria-label": t("rateAs", { n: option.id, max }), title: t("rateAs", { n: option.id, max }), dataset: { value: option.id },
          onclick: () => this.vote([option.id]),
        }, stars(s) ? "★" : option.id))),
      s.resultsVisible ? h("ol", { class: "poll-options rating-results" }, s.options.map(option => h("li", { class: "poll-option", dataset: { optionId: option.id } },
        h("span", { class: "option-label" }, this.ratingLabel(option.id)),
        h("span", { class: "option-figures" }, h("span", { class: "option-count", "aria-hidden": "true" }, "(", h("span", { class: "count" }), ")"), " ", h("span", { class: "option-percent" })),
        h("span", { class: "bar", "aria-hidden": "true" }, h("span", { class: "bar-fill" }))))) : null);
  }

  /**
   * A ranking's vote: the options in the reader's order, each with ↑ ↓ buttons (reachable by Tab, pressed with Enter or
   * Space; focus follows the moved option) and draggable with a mouse; then one button sends the whole order.
   */
  rankingControl() {
    const s = this.snapshot;
    this.order ??= (s.yourChoices?.length === s.options.length ? s.yourChoices : s.options.map(o => o.id)).slice();
    const textOf = id => s.options.find(o => o.id === id)?.text ?? id;
    const status = h("p", { class: "visually-hidden", role: "status" });
    const list = h("ol", { class: "ranking-list" });
    const draw = (focusId, focusClass) => {
      list.replaceChildren(...this.order.map((id, index) => {
        const move = by => {
          const to = index + by;
          if (to < 0 || to >= this.order.length) return;
          [this.order[index], this.order[to]] = [this.order[to], this.order[index]];
          status.textContent = t("moved", { n: textOf(id), p: to + 1 });
          draw(id, by < 0 ? "move-up" : "move-down");
        };
        const item = h("li", { class: "ranking-item", draggable: "true", dataset: { rankId: id },
          ondragstart: e => { e.dataTransfer.setData("text/plain", id); e.dataTransfer.effectAllowed = "move"; },
          ondragover: e => e.preventDefault(),
          ondrop: e => {
            e.preventDefault();
            const from = this.order.indexOf(e.dataTransfer.getData("text/plain"));
            if (from < 0 || from === index) return;
            const [moved] = this.order.splice(from, 1);
            this.order.splice(index, 0, moved);
            status.textContent = t("moved", { n: textOf(moved), p: index + 1 });
            draw();
          } },
          h("span", { class: "ranking-place" }, `${index + 1}.`),
          h("span", { class: "ranking-text" }, textOf(id)),
          h("button", { type: "button", class: "move-up", disabled: index === 0, "aria-label": t("moveUp", { n: textOf(id) }), onclick: () => move(-1) }, "↑"),
          h("button", { type: "button", class: "move-down", disabled: index === this.order.length - 1, "aria-label": t("moveDown", { n: textOf(id) }), onclick: () => move(1) }, "↓"));
        return item;
      }));
      if (focusId) {
        const item = list.querySelector(`li[data-rank-id="${CSS.escape(focusId)}"]`);
        // At the top or bottom the pressed button is disabled: keep focus on the item's other button.
        const button = item.querySelector(`.${focusClass}:not([disabled])`) ?? item.querySelector("button:not([disabled])");
        button?.focus();
      }
    };
    draw();
    return h("div", { class: "ranking" },
      h("p", { class: "poll-hint" }, t("rankHint")), list, status,
      h("button", { type: "button", class: "primary vote-ranking", disabled: this.busy, onclick: () => this.vote(this.order.slice()) }, t("sendRanking")));
  }

  /** A quiz of several questions: the reader's score so far (right answers among the revealed questions). */
  async showQuizScore() {
    const line = this.root.querySelector(".quiz-score");
    try {
      const score = await api(`/api/quizzes/${encodeURIComponent(this.snapshot.quiz)}/score`);
      if (line.isConnected) line.textContent = t("quizScore", { r: score.right, n: score.revealed, a: score.answered, q: score.questions });
    } catch {
      line.hidden = true;
    }
  }

  /** A quiz answer: right or not once the answers are revealed, else a promise that they will be. */
  quizVerdict() {
    const s = this.snapshot;
    if (!s.answersRevealed) return h("p", { class: "poll-note quiz-pending" }, t("quizPending"));
    const right = s.options.filter(o => o.correct);
    return s.yourChoices.some(id => right.some(o => o.id === id))
      ? h("p", { class: "quiz-verdict right", role: "status" }, t("quizRight"))
      : h("p", { class: "quiz-verdict wrong", role: "status" }, t("quizWrong", { a: right.map(o => o.text).join(", ") }));
  }

  /** "Check my vote" and what the last check found. */
  checkLine() {
    const result = this.check;
    return h("p", { class: "poll-check" },
      h("button", { type: "button", class: "check-vote", disabled: result?.busy, onclick: () => this.checkMyVote() }, t("checkVote")),
      h("span", { class: `check-result${result?.ok ? " ok" : result?.failed ? " failed" : ""}`, role: "status" }, result?.text ?? ""));
  }

  /** Proves in the browser that this reader's kept receipt is in the newest signed head (see tally-check.js). */
  async checkMyVote() {
    const pollId = this.snapshot.pollId;
    this.check = { busy: true, text: t("checkingVote") };
    this.render();
    const found = await checkVote(pollId, keptReceipt(pollId));
    if (this.snapshot.pollId !== pollId) return;
    const time = found.head ? new Intl.DateTimeFormat(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
      .format(new Date(found.head.at)) : "";
    this.check = found.ok ? { ok: true, text: t("voteVerified", { n: found.head.size, time }) }
      : found.pending ? { text: t("voteNotYet") }
      : { failed: true, text: t("voteCheckFailed", { reason: t({ leaf: "checkLeafMismatch", root: "checkRootMismatch", signature: "checkSignatureBad" }[found.reason] ?? "checkUnavailable") }) };
    this.render();
  }

  /** Tells screen readers the new total, at most every 10 s, so a surge does not drown them. */
  maybeAnnounce() {
    const s = this.snapshot;
    if (!this.announce || !s.resultsVisible || s.totalVoters == null) return;
    const now = Date.now();
    if (now - this.lastAnnounced < 10_000) return;
    this.lastAnnounced = now;
    this.announce(t("announce", { q: s.question, n: s.totalVoters }));
  }

  limitChoices() {
    const boxes = [...this.root.querySelectorAll("input[name=choice]")];
    const checked = boxes.filter(b => b.checked).length;
    for (const box of boxes) box.disabled = !box.checked && checked >= this.snapshot.maxChoices;
  }

  voteChecked() {
    const ids = [...this.root.querySelectorAll("input[name=choice]:checked")].map(b => b.value);
    if (ids.length === 0) { this.error = t("chooseUpTo", { n: this.snapshot.maxChoices }); this.render(); return; }
    return this.vote(ids);
  }

  /** Sends a vote: option ids, or for a words poll the reader's text. */
  async vote(optionIds, text) {
    this.busy = true;
    this.error = "";
    this.render();
    try {
      const result = await this.onVote(this.snapshot.pollId, optionIds, text);
      if (["Accepted", "Changed", "AlreadyVoted"].includes(result.outcome)) {
        this.snapshot = { ...this.snapshot, yourChoices: result.choices };
        if (result.receipt) {
          keepReceipt(this.snapshot.pollId, result.receipt, result.choices);
          this.check = null;
        }
        this.draftWord = "";
      } else {
        this.error = result.outcome === "PollClosed" ? t("voteClosed") : result.outcome === "StoreUnavailable" ? t("voteAgain")
          : result.outcome === "Held" ? t("voteHeld") : result.message;
      }
    } catch (error) {
      const retry = /Retry after (\d+)/i.exec(error.message);
      this.error = retry ? t("tooMany", { s: retry[1] }) : t("voteAgain");
    } finally {
      this.busy = false;
      this.render();
    }
  }
}
