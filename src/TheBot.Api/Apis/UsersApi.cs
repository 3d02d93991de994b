using Microsoft.AspNetCore.Http.HttpResults;
using TheBot.Api.Domain;

namespace TheBot.Api.Apis;

public sealed record CreateUserRequest(string? Name, string? Email, string? Role);

public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Users");
        api.MapPost("/users", CreateAsync);
        api.MapGet("/users", ListAsync);
        api.MapGet("/users/{id}", GetAsync);
        api.MapGet("/users/{id}/notifications", NotificationsAsync);
        return app;
    }

    public static async Task<Results<Created<User>, ValidationProblem>> CreateAsync(CreateUserRequest request, UserStore users, CancellationToken ct)
    {
        var validation = new Validation()
            .Text(request.Name, "name", 200)
            .Text(request.Email, "email", 320)
            .Require(request.Email is null || (request.Email.Contains('@') && !request.Email.Any(char.IsWhiteSpace)), "email", "email must be an address like name@example.org.")
            .Require(request.Role is null || Roles.All.Contains(request.Role), "role", $"role must be one of {string.Join(", ", Roles.All)}.");
        if (!validation.IsValid)
        {
            return validation.Result;
        }

        var user = await users.CreateAsync(request.Name!.Trim(), request.Email!.Trim().ToLowerInvariant(), request.Role ?? "student", ct);
        return TypedResults.Created($"/api/users/{user.Id}", user);
    }

    public static async Task<Results<Ok<IReadOnlyList<User>>, ValidationProblem>> ListAsync(UserStore users, CancellationToken ct, int limit = 100)
    {
        var validation = new Validation().Require(limit is >= 1 and <= 500, "limit", "limit must be 1 to 500.");
        return validation.IsValid ? TypedResults.Ok(await users.ListAsync(limit, ct)) : validation.Result;
    }

    public static async Task<Results<Ok<User>, ProblemHttpResult>> GetAsync(long id, UserStore users, CancellationToken ct) =>
        await users.GetAsync(id, ct) is { } user ? TypedResults.Ok(user) : ApiResults.NotFound("User", id);

    public static async Task<Results<Ok<IReadOnlyList<Notification>>, ProblemHttpResult>> NotificationsAsync(long id, UserStore users, CancellationToken ct) =>
        await users.GetAsync(id, ct) is null ? ApiResults.NotFound("User", id) : TypedResults.Ok(await users.NotificationsAsync(id, 100, ct));
}
