using System.Text;
using Microsoft.AspNetCore.Http;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.SystemEndpoints;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>The scrape endpoint's gate: what it covers, and what a slow scraper can hold.</summary>
public sealed class ExpositionEndpointTests
{
    /// <summary>A response body whose write waits until <see cref="Release"/>: a client that stopped reading.</summary>
    private sealed class StalledBody : MemoryStream
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            await base.WriteAsync(buffer, cancellationToken);
        }
    }

    private static DefaultHttpContext Scrape(Stream body)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Accept = "text/plain";
        context.Request.Headers[ExpositionNegotiation.ScrapeTimeoutHeader] = "1";
        context.Response.Body = body;
        return context;
    }

    [Fact]
    public async Task A_scraper_that_stops_reading_does_not_hold_the_next_scrape_and_each_gets_its_own_answer()
    {
        var registry = new MetricRegistry();
        var gauge = registry.Gauge("stalled_gauge", "g").WithLabels();
        gauge.Set(42);
        var endpoint = new ExpositionEndpoint(registry);

        var stalled = new StalledBody();
        var slow = endpoint.WriteAsync(Scrape(stalled));
        await stalled.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Prometheus' scrape meanwhile (timeout 1 s, so it would wait 0.8 s for the gate and be answered 503).
        gauge.Set(43);
        var prompt = new MemoryStream();
        var promptScrape = Scrape(prompt);
        await endpoint.WriteAsync(promptScrape).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(StatusCodes.Status200OK, promptScrape.Response.StatusCode);
        Assert.Contains("stalled_gauge 43\n", Encoding.UTF8.GetString(prompt.ToArray()), StringComparison.Ordinal);

        // The slow scraper still gets the exposition as it was when it asked, not the buffer the next scrape rewrote.
        stalled.Release.SetResult();
        await slow.WaitAsync(TimeSpan.FromSeconds(10));
        var slowText = Encoding.UTF8.GetString(stalled.ToArray());
        Assert.Contains("stalled_gauge 42\n", slowText, StringComparison.Ordinal);
        Assert.DoesNotContain("stalled_gauge 43", slowText, StringComparison.Ordinal);
    }
}
