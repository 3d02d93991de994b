namespace TheBot.Monitoring.Health;

/// <summary>Bounds a probe by the check's token even when the client library ignores it.</summary>
internal static class Probe
{
    /// <summary>
    /// Waits for <paramref name="probe"/> until <paramref name="cancellationToken"/> (which carries the check timeout)
    /// fires. Npgsql does not cancel a connection open that is waiting for the server's answer, nor does
    /// StackExchange.Redis a read, so without this a hung dependency would hold the check for the driver's own timeout.
    /// </summary>
    public static async Task<T> WithinAsync<T>(Task<T> probe, CancellationToken cancellationToken)
    {
        await WithinAsync((Task)probe, cancellationToken);
        return await probe;
    }

    /// <inheritdoc cref="WithinAsync{T}(Task{T}, CancellationToken)"/>
    public static async Task WithinAsync(Task probe, CancellationToken cancellationToken)
    {
        try
        {
            await probe.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !probe.IsCompleted)
        {
            // The abandoned probe finishes (or fails) later on its own; observe it so its failure is not reported as unobserved.
            _ = probe.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            throw;
        }
    }
}
