using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Tests that run every promtool unit-test file: <c>./thebot check</c> (on the committed folder, or on a changed rule
/// file, so every unit test runs again) and <see cref="PromtoolUnitTestFilesTests"/>, which shares the check's runs:
/// about 40 s with both cores busy. Run beside a stack test they starved it: in CI of stop 17 the load verb's backend answered 503 to
/// 113 of 139 requests because PostgreSQL connections could not be opened within the connect timeout. This collection
/// runs alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PromtoolHeavyChecks
{
    /// <summary>The collection's name.</summary>
    public const string Name = "checks that run every promtool unit test";
}
