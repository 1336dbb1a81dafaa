using System.Globalization;
using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>A scenario file that cannot be used: which file, which line, and why.</summary>
public sealed class ScenarioFileException(string path, long line, string reason)
    : FormatException($"{path} line {line}: {reason}")
{
    public long Line { get; } = line;

    public string Reason { get; } = reason;
}

/// <summary>
/// A run written down (YAML; JSON is YAML too) to keep in git: which scenario, against what, and every setting the
/// command line has, with the surge's arrival rate in stages. Every key is checked when the file is read, so a typo
/// or a bad value is refused with its line before anything runs; options given on the command line win over the
/// file. The schema is in load-tests/README.md ("Scenario files").
/// </summary>
public sealed record ScenarioFile
{
    public string Scenario { get; init; } = "";
    public string? Description { get; init; }
    public IReadOnlyList<string> Targets { get; init; } = [];
    public Protocol? Protocol { get; init; }
    public ReaderClient? Client { get; init; }
    public HubTransport? HubTransport { get; init; }
    public IReadOnlyList<string> Thresholds { get; init; } = [];

    // surge
    public int? Readers { get; init; }
    public int? Voters { get; init; }
    public RateProfile? Stages { get; init; }
    public Transport? Transport { get; init; }
    public int? Connections { get; init; }
    public int? MaxInFlight { get; init; }

    /// <summary>A mix of vote transports: the share sent over HTTP (the rest over the hub); <see cref="Transport"/> is then null.</summary>
    public double? HttpShare { get; init; }
    public int? Polls { get; init; }
    public TimeSpan? ReaderArrival { get; init; }

    /// <summary>A mix of reader protocols: the share of JSON readers (full client); <see cref="Protocol"/> is then null.</summary>
    public double? JsonReaderShare { get; init; }
    public bool? AbortOnFail { get; init; }
    public PollKind? Kind { get; init; }
    public string? Poll { get; init; }

    // feed
    public int? Articles { get; init; }
    public double? PublishRate { get; init; }
    public int? WarmUpArticles { get; init; }

    // soak
    public TimeSpan? Duration { get; init; }
    public double? Rate { get; init; }
    public int? PollReaders { get; init; }
    public int? FeedReaders { get; init; }
    public double? ChurnPercent { get; init; }

    private static readonly string[] Common = ["scenario", "description", "targets", "protocol", "client", "hubTransport", "thresholds"];

    private static readonly Dictionary<string, string[]> KeysOf = new()
    {
        ["surge"] = [.. Common, "readers", "voters", "stages", "transport", "connections", "maxInFlight", "abortOnFail", "kind", "poll", "polls", "readerArrival"],
        ["feed"] = [.. Common, "readers", "articles", "publishRate", "warmUpArticles"],
        ["soak"] = [.. Common, "duration", "rate", "voters", "pollReaders", "feedReaders", "churnPercent", "transport"],
    };

    /// <summary>Reads and checks <paramref name="path"/>; throws <see cref="ScenarioFileException"/> naming the line.</summary>
    public static ScenarioFile Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioFileException(path, 0, $"cannot be read: {ex.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Checks <paramref name="text"/> as the file <paramref name="path"/>.</summary>
    public static ScenarioFile Parse(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex) when (ex.Message.Contains("Duplicate key", StringComparison.Ordinal))
        {
            // YamlDotNet refuses a repeated key while loading; the line it names holds the second one.
            var line = text.Split('\n').ElementAtOrDefault((int)ex.Start.Line - 1) ?? "";
            var key = line.Split(':')[0].Trim();
            throw new ScenarioFileException(path, ex.Start.Line, $"'{key}' is given twice.");
        }
        catch (YamlException ex)
        {
            throw new ScenarioFileException(path, ex.Start.Line, $"not valid YAML: {ex.Message}");
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ScenarioFileException(path, 1, "a scenario file is one mapping of keys to values, starting with 'scenario: surge', 'feed' or 'soak'.");
        }
        return new Reader(path).Read(root);
    }

