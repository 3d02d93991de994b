using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>
/// Tests that judge something of the whole machine (which <c>/dev/shm</c> segments appeared while they ran) and so must
/// run with no other test starting servers beside them. A CI run once counted two <c>PostgreSQL.N</c> segments as left
/// by the killed server while other classes ran in parallel; they were gone by the end of that run, so they were not
/// a killed server's leftovers (initdb, for one, creates and removes such a segment when it picks the shared memory
/// type). Run alone, a segment this test sees is its own server's. This collection runs after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MachineWideObservations
{
    /// <summary>The collection's name.</summary>
    public const string Name = "tests that observe the whole machine";
}
