using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Diagnostics;

/// <summary>
/// Names our families carry on the meter <c>TheBot.Monitoring</c>: the OpenTelemetry semantic conventions' names,
/// units and attribute names where one exists, under a <c>thebot.</c> prefix (ASP.NET Core already publishes
/// <c>http.server.request.duration</c> on <c>Microsoft.AspNetCore.Hosting</c>; the same name twice would merge two
/// different measurements in an OpenTelemetry pipeline). docs/metrics.md has the table side by side with the
/// Prometheus names; a family not listed here is named by <see cref="Derive"/>.
/// </summary>
internal static class InstrumentNames
{
    private static readonly string[] HttpRoute = ["http.request.method", "http.route"];
    private static readonly string[] DbOperation = ["db.namespace", "db.operation.name", "db.collection.name"];
    private static readonly string[] CacheName = ["cache.name"];

    private static readonly Dictionary<string, PublishedInstrument> Known = new(StringComparer.Ordinal)
    {
        ["thebot_http_requests_total"] = new("thebot.http.server.requests", "{request}", InstrumentKind.Counter,
            [.. HttpRoute, "http.response.status_code"], ["http.response.status_code"]),
        ["thebot_http_request_duration_seconds"] = new("thebot.http.server.request.duration", "s", InstrumentKind.Histogram, HttpRoute, []),
        ["thebot_http_request_exceptions_total"] = new("thebot.http.server.request.exceptions", "{exception}", InstrumentKind.Counter, ["error.type"], []),
        ["thebot_http_requests_in_flight"] = new("thebot.http.server.active_requests", "{request}", InstrumentKind.UpDownCounter, [], []),
        ["thebot_db_queries_total"] = new("thebot.db.client.operations", "{operation}", InstrumentKind.Counter, DbOperation, []),
        ["thebot_db_query_duration_seconds"] = new("thebot.db.client.operation.duration", "s", InstrumentKind.Histogram, DbOperation, []),
        ["thebot_db_query_errors_total"] = new("thebot.db.client.operation.errors", "{operation}", InstrumentKind.Counter, DbOperation, []),
        ["thebot_db_connection_errors_total"] = new("thebot.db.client.connection.errors", "{connection}", InstrumentKind.Counter, ["db.namespace"], []),
        ["thebot_cache_hits_total"] = new("thebot.cache.hits", "{read}", InstrumentKind.Counter, CacheName, []),
        ["thebot_cache_misses_total"] = new("thebot.cache.misses", "{read}", InstrumentKind.Counter, CacheName, []),
        ["thebot_cache_errors_total"] = new("thebot.cache.errors", "{operation}", InstrumentKind.Counter, CacheName, []),
        ["thebot_websocket_connections"] = new("thebot.websocket.connections", "{connection}", InstrumentKind.UpDownCounter, ["type"], []),
        ["thebot_websocket_session_duration_seconds"] = new("thebot.websocket.session.duration", "s", InstrumentKind.Histogram, ["type"], []),
        ["thebot_background_tasks_total"] = new("thebot.background.tasks", "{run}", InstrumentKind.Counter, ["task_name", "status"], []),
        ["thebot_background_task_duration_seconds"] = new("thebot.background.task.duration", "s", InstrumentKind.Histogram, ["task_name"], []),
        ["thebot_background_queue_depth"] = new("thebot.background.queue.depth", "{job}", InstrumentKind.UpDownCounter, ["queue"], []),
        ["thebot_build_info"] = new("thebot.build.info", "1", InstrumentKind.Gauge, ["service.name", "service.version"], []),
        ["thebot_health_component_up"] = new("thebot.health.component.up", "1", InstrumentKind.Gauge, ["component"], []),
    };

    /// <summary>The Prometheus names with a fixed instrument name (what docs/metrics.md lists).</summary>
    public static IReadOnlyCollection<string> KnownFamilies => Known.Keys;

    /// <summary>How <paramref name="family"/> is published: the table's entry when its labels still match, else derived.</summary>
    public static PublishedInstrument For(MetricFamily family) =>
        Known.TryGetValue(family.Name, out var known) && known.Attributes.Length == family.LabelNames.Count
            ? known
            : Derive(family);

    /// <summary>
    /// The reverse of OpenTelemetry's conversion to Prometheus names, for a family without an entry:
    /// <c>myapp_orders_total</c> → counter <c>myapp.orders</c>; <c>myapp_job_duration_seconds</c> → <c>myapp.job.duration</c>
    /// in <c>s</c>; the unit given at registration (<see cref="MetricFamily.Unit"/>) wins over none; labels keep their
    /// names; a gauge stays a gauge (whether it may be summed is not known).
    /// </summary>
    public static PublishedInstrument Derive(MetricFamily family)
    {
        var name = family.Name;
        if (family.Type == MetricType.Counter && name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length];
        }

        var implied = MetricUnit.FromNameSuffix(name, out name);
        var unit = (family.Unit ?? implied)?.Ucum;

        var kind = family.Type switch
        {
            MetricType.Counter => InstrumentKind.Counter,
            MetricType.Histogram => InstrumentKind.Histogram,
            _ => InstrumentKind.Gauge,
        };
        return new PublishedInstrument(name.Replace('_', '.'), unit, kind, [.. family.LabelNames], []);
    }
}
