using E2ePs.Contracts;
using k8s.Models;

namespace E2ePs.Engine.Logs;

/// <summary>One answer, from every reader of a run (Get-E2eLog, Get-E2eResult), when the Job of that name is another run.</summary>
public static class RunIdentity
{
    /// <summary>Throws RunReplaced when <paramref name="uid"/> is given and is not <paramref name="job"/>'s.</summary>
    public static void EnsureSameRun(V1Job job, string? uid, string ns, string jobName)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!string.IsNullOrEmpty(uid) && job.Metadata?.Uid != uid)
        {
            throw new E2eException("RunReplaced", E2eErrorCategory.ObjectNotFound, jobName,
                $"The run of {ns}/{jobName} with uid {uid} is gone: the Job of that name is another run (uid {job.Metadata?.Uid}), and the old run's pods and log went with the old Job.")
            {
                RecommendedAction = $"Read the current run without -Uid (Get-E2eLog or Get-E2eResult -Name {jobName} -Namespace {ns}), or check the uid.",
            };
        }
    }
}
