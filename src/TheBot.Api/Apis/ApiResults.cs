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
