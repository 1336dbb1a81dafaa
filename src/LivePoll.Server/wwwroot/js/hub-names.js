// The live hub's address, methods and events as the contracts name them (LivePoll.Contracts: HubPaths, HubMethods,
// ClientEvents; a test compares the two): the pages call and listen by these names, never by string literals.
export const HubPath = "/hubs/live";

export const HubMethods = Object.freeze({
  GetServerInfo: "GetServerInfo",
  SubscribePoll: "SubscribePoll",
  UnsubscribePoll: "UnsubscribePoll",
  Vote: "Vote",
  SubscribeFeed: "SubscribeFeed",
  JoinNewsroom: "JoinNewsroom",
});

export const ClientEvents = Object.freeze({
  PollSnapshot: "PollSnapshot",
  FeedEvent: "FeedEvent",
  FeedReset: "FeedReset",
  TipReceived: "TipReceived",
  TipUpdated: "TipUpdated",
  ArticleChanged: "ArticleChanged",
});
