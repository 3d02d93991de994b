using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TheBot.Stack;

/// <summary>
/// How <c>./thebot status</c> reads which version a ready service runs, declared by the component next to its
/// readiness probe (<see cref="ProcessSpec.Version"/>). A spec without one is asked <c>Executable --version</c>.
/// </summary>
public abstract partial class VersionProbe
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    /// <summary>Reads the version text once; throws (HTTP, JSON, timeout) when the service does not tell.</summary>
    public abstract Task<string> ReadAsync(CancellationToken cancellationToken);

    /// <summary>A fixed text (a service of this repository without a version of its own).</summary>
    public static VersionProbe Fixed(string text) => new Custom(_ => Task.FromResult(text));

    /// <summary>The JSON document at <paramref name="url"/>, read by <paramref name="read"/>.</summary>
    public static VersionProbe HttpJson(string url, Func<JsonElement, string> read, AuthenticationHeaderValue? authorization = null) =>
        new Custom(async ct => read(await GetJsonAsync(url, authorization, ct)));

    /// <summary>The <c>version</c> label of the <c>*_build_info</c> metric at <paramref name="metricsUrl"/>, after <paramref name="name"/>.</summary>
    public static VersionProbe BuildInfoMetric(string metricsUrl, string name) => new Custom(async ct =>
    {
        var match = BuildInfo().Match(await Http.GetStringAsync(metricsUrl, ct));
        return match.Success ? $"{name} {match.Groups[1].Value}" : name;
    });

    /// <summary>The first line <c><paramref name="executable"/> --version</c> prints.</summary>
    public static VersionProbe Command(string executable) => new Custom(async ct =>
    {
        var result = await CommandRunner.RunAsync(executable, ["--version"], new CommandOptions { Timeout = TimeSpan.FromSeconds(5) }, ct);
        return result.StandardOutput.Split('\n')[0].Trim();
    });

    /// <summary>Any reading, e.g. two endpoints combined.</summary>
    public static VersionProbe Check(Func<CancellationToken, Task<string>> read) => new Custom(read);

    /// <summary>GET <paramref name="url"/> as JSON, with <paramref name="authorization"/> when given.</summary>
    public static async Task<JsonElement> GetJsonAsync(string url, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = authorization;
        using var response = await Http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    [GeneratedRegex("""_build_info\{[^}]*version="([^"]+)"[^}]*\}""")]
    private static partial Regex BuildInfo();

    private sealed class Custom(Func<CancellationToken, Task<string>> read) : VersionProbe
    {
        public override Task<string> ReadAsync(CancellationToken cancellationToken) => read(cancellationToken);
    }
}
