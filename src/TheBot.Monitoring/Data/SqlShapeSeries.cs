namespace TheBot.Monitoring.Data;

/// <summary>Keeps the series next to the cached shape so a repeated statement costs no label lookup.</summary>
internal static class SqlShapeSeries
{
    public static DbSeries SeriesFor(this SqlShape shape, DbMetrics metrics, string database)
    {
        var cached = shape.Series;
        if (cached is not null && ReferenceEquals(cached.Database, database))
        {
            return cached;
        }

        var created = new DbSeries(
            database,
            metrics.Queries.WithLabels(database, shape.Operation, shape.Table),
            metrics.Duration.WithLabels(database, shape.Operation, shape.Table),
            metrics.Errors.WithLabels(database, shape.Operation, shape.Table));
        shape.Series = created;
        return created;
    }
}
