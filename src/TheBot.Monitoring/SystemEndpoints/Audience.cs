namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>Who may call a system endpoint.</summary>
internal enum Audience
{
    /// <summary>Prometheus: the scrape token, or loopback when no token is configured.</summary>
    Scraper,

    /// <summary>Operators: the admin token; with none configured, nobody.</summary>
    Admin,
}
