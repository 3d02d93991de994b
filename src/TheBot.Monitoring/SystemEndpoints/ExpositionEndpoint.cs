using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// Serves the registry in the format the scraper negotiated (<see cref="ExpositionNegotiation"/>). Scrapes are rare
/// (one per interval per Prometheus), so one buffer is reused under a gate instead of allocating a fresh one per
/// scrape (the gate covers the rendering, not the network write: the answer leaves from a pooled copy); a scrape that cannot get the gate before its own deadline is answered 503 at once rather than left to
/// time out in the scraper, which would then see a late answer to a request it has already given up on.
/// </summary>
internal sealed class ExpositionEndpoint(MetricRegistry registry)
{
    /// <summary>How long a scrape without a timeout header waits for the gate.</summary>
    internal static readonly TimeSpan DefaultGateWait = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ExpositionWriter _writer = new();
    private readonly MemoryStream _compressed = new();
    private NegotiatedHeaders? _lastNegotiation;

    public async Task WriteAsync(HttpContext context)
    {
        var negotiated = Negotiate(context.Request.Headers);
        var response = context.Response;
        response.Headers.Vary = "Accept, Accept-Encoding";
        response.Headers.CacheControl = "no-store";
        if (!await _gate.WaitAsync(GateWait(negotiated.ScrapeTimeout), context.RequestAborted))
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = "1";
            return;
        }

        // The body is copied out of the shared buffers and sent after the gate is released: a scraper that reads slowly
        // (a curl over a thin link, a stalled client that Kestrel's minimum data rate has not cut off yet) must not hold
        // every other scrape — Prometheus' own — behind its network write, where they would be answered 503 and the
        // instance would look down.
        byte[] rented;
        int length;
        try
        {
            // The first OpenMetrics or protobuf scrape turns exemplar recording on; a text-only scraper never pays for it.
            registry.ExemplarsWanted |= negotiated.Format != ExpositionFormat.Text;
            _writer.Reset(negotiated.Format);
            registry.WriteTo(_writer);
            var body = _writer.WrittenMemory;
            if (negotiated.Gzip)
            {
                // Fastest level: the exposition is repetitive (text, and the label strings of protobuf) and shrinks ~10× even so, and CPU on the scraped
                // service matters more than the last few percent of bytes on a loopback or LAN link.
                _compressed.SetLength(0);
                await using (var gzip = new GZipStream(_compressed, CompressionLevel.Fastest, leaveOpen: true))
                {
                    gzip.Write(body.Span);
                }

                body = _compressed.GetBuffer().AsMemory(0, (int)_compressed.Length);
            }

            length = body.Length;
            rented = ArrayPool<byte>.Shared.Rent(length);
            body.Span.CopyTo(rented);
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            response.ContentType = negotiated.Format switch
            {
                ExpositionFormat.Protobuf => ExpositionWriter.ProtobufContentType,
                ExpositionFormat.OpenMetrics => ExpositionWriter.OpenMetricsContentType,
                _ => ExpositionWriter.TextContentType,
            };
            if (negotiated.Gzip)
            {
                response.Headers.ContentEncoding = "gzip";
            }

            response.ContentLength = length;
            await response.Body.WriteAsync(rented.AsMemory(0, length), context.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// What the scrape asked for. A scraper sends the same three headers on every scrape, so the last answer is kept and
    /// reused when they match: the parsing then runs once per scraper instead of once per scrape, which also keeps its
    /// code out of the JIT's recompiling for the life of the process (benchmarks §4h).
    /// </summary>
    internal ExpositionNegotiation Negotiate(IHeaderDictionary headers)
    {
        var accept = headers.Accept.ToString();
        var acceptEncoding = headers.AcceptEncoding.ToString();
        var scrapeTimeout = headers[ExpositionNegotiation.ScrapeTimeoutHeader].ToString();
        var last = Volatile.Read(ref _lastNegotiation);
        if (last is not null && last.Accept == accept && last.AcceptEncoding == acceptEncoding && last.ScrapeTimeout == scrapeTimeout)
        {
            return last.Result;
        }

        var negotiated = ExpositionNegotiation.From(accept, acceptEncoding, scrapeTimeout);
        Volatile.Write(ref _lastNegotiation, new NegotiatedHeaders(accept, acceptEncoding, scrapeTimeout, negotiated));
        return negotiated;
    }

    /// <summary>
    /// The scraper's timeout less a margin for the write and the network, so a refused scrape is still answered in time;
    /// never less than 50 ms, so a tiny timeout still gets a chance when the gate is free.
    /// </summary>
    internal static TimeSpan GateWait(TimeSpan? scrapeTimeout) =>
        scrapeTimeout is { } timeout ? TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, (long)(timeout.Ticks * 0.8))) : DefaultGateWait;

    /// <summary>One scrape's negotiation headers and what they were read as.</summary>
    private sealed record NegotiatedHeaders(string Accept, string AcceptEncoding, string ScrapeTimeout, ExpositionNegotiation Result);
}
