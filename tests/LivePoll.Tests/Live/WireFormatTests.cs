using System.Text.Json;
using LivePoll.Contracts;
using MessagePack;
using MessagePack.Resolvers;

namespace LivePoll.Tests.Live;

/// <summary>
/// A poll snapshot in MessagePack leaves out its nil members, at every depth, and reads back to the same snapshot; a
/// snapshot written with every member (an earlier server's) reads the same too.
/// </summary>
public sealed class WireFormatTests
{
    private static readonly MessagePackSerializerOptions Everything = WireFormats.MessagePack.WithResolver(
        CompositeResolver.Create(
        BuiltinResolver.Instance, DynamicEnumAsStringResolver.Instance, DynamicObjectResolver.Instance, StandardResolver.Instance));

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

    private static string Json(PollSnapshot snapshot) => JsonSerializer.Serialize(snapshot);

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