    /// <summary>Reads one file's nodes, each refusal naming the node's line.</summary>
    private sealed class Reader(string path)
    {
        public ScenarioFile Read(YamlMappingNode root)
        {
            var values = new Dictionary<string, YamlNode>();
            foreach (var (keyNode, value) in root.Children)
            {
                var key = Scalar(keyNode, "a key");
                if (!values.TryAdd(key, value))
                {
                    throw Refuse(keyNode, $"'{key}' is given twice.");
                }
            }
            if (!values.TryGetValue("scenario", out var scenarioNode))
            {
                throw Refuse(root, "'scenario' is missing: surge, feed or soak.");
            }
            var scenario = Scalar(scenarioNode, "'scenario'");
            if (!KeysOf.TryGetValue(scenario, out var known))
            {
                throw Refuse(scenarioNode, $"'scenario' is surge, feed or soak, not '{scenario}'.");
            }
            foreach (var keyNode in root.Children.Keys)
            {
                var key = ((YamlScalarNode)keyNode).Value!;
                if (!known.Contains(key))
                {
                    throw Refuse(keyNode, $"'{key}' is not a {scenario} setting; the keys are: {string.Join(", ", known)}.");
                }
            }

            T? Get<T>(string key, Func<YamlNode, string, T> read) where T : struct =>
                values.TryGetValue(key, out var node) ? read(node, key) : null;
            string? Text(string key) => values.TryGetValue(key, out var node) ? Scalar(node, $"'{key}'") : null;

            return new ScenarioFile
            {
                Scenario = scenario,
                Description = Text("description"),
                Targets = values.TryGetValue("targets", out var targets) ? Urls(targets) : [],
                Protocol = values.TryGetValue("protocol", out var protocol) && protocol is YamlMappingNode ? null : Get("protocol", Choice<Protocol>),
                JsonReaderShare = values.TryGetValue("protocol", out var protocols) && protocols is YamlMappingNode readerWeights
                    ? scenario == "surge" ? ProtocolMix(readerWeights) : throw Refuse(protocols, $"a protocol mix is for surge; {scenario} uses one protocol.")
                    : null,
                Client = Get("client", Choice<ReaderClient>),
                HubTransport = Get("hubTransport", Choice<HubTransport>),
                Thresholds = values.TryGetValue("thresholds", out var thresholds) ? ThresholdList(thresholds) : [],
                Readers = Get("readers", (n, k) => Whole(n, k, 0, 1_000_000)),
                Voters = Get("voters", (n, k) => Whole(n, k, 1, 100_000_000)),
                Stages = values.TryGetValue("stages", out var stages) ? Profile(stages) : null,
                Transport = values.TryGetValue("transport", out var transport) && transport is YamlMappingNode ? null : Get("transport", Choice<Transport>),
                HttpShare = values.TryGetValue("transport", out var mix) && mix is YamlMappingNode weights
                    ? scenario == "surge" ? Mix(weights) : throw Refuse(mix, $"a transport mix is for surge; {scenario} sends over one transport.")
                    : null,
                Polls = Get("polls", (n, k) => Whole(n, k, 1, 1_000)),
                ReaderArrival = Get("readerArrival", (n, k) => Span(n, k)),
                Connections = Get("connections", (n, k) => Whole(n, k, 1, 100_000)),
                MaxInFlight = Get("maxInFlight", (n, k) => Whole(n, k, 1, 10_000_000)),
                AbortOnFail = Get("abortOnFail", YesNo),
                Kind = Get("kind", Choice<PollKind>),
                Poll = Text("poll"),
                Articles = Get("articles", (n, k) => Whole(n, k, 1, 1_000_000)),
                PublishRate = Get("publishRate", (n, k) => Number(n, k, 0.001, 100_000, "articles a second")),
                WarmUpArticles = Get("warmUpArticles", (n, k) => Whole(n, k, 0, 1_000_000)),
                Duration = Get("duration", (n, k) => Span(n, k)),
                Rate = Get("rate", (n, k) => Number(n, k, 0, 10_000_000, "votes a second")),
                PollReaders = Get("pollReaders", (n, k) => Whole(n, k, 0, 1_000_000)),
                FeedReaders = Get("feedReaders", (n, k) => Whole(n, k, 0, 1_000_000)),
                ChurnPercent = Get("churnPercent", (n, k) => Number(n, k, 0, 100, "a percentage")),
            };
        }

        private RateProfile Profile(YamlNode node)
        {
            if (node is not YamlSequenceNode { Children.Count: > 0 } list)
            {
                throw Refuse(node, "'stages' is a list of stages, each '- duration: 30s' and 'rate: 500' (votes a second reached at its end).");
            }
            var stages = new List<RateStage>();
            foreach (var item in list)
            {
                if (item is not YamlMappingNode stage)
                {
                    throw Refuse(item, "a stage is a mapping: '{ duration: 30s, rate: 500 }'.");
                }
                YamlNode? duration = null, rate = null;
                foreach (var (keyNode, value) in stage.Children)
                {
                    switch (Scalar(keyNode, "a key"))
                    {
                        case "duration": duration = value; break;
                        case "rate": rate = value; break;
                        case var other: throw Refuse(keyNode, $"'{other}' is not a stage setting; a stage has 'duration' and 'rate'.");
                    }
                }
                stages.Add(new RateStage(
                    duration is null ? throw Refuse(stage, "this stage has no 'duration'.") : Span(duration, "duration"),
                    rate is null ? throw Refuse(stage, "this stage has no 'rate' (votes a second at its end).") : Number(rate, "rate", 0, 10_000_000, "votes a second")));
            }
            if (stages.All(s => s.Rate == 0 || s.Duration == TimeSpan.Zero))
            {
                throw Refuse(node, "no stage sends a vote: give at least one stage a duration and a rate above zero.");
            }
            return new RateProfile(stages);
        }

