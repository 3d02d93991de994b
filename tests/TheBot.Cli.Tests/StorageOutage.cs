namespace TheBot.Cli.Tests;

/// <summary>
/// A VictoriaMetrics outage that spans several steps of <see cref="HaTopologyTests"/>: begun under traffic in one
/// step, kept through the next (so it lasts longer than PrometheusRemoteWriteBehind's threshold without adding that
/// much waiting of its own), and ended and checked in a later one.
/// </summary>
/// <param name="StoppedAt">When VictoriaMetrics was stopped.</param>
/// <param name="TrafficEndedAt">When the requests sent during the outage ended (the backends still ran until then).</param>
/// <param name="Requests">How many requests went through the frontend during the outage.</param>
internal sealed record StorageOutage(DateTimeOffset StoppedAt, DateTimeOffset TrafficEndedAt, int Requests);
