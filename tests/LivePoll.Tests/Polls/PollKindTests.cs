using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Polls;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Polls;

/// <summary>Quiz, rating, ranking and image options, on each store: counted exactly once, results equal to what was sent, answers hidden until revealed.</summary>
public abstract class PollKindTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private const int Voters = 2_000, AttemptsPerVoter = 4;

    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_surge_on_a_quiz_a_rating_a_ranking_and_a_photo_poll_at_once_counts_one_answer_per_voter_and_the_results_sent()
    {
        var quiz = await _server.CreatePollAsync(new CreatePollRequest
        {
            Question = "Қазақстанның астанасы?",
            Kind = PollKind.Quiz,
            Options = [new() { Text = "Алматы" }, new() { Text = "Астана", Correct = true }, new() { Text = "Шымкент" }],
        });
        var rating = await _server.CreatePollAsync(new CreatePollRequest { Question = "Министрдің жауабын бағалаңыз", Kind = PollKind.Rating });
        var ranking = await _server.CreatePollAsync(new CreatePollRequest
        {
            Question = "Rank the priorities",
            Kind = PollKind.Ranking,
            Options = [new() { Text = "Roads" }, new() { Text = "Schools" }, new() { Text = "Hospitals" }, new() { Text = "Parks" }],
        });
        var words = await _server.CreatePollAsync(new CreatePollRequest { Question = "Дебат туралы бір сөзбен?", Kind = PollKind.Words });
        var photos = await _server.CreatePollAsync(new CreatePollRequest
        {
            Question = "Which design?",
            Options =
            [
                new() { Text = "Blue", ImageUrl = "/media/blue.jpg", ImageAlt = "A blue tram" },
                new() { Text = "Red", ImageUrl = "https://cdn.example.kz/red.jpg", ImageAlt = "A red tram" },
            ],
        });
        Assert.Equal((PollKind.Quiz, PollKind.Rating, PollKind.Ranking, PollKind.Choice), (quiz.Kind, rating.Kind, ranking.Kind, photos.Kind));
        Assert.Equal(["1", "2", "3", "4", "5"], rating.Options.Select(o => o.Id));
        Assert.Equal(4, ranking.MaxChoices);

        // What each voter answers in each poll.
        var random = new Random(26);
        var quizAnswers = Enumerable.Range(0, Voters).Select(_ => Text(random.Next(3) + 1)).ToArray();
        var ratings = Enumerable.Range(0, Voters).Select(_ => random.Next(5) + 1).ToArray();
        var orders = Enumerable.Range(0, Voters).Select(_ => new[] { "1", "2", "3", "4" }.OrderBy(_ => random.Next()).ToArray()).ToArray();
        var photoAnswers = Enumerable.Range(0, Voters).Select(_ => Text(random.Next(2) + 1)).ToArray();
        // Words: one of a few entries, each written several ways; the server counts each as one normalised entry.
        string[][] spellings =
        [
            ["Экономика", "экономика!", "ЭКОНОМИКА", "  экономика  "],
            ["Жаңа Қазақстан", "жаңа қазақстан", "ЖАҢА ҚАЗАҚСТАН?!", "жаңа, қазақстан"],
            ["Ёлка", "елка", "ЁЛКА."],
            ["the future", "Future", "FUTURE!!!"],
        ];
        string[] entries = ["экономика", "жаңа қазақстан", "елка", "future"];
        var wordAnswers = Enumerable.Range(0, Voters).Select(_ => random.Next(spellings.Length)).ToArray();
        var wordSpelling = Enumerable.Range(0, Voters).Select(v => spellings[wordAnswers[v]][random.Next(spellings[wordAnswers[v]].Length)]).ToArray();
        var polls = new (PollSnapshot Poll, Func<int, string[]> Answer, Func<int, string[]> Expected, bool Text)[]
        {
            (quiz, v => [quizAnswers[v]], v => [quizAnswers[v]], false),
            (rating, v => [Text(ratings[v])], v => [Text(ratings[v])], false),
            (ranking, v => orders[v], v => orders[v], false),
            (photos, v => [photoAnswers[v]], v => [photoAnswers[v]], false),
            (words, v => [wordSpelling[v]], v => [entries[wordAnswers[v]]], true),
        };

        var tokens = await Task.WhenAll(Enumerable.Range(0, Voters).Select(_ => _server.NewVoterAsync()));
        var hubs = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            _server.ConnectAsync(i % 2 == 0 ? WireProtocol.Json : WireProtocol.MessagePack, apiKey: LivePollServer.LoadToolKey)));
        var answers = new ConcurrentDictionary<(int Poll, int Voter), ConcurrentBag<VoteResult>>();
        // Every attempt of every voter in every poll at once (bounded in flight), each voter's attempts spread over hub JSON,
        // hub MessagePack and HTTP.
        using var inFlight = new SemaphoreSlim(256);
        await Task.WhenAll(Enumerable.Range(0, polls.Length * Voters * AttemptsPerVoter).Select(async i =>
        {
            var (poll, voter, attempt) = (i % polls.Length, i / polls.Length % Voters, i / (polls.Length * Voters));
            var sent = polls[poll].Answer(voter);
            await inFlight.WaitAsync();
            try
            {
                var route = (voter + attempt) % 3;
                var request = polls[poll].Text
                    ? new VoteRequest { PollId = polls[poll].Poll.PollId, Text = sent[0], VoterToken = tokens[voter] }
                    : new VoteRequest { PollId = polls[poll].Poll.PollId, OptionIds = sent, VoterToken = tokens[voter] };
                var result = route == 2
                    ? await VoteHttpAsync(request)
                    : await hubs[2 * (i % 4) + route].InvokeAsync<VoteResult>(HubMethods.Vote, request).DefaultTimeout();
                answers.GetOrAdd((poll, voter), _ => []).Add(result);
            }
            finally
            {
                inFlight.Release();
            }
        })).DefaultTimeout(TimeSpan.FromMinutes(4));

        foreach (var ((poll, voter), results) in answers)
        {
            Assert.Equal(AttemptsPerVoter, results.Count);
            Assert.Equal(1, results.Count(r => r.Outcome == VoteOutcome.Accepted));
            Assert.Equal(AttemptsPerVoter - 1, results.Count(r => r.Outcome == VoteOutcome.AlreadyVoted));
            Assert.All(results, r => Assert.Equal(polls[poll].Expected(voter), r.Choices!));
        }
        Assert.Equal(polls.Length * Voters, answers.Count);

        // Quiz: per-option counts; the right share shows once revealed.
        var quizResults = await _server.GetPollAsync(quiz.PollId);
        Assert.Equal(Voters, quizResults.TotalVoters);
        Assert.Null(quizResults.RightVoters);
        foreach (var id in new[] { "1", "2", "3" })
        {
            Assert.Equal(quizAnswers.Count(a => a == id), quizResults.Count(id));
        }
        (await _server.Http.PostAsync($"/api/newsroom/polls/{quiz.PollId}/reveal", null).DefaultTimeout()).EnsureSuccessStatusCode();
        Assert.Equal(quizAnswers.Count(a => a == "2"), (await _server.GetPollAsync(quiz.PollId)).RightVoters);

        // Rating: the distribution and the average of what was sent.
        var ratingResults = await _server.GetPollAsync(rating.PollId);
        Assert.Equal(Voters, ratingResults.TotalVoters);
        for (var value = 1; value <= 5; value++)
        {
            Assert.Equal(ratings.Count(r => r == value), ratingResults.Count(Text(value)));
        }
        Assert.Equal(Math.Round(ratings.Average(), 2), ratingResults.Average);

        // Ranking: Borda points (first place 3, last 0) and each option's average place.
        var rankingResults = await _server.GetPollAsync(ranking.PollId);
        Assert.Equal(Voters, rankingResults.TotalVoters);
        foreach (var id in new[] { "1", "2", "3", "4" })
        {
            Assert.Equal(orders.Sum(o => 3 - Array.IndexOf(o, id)), rankingResults.Count(id));
            Assert.Equal(Math.Round(orders.Average(o => Array.IndexOf(o, id) + 1.0), 2),
                rankingResults.Options.Single(o => o.Id == id).AveragePosition!.Value, 2);
        }

        // Words: nothing shown before an editor approves; then each entry with the count of every spelling sent.
        var wordResults = await _server.GetPollAsync(words.PollId);
        Assert.Equal(Voters, wordResults.TotalVoters);
        Assert.Empty(wordResults.Words!);
        var queue = (await _server.Http.GetFromJsonAsync<List<WordEntry>>($"/api/newsroom/polls/{words.PollId}/words", PollTestKit.Json).DefaultTimeout())!;
        Assert.Equal(entries.Order(StringComparer.Ordinal), queue.Select(e => e.Text).Order(StringComparer.Ordinal));
        Assert.All(queue, e => Assert.Equal(WordState.Pending, e.State));
        using (var approved = await _server.Http.PostAsJsonAsync($"/api/newsroom/polls/{words.PollId}/words/approve",
            new WordModeration { Entries = entries }, PollTestKit.Json).DefaultTimeout())
        {
            approved.EnsureSuccessStatusCode();
        }
        var cloud = (await _server.GetPollAsync(words.PollId)).Words!;
        for (var e = 0; e < entries.Length; e++)
        {
            Assert.Equal(wordAnswers.Count(a => a == e), cloud.Single(w => w.Text == entries[e]).Count);
        }

        // Photo options: plain counts, photos and alt texts on the options.
        var photoResults = await _server.GetPollAsync(photos.PollId);
        Assert.Equal((photoAnswers.Count(a => a == "1"), photoAnswers.Count(a => a == "2")), (photoResults.Count("1"), photoResults.Count("2")));
        Assert.Equal(["/media/blue.jpg", "https://cdn.example.kz/red.jpg"], photoResults.Options.Select(o => o.ImageUrl));
        Assert.Equal(["A blue tram", "A red tram"], photoResults.Options.Select(o => o.ImageAlt));

        foreach (var hub in hubs)
        {
            await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_quiz_answer_is_on_no_reader_surface_before_the_reveal_and_on_every_one_after_it()
    {
        const string Right = "Байқоңыр", Wrong = "Бурабай";
        var quiz = await _server.CreatePollAsync(new CreatePollRequest
        {
            Question = "Where was the first crewed launch?",
            Kind = PollKind.Quiz,
            Options = [new() { Id = "w", Text = Wrong }, new() { Id = "r", Text = Right, Correct = true }],
        });
        // The desk (the newsroom's own view) knows the answer from the start.
        Assert.Equal([false, true], quiz.Options.Select(o => o.Correct));

        var token = await _server.NewVoterAsync();
        await using var reader = await _server.ConnectAsync(WireProtocol.MessagePack, token);
        var recorder = new EventRecorder<PollSnapshot>(reader, ClientEvents.PollSnapshot);
        await using var screen = await _server.ConnectAsync(WireProtocol.Json, apiKey: LivePollServer.ScreenKey);
        var screenRecorder = new EventRecorder<PollSnapshot>(screen, ClientEvents.PollSnapshot);
        var subscribed = await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, quiz.PollId).DefaultTimeout();
        await screen.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, quiz.PollId).DefaultTimeout();
        var vote = await reader.VoteHubAsync(quiz.PollId, null, "w");
        Assert.Equal(VoteOutcome.Accepted, vote.Outcome);
        await recorder.WaitForAsync(s => s.TotalVoters == 1, "the reader sees their vote counted");
        await screenRecorder.WaitForAsync(s => s.TotalVoters == 1, "the screen sees the vote counted");

        var before = await Surfaces(quiz.PollId, token);
        AssertHidden(subscribed);
        AssertHidden(before.Api);
        AssertHidden(before.Open);
        AssertHidden(before.ExportJson);
        Assert.All(recorder.Events, AssertHidden);
        Assert.All(screenRecorder.Events, AssertHidden);
        Assert.DoesNotContain(Right, vote.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("correct", before.Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("correct", before.ExportCsv, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("_right_voters", before.ExportCsv, StringComparison.Ordinal);
        Assert.DoesNotContain(Right, before.Embed, StringComparison.Ordinal);
        // The image marks the right answer only after the reveal: two drawings before it are the same picture.
        Assert.Equal(before.Image, (await Surfaces(quiz.PollId, token)).Image);

        (await _server.Http.PostAsync($"/api/newsroom/polls/{quiz.PollId}/reveal", null).DefaultTimeout()).EnsureSuccessStatusCode();
        await recorder.WaitForAsync(s => s.AnswersRevealed, "the reader gets the revealed answers live");
        AssertShown(recorder.Events.Last(s => s.AnswersRevealed));
        await screenRecorder.WaitForAsync(s => s.AnswersRevealed, "the screen gets the revealed answers live");
        AssertShown(screenRecorder.Events.Last(s => s.AnswersRevealed));
        var after = await Surfaces(quiz.PollId, token);
        AssertShown(after.Api);
        AssertShown(after.Open);
        AssertShown(after.ExportJson);
        Assert.Equal(0, after.Api.RightVoters);
        Assert.Equal(["w"], after.Api.YourChoices!);
        Assert.Contains("option-correct", after.Page, StringComparison.Ordinal);
        Assert.Contains("_right_voters,,0,0", after.ExportCsv, StringComparison.Ordinal);
        Assert.Contains("r,Байқоңыр,0,0,true", after.ExportCsv, StringComparison.Ordinal);
        Assert.NotEqual(before.Image, after.Image);

        // Revealing is the newsroom's, and only for a quiz.
        using (var byReader = await _server.Anonymous.PostAsync($"/api/newsroom/polls/{quiz.PollId}/reveal", null).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, byReader.StatusCode);
        }
        var choice = await _server.CreatePollAsync(options: 2);
        using var notQuiz = await _server.Http.PostAsync($"/api/newsroom/polls/{choice.PollId}/reveal", null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Conflict, notQuiz.StatusCode);
        Assert.Contains("only a quiz", await notQuiz.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        static void AssertHidden(PollSnapshot s)
        {
            Assert.False(s.AnswersRevealed);
            Assert.Null(s.RightVoters);
            Assert.All(s.Options, o => Assert.Null(o.Correct));
        }

        static void AssertShown(PollSnapshot s)
        {
            Assert.True(s.AnswersRevealed);
            Assert.Equal([false, true], s.Options.Select(o => o.Correct));
        }
    }

    [Fact]
    public async Task A_words_entry_reaches_no_reader_or_screen_until_approved_an_allowed_one_shows_at_once_and_a_blocked_one_never()
    {
        var poll = await _server.CreatePollAsync(new CreatePollRequest { Question = "Дебаттан кейін бір сөз?", Kind = PollKind.Words });
        Assert.Empty(poll.Options);
        using (var lists = await _server.Http.PutAsJsonAsync("/api/newsroom/words/lists",
            new WordLists { Allowed = ["Бағалар"], Blocked = ["ЖАМАН!"] }, PollTestKit.Json).DefaultTimeout())
        {
            lists.EnsureSuccessStatusCode();
            var saved = (await lists.Content.ReadFromJsonAsync<WordLists>(PollTestKit.Json))!;
            Assert.Equal(["бағалар"], saved.Allowed);
            Assert.Equal(["жаман"], saved.Blocked);
        }

        var token = await _server.NewVoterAsync();
        await using var reader = await _server.ConnectAsync(WireProtocol.MessagePack, token);
        var readerSnapshots = new EventRecorder<PollSnapshot>(reader, ClientEvents.PollSnapshot);
        await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
        await using var screen = await _server.ConnectAsync(WireProtocol.Json, apiKey: LivePollServer.ScreenKey);
        var screenSnapshots = new EventRecorder<PollSnapshot>(screen, ClientEvents.PollSnapshot);
        await screen.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();

        var sent = await reader.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = poll.PollId, Text = "Экономика!" }).DefaultTimeout();
        Assert.Equal((VoteOutcome.Accepted, "экономика"), (sent.Outcome, sent.Choices!.Single()));
        await WordVoteAsync(poll.PollId, "бағалар");
        await WordVoteAsync(poll.PollId, "Жаман");
        await readerSnapshots.WaitForAsync(s => s.TotalVoters == 3, "the reader sees three answers counted");
        await screenSnapshots.WaitForAsync(s => s.TotalVoters == 3 && s.Words!.Any(w => w.Text == "бағалар"), "the screen shows the allowed entry at once");

        // Only the allowed entry is anywhere a reader or a screen looks; the queue has the rest.
        Assert.All(readerSnapshots.Events.Concat(screenSnapshots.Events), s => Assert.All(s.Words!, w => Assert.Equal("бағалар", w.Text)));
        var page = await _server.Anonymous.GetStringAsync($"/polls/{poll.PollId}?lang=kk").DefaultTimeout();
        var csv = await _server.Http.GetStringAsync($"/api/newsroom/polls/{poll.PollId}/export").DefaultTimeout();
        foreach (var unshown in new[] { "экономика", "жаман" })
        {
            Assert.DoesNotContain(unshown, page, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(unshown, csv, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain((await _server.GetPollAsync(poll.PollId)).Words!, w => w.Text == unshown);
        }
        Assert.Contains("бағалар", page, StringComparison.Ordinal);
        var queue = (await _server.Http.GetFromJsonAsync<List<WordEntry>>($"/api/newsroom/polls/{poll.PollId}/words", PollTestKit.Json).DefaultTimeout())!;
        Assert.Equal([("экономика", WordState.Pending), ("бағалар", WordState.Approved), ("жаман", WordState.Blocked)],
            queue.Select(e => (e.Text, e.State)));
        var imageBefore = await _server.Anonymous.GetByteArrayAsync($"/polls/{poll.PollId}/results.png?lang=kk").DefaultTimeout();

        // A blocked entry cannot be approved; an approved one reaches every subscriber at once, and leaves when hidden or blocked.
        using (var blocked = await Moderate(poll.PollId, "approve", "жаман"))
        {
            Assert.Equal(HttpStatusCode.Conflict, blocked.StatusCode);
            Assert.Contains("block-list", await blocked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        (await Moderate(poll.PollId, "approve", "ЭКОНОМИКА")).Dispose();
        await readerSnapshots.WaitForAsync(s => s.Words!.Any(w => w.Text == "экономика" && w.Count == 1), "the approved entry reaches the reader");
        await screenSnapshots.WaitForAsync(s => s.Words!.Any(w => w.Text == "экономика"), "the approved entry reaches the screen");
        Assert.Contains("экономика", await _server.Anonymous.GetStringAsync($"/polls/{poll.PollId}?lang=kk").DefaultTimeout(), StringComparison.Ordinal);
        Assert.NotEqual(imageBefore, await _server.Anonymous.GetByteArrayAsync($"/polls/{poll.PollId}/results.png?lang=kk").DefaultTimeout());
        var approvedAt = readerSnapshots.Events.Count;
        (await Moderate(poll.PollId, "hide", "экономика")).Dispose();
        await readerSnapshots.WaitForAsync(s => s.Version > readerSnapshots.Events[approvedAt - 1].Version && s.Words!.All(w => w.Text != "экономика"),
            "a hidden entry leaves the reader's cloud");
        using (var lists = await _server.Http.PutAsJsonAsync("/api/newsroom/words/lists",
            new WordLists { Blocked = ["жаман", "бағалар"] }, PollTestKit.Json).DefaultTimeout())
        {
            lists.EnsureSuccessStatusCode();
        }
        await screenSnapshots.WaitForAsync(s => s.Words!.Count == 0 && s.TotalVoters == 3, "a newly blocked entry leaves the screen at once");
        Assert.Empty((await _server.GetPollAsync(poll.PollId)).Words!);
        Assert.All(readerSnapshots.Events.Concat(screenSnapshots.Events), s => Assert.DoesNotContain(s.Words!, w => w.Text == "жаман"));
    }

    [Fact]
    public async Task A_words_entry_of_10_KB_with_control_characters_or_of_only_common_words_is_refused_and_counts_nothing()
    {
        var words = await _server.CreatePollAsync(new CreatePollRequest { Question = "One word?", Kind = PollKind.Words });
        var choice = await _server.CreatePollAsync(options: 2);
        var token = await _server.NewVoterAsync();
        foreach (var (text, says) in new[]
        {
            (new string('а', 10_240), "at most 40 characters"),
            ("эко\u0001номика", "control or invisible characters"),
            ("и the және", "only common words"),
            ("   ", "a word or a short phrase"),
        })
        {
            using var response = await TextVoteAsync(words.PollId, token, text);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(says, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await using (var hub = await _server.ConnectAsync(WireProtocol.MessagePack, token))
        {
            var refused = await Assert.ThrowsAsync<HubException>(() =>
                hub.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = words.PollId, Text = new string('x', 10_240) }).DefaultTimeout());
            Assert.Contains("at most 40 characters", refused.Message, StringComparison.Ordinal);
            // Text to a choice poll, option ids to a words poll: refused, with what to send.
            var wrongKind = await hub.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = choice.PollId, Text = "yes" }).DefaultTimeout();
            Assert.Equal(VoteOutcome.UnknownOption, wrongKind.Outcome);
            Assert.Equal(VoteOutcome.UnknownOption, (await hub.VoteHubAsync(words.PollId, null, "1")).Outcome);
            Assert.Contains("for a words poll send text", (await hub.VoteHubAsync(words.PollId, null, "1")).Message, StringComparison.Ordinal);
        }
        Assert.Equal((0L, 0L), ((await _server.GetPollAsNewsroomAsync(words.PollId)).TotalVoters!.Value, (await _server.GetPollAsNewsroomAsync(choice.PollId)).TotalVoters!.Value));
        await AssertInvalid(new() { Question = "Q", Kind = PollKind.Words, Options = [new() { Text = "a" }, new() { Text = "b" }] }, "options", "no options");
    }

    private async Task WordVoteAsync(string pollId, string text)
    {
        using var response = await TextVoteAsync(pollId, await _server.NewVoterAsync(), text);
        response.EnsureSuccessStatusCode();
    }

    private Task<HttpResponseMessage> TextVoteAsync(string pollId, string token, string text)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes") { Content = JsonContent.Create(new VoteRequest { Text = text }, options: PollTestKit.Json) };
        request.Headers.Add(VoterTokens.HeaderName, token);
        return _server.LoadTool.SendAsync(request).DefaultTimeout();
    }

    private Task<HttpResponseMessage> Moderate(string pollId, string change, string entry) =>
        _server.Http.PostAsJsonAsync($"/api/newsroom/polls/{pollId}/words/{change}", new WordModeration { Entries = [entry] }, PollTestKit.Json).DefaultTimeout();

    /// <summary>A vote over HTTP with the load tool's key (exempt from the per-network limits), its token in the header.</summary>
    private async Task<VoteResult> VoteHttpAsync(VoteRequest vote)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{vote.PollId}/votes")
        {
            Content = JsonContent.Create(vote with { VoterToken = null, PollId = null }, options: PollTestKit.Json),
        };
        request.Headers.Add(VoterTokens.HeaderName, vote.VoterToken);
        using var response = await _server.LoadTool.SendAsync(request).DefaultTimeout();
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<VoteResult>(PollTestKit.Json))!;
    }

    /// <summary>Every place a reader (or a file passed around) can see a poll.</summary>
    private async Task<(PollSnapshot Api, PollSnapshot Open, string Page, string Embed, byte[] Image, PollSnapshot ExportJson, string ExportCsv)> Surfaces(
        string pollId, string token)
    {
        var api = await _server.GetPollAsync(pollId, token);
        var open = JsonSerializer.Deserialize<List<PollSnapshot>>(await _server.Anonymous.GetStringAsync("/api/polls/open?limit=20").DefaultTimeout(), PollTestKit.Json)!
            .Single(p => p.PollId == pollId);
        var page = await _server.Anonymous.GetStringAsync($"/polls/{pollId}?lang=en").DefaultTimeout();
        var embed = await _server.Anonymous.GetStringAsync($"/embed/polls/{pollId}").DefaultTimeout();
        var image = await _server.Anonymous.GetByteArrayAsync($"/polls/{pollId}/results.png?lang=en").DefaultTimeout();
        var exportJson = JsonSerializer.Deserialize<PollSnapshot>(
            await _server.Http.GetStringAsync($"/api/newsroom/polls/{pollId}/export?format=json").DefaultTimeout(), PollTestKit.Json)!;
        var exportCsv = await _server.Http.GetStringAsync($"/api/newsroom/polls/{pollId}/export").DefaultTimeout();
        return (api, open, page, embed, image, exportJson, exportCsv);
    }

    [Fact]
    public async Task Several_quiz_questions_form_one_quiz_whose_score_counts_only_revealed_right_answers()
    {
        CreatePollRequest Question(string text) => new()
        {
            Question = text, Kind = PollKind.Quiz, Quiz = "space",
            Options = [new() { Id = "a", Text = "Right", Correct = true }, new() { Id = "b", Text = "Wrong" }],
        };
        var first = await _server.CreatePollAsync(Question("First?"));
        var second = await _server.CreatePollAsync(Question("Second?"));
        Assert.Equal("space", first.Quiz);
        var token = await _server.NewVoterAsync();
        Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(first.PollId, token, "a")).Outcome);
        Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(second.PollId, token, "b")).Outcome);

        Assert.Equal((2, 2, 0, 0), await ScoreAsync());
        (await _server.Http.PostAsync($"/api/newsroom/polls/{first.PollId}/reveal", null).DefaultTimeout()).EnsureSuccessStatusCode();
        Assert.Equal((2, 2, 1, 1), await ScoreAsync());
        (await _server.Http.PostAsync($"/api/newsroom/polls/{second.PollId}/close", null).DefaultTimeout()).EnsureSuccessStatusCode();
        Assert.Equal((2, 2, 2, 1), await ScoreAsync());
        using (var unknown = await _server.Anonymous.GetAsync("/api/quizzes/nothing/score").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        await AssertInvalid(new() { Question = "Q", Quiz = "space", Options = [new() { Text = "a" }, new() { Text = "b" }] }, "quiz", "only on a poll of kind Quiz");

        async Task<(int, int, int, int)> ScoreAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/quizzes/space/score");
            request.Headers.Add(VoterTokens.HeaderName, token);
            using var response = await _server.Anonymous.SendAsync(request).DefaultTimeout();
            response.EnsureSuccessStatusCode();
            var score = (await response.Content.ReadFromJsonAsync<QuizScore>(PollTestKit.Json))!;
            return (score.Questions, score.Answered, score.Revealed, score.Right);
        }
    }

    [Fact]
    public async Task A_changed_ranking_moves_its_points_and_a_recount_counts_Borda_points_again()
    {
        var ranking = await _server.CreatePollAsync(new CreatePollRequest
        {
            Question = "Order them",
            Kind = PollKind.Ranking,
            AllowVoteChange = true,
            Options = [new() { Text = "A" }, new() { Text = "B" }, new() { Text = "C" }],
        });
        var store = _server.Services.GetRequiredService<PollStore>();
        var results = await store.VoteBatchAsync(ranking.PollId,
        [
            new BallotRequest("x", ["1", "2", "3"]),     // 1: 2 points, 2: 1, 3: 0
            new BallotRequest("y", ["3", "1", "2"]),     // 3: 2, 1: 1, 2: 0
            new BallotRequest("x", ["2", "3", "1"]),     // x changes: 2: 2, 3: 1, 1: 0
            new BallotRequest("z", ["1", "2"]),          // omits an option
            new BallotRequest("z", ["1", "1", "2"]),     // repeats one
        ], DateTime.UtcNow).DefaultTimeout();
        Assert.Equal([VoteOutcome.Accepted, VoteOutcome.Accepted, VoteOutcome.Changed, VoteOutcome.InvalidChoiceCount, VoteOutcome.UnknownOption],
            results.Select(r => r.Outcome));
        var counted = await _server.GetPollAsNewsroomAsync(ranking.PollId);
        Assert.Equal((1L, 2L, 3L), (counted.Count("1"), counted.Count("2"), counted.Count("3")));
        Assert.Equal([2.5, 2.0, 1.5], counted.Options.Select(o => o.AveragePosition!.Value));

        // A recount from the audit records (here: the newsroom admits a network) gives the same points.
        Assert.True(await store.SetNetworkAsync(ranking.PollId, "exempt", exclude: false));
        var recounted = await _server.GetPollAsNewsroomAsync(ranking.PollId);
        Assert.Equal((1L, 2L, 3L), (recounted.Count("1"), recounted.Count("2"), recounted.Count("3")));
        Assert.Equal(2, recounted.TotalVoters);
    }

    [Fact]
    public async Task Answers_a_kind_does_not_take_and_polls_a_kind_cannot_be_are_refused_with_what_to_do_and_count_nothing()
    {
        var rating = await _server.CreatePollAsync(new CreatePollRequest { Question = "Rate it", Kind = PollKind.Rating, ScaleMin = 0, ScaleMax = 10 });
        Assert.Equal(Enumerable.Range(0, 11).Select(Text), rating.Options.Select(o => o.Id));
        var ranking = await _server.CreatePollAsync(new CreatePollRequest
        {
            Question = "Order them", Kind = PollKind.Ranking, Options = [new() { Text = "A" }, new() { Text = "B" }, new() { Text = "C" }],
        });
        var token = await _server.NewVoterAsync();

        var outOfRange = await _server.VoteHttpAsync(rating.PollId, token, "11");
        Assert.Equal((400, VoteOutcome.UnknownOption), (outOfRange.Status, outOfRange.Outcome));
        Assert.Equal((400, VoteOutcome.InvalidChoiceCount), Pick(await _server.VoteHttpAsync(rating.PollId, token, "3", "4")));
        Assert.Equal((400, VoteOutcome.InvalidChoiceCount), Pick(await _server.VoteHttpAsync(ranking.PollId, token, "1", "2")));
        Assert.Equal((400, VoteOutcome.UnknownOption), Pick(await _server.VoteHttpAsync(ranking.PollId, token, "1", "2", "2")));
        Assert.Equal((400, VoteOutcome.UnknownOption), Pick(await _server.VoteHttpAsync(ranking.PollId, token, "1", "2", "9")));
        await using (var hub = await _server.ConnectAsync(WireProtocol.MessagePack, token))
        {
            var refused = await hub.VoteHubAsync(ranking.PollId, null, "3", "1");
            Assert.Equal(VoteOutcome.InvalidChoiceCount, refused.Outcome);
            Assert.Contains("a ranking lists every option once", refused.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, (await _server.GetPollAsNewsroomAsync(rating.PollId)).TotalVoters);
        Assert.Equal(0, (await _server.GetPollAsNewsroomAsync(ranking.PollId)).TotalVoters);
        Assert.Equal(0, (await _server.GetPollAsNewsroomAsync(ranking.PollId)).Version);

        // Polls a kind cannot be: each refusal names the field and what to give instead.
        await AssertInvalid(new() { Question = "Q", Kind = PollKind.Quiz, Options = [new() { Text = "a" }, new() { Text = "b" }] }, "options", "correct");
        await AssertInvalid(new() { Question = "Q", Kind = PollKind.Quiz, MaxChoices = 2, Options = [new() { Text = "a", Correct = true }, new() { Text = "b" }] },
            "maxChoices", "one answer");
        await AssertInvalid(new() { Question = "Q", Kind = PollKind.Rating, ScaleMax = 11 }, "scaleMax", "2 to 10");
        await AssertInvalid(new() { Question = "Q", Kind = PollKind.Rating, Options = [new() { Text = "a" }, new() { Text = "b" }] }, "options", "no options");
        await AssertInvalid(new() { Question = "Q", Options = [new() { Text = "a", Correct = true }, new() { Text = "b" }] }, "options[0].correct", "Only a quiz");
        await AssertInvalid(new() { Question = "Q", Options = [new() { Text = "a", ImageUrl = "/media/a.jpg" }, new() { Text = "b" }] },
            "options[0].imageAlt", "photo");
        await AssertInvalid(new() { Question = "Q", Options = [new() { Text = "a", ImageUrl = "javascript:alert(1)", ImageAlt = "x" }, new() { Text = "b" }] },
            "options[0].imageUrl", "https");
    }

    private async Task AssertInvalid(CreatePollRequest request, string field, string says)
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/newsroom/polls", request, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = problem.RootElement.GetProperty("errors").GetProperty(field)[0].GetString()!;
        Assert.Contains(says, message, StringComparison.Ordinal);
    }

    private static (int, VoteOutcome) Pick((int Status, VoteOutcome Outcome, VoteResult? Result) answer) => (answer.Status, answer.Outcome);
}

public sealed class PollKindTestsOnRedis(RedisStoreFixture store) : PollKindTests<RedisStoreFixture>(store);

public sealed class PollKindTestsOnGarnet(GarnetStoreFixture store) : PollKindTests<GarnetStoreFixture>(store);

public sealed class RedisClusterPollKindTests(RedisClusterStoreFixture store) : PollKindTests<RedisClusterStoreFixture>(store);
