using TheBot.Testing;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// Two independent readers of an exposition: <c>promtool check metrics</c> (Prometheus' own linter) and Debian's
/// python3-prometheus-client parsers (the strict OpenMetrics one, or the text one), which read every family to the end
/// and fail on the first thing the format does not allow.
/// </summary>
public static class ExpositionParsers
{
    private const string Python = "/usr/bin/python3";

    // Reads stdin with the parser named in argv[1] and lists what it found, so an empty parse cannot pass silently.
    // OpenMetrics wants le and quantile values as canonical numbers (le="1.0"); the parser of Debian's 0.16 checks only
    // +Inf, so the script also holds every one to the client's own canonical spelling (floatToGoString, the one its
    // exposer writes) and fails on the first that differs. (That function pads exponents from 1e+10 to 1e+16 wrongly,
    // "1e+015"; no bound of ours lies there.)
    private const string ParseScript = """
        import sys
        from prometheus_client.utils import floatToGoString
        if sys.argv[1] == "openmetrics":
            from prometheus_client.openmetrics.parser import text_string_to_metric_families
        else:
            from prometheus_client.parser import text_string_to_metric_families
        families = list(text_string_to_metric_families(sys.stdin.read()))
        if sys.argv[1] == "openmetrics":
            for f in families:
                for s in f.samples:
                    for key in ("le", "quantile"):
                        if (key == "le" and s.name.endswith("_bucket") or key == "quantile" and f.type == "summary") and key in s.labels \
                                and s.labels[key] != floatToGoString(s.labels[key]):
                            sys.exit(f"{s.name}: {key}={s.labels[key]!r} is not canonical (OpenMetrics wants {floatToGoString(s.labels[key])!r})")
        exemplars = sum(1 for f in families for s in f.samples if getattr(s, "exemplar", None) is not None)
        print(f"families={len(families)} exemplars={exemplars}")
        """;

    // Written once per test process (Lazy is thread-safe), so parallel tests never run a half-written file.
    private static readonly Lazy<string> Script = new(() =>
    {
        // Beside the test binaries, not in the temp folder: a test run leaves nothing behind. Written to a private
        // name and renamed, so a concurrent test process never runs a half-written file (the content is the same).
        var path = Path.Combine(AppContext.BaseDirectory, "parse-exposition.py");
        var writing = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(writing, ParseScript);
        File.Move(writing, path, overwrite: true);
        return path;
    });

    /// <summary>
    /// promtool's findings; empty means clean. promtool 2.42 reads only the text format: on OpenMetrics it reports
    /// "X_total no help text" for every counter, because OpenMetrics names the family X (HELP and TYPE without _total)
    /// while the samples keep X_total. Exactly those findings, for families the exposition types as counters, are
    /// dropped; any other finding stays.
    /// </summary>
    public static async Task<string> PromtoolFindingsAsync(string exposition)
    {
        var (exit, output) = await RunAsync("/usr/bin/promtool", ["check", "metrics"], exposition);
        var findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !IsOpenMetricsCounterNaming(line, exposition))
            .ToList();
        return findings.Count == 0 && (exit == 0 || output.Trim().Length > 0) ? "" : $"promtool check metrics (exit {exit}):\n{string.Join('\n', findings)}";
    }

    private static bool IsOpenMetricsCounterNaming(string finding, string exposition)
    {
        const string suffix = "_total no help text";
        return exposition.EndsWith("# EOF\n", StringComparison.Ordinal)
               && finding.EndsWith(suffix, StringComparison.Ordinal)
               && exposition.Contains($"\n# TYPE {finding[..^suffix.Length]} counter\n", StringComparison.Ordinal);
    }

    /// <summary>
    /// The client's canonical spelling (<c>floatToGoString</c>) of each number, for checking ours against an
    /// implementation we did not write.
    /// </summary>
    public static async Task<string[]> PythonCanonicalAsync(IEnumerable<double> values)
    {
        var input = string.Join('\n', values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var (exit, output) = await RunAsync(Python, ["-c", "import sys\nfrom prometheus_client.utils import floatToGoString\nfor line in sys.stdin.read().split():\n    print(floatToGoString(line))"], input);
        Xunit.Assert.True(exit == 0, output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Parses with python3-prometheus-client; returns (families, exemplars) or throws with the parser's error.</summary>
    public static async Task<(int Families, int Exemplars)> PythonParseAsync(string exposition, bool openMetrics)
    {
        var (exit, output) = await RunAsync(Python, [Script.Value, openMetrics ? "openmetrics" : "text"], exposition);
        var last = output.Trim().Split('\n')[^1];
        if (exit != 0 || !last.StartsWith("families=", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"python3-prometheus-client ({(openMetrics ? "OpenMetrics" : "text")} parser) refused the exposition (exit {exit}):\n{output}");
        }

        var parts = last.Split(' ');
        return (int.Parse(parts[0]["families=".Length..], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(parts[1]["exemplars=".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Runs a parser on <paramref name="stdin"/> through the stack's <see cref="TheBot.Stack.CommandRunner"/> (killed with
    /// its children after 60 s); its exit code and stdout followed by stderr, where the tools write their findings.
    /// </summary>
    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] arguments, string stdin)
    {
        var result = await CliTool.RunAsync(file, arguments, standardInput: stdin);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }
}
