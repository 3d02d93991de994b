using Microsoft.EntityFrameworkCore;

namespace TheBot.Monitoring.Tests.SampleApp;

/// <summary>The sample app's own EF Core context, on SQLite.</summary>
public sealed class LendingContext(DbContextOptions<LendingContext> options) : DbContext(options)
{
    public DbSet<Book> Books => Set<Book>();

    public DbSet<Loan> Loans => Set<Loan>();
}
