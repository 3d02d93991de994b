using System.Data.Common;
using Dapper;
using TheBot.Api.Data;

namespace TheBot.Api.Domain;

/// <summary>Courses; the catalogue and single courses are read through the cache and invalidated on writes.</summary>
public sealed class CourseStore(DbDataSource db, ReadThroughCache cache)
{
    public const string CatalogueKey = "courses:all";
    private const string Columns = "id AS Id, title AS Title, description AS Description, teacher_id AS TeacherId, created_at AS CreatedAt";

    public async Task<Course> CreateAsync(string title, string description, long teacherId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var course = await connection.QuerySingleAsync<Course>(new CommandDefinition(
            $"INSERT INTO courses (title, description, teacher_id) VALUES (@title, @description, @teacherId) RETURNING {Columns}",
            new { title, description, teacherId }, cancellationToken: cancellationToken));
        await cache.InvalidateAsync(CatalogueKey, cancellationToken);
        return course;
    }

    public Task<Course?> GetAsync(long id, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync($"courses:{id}", async ct =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            return await connection.QuerySingleOrDefaultAsync<Course>(new CommandDefinition(
                $"SELECT {Columns} FROM courses WHERE id = @id", new { id }, cancellationToken: ct));
        }, cancellationToken);

    public async Task<IReadOnlyList<Course>> ListAsync(CancellationToken cancellationToken) =>
        await cache.GetOrLoadAsync<Course[]>(CatalogueKey, async ct =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            return [.. await connection.QueryAsync<Course>(new CommandDefinition(
                $"SELECT {Columns} FROM courses ORDER BY id LIMIT 500", cancellationToken: ct))];
        }, cancellationToken) ?? [];
}
