using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Http;
using E2ePs.KubeEmulator.Kubelet;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// The Job controller (Kubernetes 1.31+ behaviour): creates pods up to parallelism, retries failed pods up to backoffLimit,
/// enforces activeDeadlineSeconds, counts finished pods (a deleted unfinished pod counts as failed, as with the
/// job-tracking finalizer), sets SuccessCriteriaMet/Complete or FailureTarget/Failed, and deletes finished jobs after
/// ttlSecondsAfterFinished. Runs on the simulation thread. Its pod expectations are keyed by namespace/name
/// as upstream's (<see cref="JobExpectations"/>; off with EmulatorOptions.SameNameJobExpectations = false).
/// </summary>
internal sealed partial class JobController(Cluster cluster)
{
    private sealed class JobState
    {
        public HashSet<string> Counted { get; } = new(StringComparer.Ordinal);

        public int PodsCreated { get; set; }

        public bool DeadlineScheduled { get; set; }

        public bool TtlScheduled { get; set; }

        public bool ReconcileQueued { get; set; }

        /// <summary>Syncs in a row whose pod creates were refused: the exponent of the API back-off.</summary>
        public int CreateFailures { get; set; }
    }

    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private readonly Dictionary<string, JobState> _jobs = new(StringComparer.Ordinal);
    private readonly JobExpectations? _expectations = cluster.Options.SameNameJobExpectations ? new JobExpectations(cluster.Options.JobExpectationsTimeout) : null;
    private readonly HashSet<string> _deletionObserved = new(StringComparer.Ordinal);

    public void OnJobEvent(StoreEvent e)
    {
        if (e.Type == "DELETED")
        {
            _jobs.Remove(e.Object.Uid);
            if (_expectations is { } expectations)
            {
                // Upstream's deleteJob only enqueues the key; the sync that follows drops the expectations only
                // when it finds no Job of that name. One re-created in between keeps them (#131917).
                var (ns, name) = (e.Object.Namespace!, e.Object.Name);
                cluster.Loop.Schedule(cluster.Step / 4, () =>
                {
                    if (cluster.Store.Get(ResourceCatalog.Jobs, ns, name) is null)
                    {
                        expectations.Forget(JobExpectations.Key(ns, name));
                    }
                });
            }

            return;
        }

        Queue(e.Object.Namespace!, e.Object.Name, e.Object.Uid);
    }

    public void OnPodEvent(StoreEvent e)
    {
        var owner = e.Object.Labels.GetValueOrDefault("batch.kubernetes.io/job-name");
        var uid = e.Object.Labels.GetValueOrDefault("batch.kubernetes.io/controller-uid");
        if (owner is null || uid is null)
        {
            return;
        }

        if (e.Type != "DELETED" && ReleaseOrphan(e.Object, owner, uid))
        {
            return;
        }

        if (_jobs.TryGetValue(uid, out var state))
        {
            var phase = e.Object.GetString("status.phase");
            if (e.Type == "DELETED" && phase is not ("Succeeded" or "Failed") && !state.Counted.Contains(e.Object.Uid))
            {
                // Removed before it finished: the real controller counts it as failed through its tracking finalizer.
                state.Counted.Add(e.Object.Uid);
                Count(e.Object.Namespace!, owner, succeeded: 0, failed: 1);
            }
        }

        ObserveExpectation(e, owner, uid);
        Queue(e.Object.Namespace!, owner, uid);
    }

    /// <summary>
    /// addPod/updatePod/deletePod upstream: a pod counts towards its Job's expectations only when its controller
    /// reference resolves, by name, to the Job that has the pod's controller uid now (resolveControllerRef).
    /// </summary>
    private void ObserveExpectation(StoreEvent e, string owner, string uid)
    {
        if (_expectations is not { } expectations)
        {
            return;
        }

        var pod = e.Object;
        var current = cluster.Store.Get(ResourceCatalog.Jobs, pod.Namespace!, owner);
        var resolves = current is not null && current.Uid == uid;
        var key = JobExpectations.Key(pod.Namespace!, owner);
        if (e.Type == "DELETED")
        {
            if (!_deletionObserved.Remove(pod.Uid) && resolves)
            {
                expectations.DeletionObserved(key);
            }

            return;
        }

        if (!resolves)
        {
            return;
        }

        if (pod.HasDeletionTimestamp)
        {
            // A graceful deletion counts when its deletionTimestamp is seen, not when the kubelet removes the pod.
            if (_deletionObserved.Add(pod.Uid))
            {
                expectations.DeletionObserved(key);
            }
        }
        else if (e.Type == "ADDED")
        {
            expectations.CreationObserved(key);
        }
    }

