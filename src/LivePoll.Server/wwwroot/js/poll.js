// A poll card: numbered options, vote buttons (one click, or checkboxes and a Vote button for multiple choice),
// bars with counts in brackets and percentages that animate in place as snapshots arrive. Keeps the snapshot
// with the highest version: with several nodes, snapshots can arrive out of order.
import { t, textForm } from "./i18n.js";
import { animateNumber, formatNumber, h, percentages } from "./live.js";

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
      || this.snapshot.options.length !== snapshot.options.length;
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
    const multiple = s.maxChoices > 1;
    const voting = this.canVote;
    const list = h("ol", { class: "poll-options" }, s.options.map((option, index) => {
      const chosen = s.yourChoices?.includes(option.id);
      const label = [h("span", { class: "option-number" }, `${index + 1}.`), " ", h("span", { class: "option-text" }, option.text)];
      const counts = h("span", { class: "option-figures", hidden: !s.resultsVisible },
        h("span", { class: "option-count", "aria-hidden": "true" }, "(", h("span", { class: "count" }), ")"),
        " ", h("span", { class: "option-percent" }));
      const bar = h("span", { class: "bar", hidden: !s.resultsVisible, "aria-hidden": "true" }, h("span", { class: "bar-fill" }));
      let control;
      if (voting && multiple) {
        control = h("label", { class: "option-choice" },
          h("input", { type: "checkbox", name: "choice", value: option.id, checked: chosen, onchange: () => this.limitChoices() }),
          h("span", {}, ...label));
      } else if (voting) {
        control = h("button", { type: "button", class: "option-vote", disabled: this.busy, onclick: () => this.vote([option.id]) }, ...label);
      } else {
        control = h("span", { class: "option-label" }, ...label, chosen ? h("span", { class: "you-chose", title: t("voted") }, " ✓") : null);
      }
      return h("li", { class: `poll-option${chosen ? " chosen" : ""}`, dataset: { optionId: option.id } }, control, counts, bar);
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
      list,
      multiple && voting ? h("button", { type: "button", class: "primary vote-multiple", disabled: this.busy, onclick: () => this.voteChecked() }, t("vote")) : null,
      s.yourChoices ? h("p", { class: "poll-voted", role: "status" }, "✓ ", t("voted")) : null,
      h("p", { class: "poll-total", hidden: s.totalVoters === null || s.totalVoters === undefined }),
      ...notes.map(n => h("p", { class: "poll-note" }, n)),
      h("p", { class: "poll-error", role: "alert" }, this.error),
    ].filter(Boolean));
    this.root.setAttribute("aria-labelledby", this.headingId);
    this.update(true);
  }

  /** Moves bars and numbers to the current snapshot without rebuilding, so CSS transitions animate them. */
  update(immediate = false) {
    const s = this.snapshot;
    const shares = s.maxChoices > 1 && s.totalVoters
      ? s.options.map(o => o.count === null ? null : Math.round(o.count * 100 / s.totalVoters))
      : percentages(s.options);
    s.options.forEach((option, i) => {
      const item = this.root.querySelector(`li[data-option-id="${CSS.escape(option.id)}"]`);
      if (!item || option.count === null || option.count === undefined) return;
      const count = item.querySelector(".count");
      if (immediate) { count.dataset.value = String(option.count); count.textContent = formatNumber(option.count); }
      else animateNumber(count, option.count);
      item.querySelector(".option-percent").textContent = `${shares[i]}%`;
      item.querySelector(".bar-fill").style.width = `${shares[i]}%`;
      item.setAttribute("aria-label", `${i + 1}. ${option.text}: ${formatNumber(option.count)}, ${shares[i]}%`);
    });
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

  /** Tells screen readers the new total, at most every 10 s, so a surge does not drown them. */
  maybeAnnounce() {
    const s = this.snapshot;
    if (!this.announce || !s.resultsVisible || s.totalVoters === null) return;
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

  async vote(optionIds) {
    this.busy = true;
    this.error = "";
    this.render();
    try {
      const result = await this.onVote(this.snapshot.pollId, optionIds);
      if (["Accepted", "Changed", "AlreadyVoted"].includes(result.outcome)) {
        this.snapshot = { ...this.snapshot, yourChoices: result.choices };
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
