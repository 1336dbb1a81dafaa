using MessagePack;

namespace LivePoll.Contracts;

/// <summary>Who may see a poll's counts. Enums travel as their names ("AfterVote") in JSON and MessagePack alike.</summary>
public enum ResultVisibility
{
    /// <summary>Everyone, at all times.</summary>
    Always,

    /// <summary>A reader once they have voted in this poll; everyone once it is closed.</summary>
    AfterVote,

    /// <summary>Everyone, once the poll is closed.</summary>
    AfterClose,

    /// <summary>Only the newsroom.</summary>
    NewsroomOnly,
}

/// <summary>What a poll asks of a reader, and so how its answers are counted and shown.</summary>
public enum PollKind
{
    /// <summary>Pick one option, or up to maxChoices: each chosen option counts one.</summary>
    Choice,

    /// <summary>
    /// A question with one or more correct options; a reader picks one. Which are correct is hidden from readers until the
    /// newsroom reveals them or the poll closes; then each option's <c>correct</c> and the snapshot's <c>rightVoters</c> show.
    /// </summary>
    Quiz,

    /// <summary>A scale (1–5 stars, 0–10…): the options are its values ("1" … "5"); a reader picks one. Results: the
    /// distribution (counts), the <c>average</c>.</summary>
    Rating,

    /// <summary>
    /// A reader orders every option, best first (optionIds lists all of them once). Counted by Borda: with n options, first place
    /// gets n−1 points, last 0; an option's <c>count</c> is its points, <c>averagePosition</c> its mean place (1 = first).
    /// </summary>
    Ranking,

    /// <summary>
    /// An open answer: a reader sends a word or short phrase (<c>text</c>, not optionIds). Entries are normalised (case, ё/е,
    /// punctuation, stop words) and counted; <b>no entry reaches another reader or the screen before an editor approves
    /// it</b> (or it is on the newsroom's allow-list); a blocked word is never shown. Results: <c>words</c>, the approved
    /// entries with their counts, most first.
    /// </summary>
    Words,
}

/// <summary>A reader's score over the questions of one quiz: right answers among the questions whose answers are revealed.</summary>
public sealed record QuizScore
{
    public required string Quiz { get; init; }

    /// <summary>Questions in the quiz (its polls).</summary>
    public required int Questions { get; init; }

    /// <summary>Questions this reader answered.</summary>
    public required int Answered { get; init; }

    /// <summary>Questions whose right answers are shown (revealed or closed).</summary>
    public required int Revealed { get; init; }

    /// <summary>Revealed questions this reader answered right: the score.</summary>
    public required int Right { get; init; }
}

/// <summary>One entry of a words poll as readers see it: approved, with how many readers sent it.</summary>
[MessagePackObject]
public sealed record WordCount
{
    [Key("text")] public required string Text { get; init; }

    /// <summary>Readers who sent it, or null where the poll hides its counts from this reader.</summary>
    [Key("count")] public long? Count { get; init; }
}

/// <summary>Where an entry of a words poll stands with the newsroom.</summary>
public enum WordState
{
    /// <summary>Waiting for an editor: shown to no reader.</summary>
    Pending,

    /// <summary>Approved (or on the allow-list): shown to readers and on screens.</summary>
    Approved,

    /// <summary>Hidden by an editor: shown to no reader, out of the queue.</summary>
    Hidden,

    /// <summary>On the newsroom's block-list: never shown, cannot be approved.</summary>
    Blocked,
}

/// <summary>Entries of a words poll to approve or hide, as readers' entries read (normalised again by the server).</summary>
public sealed record WordModeration
{
    public IReadOnlyList<string>? Entries { get; init; }
}

/// <summary>An entry of a words poll as the newsroom moderates it.</summary>
public sealed record WordEntry(string Text, long Count, WordState State);

/// <summary>The newsroom's lists for words polls: entries always shown (once sent) and entries never shown.</summary>
public sealed record WordLists
{
    public IReadOnlyList<string> Allowed { get; init; } = [];

    public IReadOnlyList<string> Blocked { get; init; } = [];
}