    private void Count(string ns, string name, int succeeded, int failed) =>
        cluster.Store.Mutate(ResourceCatalog.Jobs, ns, name, job =>
        {
            var status = job.Obj("status");
            if (succeeded > 0)
            {
                status["succeeded"] = (status.Num("succeeded") ?? 0) + succeeded;
            }

            if (failed > 0)
            {
                status["failed"] = (status.Num("failed") ?? 0) + failed;
            }

            return true;
        });

    /// <summary>Coalesces bursts of pod events into one reconcile a step later.</summary>
    private void Queue(string ns, string name, string uid)
    {
        var state = State(uid);
        if (state.ReconcileQueued)
        {
            return;
        }

        state.ReconcileQueued = true;
        cluster.Loop.Schedule(cluster.Step / 4, () =>
        {
            state.ReconcileQueued = false;
            Reconcile(ns, name, uid);
        });
    }

    private JobState State(string uid)
    {
        if (!_jobs.TryGetValue(uid, out var state))
        {
            state = new JobState();
            _jobs[uid] = state;
        }

        return state;
    }

    private void Reconcile(string ns, string name, string uid)
    {
        var job = cluster.Store.Get(ResourceCatalog.Jobs, ns, name);
        if (job is null || job.Uid != uid)
        {
            return;
        }

        var state = State(uid);
        var node = job.ToNode();
        var spec = node.Obj("spec");
        var status = node.Obj("status");
        var finished = HasCondition(status, "Complete") || HasCondition(status, "Failed");
        if (finished)
        {
            ReleaseTrackingFinalizers(cluster.Store.ListByIndexedLabel(ResourceCatalog.Pods, uid).Where(p => p.Namespace == ns), all: true);
            ScheduleTtl(job, spec, status, state);
            return;
        }

        var pods = cluster.Store.ListByIndexedLabel(ResourceCatalog.Pods, uid).Where(p => p.Namespace == ns).ToList();
        var (newlySucceeded, newlyFailed, failJobMessage) = CountFinished(pods, spec, state);

        state.PodsCreated = Math.Max(state.PodsCreated, pods.Count);
        var active = pods.Where(p => p.GetString("status.phase") is not ("Succeeded" or "Failed") && !p.HasDeletionTimestamp).ToList();
        var terminating = pods.Count(p => p.HasDeletionTimestamp && p.GetString("status.phase") is not ("Succeeded" or "Failed"));
        var ready = active.Count(p => PodStatus.IsTrue(p.ToNode()["status"], "Ready"));
        var succeeded = (status.Num("succeeded") ?? 0) + newlySucceeded;
        var failed = (status.Num("failed") ?? 0) + newlyFailed;
        var completions = spec.Num("completions") ?? 1;
        var parallelism = spec.Num("parallelism") ?? 1;
        var backoffLimit = spec.Num("backoffLimit") ?? 6;
        var suspended = spec.Flag("suspend");
        var now = DateTimeOffset.UtcNow;
        var nowText = JsonDefaults.Time(now);

        if (!suspended && status["startTime"] is null)
        {
            status["startTime"] = nowText;
        }

        var deadline = spec.Num("activeDeadlineSeconds");
        var startTime = status.Str("startTime") is { } st ? DateTimeOffset.Parse(st, CultureInfo.InvariantCulture) : now;
        if (deadline is not null && !state.DeadlineScheduled && !suspended)
        {
            state.DeadlineScheduled = true;
            var due = startTime + TimeSpan.FromSeconds(deadline.Value) - now;
            cluster.Loop.Schedule(due < TimeSpan.Zero ? TimeSpan.Zero : due + TimeSpan.FromMilliseconds(5), () => Queue(ns, name, uid));
        }

        string? failureReason = null;
        string? failureMessage = null;
        if (failJobMessage is not null)
        {
            failureReason = "PodFailurePolicy";
            failureMessage = failJobMessage;
        }
        else if (failed > backoffLimit || PastBackoffLimitOnFailure(spec, active, backoffLimit))
        {
            failureReason = "BackoffLimitExceeded";
            failureMessage = "Job has reached the specified backoff limit";
        }
        else if (deadline is not null && now - startTime >= TimeSpan.FromSeconds(deadline.Value))
        {
            failureReason = "DeadlineExceeded";
            failureMessage = "Job was active longer than specified deadline";
        }

        var target = HasCondition(status, "FailureTarget") || HasCondition(status, "SuccessCriteriaMet");
        if (failureReason is not null && !target)
        {
            SetJobCondition(status, "FailureTarget", failureReason, failureMessage!, nowText);
            if (active.Count > 0)
            {
                _expectations?.ExpectDeletions(JobExpectations.Key(ns, name), active.Count);
            }

            foreach (var p in active)
            {
                cluster.Deleter.DeletePodForController(p);
            }

            cluster.Events.Record(job, "Warning", failureReason, failureMessage!, "job-controller");
            target = true;
        }
        else if (failureReason is null && succeeded >= completions && !target)
        {
            SetJobCondition(status, "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", nowText);
            target = true;
        }
        else if (!target && !suspended && !job.HasDeletionTimestamp)
        {
            // podReplacementPolicy Failed (the default with a podFailurePolicy): a terminating pod is replaced only once
            // it has failed; TerminatingOrFailed replaces it at once (onlyReplaceFailedPods upstream).
            var want = Math.Min(parallelism, completions - succeeded) - active.Count - (OnlyReplaceFailedPods(spec) ? terminating : 0);
            var key = JobExpectations.Key(ns, name);
            if (want > 0 && _expectations is { } expectations && !expectations.Satisfied(key, now))
            {
                // manageJob is skipped while the expectations of the name are pending. Upstream syncs again
                // on the Job's next event or resync; here the sync comes when they expire.
                want = 0;
                var due = expectations.ExpiresAt(key) - now;
                cluster.Loop.Schedule((due < TimeSpan.Zero ? TimeSpan.Zero : due) + cluster.Step, () => Queue(ns, name, uid));
            }
            else if (want > 0)
            {
                _expectations?.ExpectCreations(key, (int)want);
            }

            var refused = false;
            for (var i = 0; i < want; i++)
            {
                if (!CreatePod(job, node, state))
                {
                    // A refused create is observed at once upstream, so it never blocks the next sync.
                    _expectations?.CreationObserved(key);
                    refused = true;
                }
            }

            RetryRefusedCreates(ns, name, uid, state, refused, want > 0);

            if (want > 0)
            {
                active = cluster.Store.ListByIndexedLabel(ResourceCatalog.Pods, uid).Where(p => p.Namespace == ns && !p.HasDeletionTimestamp && p.GetString("status.phase") is not ("Succeeded" or "Failed")).ToList();
            }
        }

        // Once the target condition is set and no pod is still running, the terminal condition follows.
        if (target && active.Count == 0 && terminating == 0)
        {
            if (HasCondition(status, "SuccessCriteriaMet"))
            {
                SetJobCondition(status, "Complete", "CompletionsReached", "Reached expected number of succeeded pods", nowText);
                status["completionTime"] = nowText;
                cluster.Events.Record(job, "Normal", "Completed", "Job completed", "job-controller");
            }
            else
            {
                var reason = Condition(status, "FailureTarget")?.Str("reason") ?? "BackoffLimitExceeded";
                var message = Condition(status, "FailureTarget")?.Str("message") ?? "";
                SetJobCondition(status, "Failed", reason, message, nowText);
            }
        }

        status["active"] = active.Count;
        status["ready"] = ready;
        status["terminating"] = terminating;
        status["uncountedTerminatedPods"] = new JsonObject();
        if (succeeded > 0 || status["succeeded"] is not null)
        {
            status["succeeded"] = succeeded;
        }

        if (failed > 0 || status["failed"] is not null)
        {
            status["failed"] = failed;
        }

        if (active.Count == 0)
        {
            status.Remove("active");
        }

        var updated = cluster.Store.Mutate(ResourceCatalog.Jobs, ns, name, current =>
        {
            if (current.Obj("metadata").Str("uid") != uid)
            {
                return false;
            }

            current["status"] = status.DeepClone();
            return true;
        });
        if (updated is not null)
        {
            ReleaseTrackingFinalizers(pods, all: false, state);
        }

        if (updated is not null && (HasCondition(status, "Complete") || HasCondition(status, "Failed")))
        {
            ScheduleTtl(updated, spec, status, state);
        }

        if (target && (active.Count > 0 || terminating > 0))
        {
            cluster.Loop.Schedule(cluster.Step, () => Queue(ns, name, uid));
        }
    }

