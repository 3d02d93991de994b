namespace TheBot.Api.Chat;

/// <summary>Chat settings (section <c>Chat</c>).</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>Longest message text, in characters.</summary>
    public int MaxMessageLength { get; set; } = 2000;

    /// <summary>Largest WebSocket frame sequence accepted for one message, in bytes.</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024;
}
