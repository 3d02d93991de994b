using System.Globalization;
using System.Text.RegularExpressions;

namespace TheBot.Cli.Config;

/// <summary>
/// The one parser for durations the CLI reads: rule <c>for:</c>, Alertmanager timers, PromQL ranges and the
/// <c>--older-than</c>/<c>--duration</c> flags. It accepts Prometheus' own syntax (what promtool and Prometheus accept
/// in the files we render): whole numbers with units in the order y, w, d, h, m, s, ms, each at most once
/// (<c>1h30m</c>, <c>500ms</c>, <c>0s</c>, or a bare <c>0</c>), so a value the CLI takes is one Prometheus takes too.
/// </summary>
internal static partial class PrometheusDuration
{
    /// <summary>The units in the order Prometheus requires them.</summary>
    private static readonly (string Unit, TimeSpan Size)[] Units =
    [
        ("y", TimeSpan.FromDays(365)),
        ("w", TimeSpan.FromDays(7)),
        ("d", TimeSpan.FromDays(1)),
        ("h", TimeSpan.FromHours(1)),
        ("m", TimeSpan.FromMinutes(1)),
        ("s", TimeSpan.FromSeconds(1)),
        ("ms", TimeSpan.FromMilliseconds(1)),
    ];

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong with it.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration";
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        var match = Syntax().Match(text);
        if (!match.Success)
        {
            error = $"'{text}' is not a Prometheus duration (whole numbers with units in the order y, w, d, h, m, s, ms, e.g. 1h30m, 90s, 500ms)";
            return false;
        }

        // Ticks in checked arithmetic: an absurd value (99999999999y) is an error, not a wrapped-around duration.
        var ticks = 0L;
        try
        {
            foreach (var (unit, size) in Units)
            {
                if (match.Groups[unit].Success)
                {
                    ticks = checked(ticks + size.Ticks * long.Parse(match.Groups[unit].Value, NumberStyles.None, CultureInfo.InvariantCulture));
                }
            }
        }
        catch (OverflowException)
        {
            error = $"'{text}' is too long a duration";
            return false;
        }

        duration = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>Parses <paramref name="text"/>, throwing a <see cref="FormatException"/> that says what is wrong.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration, out var error) ? duration : throw new FormatException(error);

    /// <summary>Prometheus' duration grammar; a group per unit (the unit's name), at least one present.</summary>
    [GeneratedRegex(@"^(?=[0-9])(?:(?<y>[0-9]+)y)?(?:(?<w>[0-9]+)w)?(?:(?<d>[0-9]+)d)?(?:(?<h>[0-9]+)h)?(?:(?<m>[0-9]+)m(?!s))?(?:(?<s>[0-9]+)s)?(?:(?<ms>[0-9]+)ms)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();
}
