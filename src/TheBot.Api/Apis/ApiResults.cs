using Microsoft.AspNetCore.Http.HttpResults;

namespace TheBot.Api.Apis;

/// <summary>Problem-details answers shared by the API groups, and explicit validation.</summary>
public static class ApiResults
{
    public static ProblemHttpResult NotFound(string what, object id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"There is no {what.ToLowerInvariant()} with id {id}.");

    public static ProblemHttpResult Problem(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);
}

/// <summary>Collects field errors; <see cref="Result"/> is a 400 validation problem when there are any.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public ValidationProblem Result => TypedResults.ValidationProblem(
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: "Invalid request");

    public Validation Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            (_errors.TryGetValue(field, out var list) ? list : _errors[field] = []).Add(message);
        }

        return this;
    }

    public Validation Text(string? value, string field, int maxLength, bool required = true) =>
        value is null
            ? Require(!required, field, $"{field} is required.")
            : Require(!required || !string.IsNullOrWhiteSpace(value), field, $"{field} must not be empty.")
                .Require(value.Length <= maxLength, field, $"{field} must be at most {maxLength} characters.");

    public Validation Id(long? value, string field) =>
        Require(value is > 0, field, $"{field} is required and must be a positive id.");

    public Validation Body(object? body) => Require(body is not null, "body", "A JSON body is required.");
}
