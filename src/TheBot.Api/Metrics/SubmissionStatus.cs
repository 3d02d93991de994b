namespace TheBot.Api.Metrics;

/// <summary>Outcome of an assignment submission.</summary>
public enum SubmissionStatus
{
    /// <summary>Accepted on time.</summary>
    Accepted,

    /// <summary>Accepted after the deadline.</summary>
    Late,

    /// <summary>Refused.</summary>
    Rejected,
}
