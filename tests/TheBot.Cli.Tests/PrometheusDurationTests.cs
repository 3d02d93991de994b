using TheBot.Cli.Config;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>The one duration parser: Prometheus' syntax, and a reason for every value it refuses.</summary>
public sealed class PrometheusDurationTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("500ms", 500L)]
    [InlineData("90s", 90_000L)]
    [InlineData("5m", 300_000L)]
    [InlineData("1h30m", 5_400_000L)]
    [InlineData("1m5ms", 60_005L)]
    [InlineData("2d", 172_800_000L)]
    [InlineData("1w", 604_800_000L)]
    [InlineData("1y2w3d4h5m6s7ms", 31_536_000_000L + 1_209_600_000L + 259_200_000L + 14_400_000L + 300_000L + 6_000L + 7L)]
    public void Parses_prometheus_durations(string text, long milliseconds)
    {
        Assert.True(PrometheusDuration.TryParse(text, out var duration, out var error), error);
        Assert.Equal(milliseconds, (long)duration.TotalMilliseconds);
        Assert.Equal(duration, PrometheusDuration.Parse(text));
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("5")] // no unit
    [InlineData("m")] // no number
    [InlineData("-5m")] // no sign
    [InlineData("1.5h")] // whole numbers only
    [InlineData("30m1h")] // units out of order
    [InlineData("1m1m")] // a unit twice
    [InlineData("5 m")]
    [InlineData(" 5m")]
    [InlineData("5m\n")]
    [InlineData("5M")]
    [InlineData("soon")]
    [InlineData("5٣m")] // a non-ASCII digit
    public void Refuses_what_prometheus_refuses_and_says_why(string text)
    {
        Assert.False(PrometheusDuration.TryParse(text, out var duration, out var error));
        Assert.Equal(TimeSpan.Zero, duration);
        Assert.Contains("is not a Prometheus duration", error);
        Assert.Contains(text, error);
        var exception = Assert.Throws<FormatException>(() => PrometheusDuration.Parse(text));
        Assert.Equal(error, exception.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Refuses_an_empty_value(string? text)
    {
        Assert.False(PrometheusDuration.TryParse(text, out _, out var error));
        Assert.Equal("empty duration", error);
    }

    [Theory]
    [InlineData("99999999999y")] // past TimeSpan.MaxValue
    [InlineData("99999999999999999999ms")] // past long.MaxValue
    public void Refuses_a_value_too_long_for_a_timespan_instead_of_wrapping_around(string text)
    {
        Assert.False(PrometheusDuration.TryParse(text, out var duration, out var error));
        Assert.Equal(TimeSpan.Zero, duration);
        Assert.Equal($"'{text}' is too long a duration", error);
    }
}
