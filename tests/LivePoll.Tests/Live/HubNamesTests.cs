using System.Reflection;
using System.Text.RegularExpressions;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.Live;

/// <summary>
/// The pages name the hub's methods and events from one module (wwwroot/js/hub-names.js), which says exactly what the
/// contracts say; no page script calls or listens by a string literal of its own.
/// </summary>
public sealed partial class HubNamesTests
{
    private static readonly string Scripts = Path.Combine(NginxProcess.RepositoryRoot(), "src", "LivePoll.Server", "wwwroot", "js");

    [Fact]
    public void The_pages_hub_names_are_the_contracts_names()
    {
        var module = File.ReadAllText(Path.Combine(Scripts, "hub-names.js"));
        Assert.Equal(Constants(typeof(HubMethods)), Block(module, "HubMethods"));
        Assert.Equal(Constants(typeof(ClientEvents)), Block(module, "ClientEvents"));
        Assert.Contains($"export const HubPath = \"{HubPaths.Live}\";", module);
    }

    [Fact]
    public void No_page_script_names_a_hub_method_or_event_by_a_literal()
    {
        var names = Constants(typeof(HubMethods)).Keys.Concat(Constants(typeof(ClientEvents)).Keys).ToHashSet();
        foreach (var file in Directory.GetFiles(Scripts, "*.js").Where(f => Path.GetFileName(f) != "hub-names.js"))
        {
            var text = File.ReadAllText(file);
            var literals = LiteralCall().Matches(text).Select(m => m.Groups[1].Value)
                .Concat(HandlerKey().Matches(text).Select(m => m.Groups[1].Value).Where(names.Contains))
                .ToList();
            Assert.True(literals.Count == 0, $"{Path.GetFileName(file)} names {string.Join(", ", literals)} by a literal; import it from hub-names.js");
            Assert.DoesNotContain("\"/hubs/live", text);
        }
    }

    private static SortedDictionary<string, string> Constants(Type type) => new(type
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!), StringComparer.Ordinal);

    private static SortedDictionary<string, string> Block(string module, string name)
    {
        var start = module.IndexOf($"export const {name} = Object.freeze({{", StringComparison.Ordinal);
        Assert.True(start >= 0, $"hub-names.js exports no {name}");
        var body = module[start..module.IndexOf("});", start, StringComparison.Ordinal)];
        return new(Entry().Matches(body).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value), StringComparer.Ordinal);
    }

    [GeneratedRegex("""(\w+): "(\w+)",""")]
    private static partial Regex Entry();

    [GeneratedRegex(@"\b(?:invoke|send|on)\(""(\w+)""")]
    private static partial Regex LiteralCall();

    [GeneratedRegex("""[\s{,](\w+): (?:\w+|\(\)) =>""")]
    private static partial Regex HandlerKey();
}
