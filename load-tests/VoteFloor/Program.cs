// The floor under an HTTP vote (issue 30): what Kestrel, routing and JSON cost per request on this machine, with
// nothing of LivePoll in the way. Modes: bare (parse the vote, answer it), redis (and one HINCRBY per vote).
//   dotnet VoteFloor.dll --mode bare|redis --port 5310 [--redis 127.0.0.1:6397]
using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

var mode = Arg("--mode") ?? "bare";
var port = int.Parse(Arg("--port") ?? "5310");
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k => k.ListenLocalhost(port));
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, FloorJson.Default));
IDatabase? redis = mode == "redis" ? (await ConnectionMultiplexer.ConnectAsync(Arg("--redis") ?? "127.0.0.1:6397")).GetDatabase() : null;
var app = builder.Build();
long issued = 0;
var tokenTail = new string('t', 120);
app.MapPost("/api/polls/{pollId}/votes", async (string pollId, VoteRequest request) =>
{
    if (request.OptionIds is not [var option])
    {
        return Results.BadRequest();
    }
    if (redis is not null)
    {
        await redis.HashIncrementAsync($"floor:{pollId}", option);
    }
    var n = Interlocked.Increment(ref issued);
    // About the size of LivePoll's answer to a fresh voter: the outcome, the choice and a voter token.
    return Results.Json(new VoteAnswer("Accepted", pollId, [option], $"v1.{n:x16}.{tokenTail}", n), FloorJson.Default.VoteAnswer);
});
await app.StartAsync();
Console.WriteLine($"listening on {port}, mode {mode}");
await app.WaitForShutdownAsync();

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

record VoteRequest(string[]? OptionIds);
record VoteAnswer(string Outcome, string PollId, string[] Choices, string VoterToken, long Version);

[JsonSerializable(typeof(VoteRequest))]
[JsonSerializable(typeof(VoteAnswer))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
partial class FloorJson : JsonSerializerContext;