/// <summary>Where a poll is in its life.</summary>
public enum PollState
{
    /// <summary>Created with an opening time still ahead; takes no votes yet.</summary>
    Scheduled,

    /// <summary>Takes votes.</summary>
    Open,

    /// <summary>Takes no votes; may be reopened by the newsroom.</summary>
    Closed,
}

/// <summary>What happened to a vote. Only <see cref="Accepted"/> and <see cref="Changed"/> changed a count.</summary>
public enum VoteOutcome
{
    /// <summary>Counted; the answer carries the poll version it produced.</summary>
    Accepted,

    /// <summary>The voter had voted before and the poll allows changing: the vote moved atomically.</summary>
    Changed,

    /// <summary>The voter had voted in this poll before; nothing changed. The answer carries their earlier choice.</summary>
    AlreadyVoted,

    /// <summary>The poll is closed (or not open yet); nothing changed.</summary>
    PollClosed,

    /// <summary>No poll has this id.</summary>
    UnknownPoll,

    /// <summary>An option id is not one of the poll's options, or an option was named twice.</summary>
    UnknownOption,

    /// <summary>More options than the poll allows, or none.</summary>
    InvalidChoiceCount,

    /// <summary>The voter id is missing, forged or tampered with.</summary>
    InvalidVoter,

    /// <summary>
    /// The store did not answer (e.g. Redis is restarting or failing over), or, with <c>Redis:AckAfterReplicas</c>, no
    /// replica confirmed the vote in time: it is not acknowledged; try again shortly (a retry answers AlreadyVoted if the
    /// vote was kept after all).
    /// </summary>
    StoreUnavailable,

    /// <summary>
    /// The request carried no voter identity: get one by solving <c>GET /api/voters/challenge</c> and sending the solution
    /// to <c>POST /api/voters</c> (the reader page does it by itself); nothing was counted.
    /// </summary>
    VoterRequired,

    /// <summary>
    /// Received and recorded, but held for the newsroom's review, not counted: the voter's network is past the poll's cap
    /// of counted votes per network, or the newsroom excluded it. Counted if the newsroom admits that network.
    /// </summary>
    Held,
}

/// <summary>One answer of a poll as readers see it.</summary>
[MessagePackObject]
public sealed record PollOptionView
{
    /// <summary>Stable id, used to vote.</summary>
    [Key("id")] public required string Id { get; init; }

    [Key("text")] public required string Text { get; init; }

    /// <summary>
    /// Votes for this option (for a ranking poll: its Borda points), or null where the poll hides its results from this reader.
    /// </summary>
    [Key("count")] public long? Count { get; init; }

    /// <summary>A photo shown with the option (site-relative, e.g. from the desk's media upload, or https), if any.</summary>
    [Key("imageUrl")] public string? ImageUrl { get; init; }

    /// <summary>What the photo shows, for readers who cannot see it; set whenever <see cref="ImageUrl"/> is.</summary>
    [Key("imageAlt")] public string? ImageAlt { get; init; }

    /// <summary>Quiz only: whether this option is a correct answer; null until the answers are revealed (and for other kinds).</summary>
    [Key("correct")] public bool? Correct { get; init; }

    /// <summary>Ranking only: the option's mean place over all voters (1 = first), or null when hidden or nobody ranked yet.</summary>
    [Key("averagePosition")] public double? AveragePosition { get; init; }
}

/// <summary>
/// A poll with its current counts as one reader may see them; also the live event <see cref="ClientEvents.PollSnapshot"/>.
/// A client keeps the snapshot with the highest <see cref="Version"/> and drops older ones. In MessagePack, members that
/// are null are left out (<see cref="NilOmittingFormatter{T}"/>): an absent member means null.
/// </summary>
[MessagePackObject]
[MessagePackFormatter(typeof(NilOmittingFormatter<PollSnapshot>))]
public sealed record PollSnapshot
{
    [Key("pollId")] public required string PollId { get; init; }

    [Key("question")] public required string Question { get; init; }

    /// <summary>What the poll asks of a reader (default <see cref="PollKind.Choice"/>).</summary>
    [Key("kind")] public PollKind Kind { get; init; }

    [Key("state")] public required PollState State { get; init; }

