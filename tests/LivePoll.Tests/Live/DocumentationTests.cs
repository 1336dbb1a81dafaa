using System.Text.RegularExpressions;
using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.Live;

/// <summary>
/// The README stays a front door (short, every link resolving) and docs/ stays true: every relative link and its
/// anchor resolves, and every test that docs/guarantees.md names exists.
/// </summary>
public sealed partial class DocumentationTests
{
    private static readonly string Root = NginxProcess.RepositoryRoot();

    private static IEnumerable<string> Documents() =>
        [Path.Combine(Root, "README.md"), Path.Combine(Root, "load-tests", "README.md"), .. Directory.GetFiles(Path.Combine(Root, "docs"), "*.md")];

    [Fact]
    public void The_readme_is_a_front_door_of_at_most_250_lines_that_calls_the_test_script()
    {
        var readme = File.ReadAllLines(Path.Combine(Root, "README.md"));
        Assert.InRange(readme.Length, 1, 250);
        Assert.Contains("./test.sh", readme);
    }

    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_resolves_to_a_file_and_heading()
    {
        var broken = new List<string>();
        foreach (var document in Documents())
        {
            var text = File.ReadAllText(document);
            foreach (Match link in LinkPattern().Matches(text))
            {
                var target = link.Groups[1].Value;
                if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal)
                    || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }
                var hash = target.IndexOf('#');
                var path = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var file = path.Length == 0 ? document : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, path));
                if (!File.Exists(file) && !Directory.Exists(file))
                {
                    broken.Add($"{Path.GetRelativePath(Root, document)}: {target} (no such file)");
                }
                else if (anchor is not null && file.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(file)).Contains(anchor))
                {
                    broken.Add($"{Path.GetRelativePath(Root, document)}: {target} (no such heading)");
                }
            }
        }
        Assert.Empty(broken);
    }

    [Fact]
    public void Every_guarantee_names_a_test_that_exists()
    {
        var sources = string.Join("\n", Directory.GetFiles(Path.Combine(Root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        var rows = File.ReadAllLines(Path.Combine(Root, "docs", "guarantees.md"))
            .Where(l => l.StartsWith("| **", StringComparison.Ordinal))
            .ToList();
        Assert.True(rows.Count >= 20, $"only {rows.Count} guarantees");
        foreach (var row in rows)
        {
            var proof = row.Split('|', StringSplitOptions.TrimEntries)[^2];
            var named = TestNamePattern().Matches(proof).Select(m => m.Groups[1].Value).ToList();
            var files = FilePattern().Matches(proof).Select(m => m.Groups[1].Value).ToList();
            Assert.True(named.Count > 0 || files.Count > 0, $"no test named in: {row}");
            Assert.All(named, name => Assert.True(sources.Contains($" {name}(", StringComparison.Ordinal), $"no test {name}"));
            Assert.All(files, f => Assert.True(File.Exists(Path.Combine(Root, "tests", "LivePoll.Tests", f))
                || File.Exists(Path.Combine(Root, "tests", "LivePoll." + f)), $"no test file {f}"));
        }
    }

    /// <summary>GitHub's anchors of a document's headings: lower case, punctuation dropped, spaces as dashes.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        [.. HeadingPattern().Matches(markdown).Select(m => Regex.Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), @"[^\p{L}\p{N} _-]", "").Replace(' ', '-'))];

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"(?m)^#{1,6} (.+)$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"`([A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+)`")]
    private static partial Regex TestNamePattern();

    [GeneratedRegex(@"`([A-Za-z]+/[A-Za-z]+\.cs)`")]
    private static partial Regex FilePattern();
}