        private List<string> Urls(YamlNode node) => Strings(node, "targets").Select(n =>
            Uri.TryCreate(n.Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? n.Value!
                : throw Refuse(n, $"'{n.Value}' is not an absolute http(s) URL of a LivePoll node.")).ToList();

        private List<string> ThresholdList(YamlNode node) => Strings(node, "thresholds").Select(n =>
        {
            try
            {
                Threshold.Parse(n.Value!);
                return n.Value!;
            }
            catch (FormatException ex)
            {
                throw Refuse(n, ex.Message);
            }
        }).ToList();

        private List<YamlScalarNode> Strings(YamlNode node, string key) => node switch
        {
            YamlScalarNode one => [one],
            YamlSequenceNode many => many.Select(n => n as YamlScalarNode ?? throw Refuse(n, $"each of '{key}' is one line of text.")).ToList(),
            _ => throw Refuse(node, $"'{key}' is a list of text."),
        };

        private T Choice<T>(YamlNode node, string key) where T : struct, Enum
        {
            var value = Scalar(node, $"'{key}'");
            return Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _)
                ? parsed
                : throw Refuse(node, $"'{key}' is one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, not '{value}'.");
        }

        /// <summary>A transport mix such as <c>{ hub: 70, http: 30 }</c>: weights in any unit, read as the share over HTTP.</summary>
        private double Mix(YamlMappingNode weights) => ShareOf(weights, "a transport mix", "hub", "http");

        /// <summary>A reader protocol mix such as <c>{ messagepack: 80, json: 20 }</c>, read as the share of JSON readers.</summary>
        private double ProtocolMix(YamlMappingNode weights) => ShareOf(weights, "a protocol mix", "messagepack", "json");

        /// <summary>The weight of <paramref name="second"/> in a mapping that weighs <paramref name="first"/> and it, as a share of both.</summary>
        private double ShareOf(YamlMappingNode weights, string what, string first, string second)
        {
            double firstWeight = 0, secondWeight = 0;
            foreach (var (keyNode, value) in weights.Children)
            {
                var name = Scalar(keyNode, "a name");
                var weight = Number(value, name, 0, 1_000_000, "a weight (e.g. 20 for 20 %)");
                if (name == first) firstWeight = weight;
                else if (name == second) secondWeight = weight;
                else throw Refuse(keyNode, $"{what} weighs {first} and {second}, not '{name}'.");
            }
            return firstWeight + secondWeight > 0
                ? secondWeight / (firstWeight + secondWeight)
                : throw Refuse(weights, $"{what} needs a weight above 0 for {first} or {second}.");
        }

        private bool YesNo(YamlNode node, string key) => Scalar(node, $"'{key}'") switch
        {
            "true" or "yes" => true,
            "false" or "no" => false,
            var other => throw Refuse(node, $"'{key}' is true or false, not '{other}'."),
        };

        private int Whole(YamlNode node, string key, int min, int max)
        {
            var value = Scalar(node, $"'{key}'").Replace("_", "", StringComparison.Ordinal);
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n
                : throw Refuse(node, $"'{key}' is a whole number from {min:N0} to {max:N0}, not '{value}'.");
        }

        private double Number(YamlNode node, string key, double min, double max, string what)
        {
            var value = Scalar(node, $"'{key}'").Replace("_", "", StringComparison.Ordinal);
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n
                : throw Refuse(node, $"'{key}' is a number of {what} from {min:#,0.###} to {max:N0}, not '{value}'.");
        }

        /// <summary>"30s", "2m", "1h", "500ms", or a bare number of seconds.</summary>
        private TimeSpan Span(YamlNode node, string key)
        {
            var value = Scalar(node, $"'{key}'").Trim();
            var (number, scale) = value switch
            {
                _ when value.EndsWith("ms", StringComparison.Ordinal) => (value[..^2], 0.001),
                _ when value.EndsWith('s') => (value[..^1], 1),
                _ when value.EndsWith('m') => (value[..^1], 60),
                _ when value.EndsWith('h') => (value[..^1], 3600),
                _ => (value, 1d),
            };
            return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 && n * scale <= 7 * 24 * 3600
                ? TimeSpan.FromSeconds(n * scale)
                : throw Refuse(node, $"'{key}' is a time such as 30s, 2m, 1h or 500ms (at most a week), not '{value}'.");
        }

        private string Scalar(YamlNode node, string what) =>
            node is YamlScalarNode { Value: { } value } ? value : throw Refuse(node, $"{what} is a single value here, not a list or a mapping.");

        private ScenarioFileException Refuse(YamlNode node, string reason) => new(path, node.Start.Line, reason);
    }
}