    /// <summary>Grows by one with every counted or moved vote and every state change; never decreases within one epoch.</summary>
    [Key("version")] public required long Version { get; init; }

    /// <summary>
    /// An id made when the poll was created. Versions compare only within one epoch: a snapshot of the same poll id with
    /// another epoch is a poll made anew (the store lost its data): take it whatever its version.
    /// </summary>
    [Key("epoch")] public string Epoch { get; init; } = "";

    /// <summary>The options in their display order (numbered 1, 2, 3… on the page).</summary>
    [Key("options")] public required IReadOnlyList<PollOptionView> Options { get; init; }

    /// <summary>How many voters took part, or null where results are hidden from this reader.</summary>
    [Key("totalVoters")] public long? TotalVoters { get; init; }

    /// <summary>Whether the counts are shown to this reader; false where the poll's visibility hides them.</summary>
    [Key("resultsVisible")] public required bool ResultsVisible { get; init; }

    [Key("resultVisibility")] public required ResultVisibility ResultVisibility { get; init; }

    /// <summary>1 for a single-choice poll; otherwise how many options a voter may pick.</summary>
    [Key("maxChoices")] public required int MaxChoices { get; init; }

    [Key("allowVoteChange")] public required bool AllowVoteChange { get; init; }

    /// <summary>When the poll opens by itself (UTC), if scheduled.</summary>
    [Key("opensAt")] public DateTime? OpensAt { get; init; }

    /// <summary>When the poll closes by itself (UTC), if scheduled.</summary>
    [Key("closesAt")] public DateTime? ClosesAt { get; init; }

    /// <summary>The option ids this reader chose, or null when they have not voted (or the snapshot is a broadcast).</summary>
    [Key("yourChoices")] public IReadOnlyList<string>? YourChoices { get; init; }

    /// <summary>Quiz only: the quiz this question belongs to, if it is one of several (see <c>GET /api/quizzes/{quiz}/score</c>).</summary>
    [Key("quiz")] public string? Quiz { get; init; }

    /// <summary>Quiz only: whether the correct answers are shown (the newsroom revealed them, or the poll closed).</summary>
    [Key("answersRevealed")] public bool AnswersRevealed { get; init; }

    /// <summary>Quiz only: voters whose answer is correct, once revealed and where results are visible; else null.</summary>
    [Key("rightVoters")] public long? RightVoters { get; init; }

    /// <summary>Rating only: the mean of the values chosen, or null when hidden or nobody rated yet.</summary>
    [Key("average")] public double? Average { get; init; }

    /// <summary>Words only: the approved entries (at most 100), most sent first; counts null where results are hidden.</summary>
    [Key("words")] public IReadOnlyList<WordCount>? Words { get; init; }
}

/// <summary>A vote: one option id, or several where the poll allows multiple choice.</summary>
[MessagePackObject]
public sealed record VoteRequest
{
    [Key("pollId")] public string? PollId { get; init; }

    [Key("optionIds")] public IReadOnlyList<string>? OptionIds { get; init; }

    /// <summary>Words polls only, instead of optionIds: the reader's word or short phrase, 1 to 40 characters.</summary>
    [Key("text")] public string? Text { get; init; }

    /// <summary>
    /// Optional, hub only: vote as this signed voter instead of the connection's own voter, so one
    /// connection can carry many voters (a load tool, a kiosk relay). Checked like any token.
    /// </summary>
    [Key("voterToken")] public string? VoterToken { get; init; }
}

/// <summary>Exactly what happened to a vote; acknowledged only after the store answered.</summary>
[MessagePackObject]
public sealed record VoteResult
{
    [Key("outcome")] public required VoteOutcome Outcome { get; init; }

    [Key("pollId")] public required string PollId { get; init; }

    /// <summary>The voter's choice now in force: the new one, or the earlier one for <see cref="VoteOutcome.AlreadyVoted"/>.</summary>
    [Key("choices")] public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>For <see cref="VoteOutcome.Changed"/>: the choice the vote moved away from.</summary>
    [Key("previousChoices")] public IReadOnlyList<string>? PreviousChoices { get; init; }

    /// <summary>The poll version this vote produced (Accepted, Changed); a snapshot with this version or higher includes it.</summary>
    [Key("version")] public long? Version { get; init; }

