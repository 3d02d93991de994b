namespace TheBot.Cli.Local;

/// <summary>How a stack runs: <see cref="Standard"/> (what <c>up</c> runs), or another profile given by code.</summary>
/// <param name="Environment">ASPNETCORE_ENVIRONMENT of the services.</param>
/// <param name="Interval">Global scrape/evaluation interval override; null keeps prometheus.yml's.</param>
/// <param name="RuleDirectory">Folder of (transformed) rule files; null uses monitoring/prometheus.</param>
internal sealed record StackProfile(string Environment, TimeSpan? Interval, string? RuleDirectory)
{
    public static readonly StackProfile Standard = new("Production", null, null);

    /// <summary>What code other than the verbs changes in the stack's specs and configs (<see cref="StackCustomization"/>).</summary>
    public StackCustomization Customization { get; init; } = StackCustomization.None;
}
