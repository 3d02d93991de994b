using System.Net;
using System.Net.Http.Headers;
using TheBot.Stack;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>The backend's scrape endpoint refuses an anonymous call and answers one with the stack's scrape token.</summary>
internal sealed class ScrapeTokenCheck(DoctorContext context) : IDoctorCheck
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public string Name => "backend scrape endpoint refuses anonymous calls and takes the token";

    public string Fix => "set Monitoring:ScrapeTokenFile on the backend; prometheus.yml's credentials_file must hold the same token";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var url = context.Location.Url(ServiceNames.Backend) + "/api/system/metrics/prometheus/";
        using var anonymous = await Http.GetAsync(url, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", context.Stack.ScrapeToken);
        using var authorized = await Http.SendAsync(request, cancellationToken);
        // Loopback callers may scrape without a token only when none is configured; we configure one.
        var ok = anonymous.StatusCode == HttpStatusCode.Unauthorized && authorized.StatusCode == HttpStatusCode.OK;
        return (ok, $"anonymous → {(int)anonymous.StatusCode}, with token → {(int)authorized.StatusCode}");
    }
}
