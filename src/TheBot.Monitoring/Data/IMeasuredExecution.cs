namespace TheBot.Monitoring.Data;

/// <summary>What <see cref="MeasuredExecution"/> records into once an instrumented command or batch has run.</summary>
internal interface IMeasuredExecution
{
    /// <summary>Records one execution that started at <paramref name="started"/> (a Stopwatch timestamp).</summary>
    void Record(long started, bool failed);
}
