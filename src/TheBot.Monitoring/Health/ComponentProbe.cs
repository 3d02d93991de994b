using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Health;

/// <summary>
/// One health component's latest result and its single running check. Everyone who needs a fresh result while a
/// check runs (the background probe, any number of readiness requests) waits for that same check, so a probe storm
/// against a hung dependency costs one check at a time, not one per request.
/// </summary>
internal sealed class ComponentProbe
{
    /// <summary>
    /// How long past its own timeout a check may take before it counts as hung. The framework's runner cuts a check
    /// off at its timeout through the cancellation token; this only catches a check that ignores the token.
    /// </summary>
    private static readonly TimeSpan HungGrace = TimeSpan.FromMilliseconds(500);

    private readonly HealthCheckService _runner;
    private readonly MetricFamily<Gauge> _upFamily;
    private Gauge? _up;
    private readonly Lock _gate = new();
    private Task<ComponentResult>? _running;
    private Task? _hung;
    private ComponentResult? _last;

    public ComponentProbe(HealthCheckRegistration registration, HealthCheckService runner, MetricFamily<Gauge> up)
    {
        Registration = registration;
        _runner = runner;
        _upFamily = up;
    }

    public HealthCheckRegistration Registration { get; }

    /// <summary>The latest result when it is at most <paramref name="maxAge"/> old, else the running (or a new) check's.</summary>
    public Task<ComponentResult> GetAsync(TimeSpan maxAge)
    {
        var last = Volatile.Read(ref _last);
        return last is not null && Stopwatch.GetElapsedTime(last.Timestamp) <= maxAge ? Task.FromResult(last) : RunAsync();
    }

    /// <summary>Joins the running check, or starts one when none runs.</summary>
    public Task<ComponentResult> RunAsync()
    {
        lock (_gate)
        {
            // A finished task is never cleared, only replaced: a check that completes synchronously (inside this lock)
            // cannot leave a stale task behind for the next caller.
            if (_running is { IsCompleted: false } running)
            {
                return running;
            }

            return _running = CheckAsync();
        }
    }

    private async Task<ComponentResult> CheckAsync()
    {
        var started = Stopwatch.GetTimestamp();
        HealthReportEntry entry;
        if (_hung is { IsCompleted: false })
        {
            // Starting another would pile up checks on a dependency that already swallowed one.
            entry = Failure(started, "the previous check of this component has still not finished");
        }
        else
        {
            var name = Registration.Name;
            var check = _runner.CheckHealthAsync(r => r.Name == name, CancellationToken.None);
            try
            {
                var report = Registration.Timeout == Timeout.InfiniteTimeSpan ? await check : await check.WaitAsync(Registration.Timeout + HungGrace);
                entry = report.Entries[name];
            }
            catch (TimeoutException)
            {
                _hung = check.ContinueWith(static t => t.Exception, TaskContinuationOptions.ExecuteSynchronously);
                entry = Failure(started, $"the check did not finish within its {Registration.Timeout.TotalSeconds:0.###} s timeout");
            }
        }

        // The series appears with the first result: a 0 before any check ran would claim an outage nobody saw.
        (_up ??= _upFamily.WithLabels(Registration.Name)).Set(entry.Status == HealthStatus.Healthy ? 1 : 0);
        var result = new ComponentResult(entry, Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        Volatile.Write(ref _last, result);
        return result;
    }

    private HealthReportEntry Failure(long started, string description) =>
        new(Registration.FailureStatus, description, Stopwatch.GetElapsedTime(started), null, null, Registration.Tags);
}

/// <summary>A component's result and when it was produced (<see cref="Stopwatch"/> timestamp for its age, wall clock for the JSON).</summary>
internal sealed record ComponentResult(HealthReportEntry Entry, long Timestamp, DateTimeOffset CheckedAt);
