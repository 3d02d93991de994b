namespace TheBot.Api.Data;

/// <summary>Whether the schema is applied, for readiness and for the logs.</summary>
public sealed class SchemaState
{
    private volatile string? _version;

    /// <summary>Latest applied migration, null until the migrator has finished.</summary>
    public string? Version => _version;

    /// <summary>Last reason the migrator could not finish.</summary>
    public string? LastError { get; private set; }

    internal void Applied(string version)
    {
        _version = version;
        LastError = null;
    }

    internal void Failed(string error) => LastError = error;
}
