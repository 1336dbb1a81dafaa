using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Polls;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Polls;

/// <summary>Small steps the poll tests repeat: make a poll, a voter, a vote over HTTP or the hub.</summary>
public static class PollTestKit
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WireFormats.Configure(options);
        return options;
    }

    public static async Task<PollSnapshot> CreatePollAsync(this LivePollServer server, CreatePollRequest request)
    {
        using var response = await server.Http.PostAsJsonAsync("/api/newsroom/polls", request, Json).DefaultTimeout();
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<PollSnapshot>(Json))!;
    }

    public static Task<PollSnapshot> CreatePollAsync(this LivePollServer server, int options = 3,
        ResultVisibility visibility = ResultVisibility.Always, int maxChoices = 1, bool allowChange = false,
        DateTime? opensAt = null, DateTime? closesAt = null) =>
        server.CreatePollAsync(new CreatePollRequest
        {
            Question = "Бір уақыт белдеуіне ауысу сізге қалай әсер етті?",
            Options = Enumerable.Range(1, options).Select(i => new CreatePollOption { Text = $"Option {i}" }).ToList(),
            ResultVisibility = visibility,
            MaxChoices = maxChoices,
            AllowVoteChange = allowChange,
            OpensAt = opensAt,
            ClosesAt = closesAt,
        });

    /// <summary>A yes/no poll made over HTTP through <paramref name="editor"/> (a client with an editor key), e.g. on a node process.</summary>
    public static async Task<PollSnapshot> CreateYesNoPollAsync(this HttpClient editor, string question)
    {
        using var created = await editor.PostAsJsonAsync("/api/newsroom/polls", new CreatePollRequest
        {
            Question = question,
            Options = [new CreatePollOption { Text = "Yes" }, new CreatePollOption { Text = "No" }],
        }, Json).DefaultTimeout();
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<PollSnapshot>(Json))!;
    }

    /// <summary>A new voter from <c>POST /api/voters</c>: its token and the voter id the store files its vote under.</summary>
    public static async Task<VoterToken> NewVoterTokenAsync(this HttpClient client)
    {
        using var token = await client.PostAsync("/api/voters", null).DefaultTimeout();
        token.EnsureSuccessStatusCode();
        return (await token.Content.ReadFromJsonAsync<VoterToken>(Json))!;
    }

    /// <summary>A vote over HTTP with the voter's token; the answer is left to the caller (it may be an error while a part is down).</summary>
    public static Task<HttpResponseMessage> VoteAsync(this HttpClient client, string pollId, string voterToken, string optionId)
    {
        var vote = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes") { Content = JsonContent.Create(new VoteRequest { OptionIds = [optionId] }) };
        vote.Headers.Add(VoterTokens.HeaderName, voterToken);
        return client.SendAsync(vote);
    }

    /// <summary>A new signed voter token, from the server's own issuer.</summary>
    public static async Task<string> NewVoterAsync(this LivePollServer server) =>
        (await server.Services.GetRequiredService<VoterTokens>().IssueAsync().AsTask().DefaultTimeout()).Token;

    /// <summary>Votes over HTTP; returns the status and the vote result or the problem's outcome.</summary>
    public static Task<(int Status, VoteOutcome Outcome, VoteResult? Result)> VoteHttpAsync(
        this LivePollServer server, string pollId, string? voterToken, params string[] optionIds) =>
        server.VoteHttpAsync(server.Http, pollId, voterToken, optionIds);

    /// <summary>Votes over HTTP through <paramref name="client"/> (e.g. the load tool's exempt client).</summary>
    public static async Task<(int Status, VoteOutcome Outcome, VoteResult? Result)> VoteHttpAsync(
        this LivePollServer server, HttpClient client, string pollId, string? voterToken, params string[] optionIds)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new VoteRequest { OptionIds = optionIds }, options: Json),
        };
        if (voterToken is not null)
        {
            request.Headers.Add(VoterTokens.HeaderName, voterToken);
        }
        using var response = await client.SendAsync(request).DefaultTimeout();
        var body = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(body);
        var outcome = Enum.Parse<VoteOutcome>(document.RootElement.GetProperty("outcome").GetString()!);
        var result = response.IsSuccessStatusCode ? JsonSerializer.Deserialize<VoteResult>(body, Json) : null;
        return ((int)response.StatusCode, outcome, result);
    }

    public static Task<VoteResult> VoteHubAsync(this HubConnection connection, string pollId, string? voterToken, params string[] optionIds) =>
        connection.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = pollId, OptionIds = optionIds, VoterToken = voterToken }).DefaultTimeout();

    public static async Task<PollSnapshot> GetPollAsync(this LivePollServer server, string pollId, string? voterToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/polls/{pollId}");
        if (voterToken is not null)
        {
            request.Headers.Add(VoterTokens.HeaderName, voterToken);
        }
        using var response = await server.Http.SendAsync(request).DefaultTimeout();
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PollSnapshot>(Json))!;
    }

    public static async Task<PollSnapshot> GetPollAsNewsroomAsync(this LivePollServer server, string pollId) =>
        (await server.Http.GetFromJsonAsync<PollSnapshot>($"/api/newsroom/polls/{pollId}", Json).DefaultTimeout())!;

    public static long Count(this PollSnapshot snapshot, string optionId) =>
        snapshot.Options.Single(o => o.Id == optionId).Count ?? throw new InvalidOperationException("counts are hidden");
}
