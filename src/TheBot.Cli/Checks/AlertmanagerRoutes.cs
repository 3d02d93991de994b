namespace TheBot.Cli.Checks;

/// <summary>
/// Where Alertmanager sends an alert, answered by Alertmanager's own routing code: <c>amtool config routes test</c>
/// on a config file. Every matcher kind (<c>= != =~ !~</c>), <c>continue</c> and nested routes count exactly as in
/// the running Alertmanager, which a hand-written walk of the route tree would have to re-implement.
/// </summary>
public static class AlertmanagerRoutes
{
    /// <summary>
    /// The receivers an alert with <paramref name="labels"/> reaches under <paramref name="configFile"/>, in route
    /// order (more than one only when a route says <c>continue: true</c>). Throws <see cref="InvalidOperationException"/>
    /// with amtool's reason when amtool is missing, refuses the file or the labels.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ReceiversAsync(string configFile, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken = default)
    {
        if (labels.Count == 0)
        {
            throw new ArgumentException("an alert has at least one label", nameof(labels));
        }

        // Each label as a quoted equality matcher, the form amtool parses for any value (spaces, commas, '=').
        var arguments = new List<string> { "config", "routes", "test", "--config.file=" + configFile };
        arguments.AddRange(labels.OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\""));
        var result = await CheckTool.RunAsync("amtool", arguments, cancellationToken)
                     ?? throw new InvalidOperationException(CheckTool.Missing("amtool"));
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"amtool config routes test refused {configFile}: {CheckTool.Useful(result)}");
        }

        // amtool prints the receivers on the last line, comma-separated (earlier lines: --tree output, none here).
        var last = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return last is null
            ? throw new InvalidOperationException($"amtool config routes test printed no receiver for {configFile}")
            : [.. last.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
