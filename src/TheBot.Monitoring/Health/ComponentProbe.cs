using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Health;

/// <summary>
/// One health component's latest result and its single running check. Everyone who needs a fresh result while a
/// check runs (the background probe, any number of readiness requests) waits for that same check, so a probe storm
/// against a hung dependency costs one check at a time, not one per request.
/// </summary>
internal sealed partial class ComponentProbe
{
    /// <summary>
    /// How long past its own timeout a check may take before it counts as hung. The framework's runner cuts a check
    /// off at its timeout through the cancellation token; this only catches a check that ignores the token.
    /// </summary>
    private static readonly TimeSpan HungGrace = TimeSpan.FromMilliseconds(500);

    private readonly HealthCheckService _runner;
    private readonly MetricFamily<Gauge> _upFamily;
    private readonly TimeSpan _waitLimit;
    private readonly ILogger _logger;
    private bool _couldNotRunLogged;
    private Gauge? _up;
    private readonly Lock _gate = new();
    private Task<ComponentResult>? _running;
    private Task? _hung;
    private ComponentResult? _last;

    /// <param name="registration">The component.</param>
    /// <param name="runner">The framework's service, which runs the check.</param>
    /// <param name="up">The family of <c>thebot_health_component_up</c>.</param>
    /// <param name="defaultTimeout">
    /// How long to wait for a check registered without a timeout of its own (a host's <c>AddCheck</c> leaves it
    /// infinite) before reporting it as not finished: <c>Monitoring:Health:CheckTimeout</c>. The check is not cancelled;
    /// it is only no longer waited for, so one hung host check cannot stall the background probe's tick, and with it
    /// every other component's <c>thebot_health_component_up</c>.
    /// </param>
    /// <param name="logger">Where a check that cannot even be built is reported (once until it runs again).</param>
    public ComponentProbe(HealthCheckRegistration registration, HealthCheckService runner, MetricFamily<Gauge> up, TimeSpan defaultTimeout, ILogger logger)
    {
        _logger = logger;
        Registration = registration;
        _runner = runner;
        _upFamily = up;
        _waitLimit = registration.Timeout == Timeout.InfiniteTimeSpan ? defaultTimeout : registration.Timeout;
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
            Task<HealthReport>? check = null;
            try
            {
                check = _runner.CheckHealthAsync(r => r.Name == name, CancellationToken.None);
                var report = await check.WaitAsync(_waitLimit + HungGrace);
                entry = report.Entries[name];
                _couldNotRunLogged = false;
            }
            catch (TimeoutException) when (check is not null)
            {
                _hung = check.ContinueWith(static t => t.Exception, TaskContinuationOptions.ExecuteSynchronously);
                entry = Failure(started, Registration.Timeout == Timeout.InfiniteTimeSpan
                    ? $"the check did not finish within {_waitLimit.TotalSeconds:0.###} s (it has no timeout of its own; Monitoring:Health:CheckTimeout applies)"
                    : $"the check did not finish within its {Registration.Timeout.TotalSeconds:0.###} s timeout");
            }
            catch (Exception exception)
            {
                // The framework's runner catches what a check throws, but not what its factory throws (a check whose
                // dependencies cannot be resolved): reported as this component's failure, never thrown into the
                // background probe, where it would stop the host.
                // The description is public (health answers anyone): the type only; the message goes to the log.
                entry = Failure(started, $"the check could not run ({exception.GetType().Name})", exception);
                if (!_couldNotRunLogged)
                {
                    _couldNotRunLogged = true;
                    CheckCouldNotRun(_logger, exception, Registration.Name);
                }
            }
        }

        // The series appears with the first result: a 0 before any check ran would claim an outage nobody saw.
        (_up ??= _upFamily.WithLabels(Registration.Name)).Set(entry.Status == HealthStatus.Healthy ? 1 : 0);
        var result = new ComponentResult(entry, Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        Volatile.Write(ref _last, result);
        return result;
    }

    [LoggerMessage(LogLevel.Error, "The health check {Component} could not run (its factory threw); it is reported as failing until it can (logged once until then)")]
    private static partial void CheckCouldNotRun(ILogger logger, Exception exception, string component);

    private HealthReportEntry Failure(long started, string description, Exception? exception = null) =>
        new(Registration.FailureStatus, description, Stopwatch.GetElapsedTime(started), exception, null, Registration.Tags);
}

/// <summary>A component's result and when it was produced (<see cref="Stopwatch"/> timestamp for its age, wall clock for the JSON).</summary>
internal sealed record ComponentResult(HealthReportEntry Entry, long Timestamp, DateTimeOffset CheckedAt);
