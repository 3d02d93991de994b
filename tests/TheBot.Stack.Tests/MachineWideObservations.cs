using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>
/// Tests that judge something of the whole machine (which <c>/dev/shm</c> segments appeared while they ran) and so must
/// run with no other test starting servers beside them: initdb's single-user runs create a PostgreSQL POSIX segment for
/// a moment, and a CI run once counted two of another test's as left by the killed server. This collection runs
/// alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MachineWideObservations
{
    /// <summary>The collection's name.</summary>
    public const string Name = "tests that observe the whole machine";
}
