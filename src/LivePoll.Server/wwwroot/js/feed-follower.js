// Following the live feed, the same way on every page (reader, screen, desk): a page of the feed over HTTP, then the
// hub's SubscribeFeed with the last sequence seen, then each FeedEvent once and in order.
//
// - Sequence numbers compare only within one epoch. An event, a catch-up or a FeedReset of another epoch means the
//   store lost data and numbering began again: the page reloads the feed instead of dropping the "old" numbers.
// - While the page is loading (first load, language switch, reset) or waiting for a catch-up, live events wait in a
//   queue; afterwards the catch-up is applied first and the queued events after it, each once (none lost to a reload,
//   none applied before the changes that came earlier).
import { ClientEvents, HubMethods } from "./hub-names.js";

export class FeedFollower {
  /**
   * load(): fetches and shows a fresh feed page; resolves with that page ({ epoch, lastSequence }).
   * apply(event): shows one change (called in sequence order, once per event).
   * onReset(): the store lost data (a new epoch): whatever else the page shows from the store should be read again.
   */
  constructor({ load, apply, onReset }) {
    this.load = load;
    this.apply = apply;
    this.onReset = onReset;
    this.epoch = null;
    this.lastSequence = 0;
    this.waiting = 0;        // loads and catch-ups in progress: live events queue meanwhile
    this.queue = [];
    this.reloading = null;
    this.reloadAgain = false;
  }

  /** The hub handlers to register: FeedEvent and FeedReset. */
  get handlers() {
    return {
      [ClientEvents.FeedEvent]: event => this.receive(event),
      [ClientEvents.FeedReset]: () => { this.reload().catch(error => console.warn("feed reload failed", error)); },
    };
  }

  /** Loads the feed page afresh (first load, language switch, reset); live events meanwhile are kept, not lost. */
  async reload() {
    if (this.reloading) {
      // A reset while loading: the page being read may predate it, so read once more when this one ends.
      this.reloadAgain = true;
      return this.reloading;
    }
    this.waiting++;
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        const page = await this.load();
        const reset = this.epoch !== null && (page.epoch ?? "") !== this.epoch;
        this.epoch = page.epoch ?? "";
        if (reset) this.onReset?.();
        this.lastSequence = page.lastSequence;
        // Events of an older epoch that waited are meaningless now.
        this.queue = this.queue.filter(event => (event.epoch ?? "") === this.epoch);
      } while (this.reloadAgain);
    })();
    try {
      await this.reloading;
    } finally {
      this.reloading = null;
      this.waiting--;
      this.drain();
    }
  }

  /** After every (re)connect: subscribes from the last sequence seen and applies what was missed, then what arrived since. */
  async subscribe(hub) {
    this.waiting++;
    let catchUp;
    try {
      catchUp = await hub.invoke(HubMethods.SubscribeFeed, this.lastSequence);
    } finally {
      this.waiting--;
    }
    if (!catchUp.complete || (catchUp.epoch ?? "") !== this.epoch || catchUp.lastSequence < this.lastSequence) {
      // Away too long, or the store lost data (new epoch): start again from a fresh page.
      await this.reload();
      return;
    }
    for (const event of catchUp.events) this.take(event);
    this.drain();
  }

  receive(event) {
    if (this.waiting > 0) this.queue.push(event);
    else this.take(event);
  }

  take(event) {
    if ((event.epoch ?? "") !== this.epoch) {
      this.queue.push(event);
      this.reload().catch(error => console.warn("feed reload failed", error));
      return;
    }
    if (event.sequence <= this.lastSequence) return;
    this.lastSequence = event.sequence;
    this.apply(event);
  }

  drain() {
    this.queue.sort((a, b) => a.sequence - b.sequence);
    while (this.waiting === 0 && this.queue.length > 0) this.take(this.queue.shift());
  }
}
