using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TheBot.Hosting;

/// <summary>
/// One JSON object per log event, the shape shared by stdout and the rotating file so a shipper (Promtail, Vector,
/// Alloy) needs a single pipeline: <c>timestamp, level, category, message, trace_id, span_id, request_id, service,
/// job</c>, the event's own named values, and <c>exception</c> when there is one.
/// </summary>
public static class JsonLogLine
{
    private static readonly HashSet<string> Reserved = ["timestamp", "level", "category", "message", "event_id", "trace_id", "span_id", "request_id", "service", "job", "exception"];

    /// <summary>The level names written in the <c>level</c> field.</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    /// <summary>Writes one event as a single line of JSON (no trailing newline).</summary>
    public static void Write<TState>(Utf8JsonWriter json, in LogEntry<TState> entry, IExternalScopeProvider? scopes, LogIdentity identity)
    {
        var message = entry.Formatter?.Invoke(entry.State, entry.Exception) ?? entry.State?.ToString() ?? string.Empty;
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        scopes?.ForEachScope(static (scope, target) => Collect(scope, target), fields);
        Collect(entry.State, fields);

        var activity = Activity.Current;
        json.WriteStartObject();
        json.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteString("level", LevelName(entry.LogLevel));
        json.WriteString("category", entry.Category);
        json.WriteString("message", message);
        if (entry.EventId.Id != 0)
        {
            json.WriteNumber("event_id", entry.EventId.Id);
        }

        WriteIfPresent(json, "trace_id", activity?.TraceId.ToString() ?? Take(fields, "TraceId"));
        WriteIfPresent(json, "span_id", activity?.SpanId.ToString() ?? Take(fields, "SpanId"));
        WriteIfPresent(json, "request_id", Take(fields, "RequestId"));
        json.WriteString("service", identity.Service);
        json.WriteString("job", identity.Job);
        foreach (var (key, value) in fields)
        {
            if (!Reserved.Contains(key) && key is not ("TraceId" or "SpanId" or "ParentId"))
            {
                json.WriteString(key, value);
            }
        }

        if (entry.Exception is not null)
        {
            json.WriteString("exception", entry.Exception.ToString());
        }

        json.WriteEndObject();
    }

    /// <summary>The line as a string, for sinks that write text.</summary>
    public static string Format<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopes, LogIdentity identity)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(json, entry, scopes, identity);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value) && value != "0000000000000000" && value != "00000000000000000000000000000000")
        {
            json.WriteString(name, value);
        }
    }

    private static string? Take(Dictionary<string, string?> fields, string key) => fields.Remove(key, out var value) ? value : null;

    private static void Collect(object? state, Dictionary<string, string?> target)
    {
        if (state is not IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            return;
        }

        foreach (var (key, value) in pairs)
        {
            if (key != "{OriginalFormat}")
            {
                target[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
            }
        }
    }
}
