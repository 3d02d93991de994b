namespace TheBot.Cli.Checks;

/// <summary>One kind of check over monitoring/.</summary>
public interface IMonitoringCheck
{
    /// <summary>The name <c>check --only</c> selects this check by (lower-case, dashes).</summary>
    string Key { get; }

    /// <summary>One result per file (or per file and tool) checked.</summary>
    Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken);
}
