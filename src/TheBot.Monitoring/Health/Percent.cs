namespace TheBot.Monitoring.Health;

/// <summary>A ratio as a percentage with one decimal, the same in every culture.</summary>
internal static class Percent
{
    /// <summary>
    /// 0.1234 → "12.3%". Integer arithmetic, not the "P1" format: that one follows the current culture ("12,3 %" in
    /// de-DE) and formats a double, code the background probe would run (and the JIT compile) on every tick.
    /// </summary>
    public static string Of(double ratio)
    {
        var tenths = (long)Math.Round(Math.Clamp(ratio, 0, 1) * 1000, MidpointRounding.AwayFromZero);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{tenths / 10}.{tenths % 10}%");
    }
}
