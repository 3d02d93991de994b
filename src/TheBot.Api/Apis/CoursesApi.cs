using Microsoft.AspNetCore.Http.HttpResults;
using TheBot.Api.Domain;

namespace TheBot.Api.Apis;

public sealed record CreateCourseRequest(string? Title, string? Description, long? TeacherId);

public sealed record CreateAssignmentRequest(string? Title, DateTimeOffset? DueAt, int? MaxLength);

public static class CoursesApi
{
    public static IEndpointRouteBuilder MapCoursesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Courses");
        api.MapPost("/courses", CreateAsync);
        api.MapGet("/courses", ListAsync);
        api.MapGet("/courses/{id}", GetAsync);
        api.MapPost("/courses/{id}/assignments", CreateAssignmentAsync);
        api.MapGet("/courses/{id}/assignments", ListAssignmentsAsync);
        return app;
    }

    public static async Task<Results<Created<Course>, ValidationProblem>> CreateAsync(CreateCourseRequest request, CourseStore courses, UserStore users, CancellationToken ct)
    {
        var validation = new Validation()
            .Text(request.Title, "title", 200)
            .Text(request.Description, "description", 4000, required: false, multiline: true)
            .Id(request.TeacherId, "teacherId");
        if (validation.IsValid)
        {
            var teacher = await users.GetAsync(request.TeacherId!.Value, ct);
            validation.Require(teacher is { Role: "teacher" or "admin" }, "teacherId", "teacherId must be an existing teacher or admin.");
        }

        if (!validation.IsValid)
        {
            return validation.Result;
        }

        var course = await courses.CreateAsync(request.Title!.Trim(), request.Description?.Trim() ?? string.Empty, request.TeacherId!.Value, ct);
        return TypedResults.Created($"/api/courses/{course.Id}", course);
    }

    public static async Task<Ok<IReadOnlyList<Course>>> ListAsync(CourseStore courses, CancellationToken ct) => TypedResults.Ok(await courses.ListAsync(ct));

    public static async Task<Results<Ok<Course>, ProblemHttpResult>> GetAsync(long id, CourseStore courses, CancellationToken ct) =>
        await courses.GetAsync(id, ct) is { } course ? TypedResults.Ok(course) : ApiResults.NotFound("Course", id);

    public static async Task<Results<Created<Assignment>, ValidationProblem, ProblemHttpResult>> CreateAssignmentAsync(
        long id, CreateAssignmentRequest request, CourseStore courses, AssignmentService assignments, CancellationToken ct)
    {
        var validation = new Validation()
            .Text(request.Title, "title", 200)
            .Require(request.DueAt is not null, "dueAt", "dueAt is required (ISO 8601, e.g. 2030-01-31T23:59:00Z).")
            .Require(request.MaxLength is null or (>= 1 and <= 100_000), "maxLength", "maxLength must be 1 to 100000.");
        if (!validation.IsValid)
        {
            return validation.Result;
        }

        if (await courses.GetAsync(id, ct) is null)
        {
            return ApiResults.NotFound("Course", id);
        }

        var assignment = await assignments.CreateAsync(id, request.Title!.Trim(), request.DueAt!.Value, request.MaxLength ?? 10_000, ct);
        return TypedResults.Created($"/api/assignments/{assignment.Id}", assignment);
    }

    public static async Task<Results<Ok<IReadOnlyList<Assignment>>, ProblemHttpResult>> ListAssignmentsAsync(long id, CourseStore courses, AssignmentService assignments, CancellationToken ct) =>
        await courses.GetAsync(id, ct) is null ? ApiResults.NotFound("Course", id) : TypedResults.Ok(await assignments.ListForCourseAsync(id, ct));
}
