using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Diagnostics;

/// <summary>
/// A node process in Production logs one JSON object per line, and what it logs while a newsroom signs in (a wrong
/// password, then the right one), an API key writes, voters vote over HTTP and the hub with their tokens, and a client
/// behind the balancer meets a rate limit, holds none of those secrets nor the client's address.
/// </summary>
public sealed class ProductionLogTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    private const string Password = "a newsroom password nobody should read in a log";
    private const string ClientAddress = "203.0.113.77";

    [Fact]
    public async Task Production_logs_are_json_lines_without_keys_passwords_voter_tokens_or_client_addresses()
    {
        var node = await NodeProcess.StartAsync("node-a", store.Configuration, TestPrefix.New(), settings: new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__LivePoll"] = "Debug",
            ["Newsroom__Accounts__0__Name"] = "desk",
            ["Newsroom__Accounts__0__Role"] = "editor",
            ["Newsroom__Accounts__0__PasswordHash"] = LivePoll.Server.Newsroom.Passwords.Hash(Password),
            ["Limits__TipsPerIpPerHour"] = "1",
        });
        var tokens = new List<string>();
        try
        {
            using var plain = new HttpClient { BaseAddress = node.BaseAddress };
            plain.DefaultRequestHeaders.Add("X-Forwarded-For", ClientAddress);
            using (var wrong = await plain.PostAsJsonAsync("/api/session", new { name = "desk", password = Password + "?" }).DefaultTimeout())
            {
                Assert.False(wrong.IsSuccessStatusCode);
            }
            using (var right = await plain.PostAsJsonAsync("/api/session", new { name = "desk", password = Password }).DefaultTimeout())
            {
                Assert.True(right.IsSuccessStatusCode);
            }

            using var editor = new HttpClient { BaseAddress = node.BaseAddress };
            editor.DefaultRequestHeaders.Authorization = new("Bearer", LivePollServer.EditorKey);
            var poll = await editor.CreateYesNoPollAsync("Logged?");

            // Votes with tokens over HTTP (from the client behind the balancer) and over the hub (token in the URL).
            for (var i = 0; i < 3; i++)
            {
                var token = (await editor.NewVoterTokenAsync()).Token;
                tokens.Add(token);
                using var answer = await plain.VoteAsync(poll.PollId, token, "1").DefaultTimeout();
            }
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(node.BaseAddress, HubPaths.Live + "?voter=" + Uri.EscapeDataString(tokens[0])))
                .AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack).Build();
            await hub.StartAsync().DefaultTimeout();
            await hub.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = poll.PollId, OptionIds = ["2"], VoterToken = tokens[1] }).DefaultTimeout();
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hub.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, "no such poll!").DefaultTimeout());
            await hub.DisposeAsync();

            // Two tips from the same client: the second meets the per-address limit.
            for (var i = 0; i < 2; i++)
            {
                using var tip = await plain.PostAsJsonAsync("/api/tips", new TipInput { Text = "A tip" }).DefaultTimeout();
            }
        }
        finally
        {
            await node.DisposeAsync();
        }

        var lines = node.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            Assert.True(entry.RootElement.TryGetProperty("EventId", out _), line);
        }
        var log = node.Output;
        // The run did log what it did (LivePoll at Debug): the refused hub call is there, without its caller's secrets.
        Assert.Contains("Hub call SubscribePoll refused", log);
        Assert.DoesNotContain(Password, log);
        Assert.DoesNotContain(LivePollServer.EditorKey, log);
        // No newsroom key of any kind, and no first-run editor: Production never makes one (Development announces its
        // first-run key once, event 4001, so a newcomer can sign in).
        Assert.DoesNotContain("lpk_", log);
        Assert.DoesNotContain("first-run", log);
        Assert.DoesNotContain(ClientAddress, log);
        foreach (var token in tokens)
        {
            Assert.DoesNotContain(token, log);
            Assert.DoesNotContain(Uri.EscapeDataString(token), log);
        }
    }
}
