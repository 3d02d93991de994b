namespace TheBot.Hosting;

/// <summary>Limits every THE_BOT service applies to requests (section <c>Limits</c>).</summary>
public sealed class RequestLimitsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Limits";

    /// <summary>Largest request body accepted; larger ones are answered 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
