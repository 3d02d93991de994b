using System.Globalization;
using System.Text.Json.Nodes;

namespace TheBot.Cli.Load;

/// <summary>The summary of a run: one row per kind of request (count, status classes, latency percentiles), a total, and the rates.</summary>
internal static class LoadReport
{
    private static readonly string[] Classes = ["ws", "2xx", "3xx", "4xx", "5xx", "failed"];

    public static void Print(TextWriter output, LoadResult result)
    {
        var settings = result.Settings;
        var rows = result.Samples.GroupBy(s => s.Kind).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(g.Key, [.. g])).ToList();
        rows.Add(Row("total", result.Samples));
        if (result.Setup.Count > 0)
        {
            rows.Add(Row("(setup, not counted)", result.Setup));
        }

        string[] header = ["kind", "requests", "101 ws", "2xx", "3xx", "4xx", "5xx", "failed", "unexpected", "p50 ms", "p95 ms", "p99 ms"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine();
        output.WriteLine(Line(header, widths));
        foreach (var row in rows)
        {
            if (row[0] == "total")
            {
                output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }

            output.WriteLine(Line(row, widths));
        }

        output.WriteLine();
        var fivexx = result.ServerErrors;
        var deliberate = result.Samples.Count(s => s.Status >= 500 && s.AsExpected);
        output.WriteLine(Invariant(
            $"rate      requested {settings.RequestsPerSecond}/s for {settings.Duration.TotalSeconds:F0} s ({settings.ScheduledRequests} requests, open loop); achieved {result.AchievedRps:F1}/s sent ({result.Started} in {Math.Max(result.Schedule.TotalSeconds, settings.Duration.TotalSeconds):F1} s), {result.FinishedRps:F1}/s answered ({result.Samples.Count} in {result.Elapsed.TotalSeconds:F1} s); skipped {result.Skipped} (over {settings.MaxInFlight} open), abandoned {result.Abandoned} at the drain timeout"));
        output.WriteLine(Invariant(
            $"5xx       {fivexx} of {result.Samples.Count} ({Percent(fivexx, result.Samples.Count)}; requested {Percent(settings.ErrorShare)}), {deliberate} deliberate: {result.Samples.Count(s => s.Kind == PlatformTraffic.ErrorKind && s.AsExpected)} payments with token sim_fail, answered 502 by the simulated provider, and {result.Samples.Count(s => s.Kind == PlatformTraffic.ExceptionKind && s.AsExpected)} unhandled exceptions of POST /api/drills/exception (admin token{(settings.AdminToken is null ? " unknown: none sent" : string.Empty)}); the standard stack has no other 5xx on purpose, the fault switch is test-only"));
        output.WriteLine(Invariant(
            $"expected  {result.Samples.Count - result.Unexpected} of {result.Samples.Count} requests got the status the mix meant (201 accepted/late, 422 rejected, 402 declined, 502 failed, 500 exception, 101 WebSocket, …); unexpected {result.Unexpected}"));
        if (result.Unexpected > 0)
        {
            output.WriteLine($"          unexpected answers: {UnexpectedBreakdown(result.Samples)}");
        }

        output.WriteLine(Invariant($"seed      {settings.Seed} (repeat the same mix with --seed {settings.Seed})"));
    }

    /// <summary>The summary as <c>load --json</c> gives it: the rates, the status counts and one entry per kind of request.</summary>
    public static JsonObject ToJson(LoadResult result)
    {
        var settings = result.Settings;
        return new JsonObject
        {
            ["requested_rps"] = settings.RequestsPerSecond,
            ["duration_seconds"] = settings.Duration.TotalSeconds,
            ["seed"] = settings.Seed,
            ["requests"] = result.Samples.Count,
            ["achieved_rps"] = Math.Round(result.AchievedRps, 2),
            ["answered_rps"] = Math.Round(result.FinishedRps, 2),
            ["skipped"] = result.Skipped,
            ["abandoned"] = result.Abandoned,
            ["server_errors"] = result.ServerErrors,
            ["deliberate_server_errors"] = result.Samples.Count(s => s.Status >= 500 && s.AsExpected),
            ["unexpected"] = result.Unexpected,
            ["kinds"] = new JsonArray([.. result.Samples.GroupBy(s => s.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (JsonNode?)KindJson(g.Key, [.. g]))]),
            ["total"] = KindJson("total", result.Samples),
        };
    }

    private static JsonObject KindJson(string kind, IReadOnlyList<LoadSample> samples)
    {
        var latencies = samples.Select(s => s.Milliseconds).ToList();
        var json = new JsonObject { ["kind"] = kind, ["requests"] = samples.Count };
        foreach (var statusClass in Classes)
        {
            json[statusClass == "ws" ? "ws_101" : statusClass] = samples.Count(s => LoadStats.StatusClass(s.Status) == statusClass);
        }

        json["unexpected"] = samples.Count(s => !s.AsExpected);
        foreach (var percentile in (int[])[50, 95, 99])
        {
            var value = LoadStats.Percentile(latencies, percentile);
            json[$"p{percentile}_ms"] = double.IsNaN(value) ? null : Math.Round(value, 1);
        }

        return json;
    }

    /// <summary>
    /// <c>user-hit 503 (meant 200) × 7, chat-post 503 (meant 201) × 5</c>: which requests went wrong and how, so a failed
    /// run says where to look before anyone opens a log. "no answer" is a request that got no HTTP response.
    /// </summary>
    public static string UnexpectedBreakdown(IEnumerable<LoadSample> samples) => string.Join(", ", samples
        .Where(s => !s.AsExpected)
        .GroupBy(s => (s.Kind, s.Status, s.Expected))
        .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Status)
        .Select(g => Invariant($"{g.Key.Kind} {(g.Key.Status == 0 ? "no answer" : g.Key.Status.ToString(CultureInfo.InvariantCulture))} (meant {g.Key.Expected}) × {g.Count()}")));

    private static string[] Row(string kind, IReadOnlyList<LoadSample> samples)
    {
        var latencies = samples.Select(s => s.Milliseconds).ToList();
        return
        [
            kind,
            samples.Count.ToString(CultureInfo.InvariantCulture),
            .. Classes.Select(c => samples.Count(s => LoadStats.StatusClass(s.Status) == c).ToString(CultureInfo.InvariantCulture)),
            samples.Count(s => !s.AsExpected).ToString(CultureInfo.InvariantCulture),
            Milliseconds(LoadStats.Percentile(latencies, 50)),
            Milliseconds(LoadStats.Percentile(latencies, 95)),
            Milliseconds(LoadStats.Percentile(latencies, 99)),
        ];
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();

    private static string Milliseconds(double value) => double.IsNaN(value) ? "-" : value.ToString(value < 10 ? "F1" : "F0", CultureInfo.InvariantCulture);

    /// <summary>"2.0%" (no space, unlike the invariant culture's P format).</summary>
    /// <summary>A progress bar for <paramref name="fraction"/> (clamped to 0..1): <c>[#####-----]  50%</c>.</summary>
    public static string Bar(double fraction, int width = 20)
    {
        var done = double.IsNaN(fraction) ? 0 : Math.Clamp(fraction, 0, 1);
        var filled = (int)Math.Round(done * width, MidpointRounding.ToZero);
        return "[" + new string('#', filled) + new string('-', width - filled) + "] " + (done * 100).ToString("0", CultureInfo.InvariantCulture).PadLeft(3) + "%";
    }

    public static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public static string Percent(long part, long whole) => Percent(whole == 0 ? 0 : (double)part / whole);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
