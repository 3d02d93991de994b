using System.Net.Http.Json;
using System.Text.Json;
using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Testing;

/// <summary>
/// A real Alertmanager on a free port from the given alertmanager.yml text (default: everything to a receiver
/// named <c>null</c> that sends nothing), with helpers for the v2 API.
/// </summary>
public class AlertmanagerServer : ServerFixture
{
    /// <summary>The config used by the parameterless constructor.</summary>
    public const string NullConfig = """
        route:
          receiver: 'null'
          group_wait: 0s
        receivers:
          - name: 'null'
        """;

    private readonly string _config;

    /// <summary>Alertmanager that routes everything to a receiver that sends nothing.</summary>
    public AlertmanagerServer()
        : this(NullConfig)
    {
    }

    /// <summary>Alertmanager from <paramref name="configYaml"/>, behind basic auth when <paramref name="auth"/> is given.</summary>
    public AlertmanagerServer(string configYaml, WebAuth? auth = null)
    {
        _config = configYaml;
        Server = new Alertmanager(Paths, Ports.GetFree(), Path.Combine(Paths.Config, "alertmanager.yml")) { WebAuth = auth };
    }

    /// <summary>The component.</summary>
    public Alertmanager Server { get; }

    /// <summary>Base URL.</summary>
    public string Url => Server.Url;

    /// <inheritdoc />
    protected override string MainProcess => ServiceNames.Alertmanager;

    /// <summary>Starts a server outside xunit's fixture lifecycle.</summary>
    public static Task<AlertmanagerServer> StartNewAsync(string configYaml, WebAuth? auth = null) => StartAsync(new AlertmanagerServer(configYaml, auth));

    /// <summary>Posts one firing alert to <c>/api/v2/alerts</c>.</summary>
    public Task PostAlertAsync(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string>? annotations = null) =>
        PostAlertsAsync([new { labels, annotations = annotations ?? new Dictionary<string, string>() }]);

    /// <summary>Posts alerts (objects serialized as the v2 API expects: labels, annotations, startsAt, endsAt, ...).</summary>
    public async Task PostAlertsAsync(IEnumerable<object> alerts)
    {
        using var response = await TestHttp.Client.PostAsJsonAsync(Url + "/api/v2/alerts", alerts);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/v2/alerts: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>The alerts Alertmanager holds now (<c>GET /api/v2/alerts</c>), as a JSON array.</summary>
    public Task<JsonElement> ListAlertsAsync() => TestHttp.Client.GetFromJsonAsync<JsonElement>(Url + "/api/v2/alerts");

    /// <inheritdoc />
    protected override async Task PrepareAsync()
    {
        Directory.CreateDirectory(Paths.Config);
        await File.WriteAllTextAsync(Server.ConfigFile, _config);
    }

    /// <inheritdoc />
    protected override IEnumerable<ProcessSpec> CreateSpecs() => [Server.Spec];
}
