using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using TheBot.Testing;
using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>
/// The production hardening of the monitoring plane with the real binaries (Prometheus 2.42, Alertmanager 0.25)
/// behind <c>--web.config.file</c> basic auth on loopback, as the compose file runs them: a call without credentials
/// or with a wrong password is refused (401), one with them works; Prometheus still scrapes targets that require
/// the credentials (itself and Alertmanager) and still delivers its alerts to the Alertmanager that requires them.
/// </summary>
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class WebAuthTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Basic_auth_refuses_anonymous_calls_while_scrapes_and_alert_delivery_carry_the_credentials()
    {
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var auth = new WebAuth("thebot", password, BCrypt.Net.BCrypt.HashPassword(password, workFactor: 10));
        await using var alertmanager = await AlertmanagerServer.StartNewAsync(AlertmanagerServer.NullConfig, auth);
        var passwordFile = Path.Combine(alertmanager.Paths.Root, "monitoring-password");
        await File.WriteAllTextAsync(passwordFile, password);
        var am = new Uri(alertmanager.Url).Authority;
        var basicAuth = $"basic_auth: {{ username: thebot, password_file: '{passwordFile}' }}";
        var config = $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [rules.yml]
            alerting:
              alertmanagers:
                - {{basicAuth}}
                  static_configs: [{ targets: ['{{am}}'] }]
            scrape_configs:
              - job_name: prometheus
                {{basicAuth}}
                static_configs: [{ targets: ['127.0.0.1:{{"{{port}}"}}'] }]
              - job_name: alertmanager
                {{basicAuth}}
                static_configs: [{ targets: ['{{am}}'] }]
              # Control: the same target without credentials must fail, or the scrape above proves nothing.
              - job_name: alertmanager-anonymous
                static_configs: [{ targets: ['{{am}}'] }]
            """;
        const string rules = """
            groups:
              - name: web-auth
                rules:
                  # Fires once Alertmanager is discovered (read through the authenticated self-scrape): an alert
                  # evaluated before that is dropped and only re-sent after the 1 m resend delay.
                  - alert: WebAuthDelivery
                    expr: prometheus_notifications_alertmanagers_discovered{job="prometheus"} > 0
                    labels: { severity: warning, component: monitoring }
            """;
        await using var prometheus = await PrometheusServer.StartNewAsync(config, new Dictionary<string, string> { ["rules.yml"] = rules }, auth);

        foreach (var url in new[] { prometheus.Url + "/api/v1/query?query=up", prometheus.Url + "/-/ready", alertmanager.Url + "/api/v2/status", alertmanager.Url + "/-/ready" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(url, null));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(url, new WebAuth("thebot", "wrong-" + password, auth.BcryptHash).Header));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(url, auth.Header));
        }

        // Scrapes with the credentials are up; the control without them is refused by Alertmanager.
        var health = new Dictionary<string, (string Health, string Error)>();
        await TestHttp.WaitUntilAsync(async () =>
        {
            health = (await GetJsonAsync(prometheus.Url + "/api/v1/targets?state=active", auth)).GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .ToDictionary(t => t.GetProperty("labels").GetProperty("job").GetString()!, t => (t.GetProperty("health").GetString()!, t.GetProperty("lastError").GetString()!));
            return health.Count == 3 && health.Values.All(h => h.Health != "unknown");
        }, TimeSpan.FromSeconds(30), () => "targets not scraped yet: " + string.Join(", ", health));
        Assert.Equal("up", health["prometheus"].Health);
        Assert.Equal("up", health["alertmanager"].Health);
        Assert.Equal("down", health["alertmanager-anonymous"].Health);
        Assert.Contains("401", health["alertmanager-anonymous"].Error, StringComparison.Ordinal);

        // The alert reaches the Alertmanager that requires auth, without a single failed notification.
        await TestHttp.WaitUntilAsync(async () =>
            (await GetJsonAsync(alertmanager.Url + "/api/v2/alerts", auth)).EnumerateArray()
                .Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "WebAuthDelivery"),
            TimeSpan.FromSeconds(45), () => "WebAuthDelivery never reached Alertmanager; Prometheus' log:\n" + ProcessSupervisor.ReadLogTail(prometheus.Paths.LogFile(ServiceNames.Prometheus)));
        var errors = (await GetJsonAsync(prometheus.Url + "/api/v1/query?query=" + Uri.EscapeDataString("sum(prometheus_notifications_errors_total)"), auth))
            .GetProperty("data").GetProperty("result");
        Assert.Equal(0, double.Parse(errors[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
    }

    private static async Task<HttpStatusCode> StatusAsync(string url, AuthenticationHeaderValue? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = authorization;
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<JsonElement> GetJsonAsync(string url, WebAuth auth)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = auth.Header;
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());
    }
}
