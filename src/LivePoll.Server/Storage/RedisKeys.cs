using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// Builds every Redis key and pub/sub channel LivePoll uses, from one configurable prefix. Keys of one
/// poll share the hash tag <c>{id}</c>, so a script that touches several of them stays on one Redis
/// Cluster slot.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>A key used by readiness checks to prove the store takes writes.</summary>
    public RedisKey HealthProbe => $"{Prefix}:health";

    /// <summary>Hash of a poll's settings and state. Keys of one poll share the hash tag <c>{id}</c>.</summary>
    public RedisKey PollMeta(string pollId) => $"{Prefix}:poll:{{{pollId}}}:meta";

    /// <summary>Hash of a poll's counts: option id → votes, <c>_total</c> voters, <c>_version</c>.</summary>
    public RedisKey PollCounts(string pollId) => $"{Prefix}:poll:{{{pollId}}}:counts";

    /// <summary>Hash of who voted in a poll: voter id → chosen option ids.</summary>
    public RedisKey PollVoters(string pollId) => $"{Prefix}:poll:{{{pollId}}}:voters";

    /// <summary>List of a poll's counted votes, oldest first, one "ms voter choices previous origin node" line per vote.</summary>
    public RedisKey PollAudit(string pollId) => $"{Prefix}:poll:{{{pollId}}}:audit";

    /// <summary>List of a poll's tally log leaves (<see cref="Contracts.TallyLeaf"/> JSON, the exact hashed text), oldest first: append-only.</summary>
    public RedisKey PollLogLeaves(string pollId) => $"{Prefix}:poll:{{{pollId}}}:log:leaves";

    /// <summary>"audit leaves recounts": how many of the poll's audit records and recounts the tally log has read, and how many leaves it holds.</summary>
    public RedisKey PollLogCursor(string pollId) => $"{Prefix}:poll:{{{pollId}}}:log:cursor";

    /// <summary>
    /// List of the recounts that changed a poll's counts (a network excluded or admitted, a torn batch repaired), oldest
    /// first, each "auditLength voters reason option count option count…": the tally log turns each into a leaf at its place.
    /// </summary>
    public RedisKey PollLogRecounts(string pollId) => $"{Prefix}:poll:{{{pollId}}}:log:recounts";

    /// <summary>Hash of the tally log's receipts: receipt id → the leaf's index.</summary>
    public RedisKey PollLogReceipts(string pollId) => $"{Prefix}:poll:{{{pollId}}}:log:receipts";

    /// <summary>List of the poll's signed tree heads (<see cref="Contracts.TallyHead"/> JSON), oldest first.</summary>
    public RedisKey PollLogHeads(string pollId) => $"{Prefix}:poll:{{{pollId}}}:log:heads";

    /// <summary>"size final" of the newest signed head, which a new head must pass: heads only grow.</summary>
    public RedisKey PollLogHeadMark(string pollId) => $"{Prefix}:poll:{{{pollId}}}:log:head-mark";

    /// <summary>The node that extends the poll's tally log now (expires unless renewed): one writer at a time.</summary>
    public RedisKey PollLogLease(string pollId) => $"{Prefix}:poll:{{{pollId}}}:log:lease";

    /// <summary>Hash of the tree-head signing keys: key id → JSON with the PKCS#8 private key and when it was made.</summary>
    public RedisKey TallyKeyRing => $"{Prefix}:tally:keys";

    /// <summary>The id of the key in <see cref="TallyKeyRing"/> that signs new heads.</summary>
    public RedisKey TallyCurrentKey => $"{Prefix}:tally:current-key";

    /// <summary>Hash of how a poll's votes were answered: outcome (or RateLimited) → count.</summary>
    public RedisKey PollOutcomes(string pollId) => $"{Prefix}:poll:{{{pollId}}}:outcomes";

    /// <summary>Hash of a poll's held (not counted) voters: voter id → chosen option ids.</summary>
    public RedisKey PollHeld(string pollId) => $"{Prefix}:poll:{{{pollId}}}:held";

    /// <summary>Hash of a poll's counted voters per client network (keyed hash), for the per-network cap.</summary>
    public RedisKey PollNetworks(string pollId) => $"{Prefix}:poll:{{{pollId}}}:networks";

    /// <summary>Set of client networks the newsroom excluded from a poll: their votes are held.</summary>
    public RedisKey PollExcluded(string pollId) => $"{Prefix}:poll:{{{pollId}}}:excluded";

    /// <summary>Set of client networks the newsroom admitted in a poll: no cap on their votes.</summary>
    public RedisKey PollAdmitted(string pollId) => $"{Prefix}:poll:{{{pollId}}}:admitted";

    /// <summary>Hash of a words poll's moderated entries: entry key ("w:…") → "a" approved (shown) or "h" hidden.</summary>
    public RedisKey PollWordStates(string pollId) => $"{Prefix}:poll:{{{pollId}}}:word-states";

    /// <summary>
    /// Sets of the newsroom's words-poll entries always shown (allowed) and never shown (blocked). Both share the hash tag
    /// <c>{words}</c>, so one script changes both on a cluster too.
    /// </summary>
    public RedisKey WordsAllowed => $"{Prefix}:{{words}}:allowed";

    public RedisKey WordsBlocked => $"{Prefix}:{{words}}:blocked";

    /// <summary>Sorted set of every poll id by creation time.</summary>
    public RedisKey PollIndex => $"{Prefix}:polls";

    /// <summary>Counter that numbers new polls.</summary>
    public RedisKey PollSequence => $"{Prefix}:polls:seq";

    /// <summary>Sorted set of scheduled openings and closings ("open:id", "close:id") by due time.</summary>
    public RedisKey PollSchedule => $"{Prefix}:polls:schedule";

    /// <summary>List of ASP.NET Core data-protection keys (they seal the newsroom sign-in cookie), shared by every node.</summary>
    public RedisKey DataProtectionKeys => $"{Prefix}:data-protection:keys";

    /// <summary>A newsroom sign-in session (the cookie holds only its id): deleting it signs the cookie out on every node.</summary>
    public RedisKey NewsroomSession(string id) => $"{Prefix}:newsroom:session:{id}";

    /// <summary>The article a newsroom member is writing at the desk (their autosaved composer), by a hash of the member's name.</summary>
    public RedisKey Composing(string memberHash) => $"{Prefix}:newsroom:composing:{memberHash}";

    /// <summary>List of the newsroom's activity entries (JSON), newest first.</summary>
    public RedisKey Activity => $"{Prefix}:newsroom:activity";

    /// <summary>A rate-limit counter of one partition (e.g. <c>votes:203.0.113.7/32</c>) in its current window.</summary>
    public RedisKey Limit(string partition) => $"{Prefix}:limit:{partition}";

    /// <summary>Marks a voter challenge as solved, until it would have expired, so one solution makes one voter.</summary>
    public RedisKey SolvedChallenge(string challenge) => $"{Prefix}:voters:solved:{challenge}";

    /// <summary>Hash of the voter-token signing keys: key id → base64 key, shared by every node when none is configured.</summary>
    public RedisKey VoterKeyRing => $"{Prefix}:voters:keys";

    /// <summary>The id of the key in <see cref="VoterKeyRing"/> that signs new voter tokens.</summary>
    public RedisKey VoterCurrentKey => $"{Prefix}:voters:current-key";

    /// <summary>The key that signs voter ids, shared by every node when none is configured.</summary>
    public RedisKey VoterSigningKey => $"{Prefix}:voters:signing-key";

    /// <summary>An uploaded photo's record (<see cref="Contracts.MediaItem"/> as JSON): its renditions, by the photo's id.</summary>
    public RedisKey Media(string mediaId) => $"{Prefix}:media:{mediaId}";

    /// <summary>What the voter challenge and network audit keys are derived from: set once, never rotated.</summary>
    public RedisKey VoterDerivationKey => $"{Prefix}:voters:derivation-key";

    // The feed lives on one hash slot ({feed}): publishing is one script that numbers the change, logs it
    // and updates the article together, so readers never see a gap in the sequence.

    /// <summary>The feed's epoch: a random id made when its numbering began; a new one means the store lost feed data.</summary>
    public RedisKey FeedEpoch => $"{Prefix}:{{feed}}:epoch";

    /// <summary>Counter of feed changes: the feed sequence number.</summary>
    public RedisKey FeedSequence => $"{Prefix}:{{feed}}:seq";

    /// <summary>Sorted set of feed events (JSON) by sequence number: what catch-up reads.</summary>
    public RedisKey FeedLog => $"{Prefix}:{{feed}}:log";

    /// <summary>Hash of articles: id → JSON of the article as it stands.</summary>
    public RedisKey FeedArticles => $"{Prefix}:{{feed}}:articles";

    /// <summary>Sorted set of articles in the feed (published, corrected) by the sequence they were published at.</summary>
    public RedisKey FeedIndex => $"{Prefix}:{{feed}}:index";

    /// <summary>Sorted set of pinned articles in the feed, by the sequence they were published at.</summary>
    public RedisKey FeedPinned => $"{Prefix}:{{feed}}:pinned";

    /// <summary>Sorted set of scheduled articles by publishing time.</summary>
    public RedisKey FeedSchedule => $"{Prefix}:{{feed}}:schedule";

    /// <summary>Hash of article versions: id → the version its stored JSON has; every change checks and grows it in one script.</summary>
    public RedisKey FeedVersions => $"{Prefix}:{{feed}}:versions";

    /// <summary>An Idempotency-Key of a new article, kept a day: "article id|fingerprint of the request".</summary>
    public RedisKey FeedIdempotency(string key) => $"{Prefix}:{{feed}}:idempotency:{key}";

    /// <summary>Counter that numbers new articles.</summary>
    public RedisKey ArticleSequence => $"{Prefix}:{{feed}}:article-seq";

    /// <summary>Hash of tips: id → JSON.</summary>
    public RedisKey Tips => $"{Prefix}:{{tips}}:all";

    /// <summary>Sorted set of tip ids by arrival time.</summary>
    public RedisKey TipIndex => $"{Prefix}:{{tips}}:index";

    /// <summary>Counter that numbers tips.</summary>
    public RedisKey TipSequence => $"{Prefix}:{{tips}}:seq";

    /// <summary>The channel on which nodes announce a poll's state change (opened, closed) to every node.</summary>
    public RedisChannel PollStateChannel => Channel("poll-state");

    /// <summary>The channel on which nodes announce a new feed sequence to every node.</summary>
    public RedisChannel FeedChannel => Channel("feed");

    /// <summary>Every key under the prefix, as a SCAN pattern (the export, import and backup commands).</summary>
    public string AllKeysPattern => $"{Prefix}:*";

    /// <summary>The key of a name as an export file holds it (without the prefix).</summary>
    public RedisKey Named(string name) => $"{Prefix}:{name}";

    /// <summary>A key's name without the prefix, as an export file holds it.</summary>
    public string NameOf(RedisKey key) => ((string)key!)[(Prefix.Length + 1)..];

    /// <summary>A pub/sub channel of LivePoll's own (not the SignalR backplane's).</summary>
    private RedisChannel Channel(string name) => RedisChannel.Literal($"{Prefix}:ch:{name}");
}
