using System.Net.Http.Headers;
using System.Text;

namespace TheBot.Stack;

/// <summary>
/// HTTP basic auth of a Prometheus or Alertmanager web endpoint (their <c>--web.config.file</c>, exporter-toolkit
/// format): the server keeps only the bcrypt hash; clients (probes, scrapers, Prometheus' alerting) send the password.
/// The local stack does not use it (loopback only, contract §2); the compose stack and the tests that prove the
/// production setup do.
/// </summary>
/// <param name="User">User name.</param>
/// <param name="Password">The password clients send.</param>
/// <param name="BcryptHash">bcrypt hash of <paramref name="Password"/> (<c>$2a$</c>/<c>$2b$</c>/<c>$2y$</c>), what the server checks against.</param>
public sealed record WebAuth(string User, string Password, string BcryptHash)
{
    /// <summary>The Authorization header clients send.</summary>
    public AuthenticationHeaderValue Header => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));

    /// <summary>The web config file's text: <c>basic_auth_users</c> with the one user (the hash quoted: it starts with '$').</summary>
    public string WebConfig => $"basic_auth_users:\n  {User}: '{BcryptHash}'\n";

    /// <summary>Writes <see cref="WebConfig"/> to <paramref name="path"/>, readable by the owner only (it holds the hash).</summary>
    public void WriteWebConfig(string path) => OwnerOnlyFile.WriteAllText(path, WebConfig);
}
