namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>Where things are in the repository, and the one place that fixes the runbook base URL.</summary>
public static class Repo
{
    /// <summary>
    /// Base of every alert's <c>runbook_url</c> annotation: <c>{RunbookBaseUrl}{AlertName}.md</c> (fixed in AlertMetadataCheck).
    /// </summary>
    public const string RunbookBaseUrl = TheBot.Cli.Checks.AlertMetadataCheck.RunbookBaseUrl;

    /// <summary>The allowed values of the <c>component</c> label (contract §7).</summary>
    public static IReadOnlySet<string> Components => TheBot.Cli.Checks.AlertMetadataCheck.Components;

    /// <summary>The repository root (the folder holding TheBot.sln).</summary>
    public static string Root => TheBot.Testing.Repository.Root;

    /// <summary>monitoring/ joined with <paramref name="parts"/>.</summary>
    public static string Monitoring(params string[] parts) => Path.Combine([Root, "monitoring", .. parts]);

    /// <summary>A path below the repository root.</summary>
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);
}
