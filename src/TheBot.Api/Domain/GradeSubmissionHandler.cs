using TheBot.Api.Jobs;

namespace TheBot.Api.Domain;

/// <summary>Grades a submission, then queues the student's notification.</summary>
public sealed class GradeSubmissionHandler(AssignmentService assignments, JobQueue jobs) : JobHandler<GradeSubmission>
{
    protected override async Task HandleAsync(GradeSubmission job, CancellationToken cancellationToken)
    {
        if (await assignments.GradeAsync(job.SubmissionId, cancellationToken) is { } graded)
        {
            jobs.Enqueue(new SendNotification(graded.StudentId, $"Submission {job.SubmissionId} graded: {graded.Grade}/100."));
        }
    }
}
