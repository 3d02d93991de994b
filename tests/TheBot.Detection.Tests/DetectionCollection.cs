using Xunit;

namespace TheBot.Detection.Tests;

/// <summary>
/// The suites that start a whole detection stack share one collection, so xUnit never runs them side by side: each
/// stresses this machine on purpose (CPU, memory, disk I/O, hangs), which would fire the other's alerts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DetectionCollection
{
    public const string Name = "Detection stacks";
}
