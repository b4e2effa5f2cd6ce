using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// Writes core/v1 Events as kubelet, scheduler and job controller do: "&lt;object&gt;.&lt;hex&gt;" names,
/// repeated events folded into one with a growing count and lastTimestamp.
/// </summary>
internal sealed class EventRecorder(ObjectStore store)
{
    private readonly Dictionary<string, string> _byFingerprint = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _lastNanos;

    /// <summary>
    /// A new event's name as client-go makes it, "&lt;object&gt;.&lt;UnixNano in hex&gt;", so listing by name is listing by
    /// time; strictly increasing, so two events of one moment never share a name.
    /// </summary>
    private string NewName(StoredObject involved, DateTimeOffset now)
    {
        long nanos;
        lock (_lock)
        {
            nanos = _lastNanos = Math.Max(_lastNanos + 1, (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100);
        }

        return involved.Name + "." + nanos.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Record(StoredObject involved, string type, string reason, string message, string component, string? host = null, string? fieldPath = null, string? action = null)
    {
        if (involved.Namespace is null && involved.Type.Namespaced)
        {
            return;
        }

        var ns = involved.Namespace ?? "default";
        var fingerprint = string.Join('\u0001', involved.Uid, type, reason, message, component, fieldPath ?? "");
        var now = DateTimeOffset.UtcNow;
        string? existing;
        lock (_lock)
        {
            _byFingerprint.TryGetValue(fingerprint, out existing);
        }

        if (existing is not null)
        {
            var updated = store.Mutate(ResourceCatalog.Events, ns, existing, e =>
            {
                e["count"] = (e.Num("count") ?? 1) + 1;
                e["lastTimestamp"] = JsonDefaults.Time(now);
                return true;
            });
            if (updated is not null)
            {
                return;
            }
        }

        var name = NewName(involved, now);
        var involvedObject = new JsonObject
        {
            ["kind"] = involved.Type.Kind,
            ["namespace"] = involved.Namespace,
            ["name"] = involved.Name,
            ["uid"] = involved.Uid,
            ["apiVersion"] = involved.Type.ApiVersion,
            ["resourceVersion"] = involved.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (fieldPath is not null)
        {
            involvedObject["fieldPath"] = fieldPath;
        }

        var source = new JsonObject { ["component"] = component };
        if (host is not null)
        {
            source["host"] = host;
        }

        var ev = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["involvedObject"] = involvedObject,
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = source,
            ["firstTimestamp"] = JsonDefaults.Time(now),
            ["lastTimestamp"] = JsonDefaults.Time(now),
            ["count"] = 1,
            ["type"] = type,
            ["eventTime"] = null,
            ["reportingComponent"] = component,
            ["reportingInstance"] = host ?? "",
        };
        if (action is not null)
        {
            ev["action"] = action;
        }

        try
        {
            store.Create(ResourceCatalog.Events, ev, dryRun: false);
            lock (_lock)
            {
                _byFingerprint[fingerprint] = name;
            }
        }
        catch (Http.ApiError)
        {
            // The namespace is going away; events are best effort, as in a real cluster.
        }
    }

    /// <summary>
    /// An event as the events.k8s.io/v1 recorder writes it, which kube-scheduler uses (kubernetes/kubernetes,
    /// staging/src/k8s.io/client-go/tools/events/event_recorder.go makeEvent and event_broadcaster.go): eventTime
    /// (microseconds) set, the legacy firstTimestamp, lastTimestamp and count empty, reportingController and
    /// reportingInstance ("&lt;controller&gt;-&lt;host&gt;"), and a repeat folded into <c>series</c> {count, lastObservedTime}
    /// instead of count. Stored in the core shape, as the API server stores it.
    /// </summary>
    public void RecordEventsV1(StoredObject involved, string type, string reason, string message, string controller, string action)
    {
        if (involved.Namespace is null && involved.Type.Namespaced)
        {
            return;
        }

        var ns = involved.Namespace ?? "default";
        var fingerprint = string.Join('\u0001', "v1", involved.Uid, type, reason, message, controller, action);
        var now = DateTimeOffset.UtcNow;
        var micro = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        string? existing;
        lock (_lock)
        {
            _byFingerprint.TryGetValue(fingerprint, out existing);
        }

        if (existing is not null && store.Mutate(ResourceCatalog.Events, ns, existing, e =>
            {
                var count = (e["series"]?["count"]?.GetValue<long>() ?? 1) + 1;
                e["series"] = new JsonObject { ["count"] = count, ["lastObservedTime"] = micro };
                return true;
            }) is not null)
        {
            return;
        }

        var name = NewName(involved, now);
        var ev = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["involvedObject"] = new JsonObject
            {
                ["kind"] = involved.Type.Kind,
                ["namespace"] = involved.Namespace,
                ["name"] = involved.Name,
                ["uid"] = involved.Uid,
                ["apiVersion"] = involved.Type.ApiVersion,
                ["resourceVersion"] = involved.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = new JsonObject(),
            ["firstTimestamp"] = null,
            ["lastTimestamp"] = null,
            ["type"] = type,
            ["eventTime"] = micro,
            ["action"] = action,
            ["reportingComponent"] = controller,
            ["reportingInstance"] = controller + "-emulator-control-plane",
        };
        try
        {
            store.Create(ResourceCatalog.Events, ev, dryRun: false);
            lock (_lock)
            {
                _byFingerprint[fingerprint] = name;
            }
        }
        catch (Http.ApiError)
        {
            // The namespace is going away; events are best effort.
        }
    }

    public void Forget(string uid)
    {
        lock (_lock)
        {
            foreach (var key in _byFingerprint.Keys.Where(k => k.StartsWith(uid, StringComparison.Ordinal)).ToList())
            {
                _byFingerprint.Remove(key);
            }
        }
    }
}
