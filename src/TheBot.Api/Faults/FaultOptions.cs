namespace TheBot.Api.Faults;

/// <summary>
/// Test-only fault injection (section <c>Faults</c>). Off unless <c>Faults:Enabled=true</c> AND the environment is not
/// Production; only then are <c>/api/test/faults</c> mapped and the middleware installed. Used to drive alerts such as
/// BackendHighLatency (added latency), BackendSlowQueries (a real <c>pg_sleep</c> per request) and BackendHighErrorRate
/// (injected 500s) on a test stack.
/// </summary>
public sealed class FaultOptions
{
    public const string SectionName = "Faults";

    public bool Enabled { get; set; }
}

/// <summary>
/// The faults in force: added latency, a share of requests answered 500, and a real <c>SELECT pg_sleep</c> of
/// <paramref name="SlowQueryMilliseconds"/> run through the service's own (instrumented) data source before each request.
/// </summary>
public sealed record FaultSettings(int LatencyMilliseconds, double ErrorRate, int SlowQueryMilliseconds = 0);
