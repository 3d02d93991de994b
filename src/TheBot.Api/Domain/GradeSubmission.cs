using TheBot.Api.Jobs;

namespace TheBot.Api.Domain;

/// <summary>Grade a submission, then notify its student.</summary>
public sealed record GradeSubmission(long SubmissionId) : JobRequest
{
    public override string TaskName => "grade_submission";
}
