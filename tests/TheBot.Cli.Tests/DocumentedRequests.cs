using System.Text.Json;
using System.Text.RegularExpressions;
using TheBot.Stack;

namespace TheBot.Cli.Tests;

/// <summary>
/// The HTTP reads the runbooks and docs/operations.md tell an operator to run (<c>curl … http://HOST:PORT/PATH [| jq 'FILTER']</c>),
/// mapped onto a local stack: HOST is a compose service name (or localhost with a default port), each sent to that
/// service's local port; the jq filter's leading path (<c>.components.cache</c>, <c>.data.activeTargets</c>) must exist
/// in the answer. POSTs (reloads) are left out, and so are services the stack does not run.
/// </summary>
internal static partial class DocumentedRequests
{
    /// <summary>One documented read: where it is written, the service, the path and query, and the jq path to find (none: any JSON or text).</summary>
    public sealed record Request(string Origin, string Service, string PathAndQuery, string[] JsonPath);

    public static IReadOnlyList<Request> All()
    {
        var root = RepositoryRoot.Find();
        var files = Directory.GetFiles(Path.Combine(root, "docs", "runbooks"), "*.md").Append(Path.Combine(root, "docs", "operations.md")).Order(StringComparer.Ordinal);
        var requests = new List<Request>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match curl in Curl().Matches(lines[i]))
                {
                    if (curl.Groups["flags"].Value.Replace(" ", "", StringComparison.Ordinal).Contains("-XPOST", StringComparison.Ordinal) || ServiceOf(curl.Groups["host"].Value, int.Parse(curl.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture)) is not { } service)
                    {
                        continue;
                    }

                    var jq = curl.Groups["jq"].Success ? curl.Groups["jq"].Value.Split('|')[0].Trim() : "";
                    // The object path up to the first iteration or index (`.data.activeTargets[] | select(…)` reads activeTargets).
                    var steps = jq.Split('.', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var iterated = Array.FindIndex(steps, step => step.Contains('[', StringComparison.Ordinal));
                    var path = iterated < 0 ? steps : [.. steps[..iterated], steps[iterated][..steps[iterated].IndexOf('[', StringComparison.Ordinal)]];
                    requests.Add(new Request($"{Path.GetRelativePath(root, file)}:{i + 1}", service, curl.Groups["path"].Value, path));
                }
            }
        }

        return requests;
    }

    /// <summary>The value at <paramref name="path"/> in <paramref name="json"/>, or null when a step is missing.</summary>
    public static JsonElement? At(JsonElement json, IEnumerable<string> path)
    {
        var current = json;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out current))
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>
    /// A compose host name (or localhost and a default port) → the service it stands for; null for a placeholder. The
    /// compose services the runbooks name (backend, prometheus, victoriametrics …) carry the stack's service names.
    /// </summary>
    private static string? ServiceOf(string host, int port) => host switch
    {
        "localhost" or "127.0.0.1" => PortPlan.Defaults.Where(d => d.Value == port).Select(d => d.Key).FirstOrDefault(),
        _ when PortPlan.Defaults.ContainsKey(host) => host,
        _ => null,
    };

    [GeneratedRegex(@"curl\b(?<flags>[^`|]*?)http://(?<host>[a-z0-9.]+):(?<port>\d+)(?<path>/[^\s`'""|]*)[^`|]*(?:\|\s*jq(?:\s+'(?<jq>[^']*)')?)?")]
    private static partial Regex Curl();
}
