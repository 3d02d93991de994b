using System.Data.Common;
using Dapper;
using TheBot.Api.Jobs;
using TheBot.Api.Metrics;

namespace TheBot.Api.Domain;

/// <summary>
/// Assignments and their submissions. A submission is <c>accepted</c> before the due date, <c>late</c> after it, and
/// <c>rejected</c> (stored with the reason) when the content is empty or longer than the assignment allows, or the
/// assignment is closed. Every submission is counted (<c>thebot_assignments_submitted_total</c>); accepted and late
/// ones are queued for grading.
/// </summary>
public sealed class AssignmentService(DbDataSource db, BusinessMetrics metrics, JobQueue jobs, TimeProvider clock)
{
    private const string Columns = "id AS Id, course_id AS CourseId, title AS Title, due_at AS DueAt, max_length AS MaxLength, closed AS Closed, created_at AS CreatedAt";
    private const string SubmissionColumns = "id AS Id, assignment_id AS AssignmentId, student_id AS StudentId, status AS Status, reason AS Reason, grade AS Grade, submitted_at AS SubmittedAt, graded_at AS GradedAt";

    public async Task<Assignment> CreateAsync(long courseId, string title, DateTimeOffset dueAt, int maxLength, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<Assignment>(new CommandDefinition(
            $"INSERT INTO assignments (course_id, title, due_at, max_length) VALUES (@courseId, @title, @dueAt, @maxLength) RETURNING {Columns}",
            new { courseId, title, dueAt = dueAt.UtcDateTime, maxLength }, cancellationToken: cancellationToken));
    }

    public async Task<Assignment?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Assignment>(new CommandDefinition(
            $"SELECT {Columns} FROM assignments WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<Assignment>> ListForCourseAsync(long courseId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<Assignment>(new CommandDefinition(
            $"SELECT {Columns} FROM assignments WHERE course_id = @courseId ORDER BY id", new { courseId }, cancellationToken: cancellationToken))];
    }

    public async Task<Assignment?> CloseAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Assignment>(new CommandDefinition(
            $"UPDATE assignments SET closed = true WHERE id = @id RETURNING {Columns}", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<Submission> SubmitAsync(Assignment assignment, long studentId, string content, CancellationToken cancellationToken)
    {
        var (status, reason) = Judge(assignment, content, clock.GetUtcNow());
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var submission = await connection.QuerySingleAsync<Submission>(new CommandDefinition(
            $"INSERT INTO submissions (assignment_id, student_id, content, status, reason) VALUES (@assignmentId, @studentId, @content, @status, @reason) RETURNING {SubmissionColumns}",
            new { assignmentId = assignment.Id, studentId, content, status = Label(status), reason }, cancellationToken: cancellationToken));
        metrics.AssignmentSubmitted(status);
        if (status != SubmissionStatus.Rejected)
        {
            jobs.Enqueue(new GradeSubmission(submission.Id));
        }

        return submission;
    }

    public async Task<Submission?> GetSubmissionAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Submission>(new CommandDefinition(
            $"SELECT {SubmissionColumns} FROM submissions WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<Submission>> ListSubmissionsAsync(long assignmentId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<Submission>(new CommandDefinition(
            $"SELECT {SubmissionColumns} FROM submissions WHERE assignment_id = @assignmentId ORDER BY id", new { assignmentId }, cancellationToken: cancellationToken))];
    }

    /// <summary>Grades a submission (a deterministic stand-in for a real grader) and returns its student, or null when already graded.</summary>
    public async Task<(long StudentId, int Grade)?> GradeAsync(long submissionId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long StudentId, string Status, string Content)>(new CommandDefinition(
            "SELECT student_id, status, content FROM submissions WHERE id = @submissionId AND grade IS NULL", new { submissionId }, cancellationToken: cancellationToken));
        if (row == default)
        {
            return null;
        }

        var words = row.Content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        var grade = Math.Clamp(50 + (words * 5), 0, 100) - (row.Status == "late" ? 20 : 0);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE submissions SET grade = @grade, graded_at = now() WHERE id = @submissionId", new { grade, submissionId }, cancellationToken: cancellationToken));
        return (row.StudentId, grade);
    }

    public static (SubmissionStatus Status, string? Reason) Judge(Assignment assignment, string content, DateTimeOffset now)
    {
        if (assignment.Closed)
        {
            return (SubmissionStatus.Rejected, "the assignment is closed");
        }

        if (string.IsNullOrWhiteSpace(content))
        {
            return (SubmissionStatus.Rejected, "the content is empty");
        }

        if (content.Length > assignment.MaxLength)
        {
            return (SubmissionStatus.Rejected, $"the content is longer than {assignment.MaxLength} characters");
        }

        var due = new DateTimeOffset(DateTime.SpecifyKind(assignment.DueAt, DateTimeKind.Utc));
        return (now > due ? SubmissionStatus.Late : SubmissionStatus.Accepted, null);
    }

    public static string Label(SubmissionStatus status) => status switch
    {
        SubmissionStatus.Accepted => "accepted",
        SubmissionStatus.Late => "late",
        _ => "rejected",
    };
}
