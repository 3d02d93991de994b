namespace TheBot.Monitoring.Metrics;

/// <summary>Something that contributes families computed at scrape time.</summary>
public interface IMetricSource
{
    /// <summary>Writes the source's families.</summary>
    void Write(ExpositionWriter writer);
}
