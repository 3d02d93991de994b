using System.Text;
using System.Text.RegularExpressions;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Every <c>./thebot …</c> command the documentation shows (README, docs/, the runbooks, the projects' READMEs, the
/// monitoring configs' texts) parses with the CLI's real command line: its verb and flags exist and their values are
/// accepted. A component verb names a component the stack has (or an alias), and <c>explain</c> an alert the rules
/// define. An operator copies these lines in the middle of an incident; a renamed flag must fail here, not there.
/// Lines written as a template (<c>COMPONENT</c>, <c>&lt;name&gt;</c>, <c>[--flag]</c>) are left out and counted.
/// </summary>
public sealed partial class DocumentedCommandsTests
{
    private static readonly string Root = RepositoryRoot.Find();

    [Fact]
    public void Every_documented_command_parses_and_names_what_exists()
    {
        var components = KnownComponents();
        var alerts = AlertNames();
        var problems = new List<string>();
        var checkedCount = 0;
        var templates = 0;
        var verbs = CliCommands.Create().Subcommands.Select(c => c.Name).ToHashSet();
        foreach (var (file, line, command, inProse) in DocumentedCommands())
        {
            var args = Arguments(command);
            if (args.Any(IsPlaceholder))
            {
                templates++;
                continue;
            }

            checkedCount++;
            var where = $"{Path.GetRelativePath(Root, file)}:{line}: ./thebot {string.Join(' ', args)}";
            if (inProse && (args.Length == 0 || args is [var verb] && !verb.StartsWith('-')))
            {
                // "`./thebot explain` prints …": the verb named in a sentence, not a line to run; it must still exist.
                if (args.Length == 1 && !verbs.Contains(args[0]))
                {
                    problems.Add($"{where} → no verb '{args[0]}' (verbs: {string.Join(", ", verbs.Order())})");
                }

                continue;
            }

            var result = CliCommands.Create().Parse(args);
            if (result.Errors.Count > 0)
            {
                problems.Add($"{where} → {string.Join("; ", result.Errors.Select(e => e.Message))}");
                continue;
            }

            if (args.Length >= 2 && args[0] is "stop" or "start" or "restart" && !args[1].StartsWith('-') && !components.Contains(args[1]))
            {
                problems.Add($"{where} → no component '{args[1]}' (known: {string.Join(", ", components.Order())})");
            }

            if (args.Length >= 2 && args[0] == "explain" && !args[1].StartsWith('-') && !alerts.Contains(args[1]))
            {
                problems.Add($"{where} → no alert '{args[1]}' in monitoring/prometheus/alert_rules.yml");
            }
        }

        Assert.True(problems.Count == 0, $"{problems.Count} documented command(s) would fail:\n{string.Join('\n', problems)}");
        // The docs show well over a hundred commands; a count this low means the extraction broke, not that all is well.
        Assert.True(checkedCount >= 100, $"only {checkedCount} commands found ({templates} templates): the extraction is broken");
    }

    [Theory]
    [InlineData("./thebot restart backend   # then watch", new[] { "restart", "backend" })]
    [InlineData("./thebot down && ./thebot up", new[] { "down" })]
    [InlineData("./thebot cleanup --match 'thebot_http_requests_total{endpoint=~\"/a|/b\"}' --older-than 1d", new[] { "cleanup", "--match", "thebot_http_requests_total{endpoint=~\"/a|/b\"}", "--older-than", "1d" })]
    [InlineData("./thebot status\" } ] }", new[] { "status" })]
    [InlineData("./thebot test --fast 2>&1 | tail", new[] { "test", "--fast" })]
    public void A_command_ends_where_the_shell_would_end_it(string text, string[] expected) =>
        Assert.Equal(expected, Arguments(text["./thebot".Length..]));

    [Fact]
    public void A_wrong_flag_or_component_in_a_document_is_reported_with_its_place()
    {
        var args = Arguments(" restart backend --no-such-flag");
        Assert.NotEmpty(CliCommands.Create().Parse(args).Errors);
        Assert.DoesNotContain("redsi", KnownComponents());
        Assert.Contains("postgres", KnownComponents());
        Assert.Contains("backend-2", KnownComponents());
        Assert.Contains("BackendHighLatency", AlertNames());
    }

    /// <summary>
    /// (file, line, the text after <c>./thebot</c>, whether it sits in a sentence's code span) for each command in a
    /// code span or a fenced block of Markdown, and in a config file's comments and texts (its code spans when the line
    /// has any, else the line).
    /// </summary>
    private static IEnumerable<(string File, int Line, string Command, bool InProse)> DocumentedCommands()
    {
        var files = new[] { Path.Combine(Root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "src"), "README.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "monitoring"), "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".tmpl", StringComparison.Ordinal)))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var fenced = false;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var text = lines[i];
                if (text.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    fenced = !fenced;
                    continue;
                }

                // In a fenced block the whole line is code; elsewhere only code spans are (prose mentions verbs in words).
                var inProse = !fenced && (file.EndsWith(".md", StringComparison.Ordinal) || text.Contains('`'));
                var pieces = inProse ? CodeSpan().Matches(text).Select(m => m.Groups[1].Value) : [text];
                foreach (var piece in pieces)
                {
                    foreach (Match command in Invocation().Matches(piece))
                    {
                        yield return (file, i + 1, piece[(command.Index + command.Length)..], inProse);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The arguments a shell would pass: words split on blanks, quotes removed, up to the first comment, pipe,
    /// redirection, command separator or an unmatched quote (the end of a JSON string the command sits in).
    /// </summary>
    internal static string[] Arguments(string text)
    {
        var args = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\'' or '"')
            {
                var close = text.IndexOf(c, i + 1);
                if (close < 0)
                {
                    break;
                }

                word.Append(text, i + 1, close - i - 1);
                inWord = true;
                i = close;
            }
            else if (char.IsWhiteSpace(c))
            {
                Flush();
            }
            else if (!inWord && (c is '#' or '|' or ';' or '&' or '>' or ')' || (c == '2' && i + 1 < text.Length && text[i + 1] == '>')))
            {
                break;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        Flush();
        return [.. args];

        void Flush()
        {
            if (inWord)
            {
                args.Add(word.ToString());
            }

            word.Clear();
            inWord = false;
        }
    }

    /// <summary>A word of a template rather than of a command: NAME, &lt;alert&gt;, [--flag], critical|warning, an ellipsis.</summary>
    private static bool IsPlaceholder(string arg) =>
        Placeholder().IsMatch(arg) || (arg.Contains('[') || arg.Contains('|')) && !arg.Contains('{') || arg.Contains('<') || arg.Contains('…') || arg.Contains("...", StringComparison.Ordinal);

    /// <summary>What the component verbs accept: every process of the HA topology (a superset of the single node's), the optional ones, the aliases.</summary>
    private static HashSet<string> KnownComponents()
    {
        var paths = StackPaths.CreateTemporary("thebot-doc-commands-");
        try
        {
            var ha = new LocalStack(new StackLocation(Root, paths, new PortPlan(0)), topology: StackTopology.Ha(3));
            return [.. ha.Specs().Select(s => s.Name), .. StackComponents.All.Select(c => c.Name), .. StackComponents.All.SelectMany(c => c.Aliases)];
        }
        finally
        {
            Directory.Delete(paths.Root, recursive: true);
        }
    }

    private static HashSet<string> AlertNames() => [.. CommittedAlerts.Names()];

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"(?<![\w/.-])\./thebot(?![\w.-])")]
    private static partial Regex Invocation();

    [GeneratedRegex("^[A-Z][A-Z_]{2,}$")]
    private static partial Regex Placeholder();
}
