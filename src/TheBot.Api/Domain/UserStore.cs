using System.Data.Common;
using Dapper;
using TheBot.Api.Data;

namespace TheBot.Api.Domain;

/// <summary>Users: the minimum the rest needs (senders, students, teachers, payers). Single users are read through the cache.</summary>
public sealed class UserStore(DbDataSource db, ReadThroughCache cache)
{
    private const string Columns = "id AS Id, name AS Name, email AS Email, role AS Role, created_at AS CreatedAt";

    public async Task<User> CreateAsync(string name, string email, string role, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<User>(new CommandDefinition(
            $"INSERT INTO users (name, email, role) VALUES (@name, @email, @role) RETURNING {Columns}",
            new { name, email, role }, cancellationToken: cancellationToken));
    }

    public Task<User?> GetAsync(long id, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync($"users:{id}", async ct =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
                $"SELECT {Columns} FROM users WHERE id = @id", new { id }, cancellationToken: ct));
        }, cancellationToken);

    public async Task<IReadOnlyList<User>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<User>(new CommandDefinition(
            $"SELECT {Columns} FROM users ORDER BY id LIMIT @limit", new { limit }, cancellationToken: cancellationToken))];
    }

    public async Task<IReadOnlyList<Notification>> NotificationsAsync(long userId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<Notification>(new CommandDefinition(
            "SELECT id AS Id, user_id AS UserId, body AS Body, created_at AS CreatedAt FROM notifications WHERE user_id = @userId ORDER BY id DESC LIMIT @limit",
            new { userId, limit }, cancellationToken: cancellationToken))];
    }

    public async Task AddNotificationAsync(long userId, string body, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO notifications (user_id, body) VALUES (@userId, @body)", new { userId, body }, cancellationToken: cancellationToken));
    }
}
