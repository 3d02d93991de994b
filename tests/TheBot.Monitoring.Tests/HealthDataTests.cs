using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// What a host's own health check puts into its <c>data</c> reaches the health answer without reflection (Native AOT)
/// and can never turn the probe into a 500: numbers, strings, dates, lists and dictionaries as they are, anything else
/// as its text.
/// </summary>
public sealed class HealthDataTests
{
    private enum Mode
    {
        Primary = 2,
    }

    /// <summary>An object graph with a cycle: the reflection serializer throws on it ("possible object cycle").</summary>
    private sealed class Node
    {
        public Node? Next { get; set; }

        public override string ToString() => "node";
    }

    private sealed class HostCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var cycle = new Node();
            cycle.Next = cycle;
            return Task.FromResult(HealthCheckResult.Healthy("host check", new Dictionary<string, object>
            {
                ["count"] = 3,
                ["ratio"] = 0.25,
                ["small"] = (short)7,
                ["name"] = "primary",
                ["up"] = true,
                ["at"] = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero),
                ["mode"] = Mode.Primary,
                ["timeout"] = TimeSpan.FromSeconds(90),
                ["replicas"] = new[] { "a", "b" },
                ["lag"] = new Dictionary<string, double> { ["a"] = 0.5 },
                ["graph"] = cycle,
            }));
        }
    }

    private sealed class NonFiniteCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Healthy("non-finite", new Dictionary<string, object>
            {
                ["ratio"] = 0.0 / 0.0,
                ["ceiling"] = double.PositiveInfinity,
                ["floor"] = float.NegativeInfinity,
                ["samples"] = new[] { 1.5, double.NaN },
                ["by_replica"] = new Dictionary<string, float> { ["a"] = float.NaN },
            }));
    }

    [Fact]
    public async Task NaN_and_infinities_in_a_check_s_data_are_written_as_their_names_not_a_500()
    {
        await using var app = await TestApp.StartAsync(_ => { },
            services => services.AddHealthChecks().AddCheck<NonFiniteCheck>("gauges", tags: ["ready"]));

        foreach (var path in (string[])["/api/system/health/", "/api/system/readiness/"])
        {
            using var response = await app.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var data = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("components").GetProperty("gauges").GetProperty("data");
            Assert.Equal("NaN", data.GetProperty("ratio").GetString());
            Assert.Equal("Infinity", data.GetProperty("ceiling").GetString());
            Assert.Equal("-Infinity", data.GetProperty("floor").GetString());
            Assert.Equal(1.5, data.GetProperty("samples")[0].GetDouble());
            Assert.Equal("NaN", data.GetProperty("samples")[1].GetString());
            Assert.Equal("NaN", data.GetProperty("by_replica").GetProperty("a").GetString());
        }
    }

    [Fact]
    public async Task A_host_check_s_data_is_written_as_json_values_and_a_cycle_as_its_text()
    {
        await using var app = await TestApp.StartAsync(_ => { },
            services => services.AddHealthChecks().AddCheck<HostCheck>("host", tags: ["ready"]));

        using var response = await app.Client.GetAsync("/api/system/health/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("components").GetProperty("host").GetProperty("data");

        Assert.Equal(3, data.GetProperty("count").GetInt32());
        Assert.Equal(0.25, data.GetProperty("ratio").GetDouble());
        Assert.Equal(7, data.GetProperty("small").GetInt32());
        Assert.Equal("primary", data.GetProperty("name").GetString());
        Assert.True(data.GetProperty("up").GetBoolean());
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero), data.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(2, data.GetProperty("mode").GetInt32());
        Assert.Equal("00:01:30", data.GetProperty("timeout").GetString());
        Assert.Equal(["a", "b"], data.GetProperty("replicas").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0.5, data.GetProperty("lag").GetProperty("a").GetDouble());
        Assert.Equal("node", data.GetProperty("graph").GetString());
    }
}
