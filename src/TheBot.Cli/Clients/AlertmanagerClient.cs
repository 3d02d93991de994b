using System.Net.Http.Json;
using System.Text.Json;

namespace TheBot.Cli.Clients;

/// <summary>The parts of Alertmanager's v2 API the verbs use.</summary>
internal sealed class AlertmanagerClient(string baseUrl)
{
    /// <summary>Longest a request waits for Alertmanager's answer.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private static readonly HttpClient Http = new() { Timeout = RequestTimeout };

    public string BaseUrl { get; } = baseUrl.TrimEnd('/');

    public async Task<JsonElement> StatusAsync(CancellationToken cancellationToken = default) =>
        await Http.GetFromJsonAsync<JsonElement>(BaseUrl + "/api/v2/status", cancellationToken);

    public async Task<JsonElement> AlertsAsync(CancellationToken cancellationToken = default) =>
        await Http.GetFromJsonAsync<JsonElement>(BaseUrl + "/api/v2/alerts", cancellationToken);

    /// <summary>
    /// Posts one alert to <c>/api/v2/alerts</c>: firing, or resolved at <paramref name="endsAt"/>. Its
    /// <paramref name="generatorUrl"/> is the link a notification's "source" button opens (Prometheus sends its graph page).
    /// </summary>
    public async Task PostAlertAsync(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> annotations, string generatorUrl,
        DateTimeOffset? endsAt = null, CancellationToken cancellationToken = default)
    {
        var alert = new Dictionary<string, object>
        {
            ["labels"] = labels,
            ["annotations"] = annotations,
            ["startsAt"] = DateTimeOffset.UtcNow.AddSeconds(-1),
            ["generatorURL"] = generatorUrl,
        };
        if (endsAt is not null)
        {
            alert["endsAt"] = endsAt.Value;
        }

        using var response = await Http.PostAsJsonAsync(BaseUrl + "/api/v2/alerts", new[] { alert }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /api/v2/alerts: HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
