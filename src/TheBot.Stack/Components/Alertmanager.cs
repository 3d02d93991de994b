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

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => HttpComponent.Spec(ServiceNames.Alertmanager, "/usr/bin/prometheus-alertmanager", "prometheus-alertmanager", Port, "/-/ready",
    [
        $"--config.file={ConfigFile}",
        $"--storage.path={paths.Data(ServiceNames.Alertmanager)}",
        "--cluster.listen-address=",
    ]);
}
