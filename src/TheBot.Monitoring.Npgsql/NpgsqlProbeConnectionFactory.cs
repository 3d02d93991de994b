using System.Data.Common;
using Npgsql;
using TheBot.Monitoring.Health;

namespace TheBot.Monitoring;

/// <summary>Unpooled Npgsql connections for the database health check, with the data source's own credentials.</summary>
internal sealed class NpgsqlProbeConnectionFactory : IDatabaseProbeConnectionFactory
{
    /// <summary>The largest <c>Timeout</c> and <c>CommandTimeout</c> Npgsql's connection string builder accepts.</summary>
    private const int MaxNpgsqlTimeoutSeconds = 1024;

    public DbConnection? CreateUnpooled(DbDataSource source, TimeSpan timeout)
    {
        if (source.CreateConnection() is not NpgsqlConnection template)
        {
            return null;
        }

        using (template)
        {
            // Whole seconds, at least one (0 would mean "wait forever"), at most what Npgsql accepts (over it, every
            // check would fail on the setting: a false outage); the check's token cuts the wait exactly.
            var seconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, MaxNpgsqlTimeoutSeconds);
            var settings = new NpgsqlConnectionStringBuilder(source.ConnectionString)
            {
                Pooling = false,
                // Npgsql refuses an unpooled connection with multiplexing ("Pooling must be on to use multiplexing"):
                // with the app's Multiplexing=true every check would fail, a readiness 503 forever. The probe runs one
                // command on its own connection, so it has nothing to multiplex anyway.
                Multiplexing = false,
                Timeout = seconds,
                CommandTimeout = seconds,
                // A hung server never answers a cancel request; waiting for it would only hold the connection longer.
                CancellationTimeout = -1,
            };

            // The data source's connection string has no password (unless Persist Security Info): CloneWith takes it,
            // and the certificate callbacks, from the data source.
            return template.CloneWith(settings.ConnectionString);
        }
    }
}
