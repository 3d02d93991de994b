using System.Data.Common;

namespace TheBot.Monitoring.Health;

/// <summary>
/// Gives the <c>database</c> health check a new physical connection instead of a pooled one, for one ADO.NET provider.
/// A pooled connection proves nothing about new ones: a database server that hangs, or has no connection slot left,
/// keeps the pool's open connections working while every new connection waits. Without a factory for the data
/// source's provider the check pings through the data source (its pool). TheBot.Monitoring.Npgsql provides one for Npgsql.
/// </summary>
public interface IDatabaseProbeConnectionFactory
{
    /// <summary>
    /// A new, unopened connection with <paramref name="source"/>'s settings, pooling off, and connect and command
    /// timeouts of at most <paramref name="timeout"/>; <see langword="null"/> when <paramref name="source"/> is not of
    /// this factory's provider.
    /// </summary>
    DbConnection? CreateUnpooled(DbDataSource source, TimeSpan timeout);
}