    /// <summary>A sentence for a person.</summary>
    [Key("message")] public required string Message { get; init; }

    /// <summary>
    /// For Accepted and Changed: this answer's receipt id in the poll's tally log, to ask for the proof that it was
    /// counted (<c>GET /api/polls/{id}/log/proof/{receipt}</c>). Reveals nothing about the voter.
    /// </summary>
    [Key("receipt")] public string? Receipt { get; init; }
}

/// <summary>A signed voter token for clients without cookies (load tools, apps).</summary>
[MessagePackObject]
public sealed record VoterToken
{
    /// <summary>Send as the <c>X-Voter-Token</c> header over HTTP, or <c>?voter=</c> on the hub URL.</summary>
    [Key("token")] public required string Token { get; init; }

    [Key("voterId")] public required string VoterId { get; init; }
}

/// <summary>
/// A proof-of-work challenge (the ALTCHA scheme): find the integer <c>number</c> between 0 and <c>maxNumber</c> for which
/// SHA-256 of <c>salt</c> followed by the number in decimal, as lowercase hex, equals <c>challenge</c>; then send all of
/// it with the number to <c>POST /api/voters</c>. The server signed it and remembers nothing until then.
/// </summary>
[MessagePackObject]
public sealed record VoterChallenge
{
    [Key("algorithm")] public required string Algorithm { get; init; }

    [Key("challenge")] public required string Challenge { get; init; }

    /// <summary>Random, with the challenge's expiry: <c>…?expires=UNIX_SECONDS</c>.</summary>
    [Key("salt")] public required string Salt { get; init; }

    /// <summary>HMAC-SHA256 of the challenge with the server's key, lowercase hex.</summary>
    [Key("signature")] public required string Signature { get; init; }

    /// <summary>The difficulty: the number was drawn evenly from 0 to this.</summary>
    [Key("maxNumber")] public required int MaxNumber { get; init; }

    /// <summary>True when this request already carries a valid voter (cookie or token): nothing to solve.</summary>
    [Key("hasVoter")] public bool HasVoter { get; init; }
}

/// <summary>A solved <see cref="VoterChallenge"/>: its fields as received, and the number found.</summary>
[MessagePackObject]
public sealed record ChallengeSolution
{
    [Key("algorithm")] public string? Algorithm { get; init; }

    [Key("challenge")] public string? Challenge { get; init; }

    [Key("salt")] public string? Salt { get; init; }

    [Key("signature")] public string? Signature { get; init; }

    [Key("number")] public long Number { get; init; }
}

/// <summary>Body of <c>POST /api/voters</c>.</summary>
[MessagePackObject]
public sealed record NewVoterRequest
{
    /// <summary>Required unless the challenge is off or the caller's API key is exempt from the limits.</summary>
    [Key("solution")] public ChallengeSolution? Solution { get; init; }
}

/// <summary>What a poll's audit records say about where its votes came from: for the newsroom to judge a result.</summary>
public sealed record PollIntegrity
{
    public required string PollId { get; init; }

    /// <summary>Voters counted now (the poll's totalVoters).</summary>
    public required long TotalVoters { get; init; }

    /// <summary>Audit records: every counted vote, including changes of a vote.</summary>
    public required long Records { get; init; }

    /// <summary>Of those, changes of an earlier vote.</summary>
    public required long Changes { get; init; }

    /// <summary>Voters held, not counted (suspect): past the per-network cap, or from an excluded network.</summary>
    public required long Held { get; init; }

    /// <summary>
    /// How the poll's votes were answered, by outcome: Accepted, Changed, AlreadyVoted, Held, PollClosed, …, and those refused
    /// before the poll: RateLimited, VoterRequired, InvalidVoter.
    /// </summary>
    public required IReadOnlyDictionary<string, long> Outcomes { get; init; }

    /// <summary>Networks the newsroom excluded (their votes are held) and admitted (no cap), as keyed hashes.</summary>
    public required IReadOnlyList<string> Excluded { get; init; }

    public required IReadOnlyList<string> Admitted { get; init; }

