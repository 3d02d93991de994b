using System.Net.Http.Json;
using System.Text.Json;
using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Testing;

/// <summary>
/// A real Prometheus on a free port, started from the given prometheus.yml text and rule files (written next to
/// the config, so <c>rule_files: [alert_rules.yml]</c> finds them). <c>{{port}}</c> in the config stands for
/// Prometheus's own port. Without a config it scrapes itself every second as job <c>prometheus</c>.
/// </summary>
public class PrometheusServer : ServerFixture
{
    /// <summary>The config used by the parameterless constructor.</summary>
    public const string SelfScrapeConfig = """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: prometheus
            static_configs:
              - targets: ['127.0.0.1:{{port}}']
        """;

    private readonly string _config;
    private readonly IReadOnlyDictionary<string, string> _ruleFiles;

    /// <summary>Prometheus scraping itself every second.</summary>
    public PrometheusServer()
        : this(SelfScrapeConfig)
    {
    }

    /// <summary>
    /// Prometheus from <paramref name="configYaml"/> and rule files (file name → YAML text), behind basic auth when
    /// <paramref name="auth"/> is given.
    /// </summary>
    public PrometheusServer(string configYaml, IReadOnlyDictionary<string, string>? ruleFiles = null, WebAuth? auth = null)
    {
        var port = Ports.GetFree();
        _config = configYaml.Replace("{{port}}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        _ruleFiles = ruleFiles ?? new Dictionary<string, string>();
        Server = new Prometheus(Paths, port, Path.Combine(Paths.Config, "prometheus.yml")) { WebAuth = auth };
    }

    /// <summary>The component.</summary>
    public Prometheus Server { get; }

    /// <summary>Flags added to the component's own, e.g. <c>--enable-feature=native-histograms</c> (the flag may repeat).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Base URL.</summary>
    public string Url => Server.Url;

    /// <inheritdoc />
    protected override string MainProcess => ServiceNames.Prometheus;

    /// <summary>Starts a server outside xunit's fixture lifecycle.</summary>
    public static Task<PrometheusServer> StartNewAsync(string configYaml, IReadOnlyDictionary<string, string>? ruleFiles = null, WebAuth? auth = null) =>
        StartAsync(new PrometheusServer(configYaml, ruleFiles, auth));

    /// <summary>Starts a server with extra command-line flags outside xunit's fixture lifecycle.</summary>
    public static Task<PrometheusServer> StartNewWithArgumentsAsync(string configYaml, IReadOnlyList<string> extraArguments, IReadOnlyDictionary<string, string>? ruleFiles = null) =>
        StartAsync(new PrometheusServer(configYaml, ruleFiles) { ExtraArguments = extraArguments });

    /// <summary>Runs an instant query and returns <c>data.result</c> (throws unless the status is success).</summary>
    public async Task<JsonElement> QueryAsync(string promql)
    {
        var body = await GetJsonAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql));
        return body.GetProperty("data").GetProperty("result");
    }

    /// <summary>GETs a path of the HTTP API and returns the JSON body (throws unless <c>status</c> is success).</summary>
    public async Task<JsonElement> GetJsonAsync(string pathAndQuery)
    {
        var body = await TestHttp.Client.GetFromJsonAsync<JsonElement>(Url + pathAndQuery);
        return body.GetProperty("status").GetString() == "success"
            ? body
            : throw new InvalidOperationException($"GET {pathAndQuery}: {body}");
    }

    /// <summary>Waits until every target of <paramref name="job"/> (at least one) is up; the error lists the targets.</summary>
    public async Task WaitForTargetUpAsync(string job, TimeSpan? timeout = null)
    {
        var last = "no answer";
        await TestHttp.WaitUntilAsync(async () =>
        {
            var targets = (await GetJsonAsync("/api/v1/targets?state=active")).GetProperty("data").GetProperty("activeTargets")
                .EnumerateArray().Where(t => t.GetProperty("labels").GetProperty("job").GetString() == job).ToList();
            last = targets.Count == 0 ? $"no target of job {job}" : string.Join("; ", targets.Select(t => $"{t.GetProperty("scrapeUrl")}: {t.GetProperty("health")} {t.GetProperty("lastError")}"));
            return targets.Count > 0 && targets.All(t => t.GetProperty("health").GetString() == "up");
        }, timeout ?? TimeSpan.FromSeconds(30), () => $"targets of job {job} not up: {last}");
    }

    /// <summary>Asks Prometheus to reload its config (<c>POST /-/reload</c>).</summary>
    public async Task ReloadAsync()
    {
        using var response = await TestHttp.Client.PostAsync(Url + "/-/reload", null);
        response.EnsureSuccessStatusCode();
    }

    /// <inheritdoc />
    protected override async Task PrepareAsync()
    {
        Directory.CreateDirectory(Paths.Config);
        await File.WriteAllTextAsync(Server.ConfigFile, _config);
        foreach (var (name, text) in _ruleFiles)
        {
            await File.WriteAllTextAsync(Path.Combine(Paths.Config, name), text);
        }
    }

    /// <inheritdoc />
    protected override IEnumerable<ProcessSpec> CreateSpecs() => [Server.Spec with { Arguments = [.. Server.Spec.Arguments, .. ExtraArguments] }];
}
