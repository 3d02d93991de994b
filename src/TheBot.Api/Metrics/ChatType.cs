namespace TheBot.Api.Metrics;

/// <summary>Kind of chat a message was sent in.</summary>
public enum ChatType
{
    /// <summary>One-to-one.</summary>
    Private,

    /// <summary>A group or course room.</summary>
    Group,
}
