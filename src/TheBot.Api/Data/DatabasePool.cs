using System.Data.Common;
using Npgsql;

namespace TheBot.Api.Data;

/// <summary>The pool behind the application's <see cref="DbDataSource"/>, kept only to drop dead connections after an outage.</summary>
public sealed class DatabasePool(NpgsqlDataSource dataSource)
{
    /// <summary>Closes idle connections, so the next command opens a fresh one instead of failing on a dead socket.</summary>
    public void Clear() => dataSource.Clear();

    /// <summary>
    /// Opens the pool's minimum number of connections at once and returns them to the pool, so the first burst after
    /// start-up does not pay for opening them. Best effort: a connection that fails to open is opened later on demand.
    /// </summary>
    public async Task<int> WarmAsync(CancellationToken cancellationToken)
    {
        var minimum = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MinPoolSize;
        var opened = await Task.WhenAll(Enumerable.Range(0, minimum).Select(_ => OpenAsync(cancellationToken)));
        foreach (var connection in opened)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        return opened.Count(c => c is not null);
    }

    private async Task<NpgsqlConnection?> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
