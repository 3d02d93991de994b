using Microsoft.Data.Sqlite;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// A SQLite database file of one test in the temp folder. Declare it before the app that uses it: disposed after the
/// app, it clears the pools that could still hold the file and deletes it.
/// </summary>
internal sealed class TemporarySqliteFile(string name) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"thebot-{name}-{Guid.NewGuid():N}.db");

    /// <summary>Unpooled, so no idle connection keeps the file open once the test is done with it.</summary>
    public string ConnectionString => $"Data Source={Path};Pooling=False";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(Path);
    }
}
