using LivePoll.Contracts;
using LivePoll.Server.Abuse;
using LivePoll.Server.Diagnostics;
using LivePoll.Server.Newsroom;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LivePoll.Server.Polls;

internal static class PollsApi
{
    /// <summary>Reader endpoints: voter tokens, a poll with its counts (where visible), voting.</summary>
    public static RouteGroupBuilder MapPolls(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Polls");

        group.MapGet("/voters/challenge", async (HttpContext context, VoterTokens tokens, VoterChallenges challenges) =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return TypedResults.Ok(await challenges.CreateAsync(hasVoter: await HasVoterAsync(context, tokens)));
            })
            .WithSummary("Get a proof-of-work challenge for a new voter identity")
            .WithDescription("The ALTCHA scheme: find the integer number from 0 to maxNumber for which the lowercase hex SHA-256 of "
                + "salt followed by number (in decimal) equals challenge, then POST /api/voters { solution: { algorithm, challenge, salt, "
                + "signature, number } }. At the default difficulty (Voters:ChallengeMaxNumber, 50,000) a browser needs well under a "
                + "second; the reader page does it in the background. hasVoter is true when this request already carries a valid "
                + "voter (the lp_voter cookie or a token): nothing to solve.");

        group.MapPost("/voters", IssueVoter)
            .VoterTokenRateLimited()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Get a voter identity for a solved challenge")
            .WithDescription("Body { solution } with a solved GET /api/voters/challenge. 201 with a signed voter token, and the HttpOnly "
                + "lp_voter cookie for browsers. For clients without cookies (apps): send the token as the X-Voter-Token header, or as "
                + "?voter= on the hub URL. 400 with outcome ChallengeFailed when the solution is missing, wrong, forged, expired or "
                + "already used (each solution makes one voter). An API key exempt from the limits (load tools) needs no solution, "
                + "nor does anyone where the challenge is off (Voters:ChallengeMaxNumber = 0). At most Limits:VoterTokensPerIpPerHour "
                + "(100) per network per hour, across all nodes; 429 with Retry-After beyond.");
        group.MapGet("/polls/current", GetCurrentPoll)
            .WithSummary("Read the poll a reader page shows")
            .WithDescription("The newest open poll, or when none is open the newest closed one, as GET /api/polls/{pollId} "
                + "answers it. 404 when there is no such poll.");

