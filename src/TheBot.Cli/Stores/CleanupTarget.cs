using TheBot.Stack;

namespace TheBot.Cli.Stores;

/// <summary>
/// One store <c>cleanup</c> deletes on — a Prometheus replica, or VictoriaMetrics in the HA topology — and what became
/// of it: the matching series counted before and left after, or why it was skipped or could not be reached.
/// </summary>
/// <param name="Service">Its service name (<c>prometheus</c>, <c>prometheus-b</c>, <c>victoriametrics</c>).</param>
/// <param name="Url">Base URL of its Prometheus-compatible API.</param>
/// <param name="Spec">Its process spec (the readiness probe that tells whether it answers).</param>
/// <param name="WholeSeriesOnly">
/// True for VictoriaMetrics: its <c>delete_series</c> takes no end time and deletes each matching series whole.
/// </param>
internal sealed record CleanupTarget(string Service, string Url, ProcessSpec Spec, bool WholeSeriesOnly)
{
    /// <summary>Matching series with samples at or before the end time, before the deletion; null when not counted.</summary>
    public int? MatchingSeries { get; set; }

    /// <summary>Matching series that still have samples at or before the end time after the deletion; null when none ran.</summary>
    public int? SeriesLeft { get; set; }

    /// <summary>
    /// <c>counted</c> (a dry run), <c>deleted</c>, <c>left</c> (series remain), <c>skipped</c> (left alone on
    /// purpose), <c>unreachable</c> or <c>failed</c>.
    /// </summary>
    public string State { get; set; } = "counted";

    /// <summary>Why it was skipped, unreachable, failed or has series left; null otherwise.</summary>
    public string? Reason { get; set; }

    /// <summary>The <c>fix:</c> line for <see cref="Reason"/>.</summary>
    public string? Fix { get; set; }

    /// <summary>False once it could not be reached or an admin call failed: nothing more is asked of it.</summary>
    public bool Usable => State is not ("unreachable" or "failed");

    /// <summary>Marks it unreachable or failed with <paramref name="reason"/> and <paramref name="fix"/>.</summary>
    public void Broken(string state, string reason, string fix) => (State, Reason, Fix) = (state, reason, fix);
}
