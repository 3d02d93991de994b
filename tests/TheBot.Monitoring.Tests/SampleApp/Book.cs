namespace TheBot.Monitoring.Tests.SampleApp;

/// <summary>A book of the sample lending app (table <c>Books</c>).</summary>
public sealed class Book
{
    public int Id { get; set; }

    public required string Title { get; set; }
}