        group.MapGet("/polls/open", async (int? limit, HttpContext context, PollStore store, TimeProvider clock) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                var open = (await store.ListAsync(now)).Where(p => p.State == PollState.Open).Take(Math.Clamp(limit ?? 5, 1, 20));
                return TypedResults.Ok(open.Select(p => p.ToSnapshot(p.ResultsVisibleTo(voted: false, newsroom: false))).ToList());
            })
            .WithSummary("The open polls, newest first")
            .WithDescription("limit: 1-20 (default 5). Counts are null where a poll hides them from readers; yourChoices is not filled "
                + "(read one poll, or subscribe on the hub, for that). The reader page shows them below its main poll.");

        group.MapGet("/quizzes/{quizId}/score", QuizScoreAsync)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("This reader's score in a quiz of several questions")
            .WithDescription("The quiz polls created with this quiz id (the 100 newest polls are searched): how many there are, how many "
                + "this voter (cookie or X-Voter-Token) answered, how many have their answers revealed (or are closed), and how many of "
                + "those this voter answered right. Nothing about a question's answer before it is revealed. 404 when no quiz has this id.");

        group.MapGet("/polls/{pollId}", GetPoll)
            .WithSummary("Read a poll with its current counts")
            .WithDescription("Counts (and totalVoters) are null where the poll's resultVisibility hides them from this voter. "
                + "yourChoices lists this voter's choice once they voted.");

        group.MapPost("/polls/{pollId}/votes", Vote)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Vote in a poll")
            .WithDescription("Counted atomically, at most once per voter. 200 with outcome Accepted, Changed or AlreadyVoted "
                + "(a retry of a vote answers AlreadyVoted and counts nothing); 404 UnknownPoll; 409 PollClosed; "
                + "400 UnknownOption or InvalidChoiceCount (a rating takes one of its scale's values, e.g. [\"4\"]; a ranking lists "
                + "every option once, best first); 401 InvalidVoter (forged or tampered token) or VoterRequired (no voter "
                + "identity: see POST /api/voters); 429 over the rate limit "
                + "(Retry-After says when to try again; the vote was not counted); 503 StoreUnavailable when the store does not answer, "
                + "or (Redis:AckAfterReplicas) no replica confirmed the vote in time: not acknowledged, try again; a retry answers "
                + "AlreadyVoted if it was kept. Errors are ProblemDetails "
                + "with the outcome in their 'outcome' member.");
        return group;
    }

    /// <summary>Newsroom endpoints for polls, on the newsroom group.</summary>
    public static RouteGroupBuilder MapNewsroomPolls(this RouteGroupBuilder newsroom)
    {
        var group = newsroom.MapGroup("/polls");
        group.MapGet("/", ListPolls).WithSummary("List polls, newest first, with counts (and a quiz's correct answers)");
        group.MapPost("/", CreatePoll).WithSummary("Create a poll")
            .WithDescription("Opens at once, or at opensAt; closes at closesAt if given. Option ids default to 1, 2, 3… by position. "
                + "kind: Choice (default), Quiz (mark correct options; one answer per voter; hidden until POST …/reveal or the close), "
                + "Rating (no options: scaleMin 0 or 1, scaleMax 2-10; the options are the values \"1\"…\"5\"; results add average), "
                + "Ranking (voters order every option; counts are Borda points, options add averagePosition). Any option may carry "
                + "a photo: imageUrl (a /media/… path from POST /api/newsroom/media, or https) with imageAlt.")
            .EditorsOnly();
        group.MapGet("/{pollId}", GetPollForNewsroom).WithSummary("Read a poll with counts, whatever its visibility")
            .WithDescription("For a quiz, options carry correct before the reveal too: this is the newsroom's view.");
        group.MapGet("/{pollId}/integrity", GetIntegrity)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Where a poll's votes came from: votes per minute, the largest client networks, a verdict")
            .WithDescription("From the poll's audit records (one per counted vote: voter, choices, time, node, transport, and the "
                + "client's network as a keyed hash, never an address; an IPv6 /64 or an IPv4 address). topNetworks lists the 10 "
                + "networks with the most votes and their share; verdict says whether any network has more than 2 % of the votes. Editors only.")
            .EditorsOnly();
        group.MapPost("/{pollId}/networks/{network}/exclude", (string pollId, string network, PollStore store, PollIntegrityReport report,
                PollBroadcaster broadcaster, TimeProvider clock) => SetNetwork(pollId, network, true, store, report, broadcaster, clock))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Exclude a client network's votes from a poll")
            .WithDescription("network is a keyed hash from GET …/integrity (12 hex characters), or 'exempt' (votes sent with an API key "
                + "exempt from the limits, e.g. a load test's). Its voters' votes are held, not counted, "
                + "from now on and retroactively: the poll is counted again from its audit records in one atomic step, and every "
                + "reader gets the corrected snapshot. Answers the integrity view after the recount.")
            .EditorsOnly();
        group.MapPost("/{pollId}/networks/{network}/admit", (string pollId, string network, PollStore store, PollIntegrityReport report,
                PollBroadcaster broadcaster, TimeProvider clock) => SetNetwork(pollId, network, false, store, report, broadcaster, clock))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Admit a client network's votes in a poll (re-admit an excluded one, or lift the per-network cap)")
            .WithDescription("Its held votes are counted: the poll is counted again from its audit records in one atomic step, and "
                + "every reader gets the corrected snapshot. Answers the integrity view after the recount.")
            .EditorsOnly();
        newsroom.MapPost("/voters/rotate-key", async (VoterKeys voterKeys) =>
                await voterKeys.RotateAsync() is { } keyId
                    ? Results.Ok(new { keyId, keys = (await voterKeys.DescribeRingAsync()).All })
                    : Results.Problem("The voter signing key comes from configuration (Voters:SigningKey): put the new key there and list "
                        + "the old one under Voters:PreviousSigningKeys.", statusCode: StatusCodes.Status409Conflict, title: "Configured key"))
            .WithTags("Polls")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Rotate the key that signs voter tokens")
            .WithDescription("A new key signs voter tokens from now on, on every node within 30 s; tokens signed with the older keys "
                + "stay valid, and a reader's cookie is renewed with the new key on their next page load, so no voter becomes a new "
                + "one. Answers { keyId, keys }.")
            .EditorsOnly();
        group.MapGet("/{pollId}/export", Export)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Download a poll's results or its votes per minute, as CSV or JSON")
            .WithDescription("?series=results (default: option_id, option_text, votes, share_of_voters, and a _total_voters row) or "
                + "?series=minutes (minute_utc, votes: counted votes per minute); ?format=csv (default) or json. Served as an "
                + "attachment (poll-{id}-{series}.csv).");
        group.MapPost("/{pollId}/open", (string pollId, PollStore store, PollBroadcaster broadcaster, TimeProvider clock) =>
                SetOpen(pollId, true, store, broadcaster, clock))
            .WithSummary("Open a poll now (also before its scheduled opening)")
            .EditorsOnly();
        group.MapPost("/{pollId}/reopen", (string pollId, PollStore store, PollBroadcaster broadcaster, TimeProvider clock) =>
                SetOpen(pollId, true, store, broadcaster, clock))
            .WithSummary("Reopen a closed poll")
            .EditorsOnly();
        group.MapPost("/{pollId}/close", (string pollId, PollStore store, PollBroadcaster broadcaster, TimeProvider clock) =>
                SetOpen(pollId, false, store, broadcaster, clock))
            .WithSummary("Close a poll now")
            .WithDescription("A quiz's correct answers are shown to readers once it closes.")
            .EditorsOnly();
        group.MapGet("/{pollId}/words", async Task<Results<Ok<IReadOnlyList<WordEntry>>, ProblemHttpResult>> (string pollId, PollStore store) =>
                PollRequests.IsValidId(pollId) && await store.GetWordEntriesAsync(pollId) is { } entries ? TypedResults.Ok(entries) : UnknownPoll(pollId))
            .ProducesProblem(StatusCodes.Status404NotFound)
            // Unapproved text readers wrote: for the editors who moderate it, not for a wall screen's key.
            .EditorsOnly()
            .WithSummary("A words poll's entries for moderation: every entry with its count and state")
            .WithDescription("Pending (shown to no reader yet) first, then Approved (shown: approved here or on the allow-list), Hidden, "
                + "Blocked (on the block-list: never shown); most sent first within each. The desk's moderation queue reads this every "
                + "two seconds while open.");
        group.MapPost("/{pollId}/words/approve", (string pollId, WordModeration body, PollStore store, PollBroadcaster broadcaster) =>
                ModerateWords(pollId, body, approve: true, store, broadcaster))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Approve entries of a words poll: readers and screens see them from now on")
            .WithDescription("Body { entries: [\"экономика\", …] } (normalised as readers' entries are). Every subscriber gets the new "
                + "cloud at once. 409 naming them when any is on the block-list (nothing is approved then). Answers the entries.")
            .EditorsOnly();
        group.MapPost("/{pollId}/words/hide", (string pollId, WordModeration body, PollStore store, PollBroadcaster broadcaster) =>
                ModerateWords(pollId, body, approve: false, store, broadcaster))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Hide entries of a words poll (approved or not): shown to no one, out of the queue")
            .WithDescription("Body { entries: [...] }. Takes an approved entry off every reader's cloud at once. Answers the entries.")
            .EditorsOnly();
        newsroom.MapGet("/words/lists", async (PollStore store) => TypedResults.Ok(await store.GetWordListsAsync()))
            .WithTags("Polls")
            .EditorsOnly()
            .WithSummary("The newsroom's allow-list and block-list for words polls");
        newsroom.MapPut("/words/lists", SetWordLists)
            .WithTags("Polls")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Replace the allow-list and block-list for words polls")
            .WithDescription("Body { allowed: [...], blocked: [...] }, each entry normalised as readers' are (at most 1,000 each). An "
                + "allowed entry is shown as soon as a reader sends it, with no approval; a blocked one is never shown and cannot be "
                + "approved: blocking takes it off every words poll's cloud at once.")
            .EditorsOnly();
        group.MapPost("/{pollId}/reveal", Reveal)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Reveal a quiz's correct answers to readers now")
            .WithDescription("Until then (or until the quiz closes) no reader answer, snapshot, page, results image, embed or export "
                + "says which options are correct; from now on every one does (options' correct, the snapshot's rightVoters), and "
                + "every subscribed reader gets the new snapshot. The poll may stay open. 409 when the poll is not a quiz.")
            .EditorsOnly();
        return group;
    }

    private static async Task<Results<Ok<PollSnapshot>, ProblemHttpResult>> GetPoll(
        string pollId, HttpContext context, PollStore store, TimeProvider clock)
    {
        if (await FindPollAsync(pollId, store, clock) is not { } poll)
        {
            return UnknownPoll(pollId);
        }
        var voter = VoterMiddleware.Get(context);
        var choices = voter.IsValid ? await store.GetChoicesAsync(pollId, voter.Id!) : null;
        return TypedResults.Ok(poll.ToSnapshot(poll.ResultsVisibleTo(choices is not null, newsroom: false), choices));
    }

    private static async Task<Results<Ok<QuizScore>, ProblemHttpResult>> QuizScoreAsync(string quizId, HttpContext context, PollStore store, TimeProvider clock)
    {
        var questions = PollRequests.IsValidId(quizId)
            ? (await store.ListAsync(clock.GetUtcNow().UtcDateTime)).Where(p => p.Definition.Kind == PollKind.Quiz && p.Definition.Quiz == quizId).ToList()
            : [];
        if (questions.Count == 0)
        {
            return TypedResults.Problem($"There is no quiz '{Security.InputText.Shown(quizId)}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown quiz");
        }
        var voter = VoterMiddleware.Get(context);
        var answers = await Task.WhenAll(questions.Select(async p => (Poll: p, Choices: voter.IsValid ? await store.GetChoicesAsync(p.Id, voter.Id!) : null)));
        return TypedResults.Ok(new QuizScore
        {
            Quiz = quizId,
            Questions = questions.Count,
            Answered = answers.Count(a => a.Choices is not null),
            Revealed = questions.Count(p => p.AnswersRevealed),
            Right = answers.Count(a => a.Poll.AnswersRevealed && a.Choices is { } choices && a.Poll.IsRight(choices)),
        });
    }

    private static async Task<Results<Ok<PollSnapshot>, ProblemHttpResult>> GetCurrentPoll(
        HttpContext context, PollStore store, TimeProvider clock)
    {
        var polls = await store.ListAsync(clock.GetUtcNow().UtcDateTime);
        var current = polls.FirstOrDefault(p => p.State == PollState.Open) ?? polls.FirstOrDefault(p => p.State == PollState.Closed);
        if (current is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No poll",
                detail: "There is no open or closed poll to show yet.");
        }
        return await GetPoll(current.Id, context, store, clock);
    }

    private static async Task<IResult> GetIntegrity(string pollId, PollStore store, PollIntegrityReport report, TimeProvider clock)
    {
        if (await FindPollAsync(pollId, store, clock) is not { } poll)
        {
            return UnknownPoll(pollId);
        }
        return TypedResults.Ok(await report.BuildAsync(poll));
    }

    private static async Task<IResult> SetNetwork(string pollId, string network, bool exclude, PollStore store, PollIntegrityReport report,
        PollBroadcaster broadcaster, TimeProvider clock)
    {
        if (network != "exempt" && (network.Length != 12 || !network.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f')))
        {
            return TypedResults.Problem("A network is the 12-character hash shown by GET /api/newsroom/polls/{id}/integrity (or 'exempt').",
                statusCode: StatusCodes.Status400BadRequest, title: "Unknown network");
        }
        if (!PollRequests.IsValidId(pollId) || !await store.SetNetworkAsync(pollId, network, exclude))
        {
            return UnknownPoll(pollId);
        }
        await broadcaster.PublishStateChangeAsync(pollId);
        var poll = await store.GetAsync(pollId, clock.GetUtcNow().UtcDateTime);
        return poll is null ? UnknownPoll(pollId) : TypedResults.Ok(await report.BuildAsync(poll));
    }

    private static async Task<IResult> Export(string pollId, string? series, string? format, HttpContext context, PollStore store,
        PollIntegrityReport report, TimeProvider clock)
    {
        series = (series ?? "results").ToLowerInvariant();
        format = (format ?? "csv").ToLowerInvariant();
        if (series is not ("results" or "minutes") || format is not ("csv" or "json"))
        {
            return TypedResults.Problem("Use ?series=results or minutes, and ?format=csv or json.", statusCode: StatusCodes.Status400BadRequest,
                title: "Unknown export");
        }
        if (await FindPollAsync(pollId, store, clock) is not { } poll)
        {
            return UnknownPoll(pollId);
        }
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"poll-{pollId}-{series}.{format}\"";
        if (series == "results")
        {
            return format == "csv"
                ? TypedResults.Text(PollIntegrityReport.ResultsCsv(poll), "text/csv; charset=utf-8")
                : TypedResults.Ok(poll.ToSnapshot(resultsVisible: true));
        }
        var integrity = await report.BuildAsync(poll);
        return format == "csv"
            ? TypedResults.Text(PollIntegrityReport.MinutesCsv(integrity), "text/csv; charset=utf-8")
            : TypedResults.Ok(integrity.PerMinute);
    }

    private static async Task<Results<Created<VoterToken>, ProblemHttpResult>> IssueVoter(
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] NewVoterRequest? request,
        HttpContext context, VoterTokens tokens, VoterChallenges challenges, AbuseLimiter limiter)
    {
        if (challenges.Required && limiter.AppliesTo(context.User))
        {
            var check = await challenges.CheckAsync(request?.Solution);
            if (check != ChallengeCheck.Solved)
            {
                return TypedResults.Problem(VoterChallenges.Message(check), statusCode: StatusCodes.Status400BadRequest, title: "Challenge not solved",
                    extensions: new Dictionary<string, object?> { ["outcome"] = "ChallengeFailed", ["reason"] = check.ToString() });
            }
        }
        var (voterId, token) = await tokens.IssueAsync();
        context.Response.Headers.Append(Microsoft.Net.Http.Headers.HeaderNames.SetCookie, tokens.SetCookieHeader(context.Request, token));
        return TypedResults.Created((string?)null, new VoterToken { Token = token, VoterId = voterId });
    }

    private static async ValueTask<bool> HasVoterAsync(HttpContext context, VoterTokens tokens)
    {
        string? token = context.Request.Headers[VoterTokens.HeaderName];
        if (string.IsNullOrEmpty(token))
        {
            context.Request.Cookies.TryGetValue(VoterTokens.CookieName, out token);
        }
        return await tokens.ValidateAsync(token) is not null;
    }

    private static async Task<Results<VoteAnswer, ProblemHttpResult>> Vote(
        string pollId, [FromBody] VoteRequest request, HttpContext context, PollVoting voting, AbuseLimiter limiter)
    {
        if (await RateLimitEndpoints.RefuseVoteAsync(limiter, context) is { } refused)
        {
            context.RequestServices.GetRequiredService<PollStore>().CountRefusal(pollId, "RateLimited");
            return refused;
        }
        if (!PollRequests.IsValidId(pollId))
        {
            return UnknownPoll(pollId);
        }
        var (optionIds, problem) = PollRequests.Choices(request);
        if (optionIds is null)
        {
            return Problem(StatusCodes.Status400BadRequest, VoteOutcome.UnknownOption, "Invalid vote", problem!);
        }

        var result = await voting.VoteAsync(pollId, VoterMiddleware.Get(context), optionIds, VoteTransport.Http, context.Connection.RemoteIpAddress,
            exempt: !limiter.AppliesTo(context.User));
        return result.Outcome switch
        {
            VoteOutcome.Accepted or VoteOutcome.Changed or VoteOutcome.AlreadyVoted or VoteOutcome.Held => new VoteAnswer(result),
            VoteOutcome.UnknownPoll => Problem(StatusCodes.Status404NotFound, result.Outcome, "Unknown poll", result.Message),
            VoteOutcome.PollClosed => Problem(StatusCodes.Status409Conflict, result.Outcome, "Poll closed", result.Message),
            VoteOutcome.InvalidVoter => Problem(StatusCodes.Status401Unauthorized, result.Outcome, "Invalid voter", result.Message),
            VoteOutcome.VoterRequired => Problem(StatusCodes.Status401Unauthorized, result.Outcome, "Voter identity required", result.Message),
            VoteOutcome.StoreUnavailable => Problem(StatusCodes.Status503ServiceUnavailable, result.Outcome, "Try again", result.Message),
            _ => Problem(StatusCodes.Status400BadRequest, result.Outcome, "Invalid vote", result.Message),
        };
    }

    private static async Task<Ok<List<PollSnapshot>>> ListPolls(PollStore store, TimeProvider clock) =>
        TypedResults.Ok((await store.ListAsync(clock.GetUtcNow().UtcDateTime)).Select(p => p.ToSnapshot(resultsVisible: true, answers: true)).ToList());

    private static async Task<Results<Ok<PollSnapshot>, ProblemHttpResult>> GetPollForNewsroom(string pollId, PollStore store, TimeProvider clock) =>
        PollRequests.IsValidId(pollId) && await store.GetAsync(pollId, clock.GetUtcNow().UtcDateTime) is { } poll
            ? TypedResults.Ok(poll.ToSnapshot(resultsVisible: true, answers: true))
            : UnknownPoll(pollId);

    private static async Task<Results<Created<PollSnapshot>, ValidationProblem>> CreatePoll(
        [FromBody] CreatePollRequest request, PollStore store, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (errors, definition) = PollRequests.Validate(request, "new", now);
        if (definition is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The poll is not valid");
        }
        definition = definition with { Id = await store.NextIdAsync() };
        await store.CreateAsync(definition);
        var poll = (await store.GetAsync(definition.Id, now))!;
        return TypedResults.Created($"/api/polls/{poll.Id}", poll.ToSnapshot(resultsVisible: true, answers: true));
    }

    private static async Task<Results<Ok<PollSnapshot>, ProblemHttpResult>> SetOpen(
        string pollId, bool open, PollStore store, PollBroadcaster broadcaster, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!PollRequests.IsValidId(pollId) || !await store.SetOpenAsync(pollId, open, now))
        {
            return UnknownPoll(pollId);
        }
        await broadcaster.PublishStateChangeAsync(pollId);
        return TypedResults.Ok((await store.GetAsync(pollId, now))!.ToSnapshot(resultsVisible: true, answers: true));
    }

    private static async Task<IResult> ModerateWords(string pollId, WordModeration body, bool approve, PollStore store, PollBroadcaster broadcaster)
    {
        var entries = WordEntries.NormalizeList(body.Entries);
        if (entries.Count is 0 or > 100)
        {
            return TypedResults.Problem("Name 1 to 100 entries: { \"entries\": [\"экономика\"] }.", statusCode: StatusCodes.Status400BadRequest,
                title: "No entries");
        }
        if (!PollRequests.IsValidId(pollId) || await store.GetWordEntriesAsync(pollId) is null)
        {
            return UnknownPoll(pollId);
        }
        if (approve)
        {
            var blocked = (await store.GetWordListsAsync()).Blocked.Intersect(entries, StringComparer.Ordinal).ToList();
            if (blocked.Count > 0)
            {
                return TypedResults.Problem($"On the newsroom's block-list, never shown: {string.Join(", ", blocked)}. Nothing was approved.",
                    statusCode: StatusCodes.Status409Conflict, title: "Blocked entry");
            }
        }
        await store.ModerateWordsAsync(pollId, entries, approve);
        await broadcaster.PublishStateChangeAsync(pollId);
        return TypedResults.Ok(await store.GetWordEntriesAsync(pollId));
    }

    private static async Task<IResult> SetWordLists(WordLists body, PollStore store, PollBroadcaster broadcaster, TimeProvider clock)
    {
        if (body.Allowed.Count > 1_000 || body.Blocked.Count > 1_000)
        {
            return TypedResults.Problem("At most 1,000 entries on each list.", statusCode: StatusCodes.Status400BadRequest, title: "List too long");
        }
        var lists = await store.SetWordListsAsync(body);
        // A newly blocked entry leaves every words poll's cloud now, not at the poll's next vote.
        if (lists.Blocked.Count > 0)
        {
            foreach (var poll in (await store.ListAsync(clock.GetUtcNow().UtcDateTime)).Where(p => p.Definition.Kind == PollKind.Words))
            {
                await store.ModerateWordsAsync(poll.Id, lists.Blocked, approve: false);
                await broadcaster.PublishStateChangeAsync(poll.Id);
            }
        }
        return TypedResults.Ok(lists);
    }

    private static async Task<Results<Ok<PollSnapshot>, ProblemHttpResult>> Reveal(
        string pollId, PollStore store, PollBroadcaster broadcaster, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (await FindPollAsync(pollId, store, clock) is not { } poll)
        {
            return UnknownPoll(pollId);
        }
        if (poll.Definition.Kind != PollKind.Quiz)
        {
            return TypedResults.Problem($"Poll {pollId} is a {poll.Definition.Kind.ToString().ToLowerInvariant()} poll: only a quiz has answers to reveal.",
                statusCode: StatusCodes.Status409Conflict, title: "Not a quiz");
        }
        await store.RevealAsync(pollId, now);
        await broadcaster.PublishStateChangeAsync(pollId);
        return TypedResults.Ok((await store.GetAsync(pollId, now))!.ToSnapshot(resultsVisible: true, answers: true));
    }

    /// <summary>The poll with this id as it stands now, or null when the id is malformed or no poll has it.</summary>
    private static async Task<Poll?> FindPollAsync(string pollId, PollStore store, TimeProvider clock) =>
        PollRequests.IsValidId(pollId) ? await store.GetAsync(pollId, clock.GetUtcNow().UtcDateTime) : null;

    private static ProblemHttpResult UnknownPoll(string pollId) =>
        Problem(StatusCodes.Status404NotFound, VoteOutcome.UnknownPoll, "Unknown poll", VoteResults.Create(VoteOutcome.UnknownPoll, pollId).Message);

    private static ProblemHttpResult Problem(int status, VoteOutcome outcome, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["outcome"] = outcome.ToString() });
}
