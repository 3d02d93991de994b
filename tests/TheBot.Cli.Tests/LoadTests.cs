using System.CommandLine;
using TheBot.Cli.Commands;
using TheBot.Cli.Load;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary><c>thebot load</c> without a stack: flag validation through the real parser, percentiles, the report.</summary>
public sealed class LoadTests
{
    private static readonly Uri Backend = new("http://127.0.0.1:8000");
    private static readonly Uri Frontend = new("http://127.0.0.1:3001");

    [Theory]
    [InlineData(0.0, 10, "[----------]   0%")]
    [InlineData(0.5, 10, "[#####-----]  50%")]
    [InlineData(0.99, 10, "[#########-]  99%")]
    [InlineData(1.0, 10, "[##########] 100%")]
    [InlineData(1.7, 10, "[##########] 100%")] // the drain after the last request
    [InlineData(double.NaN, 4, "[----]   0%")]
    public void Progress_bar_fills_with_the_elapsed_share(double fraction, int width, string expected) =>
        Assert.Equal(expected, LoadReport.Bar(fraction, width));

    [Theory]
    [InlineData("60s", 0, 0.02, null, "--rps must be between 1 and 2000")]
    [InlineData("60s", 2001, 0.02, null, "--rps must be between 1 and 2000")]
    [InlineData("0s", 50, 0.02, null, "--duration must be between 1s and 1h")]
    [InlineData("2h", 50, 0.02, null, "--duration must be between 1s and 1h")]
    [InlineData("soon", 50, 0.02, null, "--duration must be between 1s and 1h")]
    [InlineData("60s", 50, -0.1, null, "--error-share must be between 0 and 1")]
    [InlineData("60s", 50, 1.5, null, "--error-share must be between 0 and 1")]
    [InlineData("60s", 50, 0.02, "http://example.org:8000", "--base-url must point at this machine")]
    [InlineData("60s", 50, 0.02, "ftp://127.0.0.1/", "--base-url must be an absolute http:// URL")]
    [InlineData("60s", 50, 0.02, "not a url", "--base-url must be an absolute http:// URL")]
    public void Bad_flags_are_named_in_the_error(string duration, int rps, double share, string? baseUrl, string expected)
    {
        var (settings, errors) = LoadSettings.Parse(duration, rps, share, baseUrl, Backend, Frontend, seed: 1);
        Assert.Null(settings);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Good_flags_give_bounded_settings()
    {
        var (settings, errors) = LoadSettings.Parse("2m", 50, 0.02, null, Backend, Frontend, seed: 7);
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMinutes(2), settings!.Duration);
        Assert.Equal(6000, settings.ScheduledRequests);
        Assert.Equal(250, settings.MaxInFlight);
        Assert.Equal(Frontend, settings.FrontendUrl);

        Assert.Null(settings.AdminToken);

        var (own, _) = LoadSettings.Parse("5s", 2000, 0, "http://localhost:18000", Backend, Frontend, seed: null, adminToken: "stack-token");
        Assert.Equal(new Uri("http://localhost:18000"), own!.BackendUrl);
        Assert.Null(own.FrontendUrl); // an explicit backend: no frontend traffic
        Assert.Null(own.AdminToken); // nor the local stack's token: it is not that backend's
        Assert.Equal(4000, own.MaxInFlight);
        Assert.Equal("stack-token", LoadSettings.Parse("5s", 10, 0.02, null, Backend, Frontend, seed: 1, adminToken: "stack-token").Settings!.AdminToken);
    }

