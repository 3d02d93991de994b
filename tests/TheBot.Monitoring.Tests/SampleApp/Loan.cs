namespace TheBot.Monitoring.Tests.SampleApp;

/// <summary>A loan of the sample lending app (table <c>Loans</c>).</summary>
public sealed class Loan
{
    public int Id { get; set; }

    public int BookId { get; set; }

    public required string Borrower { get; set; }
}
