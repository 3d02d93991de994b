using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TheBot.Cli.Clients;
using TheBot.Cli.Explain;
using TheBot.Cli.Options;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot explain ALERTNAME [--json]</c>: from an alert to the requests behind it, with Prometheus and the
/// services' log files alone (no Grafana, no Loki). See <see cref="AlertExplainer"/> for what is gathered.
/// </summary>
internal static class ExplainCommand
{
    /// <summary>The alert was explained (whatever its state).</summary>
    public const int Explained = 0;

    /// <summary>No alerting rule has that name.</summary>
    public const int UnknownAlert = 2;

    /// <summary>Prometheus could not be asked (not running, or its API refused a query).</summary>
    public const int PrometheusUnavailable = 3;

    private static readonly Argument<string> AlertName = new("ALERTNAME") { Description = "Alert name as in monitoring/prometheus/alert_rules.yml, e.g. BackendHighLatency" };

    private static readonly Option<bool> Json = new("--json") { Description = "Print one JSON document instead of text" };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var command = StackOptions.Create("explain",
            "From an alert to the requests behind it: the alert's expression, state and value, the series that drive it, " +
            "the slowest exemplars of the histogram it reads over its window, and each exemplar's JSON log lines by trace_id " +
            "(newest first). Needs only Prometheus and the services' log files. " +
            $"Exit codes: {Explained} explained (firing, pending or inactive), {UnknownAlert} no alerting rule of that name or bad flags, " +
            $"{PrometheusUnavailable} Prometheus not reachable.");
        command.Arguments.Add(AlertName);
        command.Options.Add(Json);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var prometheus = new PrometheusClient(location.Url(ServiceNames.Prometheus));
            return await RunAsync(prometheus, Path.Combine(location.Paths.Logs, "services"), result.GetValue(AlertName)!, result.GetValue(Json), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, ct);
        });
        return command;
    }

    /// <summary>The verb without its flag parsing, for tests: explains <paramref name="alert"/> and returns the exit code.</summary>
    public static async Task<int> RunAsync(PrometheusClient prometheus, string logFolder, string alert, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        AlertExplanation? explanation;
        IReadOnlyList<string> known;
        try
        {
            (explanation, known) = await new AlertExplainer(prometheus, logFolder).ExplainAsync(alert, DateTimeOffset.UtcNow, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            error.WriteLine($"✗ Prometheus at {prometheus.BaseUrl} could not be asked: {exception.Message}. Is the stack up (./thebot status)?");
            return PrometheusUnavailable;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error.WriteLine($"✗ Prometheus at {prometheus.BaseUrl} did not answer in time.");
            return PrometheusUnavailable;
        }

        if (explanation is null)
        {
            var close = AlertNameSuggestions.Close(alert, known);
            error.WriteLine($"✗ no alerting rule named '{alert}' in Prometheus at {prometheus.BaseUrl}." +
                (close.Count > 0 ? $" Did you mean: {string.Join(", ", close)}?" : "") +
                $" Known alerts: {string.Join(", ", known)}.");
            return UnknownAlert;
        }

        if (json)
        {
            output.WriteLine(ToJson(explanation).ToJsonString(Indented));
        }
        else
        {
            WriteText(explanation, output);
        }

        return Explained;
    }

    /// <summary>
    /// Prometheus' <c>activeAt</c> is when the condition first held (pending); the alert fires once it has held for
    /// <c>for</c> (at the first evaluation after that). Both are said, so the time is not taken for the firing one.
    /// </summary>
    internal static string Since(ActiveAlert active, TimeSpan forDuration) => active switch
    {
        { ActiveAt: null } => active.State,
        { State: "firing" } when forDuration > TimeSpan.Zero => $"firing since ~{active.ActiveAt + forDuration:u} (pending from {active.ActiveAt:u})",
        { State: "pending" } when forDuration > TimeSpan.Zero => $"pending since {active.ActiveAt:u}, fires ~{active.ActiveAt + forDuration:u} if it still holds",
        _ => $"{active.State} since {active.ActiveAt:u}",
    };

    private static void WriteText(AlertExplanation e, TextWriter o)
    {
        o.WriteLine($"{e.Alert}: {e.State}{(e.For > TimeSpan.Zero ? $" (for {e.For})" : "")}  {Labels(e.Labels)}");
        o.WriteLine($"expression: {string.Join(" ", e.Expression.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
        foreach (var active in e.Active)
        {
            o.WriteLine($"  {Since(active, e.For)}, value {Number(active.Value)}  {Labels(active.Labels)}");
        }

        // Every "or" branch: a hung PostgreSQL fires PostgreSQLDown through its second branch, the first being empty.
        for (var i = 0; i < e.Conditions.Count; i++)
        {
            var branch = e.Conditions[i];
            o.WriteLine($"{(i == 0 ? "condition" : "or")}: {branch.Vector}{(branch.Operator is null ? "" : $" {branch.Operator} {Number(branch.Threshold)}")}");
            o.WriteLine(branch.Drivers.Count == 0 ? $"  now: no series (this {(e.Conditions.Count > 1 ? "branch's" : "condition's")} vector is empty)" : "  now, top series:");
            foreach (var series in branch.Drivers)
            {
                o.WriteLine($"    {Number(series.Value),12}  {Labels(series.Labels)}");
            }
        }

        if (e.Histogram is null)
        {
            o.WriteLine("histogram: none in the expression (or its recording rules), so no exemplars to follow.");
            return;
        }

        o.WriteLine($"histogram: {e.Histogram}, window {e.Window} (rate range + for)");
        o.WriteLine("  p95 by series, top first:");
        foreach (var series in e.HistogramDrivers)
        {
            o.WriteLine($"    {Number(series.Value),12}  {Labels(series.Labels)}");
        }

        o.WriteLine($"exemplars: {e.ExemplarsInWindow} in the window; the {e.Exemplars.Count} slowest, newest first " +
            $"(log lines from {e.LogFiles.Count} file(s)):");
        foreach (var exemplar in e.Exemplars)
        {
            o.WriteLine($"  {exemplar.Timestamp:yyyy-MM-dd HH:mm:ss.fff}Z  {Number(exemplar.Value)}{(exemplar.OverThreshold ? " (over the threshold)" : "")}  trace_id={exemplar.TraceId} span_id={exemplar.SpanId}  {Labels(exemplar.SeriesLabels)}");
            if (exemplar.Logs.Count == 0)
            {
                o.WriteLine("      no log line of this trace (the request logged nothing, or its file rotated away)");
            }

            foreach (var line in exemplar.Logs)
            {
                o.WriteLine($"      {Path.GetFileName(line.File)}: {line.Line}");
            }
        }
    }

    private static JsonObject ToJson(AlertExplanation e) => new()
    {
        ["alert"] = e.Alert,
        ["state"] = e.State,
        ["expression"] = e.Expression,
        ["for_seconds"] = e.For.TotalSeconds,
        ["labels"] = LabelsJson(e.Labels),
        ["active"] = new JsonArray([.. e.Active.Select(a => (JsonNode)new JsonObject
        {
            ["state"] = a.State,
            ["active_at"] = a.ActiveAt?.ToString("O", CultureInfo.InvariantCulture),
            ["fires_at"] = (a.ActiveAt + e.For)?.ToString("O", CultureInfo.InvariantCulture),
            ["value"] = NumberJson(a.Value),
            ["labels"] = LabelsJson(a.Labels),
        })]),
        // "condition" and "drivers" are the first branch's (as before branches were listed); "conditions" has them all.
        ["condition"] = new JsonObject { ["vector"] = e.Conditions[0].Vector, ["operator"] = e.Conditions[0].Operator, ["threshold"] = NumberJson(e.Conditions[0].Threshold) },
        ["drivers"] = SeriesJson(e.Conditions[0].Drivers),
        ["conditions"] = new JsonArray([.. e.Conditions.Select(c => (JsonNode)new JsonObject
        {
            ["vector"] = c.Vector,
            ["operator"] = c.Operator,
            ["threshold"] = NumberJson(c.Threshold),
            ["drivers"] = SeriesJson(c.Drivers),
        })]),
        ["histogram"] = e.Histogram,
        ["window_seconds"] = e.Window.TotalSeconds,
        ["histogram_drivers_p95"] = SeriesJson(e.HistogramDrivers),
        ["exemplars_in_window"] = e.ExemplarsInWindow,
        ["exemplars"] = new JsonArray([.. e.Exemplars.Select(x => (JsonNode)new JsonObject
        {
            ["trace_id"] = x.TraceId,
            ["span_id"] = x.SpanId,
            ["value"] = NumberJson(x.Value),
            ["timestamp"] = x.Timestamp.ToString("O", CultureInfo.InvariantCulture),
            ["over_threshold"] = x.OverThreshold,
            ["series_labels"] = LabelsJson(x.SeriesLabels),
            ["logs"] = new JsonArray([.. x.Logs.Select(l => (JsonNode)new JsonObject
            {
                ["file"] = l.File,
                ["timestamp"] = l.Timestamp?.ToString("O", CultureInfo.InvariantCulture),
                ["line"] = ParseOrText(l.Line),
            })]),
        })]),
        ["log_files"] = new JsonArray([.. e.LogFiles.Select(f => (JsonNode)JsonValue.Create(f))]),
    };

    private static JsonArray SeriesJson(IReadOnlyList<SeriesValue> series) =>
        new([.. series.Select(s => (JsonNode)new JsonObject { ["labels"] = LabelsJson(s.Labels), ["value"] = NumberJson(s.Value) })]);

    private static JsonObject LabelsJson(IReadOnlyDictionary<string, string> labels) =>
        new(labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value))));

    // JSON has no NaN or Inf: those become null.
    private static JsonNode? NumberJson(double? value) => value is { } v && double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static JsonNode? ParseOrText(string line)
    {
        try
        {
            return JsonNode.Parse(line);
        }
        catch (JsonException)
        {
            return JsonValue.Create(line);
        }
    }

    private static string Labels(IReadOnlyDictionary<string, string> labels) =>
        "{" + string.Join(", ", labels.Where(l => l.Key != "__name__").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static string Number(double? value) => value?.ToString("0.####", CultureInfo.InvariantCulture) ?? "—";
}
