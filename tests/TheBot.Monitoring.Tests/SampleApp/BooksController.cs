using Microsoft.AspNetCore.Mvc;

namespace TheBot.Monitoring.Tests.SampleApp;

/// <summary>The sample app's controller half (its loans are minimal APIs): attribute routes, EF Core underneath.</summary>
[ApiController]
[Route("api/books")]
public sealed class BooksController(LendingContext db) : ControllerBase
{
    [HttpGet("{id:int}")]
    public async Task<ActionResult<Book>> Get(int id) => await db.Books.FindAsync(id) is { } book ? book : NotFound();

    [HttpPost]
    public async Task<ActionResult<Book>> Create(Book book)
    {
        db.Books.Add(book);
        await db.SaveChangesAsync();
        return CreatedAtAction(nameof(Get), new { id = book.Id }, book);
    }
}