    /// <summary>With restartPolicy OnFailure, container restarts of active pods count against backoffLimit (as pastBackoffLimitOnFailure).</summary>
    private static bool PastBackoffLimitOnFailure(JsonObject spec, List<StoredObject> active, long backoffLimit)
    {
        if (spec.Obj("template").Obj("spec").Str("restartPolicy") != "OnFailure")
        {
            return false;
        }

        long restarts = 0;
        foreach (var pod in active)
        {
            if (!pod.Root.TryGetProperty("status", out var status))
            {
                continue;
            }

            foreach (var field in new[] { "initContainerStatuses", "containerStatuses" })
            {
                if (status.TryGetProperty(field, out var statuses))
                {
                    restarts += statuses.EnumerateArray().Sum(c => c.TryGetProperty("restartCount", out var r) ? r.GetInt64() : 0);
                }
            }
        }

        return backoffLimit == 0 ? restarts > 0 : restarts >= backoffLimit;
    }

    private void ScheduleTtl(StoredObject job, JsonObject spec, JsonObject status, JobState state)
    {
        var ttl = spec.Num("ttlSecondsAfterFinished");
        if (ttl is null || state.TtlScheduled)
        {
            return;
        }

        state.TtlScheduled = true;
        var finishedAt = (Condition(status, "Complete") ?? Condition(status, "Failed"))?.Str("lastTransitionTime");
        var finished = finishedAt is null ? DateTimeOffset.UtcNow : DateTimeOffset.Parse(finishedAt, CultureInfo.InvariantCulture);
        var due = finished + TimeSpan.FromSeconds(ttl.Value) - DateTimeOffset.UtcNow;
        cluster.Loop.Schedule(due < TimeSpan.Zero ? TimeSpan.Zero : due, () =>
        {
            try
            {
                cluster.Deleter.Delete(ResourceCatalog.Jobs, job.Namespace, job.Name, "Background", null, dryRun: false, job.Uid);
            }
            catch (ApiError)
            {
                // Already gone.
            }
        });
    }

