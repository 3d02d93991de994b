using Xunit;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>Renders the committed alertmanager.yml with monitoring/alertmanager/render-config.sh, as docker-compose does.</summary>
public static class AlertmanagerConfig
{
    /// <summary>Values for every secret variable; URLs point at the loopback discard port, so nothing leaves the machine.</summary>
    public static IReadOnlyDictionary<string, string> DummySecrets => AlertmanagerCheck.DummySecrets;

    /// <summary>The committed file.</summary>
    public static string CommittedPath => Repo.Monitoring("alertmanager", "alertmanager.yml");

    /// <summary>Runs render-config.sh into <paramref name="dir"/>; the templates path is pointed at the repository's templates.</summary>
    public static async Task<string> RenderAsync(CheckTempDir dir, IReadOnlyDictionary<string, string>? environment = null)
    {
        Tools.Require("sh");
        var (rendered, error) = await AlertmanagerCheck.RenderAsync(Repo.Monitoring("alertmanager"), dir.Path, environment);
        Assert.True(rendered is not null, error);
        return rendered!;
    }
}