    [Theory]
    [InlineData(200, 0.05, true, 10, 2)] // the stack-verb run: 5% of 200
    [InlineData(3000, 0.02, true, 60, 15)] // the defaults for a minute: 0.5% of requests throw
    [InlineData(3000, 0.02, false, 60, 0)] // no admin token (detection suite, --base-url): failed payments only
    [InlineData(3000, 0, true, 0, 0)] // --error-share 0: no 5xx at all
    [InlineData(1000, 1, true, 1000, 250)]
    public void Deliberate_errors_are_exact_and_one_in_four_is_an_exception_when_the_token_is_known(int arrivals, double share, bool canThrow, int errors, int exceptions)
    {
        var kinds = Enumerable.Range(0, arrivals).Select(i => LoadGenerator.ErrorKindOf(i, share, canThrow)).ToList();
        Assert.Equal(errors, kinds.Count(k => k is not null));
        Assert.Equal(exceptions, kinds.Count(k => k == PlatformTraffic.ExceptionKind));
        Assert.Equal(errors - exceptions, kinds.Count(k => k == PlatformTraffic.ErrorKind));

        // Spread evenly: no stretch of a tenth of the run is without its share of errors.
        if (errors >= 10)
        {
            Assert.All(kinds.Chunk(arrivals / 10), chunk => Assert.Equal(errors / 10, chunk.Count(k => k is not null)));
        }
    }

    [Fact]
    public async Task The_command_line_rejects_rps_zero_with_exit_2_before_touching_anything()
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = await new RootCommand { LoadCommand.Create() }.Parse(["load", "--rps", "0", "--state-dir", Path.GetTempPath()]).InvokeAsync();
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(2, exit);
        Assert.Contains("thebot load: --rps must be between 1 and 2000 (got 0)", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList();
        Assert.Equal(50, LoadStats.Percentile(values, 50));
        Assert.Equal(95, LoadStats.Percentile(values, 95));
        Assert.Equal(99, LoadStats.Percentile(values, 99));
        Assert.Equal(100, LoadStats.Percentile(values, 100));
        Assert.True(double.IsNaN(LoadStats.Percentile([], 95)));
        Assert.Equal("ws", LoadStats.StatusClass(101));
        Assert.Equal("failed", LoadStats.StatusClass(0));
        Assert.Equal("5xx", LoadStats.StatusClass(502));
    }

    [Fact]
    public void The_report_has_a_row_per_kind_a_total_and_the_rates()
    {
        var (settings, _) = LoadSettings.Parse("2s", 2, 0.25, null, Backend, Frontend, seed: 3);
        LoadSample[] samples =
        [
            new("user-hit", 200, 200, 5), new("user-hit", 200, 200, 7), new("pay-failed", 502, 502, 90), new("chat-ws", 101, 101, 30),
        ];
        var result = new LoadResult(settings! with { AdminToken = "t" }, samples, [new("setup", 201, 201, 3)], 4, TimeSpan.FromSeconds(2), 0, TimeSpan.FromSeconds(2.5), 0);
        var printed = new StringWriter();
        LoadReport.Print(printed, result);
        var text = printed.ToString();
        Assert.Matches(@"user-hit\s+2\s+0\s+2\s+0\s+0\s+0\s+0\s+0\s+5\.0\s+7\.0\s+7\.0", text);
        Assert.Matches(@"total\s+4\s+1\s+2\s+0\s+0\s+1\s+0\s+0", text);
        Assert.Contains("achieved 2.0/s sent", text, StringComparison.Ordinal);
        Assert.Contains("1 of 4 (25.0%; requested 25.0%), 1 deliberate: 1 payments with token sim_fail", text, StringComparison.Ordinal);
        Assert.Contains("and 0 unhandled exceptions of POST /api/drills/exception (admin token)", text, StringComparison.Ordinal);
        Assert.Equal(0, result.Unexpected);
        Assert.DoesNotContain("unexpected answers", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unexpected_answers_are_listed_by_kind_status_and_meant_status_most_frequent_first()
    {
        var (settings, _) = LoadSettings.Parse("2s", 3, 0, null, Backend, Frontend, seed: 3);
        LoadSample[] samples =
        [
            new("user-hit", 503, 200, 5), new("chat-post", 0, 201, 9), new("user-hit", 503, 200, 6), new("user-hit", 200, 200, 1),
            new("chat-post", 503, 201, 4),
        ];
        var result = new LoadResult(settings!, samples, [], 5, TimeSpan.FromSeconds(2), 0, TimeSpan.FromSeconds(2), 0);
        var printed = new StringWriter();
        LoadReport.Print(printed, result);
        Assert.Contains("unexpected answers: user-hit 503 (meant 200) × 2, chat-post no answer (meant 201) × 1, chat-post 503 (meant 201) × 1", printed.ToString(), StringComparison.Ordinal);
    }
}
