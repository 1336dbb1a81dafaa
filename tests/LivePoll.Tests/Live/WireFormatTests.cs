using System.Reflection;
using System.Text.Json;
using LivePoll.Contracts;
using MessagePack;
using MessagePack.Resolvers;

namespace LivePoll.Tests.Live;

/// <summary>
/// A poll snapshot or feed event in MessagePack leaves out its nil members, at every depth, and reads back to the same
/// message; one written with every member (an earlier server's) reads the same too.
/// </summary>
public sealed class WireFormatTests
{
    private static readonly MessagePackSerializerOptions Everything = WireFormats.MessagePack.WithResolver(
        CompositeResolver.Create(BuiltinResolver.Instance, DynamicEnumAsStringResolver.Instance, DynamicObjectResolver.Instance, StandardResolver.Instance));

    private static PollSnapshot ChoiceBroadcast() => new()
    {
        PollId = "p_Ab3dEf9hIj", Question = "Which bridge first?", State = PollState.Open, Version = 154_790, Epoch = "Zx81kQ2m",
        Options = [.. Enumerable.Range(1, 3).Select(i => new PollOptionView { Id = $"{i}", Text = $"Option {i}", Count = 43_000 + i })],
        TotalVoters = 129_006, ResultsVisible = true, ResultVisibility = ResultVisibility.Always, MaxChoices = 1, AllowVoteChange = false,
    };

    [Fact]
    public void A_choice_polls_live_snapshot_leaves_out_its_nil_members_and_reads_back_the_same()
    {
        var snapshot = ChoiceBroadcast();
        var bytes = MessagePackSerializer.Serialize(snapshot, WireFormats.MessagePack);
        var full = MessagePackSerializer.Serialize(snapshot, Everything);

        var reader = new MessagePackReader(bytes);
        var (entries, nils) = Walk(ref reader);
        Assert.Equal(0, nils);
        var fullReader = new MessagePackReader(full);
        var (fullEntries, fullNils) = Walk(ref fullReader);
        // The quiz, schedule, rating, words and photo members a choice poll does not use: 19 of its 41 map entries.
        Assert.Equal((41, 19), (fullEntries, fullNils));
        Assert.Equal(22, entries);
        Assert.True(bytes.Length < full.Length * 0.7, $"{bytes.Length} bytes against {full.Length} with every member");

        Assert.Equal(Json(snapshot), Json(MessagePackSerializer.Deserialize<PollSnapshot>(bytes, WireFormats.MessagePack)));
        Assert.Equal(Json(snapshot), Json(MessagePackSerializer.Deserialize<PollSnapshot>(full, WireFormats.MessagePack)));
    }

    [Fact]
    public void Members_that_hold_a_value_are_all_written_and_maps_nested_in_arrays_lose_their_nils_too()
    {
        var snapshot = ChoiceBroadcast() with
        {
            Kind = PollKind.Words, ClosesAt = new DateTime(2026, 12, 7, 20, 0, 0, DateTimeKind.Utc), YourChoices = ["2"],
            Words = [new WordCount { Text = "bridge", Count = null }, new WordCount { Text = "river", Count = 4 }],
            Options = [new PollOptionView { Id = "1", Text = "a", Count = null, ImageUrl = "/media/a.jpg", ImageAlt = "A bridge" }],
        };
        var bytes = MessagePackSerializer.Serialize(snapshot, WireFormats.MessagePack);
        var back = MessagePackSerializer.Deserialize<PollSnapshot>(bytes, WireFormats.MessagePack);

        Assert.Equal(Json(snapshot), Json(back));
        var json = MessagePackSerializer.ConvertToJson(bytes);
        Assert.Contains("\"closesAt\"", json);
        Assert.Contains("\"imageAlt\":\"A bridge\"", json);
        Assert.DoesNotContain("null", json);
    }

    [Fact]
    public void A_feed_event_leaves_out_the_articles_nil_members_and_reads_back_the_same()
    {
        var feedEvent = new FeedEvent
        {
            Sequence = 42, Kind = FeedEventKind.Published, At = new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc), Epoch = "e1",
            Article = new ArticleView
            {
                Id = "a1", Sequence = 42, State = ArticleState.Published, Title = "Bridge opens", Body = "<p>Today.</p>", Tags = ["city"],
                Language = "kk", Pinned = false, KeyEvent = true, PublishedAt = new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc),
                UpdatedAt = new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc), Version = 3, Corrections = [],
                Url = "/articles/a1", Share = new Dictionary<string, string> { ["x"] = "https://x.example/share" },
            },
        };
        var bytes = MessagePackSerializer.Serialize(feedEvent, WireFormats.MessagePack);
        var full = MessagePackSerializer.Serialize(feedEvent, Everything);

        var reader = new MessagePackReader(bytes);
        Assert.Equal(0, Walk(ref reader).Nils);
        var fullReader = new MessagePackReader(full);
        Assert.True(Walk(ref fullReader).Nils >= 8, "the article's lead, photo, byline, desk, source, schedule, correction note and tip credit are nil");
        Assert.Equal(Json(feedEvent), Json(MessagePackSerializer.Deserialize<FeedEvent>(bytes, WireFormats.MessagePack)));
        Assert.Equal(Json(feedEvent), Json(MessagePackSerializer.Deserialize<FeedEvent>(full, WireFormats.MessagePack)));
    }

    /// <summary>
    /// Leaving a nil out is only safe where an absent member reads back as null: no nullable member of these messages may
    /// start with another value (a <c>string? X = "…"</c> would read back as "…" after a null was left out).
    /// </summary>
    [Theory]
    [InlineData(typeof(PollSnapshot))]
    [InlineData(typeof(PollOptionView))]
    [InlineData(typeof(WordCount))]
    [InlineData(typeof(FeedEvent))]
    [InlineData(typeof(ArticleView))]
    [InlineData(typeof(ArticleImage))]
    [InlineData(typeof(ArticleDesk))]
    [InlineData(typeof(Correction))]
    public void Every_nullable_member_of_a_message_that_leaves_out_nils_starts_as_null(Type type)
    {
        var empty = Activator.CreateInstance(type)!;
        var nullability = new NullabilityInfoContext();
        var members = type.GetProperties().Where(p => p.GetCustomAttribute<KeyAttribute>() is not null).ToList();
        Assert.NotEmpty(members);
        foreach (var member in members.Where(p => nullability.Create(p).ReadState == NullabilityState.Nullable))
        {
            Assert.True(member.GetValue(empty) is null, $"{type.Name}.{member.Name} starts as {member.GetValue(empty)}, not null");
        }
    }

    private static string Json<T>(T message) => JsonSerializer.Serialize(message);

    /// <summary>Map entries and nil-valued map entries, at every depth.</summary>
    private static (int Entries, int Nils) Walk(ref MessagePackReader reader)
    {
        int entries = 0, nils = 0;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Map:
                var count = reader.ReadMapHeader();
                for (var i = 0; i < count; i++)
                {
                    reader.Skip();
                    entries++;
                    if (reader.TryReadNil())
                    {
                        nils++;
                        continue;
                    }
                    var (e, n) = Walk(ref reader);
                    (entries, nils) = (entries + e, nils + n);
                }
                break;
            case MessagePackType.Array:
                var items = reader.ReadArrayHeader();
                for (var i = 0; i < items; i++)
                {
                    var (e, n) = Walk(ref reader);
                    (entries, nils) = (entries + e, nils + n);
                }
                break;
            default:
                reader.Skip();
                break;
        }
        return (entries, nils);
    }
}
