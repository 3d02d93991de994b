using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TheBot.Hosting;
using TheBot.MonitoringConfig.Tests.Support;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>The Loki datasource's TraceId derived field finds the trace id in the lines the services really write.</summary>
public class LogTraceLinkTests
{
    [Fact]
    public void Derived_field_captures_the_trace_id_of_a_real_service_log_line()
    {
        using var activity = new Activity("GET /api/health").SetIdFormat(ActivityIdFormat.W3C).Start();
        var entry = new LogEntry<string>(LogLevel.Warning, "TheBot.Api.Health", new EventId(0), "slow dependency", null, (state, _) => state);
        var line = JsonLogLine.Format(entry, null, new LogIdentity("backend", "thebot-backend"));

        Assert.Equal(activity.TraceId.ToHexString(), TraceIdIn(line));
    }

    [Fact]
    public void Derived_field_captures_the_trace_id_as_the_logs_dashboard_formats_it()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var formats = Dashboards.Targets().Where(t => t.Dashboard == "thebot-logs.json")
            .Select(t => Regex.Match(t.Expr, "line_format \"([^\"]*)\"")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(formats);
        foreach (var format in formats)
        {
            // What line_format renders for a line of that trace (other fields left empty).
            var rendered = Regex.Replace(format, @"\{\{\s*\.(\w+)\s*\}\}", m => m.Groups[1].Value == "trace_id" ? traceId : "");
            Assert.Equal(traceId, TraceIdIn(rendered));
        }
    }

    [Fact]
    public void Derived_field_finds_nothing_in_a_line_without_a_trace()
    {
        var entry = new LogEntry<string>(LogLevel.Information, "TheBot.Jobs", new EventId(0), "TraceId 1234 in a message is not a trace", null, (state, _) => state);
        Activity.Current = null;
        Assert.Null(TraceIdIn(JsonLogLine.Format(entry, null, new LogIdentity("backend", "thebot-backend"))));
    }

    [Fact]
    public void An_exemplars_trace_id_opens_the_same_loki_query_as_the_log_lines_trace_link()
    {
        var datasources = YamlMap.Load(Repo.Monitoring("grafana", "provisioning", "datasources", "datasources.yml")).At("datasources").AsList();
        var prometheus = datasources.Single(d => d.At("uid") as string == "prometheus");
        var destination = Assert.Single(prometheus.At("jsonData", "exemplarTraceIdDestinations").AsList());
        var loki = datasources.Single(d => d.At("uid") as string == "loki");
        var derived = loki.At("jsonData", "derivedFields").AsList().Single(f => f.At("name") as string == "TraceId");

        // The exemplar label the library writes (ExpositionWriter), an internal link to Loki, and the derived field's query.
        Assert.Equal("trace_id", destination.At("name"));
        Assert.Equal("loki", destination.At("datasourceUid"));
        Assert.Equal(derived.At("url"), destination.At("url"));
        Assert.Contains("$${__value.raw}", (string)destination.At("url")!, StringComparison.Ordinal);
    }

    private static string? TraceIdIn(string line)
    {
        var loki = YamlMap.Load(Repo.Monitoring("grafana", "provisioning", "datasources", "datasources.yml"))
            .At("datasources").AsList().Single(d => d.At("uid") as string == "loki");
        var field = loki.At("jsonData", "derivedFields").AsList().Single(f => f.At("name") as string == "TraceId");
        var match = Regex.Match(line, (string)field.At("matcherRegex")!);
        return match.Success ? match.Groups[1].Value : null;
    }
}
