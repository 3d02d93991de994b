using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TheBot.Monitoring.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Monitoring.Tests;

[Collection(RealServersCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class SystemEndpointTests(RealServers servers)
{
    private static void MapHello(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        app.MapGet("/hello", () => "hi");
        app.MapGet("/fail", () => TypedResults.StatusCode(500));
    }

    public static TheoryData<string, string?, HttpStatusCode> Refusals => new()
    {
        { "/api/system/metrics/prometheus/", null, HttpStatusCode.Unauthorized },
        { "/api/system/metrics/prometheus/", "wrong", HttpStatusCode.Forbidden },
        { "/api/system/metrics/prometheus/", TestApp.AdminToken, HttpStatusCode.Forbidden },
        { "/api/system/metrics/", null, HttpStatusCode.Unauthorized },
        { "/api/system/metrics/", TestApp.ScrapeToken, HttpStatusCode.Forbidden },
        { "/api/system/analytics/", "wrong", HttpStatusCode.Forbidden },
        { "/api/system/analytics/", null, HttpStatusCode.Unauthorized },
        { "/api/system/metrics/", "wrong", HttpStatusCode.Forbidden },
        { "/api/system/analytics/", TestApp.ScrapeToken, HttpStatusCode.Forbidden },
        { "/api/system/prometheus/config/", null, HttpStatusCode.Unauthorized },
        { "/api/system/prometheus/config/", "wrong", HttpStatusCode.Forbidden },
        { "/api/system/prometheus/config/", TestApp.ScrapeToken, HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Internal_endpoints_refuse_missing_or_wrong_tokens_with_problem_details(string path, string? token, HttpStatusCode expected)
    {
        await using var app = await TestApp.StartAsync(MapHello);
        using var response = await app.GetAsync(path, token);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task Without_an_admin_token_admin_endpoints_are_closed_and_without_a_scrape_token_loopback_may_scrape()
    {
        await using var app = await TestApp.StartAsync(MapHello, settings: new Dictionary<string, string?>
        {
            ["Monitoring:ScrapeToken"] = "",
            ["Monitoring:AdminToken"] = "",
        });

        using var admin = await app.GetAsync("/api/system/metrics/", "anything");
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Contains("No admin token is configured", await admin.Content.ReadAsStringAsync());

        using var scrape = await app.GetAsync("/api/system/metrics/prometheus/", null);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode); // Kestrel on 127.0.0.1: the peer is loopback
    }

    [Theory]
    [InlineData("203.0.113.7", StatusCodes.Status403Forbidden)]
    [InlineData("10.1.2.3", StatusCodes.Status403Forbidden)]
    [InlineData("2001:db8::5", StatusCodes.Status403Forbidden)]
    [InlineData("127.0.0.1", StatusCodes.Status200OK)]
    [InlineData("::1", StatusCodes.Status200OK)]
    public async Task Without_a_scrape_token_only_a_loopback_peer_may_scrape(string peer, int expected)
    {
        await using var app = await TestApp.StartAsync(MapHello, settings: new Dictionary<string, string?> { ["Monitoring:ScrapeToken"] = "" }, inMemory: true);
        var server = (TestServer)app.Services.GetRequiredService<IServer>();

        var context = await server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/system/metrics/prometheus/";
            c.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        });

        Assert.Equal(expected, context.Response.StatusCode);
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        if (expected == StatusCodes.Status403Forbidden)
        {
            Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
            Assert.Contains("only loopback may scrape", body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("# TYPE thebot_build_info gauge", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_token_file_is_read_and_a_missing_one_fails_start_up_naming_the_setting()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "from-a-file\n");
        try
        {
            await using (var app = await TestApp.StartAsync(MapHello, settings: new Dictionary<string, string?>
            {
                ["Monitoring:ScrapeToken"] = "",
                ["Monitoring:ScrapeTokenFile"] = file,
            }))
            {
                using var ok = await app.GetAsync("/api/system/metrics/prometheus/", "from-a-file");
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }

            var error = await Assert.ThrowsAnyAsync<Exception>(() => TestApp.StartAsync(MapHello, settings: new Dictionary<string, string?>
            {
                ["Monitoring:ScrapeToken"] = "",
                ["Monitoring:ScrapeTokenFile"] = file + ".missing",
            }));
            Assert.Contains("Monitoring:ScrapeTokenFile", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task OpenMetrics_is_served_when_asked()
    {
        await using var app = await TestApp.StartAsync(MapHello);
        await app.Client.GetAsync("/hello");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/system/metrics/prometheus/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.ScrapeToken);
        request.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0");
        using var response = await app.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("# EOF\n", text);
        Assert.Contains("# TYPE thebot_http_requests counter\n", text);
        Assert.Contains("thebot_http_requests_total{method=\"GET\",endpoint=\"/hello\",status=\"200\"} 1\n", text);
    }

    [Fact]
    public async Task Health_readiness_and_liveness_answer_with_components()
    {
        await using var app = await TestApp.StartAsync(MapHello);

        using var health = await app.GetAsync("/api/system/health/", null);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var body = await health.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(body.GetProperty("status").GetString(), new[] { "healthy", "degraded" });
        var components = body.GetProperty("components");
        foreach (var name in new[] { "disk", "memory", "job_queue" })
        {
            Assert.True(components.TryGetProperty(name, out var component), $"component {name} missing: {body}");
            Assert.True(component.GetProperty("duration_seconds").GetDouble() >= 0);
        }

        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/api/system/readiness/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/api/system/liveness/", null)).StatusCode);
    }

    [Fact]
    public async Task Readiness_fails_fast_when_the_database_is_unreachable_while_liveness_stays_up()
    {
        var closedPort = TheBot.Stack.Ports.GetFree();
        await using var app = await TestApp.StartAsync(MapHello, services =>
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<System.Data.Common.DbDataSource>(services,
                Npgsql.NpgsqlDataSource.Create($"Host=127.0.0.1;Port={closedPort};Username=x;Password=y;Timeout=2")));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var readiness = await app.GetAsync("/api/system/readiness/", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"readiness took {watch.Elapsed}");
        var body = await readiness.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unhealthy", body.GetProperty("components").GetProperty("database").GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/api/system/liveness/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.GetAsync("/api/system/health/", null)).StatusCode);
    }

    [Fact]
    public async Task System_metrics_and_analytics_report_rates_errors_and_latency_over_a_window()
    {
        await using var app = await TestApp.StartAsync(MapHello);
        var sampler = (SystemEndpoints.MetricsSampler)app.Services.GetService(typeof(SystemEndpoints.MetricsSampler))!;
        sampler.Sample();
        for (var i = 0; i < 9; i++)
        {
            await app.Client.GetAsync("/hello");
        }

        await app.Client.GetAsync("/fail");

        using var system = await app.GetAsync("/api/system/metrics/?window=5m", TestApp.AdminToken);
        Assert.Equal(HttpStatusCode.OK, system.StatusCode);
        var snapshot = await system.Content.ReadFromJsonAsync<JsonElement>();
        foreach (var section in new[] { "cpu", "memory", "gc", "thread_pool", "disk", "http", "cache", "uptime_seconds", "websocket_connections", "database_pool" })
        {
            Assert.True(snapshot.TryGetProperty(section, out _), $"section {section} missing");
        }

        Assert.True(snapshot.GetProperty("http").GetProperty("p95_latency_seconds").GetDouble() > 0);

        using var analytics = await app.GetAsync("/api/system/analytics/?window=5m", TestApp.AdminToken);
        var report = await analytics.Content.ReadFromJsonAsync<JsonElement>();
        var rows = report.GetProperty("endpoints").EnumerateArray().ToDictionary(r => r.GetProperty("endpoint").GetString()!);
        Assert.Equal(9, rows["/hello"].GetProperty("requests").GetInt64());
        Assert.Equal(0, rows["/hello"].GetProperty("errors").GetInt64());
        Assert.Equal(1, rows["/fail"].GetProperty("errors").GetInt64());
        Assert.Equal(1.0, rows["/fail"].GetProperty("error_rate").GetDouble());
        Assert.True(report.GetProperty("slowest_endpoints").GetArrayLength() >= 2);

        using var bad = await app.GetAsync("/api/system/analytics/?window=forever", TestApp.AdminToken);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_process_cpu_ratio_follows_work_the_process_does()
    {
        await using var app = await TestApp.StartAsync(MapHello, settings: new Dictionary<string, string?>
        {
            ["Monitoring:SampleInterval"] = "00:00:00.2",
            ["Monitoring:SampleRetention"] = "00:05:00", // the default hour at 0.2 s is 18,000 samples, over the bound
        });

        // One thread spinning for 1.2 s spans several 0.2 s sample intervals: the ratio of the last one is about
        // 1 / ProcessorCount of the machine (less when the machine is busy and the thread gets less than a core).
        var spinning = Task.Run(() =>
        {
            var until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency * 6 / 5;
            var spins = 0L;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                spins++;
            }

            return spins;
        });
        await Task.Delay(TimeSpan.FromSeconds(0.9));
        using var busy = await app.GetAsync("/api/system/metrics/", TestApp.AdminToken);
        var busyRatio = (await busy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cpu").GetProperty("process_usage_ratio").GetDouble();
        Assert.True(await spinning > 0);

        Assert.InRange(busyRatio, 0.1 / Environment.ProcessorCount, 1.0);
    }

    [Fact]
    public async Task System_metrics_report_the_database_pool_and_cache_hit_ratio_and_analytics_the_business_counters()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await servers.Postgres.CreateDatabaseAsync()) { MaxPoolSize = 13 }.ConnectionString;
        await using var app = await TestApp.StartAsync(a =>
        {
            a.MapGet("/remember", (IMemoryCache cache) =>
            {
                var found = 0;
                for (var i = 0; i < 4; i++)
                {
                    found += cache.TryGetValue("key", out _) ? 1 : 0; // miss, then three hits
                    cache.Set("key", i);
                }

                return found;
            });
            a.MapPost("/events", (IServiceProvider services) =>
            {
                KnownBusinessEvents.Record(services);
                return TypedResults.NoContent();
            });
        }, services =>
        {
            services.AddMemoryCache();
            services.AddSingleton<System.Data.Common.DbDataSource>(_ => NpgsqlDataSource.Create(connectionString));
            services.AddTheBotMetrics<AppBusinessMetrics>();
        });

        Assert.Equal("3", await app.Client.GetStringAsync("/remember"));
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostAsync("/events", null)).StatusCode);
        var dataSource = (System.Data.Common.DbDataSource)app.Services.GetService(typeof(System.Data.Common.DbDataSource))!;
        var held = new List<System.Data.Common.DbConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                held.Add(await dataSource.OpenConnectionAsync());
            }

            using var system = await app.GetAsync("/api/system/metrics/", TestApp.AdminToken);
            var snapshot = await system.Content.ReadFromJsonAsync<JsonElement>();

            var memory = snapshot.GetProperty("cache").GetProperty("memory");
            Assert.Equal(3, memory.GetProperty("hits").GetInt64());
            Assert.Equal(1, memory.GetProperty("misses").GetInt64());
            Assert.Equal(0.75, memory.GetProperty("hit_ratio").GetDouble());

            // Npgsql's meter is process-wide, so pools of tests running alongside add to these sums: lower bounds.
            var pool = snapshot.GetProperty("database_pool");
            Assert.True(pool.GetProperty("connections").GetDouble() >= 3, $"3 connections held, pool reports {pool}");
            Assert.True(pool.GetProperty("max_connections").GetDouble() >= 13, $"Max Pool Size 13, pool reports {pool}");
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }

        using var analytics = await app.GetAsync("/api/system/analytics/", TestApp.AdminToken);
        var business = (await analytics.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("business_since_start");
        Assert.Equal(2, business.GetProperty("messages_sent").GetProperty("group").GetInt64());
        Assert.Equal(1, business.GetProperty("messages_sent").GetProperty("private").GetInt64());
        Assert.Equal(1, business.GetProperty("assignments_submitted").GetProperty("late").GetInt64());
        Assert.Equal(0, business.GetProperty("assignments_submitted").GetProperty("accepted").GetInt64());
        Assert.Equal(1, business.GetProperty("payments_processed").GetProperty("declined/wallet").GetInt64());
        Assert.Equal(1, business.GetProperty("background_tasks").GetProperty("grading/retry").GetInt64());
        Assert.Equal(1, business.GetProperty("websocket_connections").GetInt64());
    }

    [Fact]
    public async Task Business_totals_keep_label_values_that_contain_a_slash_apart()
    {
        await using var app = await TestApp.StartAsync(MapHello, services => services.AddTheBotMetrics<SlashLabelMetrics>());

        using var analytics = await app.GetAsync("/api/system/analytics/", TestApp.AdminToken);
        Assert.Equal(HttpStatusCode.OK, analytics.StatusCode);
        var uploads = (await analytics.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("business_since_start").GetProperty("uploads");
        Assert.Equal(1, uploads.GetProperty("image%2Fpng/ok").GetInt64());
        Assert.Equal(2, uploads.GetProperty("image/png%2Fok").GetInt64());
        Assert.Equal(3, uploads.GetProperty("100%25/ok").GetInt64());
    }

    [Fact]
    public async Task The_scrape_config_endpoint_returns_yaml_prometheus_accepts()
    {
        await using var app = await TestApp.StartAsync(MapHello);
        using var response = await app.GetAsync("/api/system/prometheus/config/", TestApp.AdminToken);
        var yaml = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"targets: ['{app.Address.Authority}']", yaml);

        var dir = Directory.CreateTempSubdirectory("scrape-config-");
        try
        {
            var indented = string.Join('\n', yaml.Split('\n').Select(line => "  " + line));
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "prometheus.yml"), "scrape_configs:\n" + indented.Replace("/etc/prometheus/secrets/scrape-token", Path.Combine(dir.FullName, "token")));
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "token"), "t");
            var result = await CliTool.RunAsync("/usr/bin/promtool", ["check", "config", Path.Combine(dir.FullName, "prometheus.yml")]);
            Assert.True(result.Succeeded, result.StandardOutput + result.StandardError);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
