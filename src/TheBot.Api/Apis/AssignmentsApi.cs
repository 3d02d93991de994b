using Microsoft.AspNetCore.Http.HttpResults;
using TheBot.Api.Domain;

namespace TheBot.Api.Apis;

public sealed record SubmitRequest(long? StudentId, string? Content);

public static class AssignmentsApi
{
    public static IEndpointRouteBuilder MapAssignmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Assignments");
        api.MapGet("/assignments/{id}", GetAsync);
        api.MapPost("/assignments/{id}/close", CloseAsync);
        api.MapPost("/assignments/{id}/submissions", SubmitAsync);
        api.MapGet("/assignments/{id}/submissions", ListSubmissionsAsync);
        api.MapGet("/submissions/{id}", GetSubmissionAsync);
        return app;
    }

    public static async Task<Results<Ok<Assignment>, ProblemHttpResult>> GetAsync(long id, AssignmentService assignments, CancellationToken ct) =>
        await assignments.GetAsync(id, ct) is { } assignment ? TypedResults.Ok(assignment) : ApiResults.NotFound("Assignment", id);

    public static async Task<Results<Ok<Assignment>, ProblemHttpResult>> CloseAsync(long id, AssignmentService assignments, CancellationToken ct) =>
        await assignments.CloseAsync(id, ct) is { } assignment ? TypedResults.Ok(assignment) : ApiResults.NotFound("Assignment", id);

    /// <summary>201 for accepted and late submissions; 422 problem details (naming the stored submission) for rejected ones.</summary>
    public static async Task<Results<Created<Submission>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        long id, SubmitRequest request, AssignmentService assignments, UserStore users, CancellationToken ct)
    {
        var validation = new Validation()
            .Id(request.StudentId, "studentId")
            .Require(request.Content is not null, "content", "content is required (an empty string is accepted and rejected as empty).")
            .Require(request.Content is null || request.Content.Length <= 200_000, "content", "content must be at most 200000 characters.")
            .Printable(request.Content, "content", multiline: true);
        if (!validation.IsValid)
        {
            return validation.Result;
        }

        var assignment = await assignments.GetAsync(id, ct);
        if (assignment is null)
        {
            return ApiResults.NotFound("Assignment", id);
        }

        if (await users.GetAsync(request.StudentId!.Value, ct) is null)
        {
            return ApiResults.NotFound("Student", request.StudentId.Value);
        }

        var submission = await assignments.SubmitAsync(assignment, request.StudentId.Value, request.Content!, ct);
        return submission.Status == "rejected"
            ? ApiResults.Problem(StatusCodes.Status422UnprocessableEntity, "Submission rejected", submission.Reason ?? "rejected",
                new Dictionary<string, object?> { ["submissionId"] = submission.Id, ["submissionStatus"] = submission.Status })
            : TypedResults.Created($"/api/submissions/{submission.Id}", submission);
    }

    public static async Task<Results<Ok<IReadOnlyList<Submission>>, ProblemHttpResult>> ListSubmissionsAsync(long id, AssignmentService assignments, CancellationToken ct) =>
        await assignments.GetAsync(id, ct) is null ? ApiResults.NotFound("Assignment", id) : TypedResults.Ok(await assignments.ListSubmissionsAsync(id, ct));

    public static async Task<Results<Ok<Submission>, ProblemHttpResult>> GetSubmissionAsync(long id, AssignmentService assignments, CancellationToken ct) =>
        await assignments.GetSubmissionAsync(id, ct) is { } submission ? TypedResults.Ok(submission) : ApiResults.NotFound("Submission", id);
}
