namespace TheBot.Monitoring.Data;

/// <summary>What a SQL statement does and to which table: the <c>operation</c> and <c>table</c> labels.</summary>
/// <param name="Operation">select, insert, update, delete or other.</param>
/// <param name="Table">
/// The statement's main table without schema or quotes: an unquoted name in lower case (as PostgreSQL folds it),
/// a quoted one with its case kept (<c>"Lessons"</c> → <c>Lessons</c>); <c>none</c> when there is none.
/// </param>
public sealed record SqlShape(string Operation, string Table)
{
    /// <summary>Series last used for this shape (one database per data source in practice).</summary>
    internal DbSeries? Series { get; set; }
}
