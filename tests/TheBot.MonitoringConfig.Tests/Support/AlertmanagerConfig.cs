namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>Renders the committed alertmanager.yml with monitoring/alertmanager/render-config.sh, as docker-compose does.</summary>
public static class AlertmanagerConfig
{
    /// <summary>Values for every secret variable; URLs point at the loopback discard port, so nothing leaves the machine.</summary>
    public static readonly IReadOnlyDictionary<string, string> DummySecrets = new Dictionary<string, string>
    {
        ["SLACK_WEBHOOK_URL"] = "http://127.0.0.1:9/slack",
        ["PAGERDUTY_SERVICE_KEY"] = "dummy-pagerduty-key",
        ["SMTP_PASSWORD"] = "dummy|password&with\\specials",
        ["SMTP_HOST"] = "127.0.0.1",
        ["SMTP_PORT"] = "9",
        ["SMTP_USER"] = "alerts@thebot.example",
        ["ALERT_WEBHOOK_URL"] = "http://127.0.0.1:9/default?a=1&b=2",
        ["DEADMANS_SWITCH_URL"] = "http://127.0.0.1:9/deadmans-switch",
        ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
    };

    /// <summary>The committed file.</summary>
    public static string CommittedPath => Repo.Monitoring("alertmanager", "alertmanager.yml");

    /// <summary>Runs render-config.sh into <paramref name="dir"/>; the templates path is pointed at the repository's templates.</summary>
    public static async Task<string> RenderAsync(TempDir dir, IReadOnlyDictionary<string, string>? environment = null)
    {
        var output = dir.File("alertmanager.yml");
        await Tools.RunOkAsync("sh", [Repo.Monitoring("alertmanager", "render-config.sh"), CommittedPath, output, dir.File("secrets")], environment ?? DummySecrets);
        var text = (await File.ReadAllTextAsync(output))
            .Replace("/etc/alertmanager/templates/", Repo.Monitoring("alertmanager", "templates") + "/", StringComparison.Ordinal);
        await File.WriteAllTextAsync(output, text);
        return output;
    }
}
