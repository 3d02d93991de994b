using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;

namespace TheBot.Cli.Tests;

/// <summary>
/// The services (<c>artifacts/services</c>) built once per test process, before the first stack of this assembly
/// starts. The HA stack starts beside the other own-stack classes (<see cref="HaStackFixture.Collection"/>), and two
/// <c>dotnet build</c>s of the same project at once fail on a clean clone: both write the project's <c>obj/</c> folder
/// ("The CreateAppHost task failed unexpectedly", clean-clone run of 2026-12-03). After this build every later
/// <c>up</c>'s build finds everything up to date and writes nothing.
/// </summary>
internal static class ServicesBuild
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _built;

    /// <summary>Builds the services the first time it is called (later callers wait for that build); throws when it fails.</summary>
    public static async Task EnsureAsync(StackLocation location)
    {
        await Gate.WaitAsync();
        try
        {
            if (_built)
            {
                return;
            }

            var output = new StringWriter();
            if (!await UpCommand.BuildServicesAsync(new LocalStack(location), output, CancellationToken.None))
            {
                throw new InvalidOperationException($"building the services failed:\n{output}");
            }

            _built = true;
        }
        finally
        {
            Gate.Release();
        }
    }
}
