using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Testing;

/// <summary>node_exporter on a free port.</summary>
public class NodeExporterServer : ServerFixture
{
    /// <summary>Describes the exporter; it starts in <see cref="ServerFixture.InitializeAsync"/>.</summary>
    public NodeExporterServer() => Exporter = new NodeExporter(Ports.GetFree());

    /// <summary>The component (port, metrics URL).</summary>
    public NodeExporter Exporter { get; }

    /// <inheritdoc />
    protected override string MainProcess => ServiceNames.NodeExporter;

    /// <summary>One scrape of /metrics.</summary>
    public Task<string> ScrapeAsync() => TestHttp.Client.GetStringAsync(Exporter.MetricsUrl);

    /// <inheritdoc />
    protected override IEnumerable<ProcessSpec> CreateSpecs() => [Exporter.Spec];
}

/// <summary>A PostgreSQL (as <see cref="PostgresServer"/>) plus postgres_exporter reading it, optionally with custom queries.</summary>
public class PostgresExporterServer : PostgresServer
{
    private readonly string? _queries;

    /// <summary>Server and exporter; <paramref name="queriesYaml"/> becomes the exporter's <c>--extend.query-path</c> file.</summary>
    public PostgresExporterServer(string? queriesYaml = null)
    {
        _queries = queriesYaml;
        Exporter = new PostgresExporter(Ports.GetFree(), Server.DataSourceName, queriesYaml is null ? null : QueriesFile);
    }

    /// <summary>Server and exporter without custom queries.</summary>
    public PostgresExporterServer()
        : this(null)
    {
    }

    /// <summary>The exporter component.</summary>
    public PostgresExporter Exporter { get; }

    private string QueriesFile => Path.Combine(Paths.Config, "postgres-exporter-queries.yml");

    /// <summary>One scrape of the exporter's /metrics.</summary>
    public Task<string> ScrapeAsync() => TestHttp.Client.GetStringAsync(Exporter.MetricsUrl);

    /// <inheritdoc />
    protected override async Task PrepareAsync()
    {
        if (_queries is not null)
        {
            Directory.CreateDirectory(Paths.Config);
            await File.WriteAllTextAsync(QueriesFile, _queries);
        }
    }

    /// <inheritdoc />
    protected override IEnumerable<ProcessSpec> CreateSpecs() => [.. base.CreateSpecs(), Exporter.Spec];
}

/// <summary>A Redis (as <see cref="RedisServer"/>) plus redis_exporter reading it.</summary>
public class RedisExporterServer : RedisServer
{
    /// <summary>Server and exporter.</summary>
    public RedisExporterServer() => Exporter = new RedisExporter(Ports.GetFree(), Port, Server.Password);

    /// <summary>The exporter component.</summary>
    public RedisExporter Exporter { get; }

    /// <summary>One scrape of the exporter's /metrics.</summary>
    public Task<string> ScrapeAsync() => TestHttp.Client.GetStringAsync(Exporter.MetricsUrl);

    /// <inheritdoc />
    protected override IEnumerable<ProcessSpec> CreateSpecs() => [.. base.CreateSpecs(), Exporter.Spec];
}
