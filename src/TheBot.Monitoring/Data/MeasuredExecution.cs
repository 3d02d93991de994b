using System.Data;
using System.Diagnostics;

namespace TheBot.Monitoring.Data;

/// <summary>
/// Times one execution of a provider's command or batch and records it, failed or not, then returns or rethrows.
/// The callbacks are static lambdas (cached delegates) and the recorder is the instrumented object itself, so
/// measuring adds no allocation to an execution.
/// </summary>
internal static class MeasuredExecution
{
    public static T Measure<TInner, T>(IMeasuredExecution recorder, TInner inner, CommandBehavior behavior, Func<TInner, CommandBehavior, T> execute)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = execute(inner, behavior);
            recorder.Record(started, failed: false);
            return result;
        }
        catch
        {
            recorder.Record(started, failed: true);
            throw;
        }
    }

    public static async Task<T> MeasureAsync<TInner, T>(
        IMeasuredExecution recorder, TInner inner, CommandBehavior behavior, Func<TInner, CommandBehavior, CancellationToken, Task<T>> execute, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await execute(inner, behavior, cancellationToken);
            recorder.Record(started, failed: false);
            return result;
        }
        catch
        {
            recorder.Record(started, failed: true);
            throw;
        }
    }
}
