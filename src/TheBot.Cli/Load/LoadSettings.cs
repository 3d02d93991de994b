using System.Globalization;
using System.Net;
using TheBot.Cli.Config;

namespace TheBot.Cli.Load;

/// <summary>What <c>./thebot load</c> was asked for, validated: how long, how fast, which share must fail, where to send it.</summary>
/// <param name="Duration">How long requests are started (the run then drains for at most <see cref="DrainTimeout"/>).</param>
/// <param name="RequestsPerSecond">Target arrival rate; requests start on schedule whether or not earlier ones have answered.</param>
/// <param name="ErrorShare">Share of scheduled requests that are made to fail server-side (5xx): failed payments, and one in <see cref="ExceptionEvery"/> an unhandled exception when <see cref="AdminToken"/> is known.</param>
/// <param name="BackendUrl">The backend (REST and WebSocket).</param>
/// <param name="FrontendUrl">The frontend host, or null when only a backend URL was given.</param>
/// <param name="Seed">Seed of the traffic mix, for a repeatable run.</param>
internal sealed record LoadSettings(TimeSpan Duration, int RequestsPerSecond, double ErrorShare, Uri BackendUrl, Uri? FrontendUrl, int Seed)
{
    /// <summary>
    /// One deliberate error in this many is an unhandled exception (<c>POST /api/drills/exception</c>), the others failed
    /// payments: at the default 2% error share, 0.5% of requests throw, so the exceptions panel has data while the 5xx
    /// share stays exactly <see cref="ErrorShare"/> (0 gives neither).
    /// </summary>
    public const int ExceptionEvery = 4;

    /// <summary>
    /// The backend's admin token, which the exception drill requires; without it (another backend via --base-url, or a
    /// caller that gives none, like the detection suite) every deliberate error is a failed payment.
    /// </summary>
    public string? AdminToken { get; init; }

    public const int MinRps = 1;
    public const int MaxRps = 2000;
    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>How long the run waits for requests still in flight once the schedule has ended.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long a single request may take before it counts as failed.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Every request of the schedule (setup requests come on top).</summary>
    public long ScheduledRequests => (long)Math.Round(Duration.TotalSeconds * RequestsPerSecond);

    /// <summary>
    /// Requests allowed in flight at once: enough for the rate at a few seconds of latency, and a hard ceiling so a
    /// stalled platform cannot make the generator open unbounded connections. Arrivals beyond it are counted as skipped.
    /// </summary>
    public int MaxInFlight => Math.Clamp(RequestsPerSecond * 5, 64, 4000);

    /// <summary>Parses and validates the raw flag values; returns the settings or every problem found, each naming its flag.</summary>
    /// <param name="adminToken">The default backend's admin token (the stack's), used only when <paramref name="baseUrl"/> is not given.</param>
    public static (LoadSettings? Settings, IReadOnlyList<string> Errors) Parse(
        string duration, int rps, double errorShare, string? baseUrl, Uri defaultBackend, Uri defaultFrontend, int? seed, string? adminToken = null)
    {
        var errors = new List<string>();
        if (!PrometheusDuration.TryParse(duration.Trim(), out var span, out _) || span < MinDuration || span > MaxDuration)
        {
            errors.Add($"--duration must be between 1s and 1h, like 60s, 5m or 1h (got '{duration}')");
        }

        if (rps is < MinRps or > MaxRps)
        {
            errors.Add($"--rps must be between {MinRps} and {MaxRps} (got {rps})");
        }

        if (double.IsNaN(errorShare) || errorShare is < 0 or > 1)
        {
            errors.Add($"--error-share must be between 0 and 1, e.g. 0.02 for 2% (got {errorShare.ToString(CultureInfo.InvariantCulture)})");
        }

        Uri backend = defaultBackend;
        Uri? frontend = defaultFrontend;
        if (baseUrl is not null)
        {
            frontend = null;
            if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
            {
                errors.Add($"--base-url must be an absolute http:// URL such as http://127.0.0.1:8000 (got '{baseUrl}')");
            }
            else if (!IsLoopback(parsed))
            {
                errors.Add($"--base-url must point at this machine (127.0.0.1, ::1 or localhost): load is generated on loopback only (got '{parsed.Host}')");
            }
            else
            {
                backend = parsed;
            }
        }

        return errors.Count > 0
            ? (null, errors)
            : (new LoadSettings(span, rps, errorShare, backend, frontend, seed ?? Random.Shared.Next()) { AdminToken = baseUrl is null ? adminToken : null }, errors);
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
