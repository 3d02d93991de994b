namespace TheBot.Stack.Components;

/// <summary>Shared shape of the HTTP servers of the stack: a binary listening on 127.0.0.1 with an HTTP readiness path.</summary>
internal static class HttpComponent
{
    public static ProcessSpec Spec(string name, string executable, string package, int port, string readyPath, IEnumerable<string> arguments) =>
        new(name, executable)
        {
            Arguments = [.. arguments, $"--web.listen-address=127.0.0.1:{port}"],
            Ports = new Dictionary<string, int> { ["http"] = port },
            Readiness = ReadinessProbe.HttpGet($"http://127.0.0.1:{port}{readyPath}"),
            Package = package,
        };
}
