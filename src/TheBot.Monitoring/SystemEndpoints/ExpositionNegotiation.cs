using System.Globalization;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// What a scrape asked for, read from its Accept, Accept-Encoding and X-Prometheus-Scrape-Timeout-Seconds headers.
/// Parsed once per scrape (rare), so plain string splitting is cheap enough; nothing here is on the request hot path.
/// </summary>
/// <param name="Format">Protobuf, OpenMetrics 1.0.0 or the Prometheus text format 0.0.4.</param>
/// <param name="Gzip">True when Accept-Encoding accepts gzip.</param>
/// <param name="ScrapeTimeout">The scraper's own deadline, when it sent a usable one.</param>
internal readonly record struct ExpositionNegotiation(ExpositionFormat Format, bool Gzip, TimeSpan? ScrapeTimeout)
{
    /// <summary>The only message type and encoding of the protobuf format we write.</summary>
    private const string ProtobufMessage = "io.prometheus.client.MetricFamily";

    /// <summary>Header Prometheus sets to the scrape's timeout, in (possibly fractional) seconds.</summary>
    public const string ScrapeTimeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds";

    private const double NotListed = -1;

    /// <summary>Reads the three headers; any of them may be empty or malformed, which only means "not asked".</summary>
    public static ExpositionNegotiation From(string? accept, string? acceptEncoding, string? scrapeTimeout) =>
        new(Choose(accept), AcceptsGzip(acceptEncoding), ParseTimeout(scrapeTimeout));

    /// <summary>
    /// True when OpenMetrics 1.0.0 has a strictly higher quality than the text format 0.0.4 (or is listed first at the
    /// same quality). A range with another version is one we cannot produce and counts as absent, and an Accept that
    /// allows neither (or no Accept at all) gets the text format, as every Prometheus client library answers.
    /// </summary>
    public static bool PrefersOpenMetrics(string? accept)
    {
        var (_, openMetrics, text) = Rank(accept);
        return Beats(openMetrics, text);
    }

    /// <summary>
    /// The format to answer <paramref name="accept"/> with: protobuf when it is listed by name (never through a
    /// wildcard: a browser's <c>*/*</c> must not get binary) with <c>proto=io.prometheus.client.MetricFamily</c> and
    /// <c>encoding=delimited</c> if it names them, and beats both text formats on quality (or order at equal
    /// quality); otherwise as <see cref="PrefersOpenMetrics"/> decides.
    /// </summary>
    public static ExpositionFormat Choose(string? accept)
    {
        var (protobuf, openMetrics, text) = Rank(accept);
        return Beats(protobuf, openMetrics) && Beats(protobuf, text) ? ExpositionFormat.Protobuf
            : Beats(openMetrics, text) ? ExpositionFormat.OpenMetrics
            : ExpositionFormat.Text;
    }

    private static bool Beats(Offered candidate, Offered other) =>
        candidate.Quality > 0 && (candidate.Quality > other.Quality || (candidate.Quality == other.Quality && candidate.Order < other.Order));

    private static (Offered Protobuf, Offered OpenMetrics, Offered Text) Rank(string? accept)
    {
        var protobuf = new Offered(NotListed, -1, int.MaxValue);
        var openMetrics = new Offered(NotListed, -1, int.MaxValue);
        var text = new Offered(NotListed, -1, int.MaxValue);
        if (string.IsNullOrWhiteSpace(accept))
        {
            return (protobuf, openMetrics, text);
        }

        var order = 0;
        foreach (var rangeText in accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            order++;
            var parts = rangeText.Split(';', StringSplitOptions.TrimEntries);
            var mediaType = parts[0];
            string? version = null, proto = null, encoding = null;
            var quality = 1.0;
            for (var i = 1; i < parts.Length; i++)
            {
                var equals = parts[i].IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    continue;
                }

                var name = parts[i][..equals].Trim();
                var value = parts[i][(equals + 1)..].Trim().Trim('"');
                if (name.Equals("q", StringComparison.OrdinalIgnoreCase))
                {
                    quality = double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var q) ? Math.Clamp(q, 0, 1) : 0;
                }
                else if (name.Equals("version", StringComparison.OrdinalIgnoreCase))
                {
                    version = value;
                }
                else if (name.Equals("proto", StringComparison.OrdinalIgnoreCase))
                {
                    proto = value;
                }
                else if (name.Equals("encoding", StringComparison.OrdinalIgnoreCase))
                {
                    encoding = value;
                }
            }

            // Only the delimited MetricFamily stream is produced; text or compact-text protobuf counts as absent.
            if (proto is null or ProtobufMessage && encoding is null or "delimited"
                && Specificity(mediaType, "application", "vnd.google.protobuf", proto) >= 2)
            {
                protobuf = protobuf.Offer(Specificity(mediaType, "application", "vnd.google.protobuf", proto), quality, order);
            }

            // As RFC 9110 says, the most specific range that matches a format gives its quality, whatever the order.
            if (version is null or "1.0.0")
            {
                openMetrics = openMetrics.Offer(Specificity(mediaType, "application", "openmetrics-text", version), quality, order);
            }

            if (version is null or "0.0.4")
            {
                text = text.Offer(Specificity(mediaType, "text", "plain", version), quality, order);
            }
        }

        return (protobuf, openMetrics, text);
    }

    /// <summary>True when Accept-Encoding lists gzip (or <c>*</c>) with a quality above zero.</summary>
    public static bool AcceptsGzip(string? acceptEncoding)
    {
        if (string.IsNullOrWhiteSpace(acceptEncoding))
        {
            return false;
        }

        double gzip = NotListed, any = NotListed;
        foreach (var codingText in acceptEncoding.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = codingText.Split(';', StringSplitOptions.TrimEntries);
            var quality = 1.0;
            foreach (var parameter in parts.Skip(1))
            {
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase))
                {
                    quality = double.TryParse(parameter[2..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var q) ? Math.Clamp(q, 0, 1) : 0;
                }
            }

            if (parts[0].Equals("gzip", StringComparison.OrdinalIgnoreCase) || parts[0].Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
            {
                gzip = Math.Max(gzip, quality);
            }
            else if (parts[0] == "*")
            {
                any = Math.Max(any, quality);
            }
        }

        // An explicit gzip;q=0 refuses it even when * is allowed.
        return gzip == NotListed ? any > 0 : gzip > 0;
    }

    /// <summary>The scraper's timeout; null when absent, not a number, not positive or absurdly long.</summary>
    public static TimeSpan? ParseTimeout(string? header) =>
        double.TryParse(header, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : null;

    /// <summary>-1 when the range does not match; then */* &lt; type/* &lt; type/subtype &lt; type/subtype;version=….</summary>
    private static int Specificity(string mediaType, string type, string subtype, string? version)
    {
        var slash = mediaType.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return -1;
        }

        var givenType = mediaType[..slash];
        var givenSubtype = mediaType[(slash + 1)..];
        if (givenType == "*" && givenSubtype == "*")
        {
            return 0;
        }

        if (!givenType.Equals(type, StringComparison.OrdinalIgnoreCase))
        {
            return -1;
        }

        return givenSubtype == "*" ? 1
            : !givenSubtype.Equals(subtype, StringComparison.OrdinalIgnoreCase) ? -1
            : version is null ? 2
            : 3;
    }

    /// <summary>The range that decides one format's quality so far.</summary>
    private readonly record struct Offered(double Quality, int Specificity, int Order)
    {
        public Offered Offer(int specificity, double quality, int order) =>
            specificity < 0 || specificity < Specificity || (specificity == Specificity && quality <= Quality)
                ? this
                : new Offered(quality, specificity, order);
    }
}
