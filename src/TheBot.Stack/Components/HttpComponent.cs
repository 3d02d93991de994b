namespace TheBot.Stack.Components;

/// <summary>Shared shape of the HTTP servers of the stack: a binary listening on 127.0.0.1 with an HTTP readiness path.</summary>
internal static class HttpComponent
{
    /// <summary>The spec of <paramref name="executable"/>, which the Debian <paramref name="package"/> ships.</summary>
    public static ProcessSpec Spec(string name, string executable, string package, int port, string readyPath, IEnumerable<string> arguments) =>
        new(name, executable)
        {
            Package = package,
            Arguments = [.. arguments, $"--web.listen-address=127.0.0.1:{port}"],
            Ports = new Dictionary<string, int> { ["http"] = port },
            Readiness = ReadinessProbe.HttpGet($"http://127.0.0.1:{port}{readyPath}"),
        };

    /// <summary>
    /// <paramref name="spec"/> behind basic auth: <c>--web.config.file</c> (written on the first start; the servers
    /// re-read it on every request, so rotating means rewriting it) and a readiness probe that sends the credentials,
    /// as every path, <c>/-/ready</c> included, answers 401 without them. Null <paramref name="auth"/>: unchanged.
    /// </summary>
    public static ProcessSpec WithAuth(ProcessSpec spec, WebAuth? auth, string webConfigFile, string readyUrl) => auth is null ? spec : spec with
    {
        Arguments = [.. spec.Arguments, $"--web.config.file={webConfigFile}"],
        Readiness = ReadinessProbe.HttpGet(readyUrl, auth.Header),
        Setup = new SetupStep(webConfigFile, _ =>
        {
            auth.WriteWebConfig(webConfigFile);
            return Task.CompletedTask;
        }),
    };
}
