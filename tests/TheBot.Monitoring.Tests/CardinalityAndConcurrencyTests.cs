using Microsoft.AspNetCore.Builder;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed class CardinalityAndConcurrencyTests
{
    [Fact]
    public async Task A_hundred_thousand_distinct_unknown_paths_add_at_most_one_endpoint_value()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/known", () => "ok"), inMemory: true);
        await app.ScrapeAsync(); // a scrape is counted once it has finished: the second one sees the first
        var before = Exposition.LabelValues(await app.ScrapeAsync(), "thebot_http_requests_total", "endpoint");

        await Parallel.ForEachAsync(Enumerable.Range(0, 100_000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var response = await app.Client.GetAsync($"/random/{i}/{Guid.NewGuid():N}", ct);
        });

        var text = await app.ScrapeAsync();
        var added = Exposition.LabelValues(text, "thebot_http_requests_total", "endpoint").Except(before).ToList();
        Assert.Equal(["unmatched"], added);
        Assert.Equal(100_000, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "unmatched"), ("status", "404")));
    }

    [Fact]
    public async Task Concurrent_requests_are_all_counted_exactly()
    {
        const int requests = 20_000;
        await using var app = await TestApp.StartAsync(a =>
        {
            a.MapGet("/sync", () => "ok");
            a.MapGet("/async", async () =>
            {
                await Task.Yield();
                return "ok";
            });
        });

        await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            using var response = await app.Client.GetAsync(i % 2 == 0 ? "/sync" : "/async", ct);
            response.EnsureSuccessStatusCode();
        });

        var text = await app.ScrapeAsync();
        Assert.Equal(requests / 2, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/sync"), ("status", "200")));
        Assert.Equal(requests / 2, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/async"), ("status", "200")));
        Assert.Equal(requests / 2, Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "GET"), ("endpoint", "/async")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_in_flight")); // only the scrape
    }
}
