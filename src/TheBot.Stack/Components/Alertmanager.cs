namespace TheBot.Stack.Components;

/// <summary>
/// Alertmanager with its state in the state folder, listening on 127.0.0.1, clustering off; ready when
/// <c>/-/ready</c> answers.
/// </summary>
public sealed class Alertmanager(StackPaths paths, int port, string configFile)
{
    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>The alertmanager.yml it loads.</summary>
    public string ConfigFile { get; } = configFile;

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:9093</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Basic auth on every endpoint (<c>--web.config.file</c>); null (the local stack's default) leaves it open on loopback.</summary>
    public WebAuth? WebAuth { get; init; }

    /// <summary>Where the web config is written when <see cref="WebAuth"/> is set.</summary>
    public string WebConfigFile => Path.Combine(paths.Config, "alertmanager-web.yml");

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => HttpComponent.WithAuth(OpenSpec, WebAuth, WebConfigFile, Url + "/-/ready");

    private ProcessSpec OpenSpec => HttpComponent.Spec(ServiceNames.Alertmanager, "/usr/bin/prometheus-alertmanager", "prometheus-alertmanager", Port, "/-/ready",
    [
        $"--config.file={ConfigFile}",
        $"--storage.path={paths.Data(ServiceNames.Alertmanager)}",
        "--cluster.listen-address=",
    ]);
}
