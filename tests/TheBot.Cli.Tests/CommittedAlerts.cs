using TheBot.Cli.Checks;
using TheBot.Testing;

namespace TheBot.Cli.Tests;

/// <summary>The alerting rules of the committed monitoring/prometheus/alert_rules.yml, read as the CLI's checks read YAML.</summary>
internal static class CommittedAlerts
{
    /// <summary>Every alerting rule, in file order.</summary>
    public static IReadOnlyList<object?> Rules() =>
        [.. YamlMap.Load(Repository.PathOf("monitoring/prometheus/alert_rules.yml")).At("groups").AsList()
            .SelectMany(g => g.At("rules").AsList())
            .Where(r => r.At("alert").AsText() is not null)];

    /// <summary>Every alert's name, in file order.</summary>
    public static IReadOnlyList<string> Names() => [.. Rules().Select(r => r.At("alert").AsText()!)];
}
