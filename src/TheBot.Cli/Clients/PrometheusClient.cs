using System.Text.Json;

namespace TheBot.Cli.Clients;

/// <summary>The parts of Prometheus' HTTP API the verbs use.</summary>
internal sealed class PrometheusClient(string baseUrl)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string BaseUrl { get; } = baseUrl.TrimEnd('/');

    /// <summary>GET a JSON API path; throws with the API's error text unless status is success.</summary>
    public async Task<JsonElement> GetAsync(string pathAndQuery, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(BaseUrl + pathAndQuery, cancellationToken);
        return await ReadAsync(response, pathAndQuery, cancellationToken);
    }

    /// <summary>POST to a JSON API path (admin API); throws unless it succeeds.</summary>
    public async Task<JsonElement?> PostAsync(string pathAndQuery, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsync(BaseUrl + pathAndQuery, null, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NoContent)
        {
            return null;
        }

        return await ReadAsync(response, pathAndQuery, cancellationToken);
    }

    /// <summary>Instant query; returns data.result.</summary>
    public async Task<JsonElement> QueryAsync(string promql, CancellationToken cancellationToken = default) =>
        (await GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql), cancellationToken)).GetProperty("data").GetProperty("result");

    /// <summary>
    /// Number of series matching a selector that still hold samples at or before <paramref name="end"/>. Counted with
    /// a query rather than the series API, which keeps listing series whose samples are deleted but not yet compacted.
    /// <paramref name="uncached"/> adds <c>nocache=1</c>, which VictoriaMetrics needs to answer at exactly
    /// <paramref name="end"/>: without it, it moves a time within its <c>-search.latencyOffset</c> of now back by that
    /// offset and may answer from its rollup cache (Prometheus ignores the parameter). <paramref name="after"/> counts
    /// only samples later than it (default: the last 10 years).
    /// </summary>
    public async Task<int> CountSeriesWithSamplesAsync(string selector, DateTimeOffset end, CancellationToken cancellationToken = default, bool uncached = false, DateTimeOffset? after = null)
    {
        var window = after is { } from ? $"{Math.Max(1, (long)Math.Ceiling((end - from).TotalSeconds))}s" : "3650d";
        var result = await GetAsync($"/api/v1/query?query={Uri.EscapeDataString($"count(count_over_time({selector}[{window}]))")}&time={end.ToUnixTimeMilliseconds() / 1000.0:F3}{(uncached ? "&nocache=1" : string.Empty)}", cancellationToken);
        var data = result.GetProperty("data").GetProperty("result");
        return data.GetArrayLength() == 0 ? 0 : int.Parse(data[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonElement json;
        try
        {
            json = JsonSerializer.Deserialize<JsonElement>(body);
        }
        catch (JsonException)
        {
            throw new HttpRequestException($"{path}: HTTP {(int)response.StatusCode}: {body.Trim()}");
        }

        return json.TryGetProperty("status", out var status) && status.GetString() == "success"
            ? json
            : throw new HttpRequestException($"{path}: HTTP {(int)response.StatusCode}: {(json.TryGetProperty("error", out var error) ? error.GetString() : body.Trim())}");
    }
}