    /// <summary>
    /// A sync whose pod creates were refused (admission, quota) ends in an error upstream, and syncJob's key goes back on the
    /// queue rate-limited: DefaultJobApiBackOff (1 s) doubled per failure up to MaxJobApiBackOff (1 min), forgotten after a
    /// sync without error (kubernetes/kubernetes pkg/controller/job/job_controller.go, processNextWorkItem). No condition is set.
    /// </summary>
    private void RetryRefusedCreates(string ns, string name, string uid, JobState state, bool refused, bool created)
    {
        if (!refused)
        {
            if (created)
            {
                state.CreateFailures = 0;
            }

            return;
        }

        var options = cluster.Options;
        var delay = options.JobApiBackOff * Math.Pow(2, Math.Min(state.CreateFailures, 30));
        state.CreateFailures++;
        cluster.Loop.Schedule(delay < options.JobApiMaxBackOff ? delay : options.JobApiMaxBackOff, () => Queue(ns, name, uid));
    }

    private bool CreatePod(StoredObject job, JsonObject jobNode, JobState state)
    {
        var template = jobNode.Obj("spec").Obj("template");
        var podName = job.Name + "-" + RandomSuffix();
        var meta = template["metadata"]?.DeepClone().AsObject() ?? new JsonObject();
        meta.Remove("creationTimestamp");
        meta["finalizers"] = new JsonArray(PodRemoval.JobTracking);
        meta["name"] = podName;
        meta["generateName"] = job.Name + "-";
        meta["namespace"] = job.Namespace;
        meta["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["name"] = job.Name,
            ["uid"] = job.Uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        });
        var pod = new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = meta,
            ["spec"] = template["spec"]!.DeepClone(),
        };
        var podSpec = pod.Obj("spec");
        podSpec.SetDefault("serviceAccountName", "default");
        podSpec["serviceAccount"] = podSpec.Str("serviceAccountName");
        podSpec.SetDefault("enableServiceLinks", true);
        podSpec.SetDefault("preemptionPolicy", "PreemptLowerPriority");
        podSpec.SetDefault("priority", 0);
        podSpec.SetDefault("tolerations", new JsonArray(
            new JsonObject { ["key"] = "node.kubernetes.io/not-ready", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 },
            new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 }));
        try
        {
            cluster.Defaults.OnCreate(ResourceCatalog.Pods, pod);
            cluster.Admission.Admit(ResourceCatalog.Pods, pod, create: true);
            cluster.Kubelet.PodAttempts[job.Namespace + "/" + podName] = state.PodsCreated;
            cluster.Store.Create(ResourceCatalog.Pods, pod, dryRun: false);
            state.PodsCreated++;
            var stored = cluster.Store.Get(ResourceCatalog.Jobs, job.Namespace, job.Name) ?? job;
            cluster.Events.Record(stored, "Normal", "SuccessfulCreate", $"Created pod: {podName}", "job-controller");
            return true;
        }
        catch (ApiError e)
        {
            cluster.Events.Record(job, "Warning", "FailedCreate", $"Error creating: {e.Message}", "job-controller");
            return false;
        }
    }

    private static string RandomSuffix()
    {
        Span<char> chars = stackalloc char[5];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    private static JsonObject? Condition(JsonObject status, string type) =>
        (status["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type && c.Str("status") == "True");

    private static bool HasCondition(JsonObject status, string type) => Condition(status, type) is not null;

    private static void SetJobCondition(JsonObject status, string type, string reason, string message, string now)
    {
        var conditions = status.Arr("conditions");
        conditions.Add(new JsonObject
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastProbeTime"] = now,
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = message,
        });
    }
}