    /// <summary>Counted votes per minute (UTC, the minute's start), oldest first.</summary>
    public required IReadOnlyList<MinuteCount> PerMinute { get; init; }

    /// <summary>The client networks with the most votes (keyed hashes, never addresses), most first, at most 10.</summary>
    public required IReadOnlyList<NetworkShare> TopNetworks { get; init; }

    /// <summary>Distinct client networks.</summary>
    public required int Networks { get; init; }

    /// <summary>Counted votes by transport: "hub", "http".</summary>
    public required IReadOnlyDictionary<string, long> ByTransport { get; init; }

    /// <summary>One sentence for the desk, e.g. "No network above 2 % of votes (largest 0.4 %, 2,310 networks).".</summary>
    public required string Verdict { get; init; }
}

public sealed record MinuteCount(DateTime Minute, long Votes);

/// <summary>One client network: its keyed hash (an IPv6 /64 or an IPv4 address, never shown), votes, and share of all votes (0–1).</summary>
public sealed record NetworkShare(string Network, long Votes, double Share);

/// <summary>A new poll, as the newsroom creates it.</summary>
[MessagePackObject]
public sealed record CreatePollRequest
{
    /// <summary>The question, 1 to 500 characters.</summary>
    [Key("question")] public string? Question { get; init; }

    /// <summary>Default <see cref="PollKind.Choice"/>.</summary>
    [Key("kind")] public PollKind? Kind { get; init; }

    /// <summary>
    /// 2 to 10 options in display order. An option without an id gets "1", "2", … by position. A rating poll takes none:
    /// its options are the scale's values.
    /// </summary>
    [Key("options")] public IReadOnlyList<CreatePollOption>? Options { get; init; }

    /// <summary>
    /// Quiz only: the quiz this question belongs to (1-16 of a-z, 0-9, '-'): questions with one quiz id form one quiz, and a
    /// reader's score over them is at <c>GET /api/quizzes/{quiz}/score</c>.
    /// </summary>
    [Key("quiz")] public string? Quiz { get; init; }

    /// <summary>Rating only: the scale's lowest value, 0 or 1 (default 1).</summary>
    [Key("scaleMin")] public int? ScaleMin { get; init; }

    /// <summary>Rating only: the scale's highest value, 2 to 10 (default 5); 1 to 5 shows as stars.</summary>
    [Key("scaleMax")] public int? ScaleMax { get; init; }

    /// <summary>1 (the default) for single choice; up to the number of options for multiple choice.</summary>
    [Key("maxChoices")] public int? MaxChoices { get; init; }

    /// <summary>Whether a voter may change their vote (default false); the change moves the vote atomically.</summary>
    [Key("allowVoteChange")] public bool? AllowVoteChange { get; init; }

    /// <summary>Default <see cref="Contracts.ResultVisibility.Always"/>.</summary>
    [Key("resultVisibility")] public ResultVisibility? ResultVisibility { get; init; }

    /// <summary>Opens by itself at this time (UTC); without it the poll opens at once.</summary>
    [Key("opensAt")] public DateTime? OpensAt { get; init; }

    /// <summary>Closes by itself at this time (UTC); without it the poll stays open until closed.</summary>
    [Key("closesAt")] public DateTime? ClosesAt { get; init; }
}

/// <summary>One option of a new poll.</summary>
[MessagePackObject]
public sealed record CreatePollOption
{
    /// <summary>Optional stable id: 1-16 of a-z, 0-9, '-'.</summary>
    [Key("id")] public string? Id { get; init; }

    /// <summary>The option's text, 1 to 300 characters.</summary>
    [Key("text")] public string? Text { get; init; }

    /// <summary>Quiz only: a correct answer (at least one option of a quiz is).</summary>
    [Key("correct")] public bool? Correct { get; init; }

    /// <summary>Optional photo: a site path (e.g. /media/… from POST /api/newsroom/media) or an https URL, up to 500 characters.</summary>
    [Key("imageUrl")] public string? ImageUrl { get; init; }

    /// <summary>What the photo shows, 1 to 300 characters; required with <see cref="ImageUrl"/>.</summary>
    [Key("imageAlt")] public string? ImageAlt { get; init; }
}
