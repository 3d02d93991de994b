using System.Text.Json;

namespace TheBot.Cli.Explain;

/// <summary>
/// Finds the JSON log lines of given traces in the services' log files (current and rotated), by the
/// <c>"trace_id":"…"</c> field the services write (src/TheBot.ServiceDefaults/Logging/JsonLogLine.cs). One pass over the files
/// for all traces; lines come back newest first by their <c>timestamp</c>.
/// </summary>
internal static class TraceLogSearch
{
    /// <summary>Log files under <paramref name="folder"/> (recursively): <c>*.log</c> and rotated <c>*.log.N</c>/<c>*.N.log</c>.</summary>
    public static IReadOnlyList<string> Files(string folder) =>
        Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f).Contains(".log", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)]
            : [];

    public static IReadOnlyDictionary<string, IReadOnlyList<TraceLogLine>> Find(IReadOnlyList<string> files, IReadOnlySet<string> traceIds, int perTrace)
    {
        var found = traceIds.ToDictionary(id => id, _ => new List<TraceLogLine>());
        foreach (var file in files)
        {
            foreach (var line in ReadShared(file))
            {
                var id = TraceIdOf(line);
                if (id is not null && found.TryGetValue(id, out var lines))
                {
                    lines.Add(new TraceLogLine(file, TimestampOf(line), line));
                }
            }
        }

        return found.ToDictionary(
            pair => pair.Key,
            pair => (IReadOnlyList<TraceLogLine>)[.. pair.Value.OrderByDescending(l => l.Timestamp ?? DateTimeOffset.MinValue).Take(perTrace)]);
    }

    private static string? TraceIdOf(string line)
    {
        const string field = "\"trace_id\":\"";
        var start = line.IndexOf(field, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += field.Length;
        var end = line.IndexOf('"', start);
        return end > start ? line[start..end] : null;
    }

    private static DateTimeOffset? TimestampOf(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(t.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The services keep writing (and rotating) while we read: share every access.
    private static IEnumerable<string> ReadShared(string file)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        using (stream)
        using (var reader = new StreamReader(stream))
        {
            while (reader.ReadLine() is { } line)
            {
                yield return line;
            }
        }
    }
}
