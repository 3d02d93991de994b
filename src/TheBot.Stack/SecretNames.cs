namespace TheBot.Stack;

/// <summary>
/// The file names of the generated secrets in <see cref="StackPaths.Secrets"/>, spelled once: the stack creates them,
/// the backend reads them (<c>Monitoring__ScrapeTokenFile</c>, <c>Monitoring__AdminTokenFile</c>), Prometheus sends the
/// scrape token, PostgreSQL and its clients use the password, and the services table and <c>load</c> point at them.
/// </summary>
public static class SecretNames
{
    /// <summary>The bearer token Prometheus scrapes the backends' system endpoints with.</summary>
    public const string ScrapeToken = "scrape-token";

    /// <summary>The bearer token of the backends' admin endpoints.</summary>
    public const string AdminToken = "admin-token";

    /// <summary>The password of PostgreSQL's superuser (<see cref="Components.PostgreSql.User"/>).</summary>
    public const string PostgresPassword = "postgres-password";
}
