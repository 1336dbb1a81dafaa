using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;

namespace LivePoll.BrowserTests;

/// <summary>What the browser tests set up over the HTTP API before the pages take over: polls and votes.</summary>
internal static class ServerCalls
{
    internal static readonly JsonSerializerOptions Json = CreateJson();

    /// <summary>Creates an open poll with an editor's client; returns its id.</summary>
    public static async Task<string> CreatePollAsync(HttpClient editor, string question, params string[] options)
    {
        using var created = await editor.PostAsJsonAsync("/api/newsroom/polls", new CreatePollRequest
        {
            Question = question,
            Options = options.Select(o => new CreatePollOption { Text = o }).ToList(),
        }, Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<PollSnapshot>(Json))!.PollId;
    }

    /// <summary>One vote from a new voter (a signed token from POST /api/voters), counted.</summary>
    public static async Task VoteAsync(HttpClient http, string pollId, string optionId)
    {
        using var voter = await http.PostAsync("/api/voters", null);
        var token = (await voter.Content.ReadFromJsonAsync<VoterToken>(Json))!.Token;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new { optionIds = new[] { optionId } }),
        };
        request.Headers.Add("X-Voter-Token", token);
        using var answer = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    /// <summary>
    /// The day of the feed's newest article and today, as the reader page names days: in the newsroom's time zone
    /// (<see cref="PageSession.NewsroomTimeZone"/>), yyyy-MM-dd.
    /// </summary>
    public static async Task<(string Newest, string Today)> FeedDaysAsync(HttpClient http)
    {
        var feed = (await http.GetFromJsonAsync<FeedPage>("/api/feed", Json))!;
        var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(PageSession.NewsroomTimeZone));
        return (feed.Days[0].Date, now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WireFormats.Configure(options);
        return options;
    }
}
