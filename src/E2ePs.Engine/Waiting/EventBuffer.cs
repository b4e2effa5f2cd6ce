using k8s;
using k8s.Models;

namespace E2ePs.Engine.Waiting;

/// <summary>
/// The recent events of a namespace, by the UID of the object they are about. Events and the objects
/// they describe come on different watches, so an event about a pod may arrive before the pod does:
/// they are kept by UID and joined to a run when it is judged. An event updated in place (the recorder
/// folds repeats into one event and raises its count) replaces the older copy. Bounded, since a busy
/// namespace has events about many objects that are not ours.
/// </summary>
public sealed class EventBuffer
{
    /// <summary>Objects whose events are kept; the oldest object is forgotten first.</summary>
    public const int MaxObjects = 4096;

    /// <summary>Events kept per object; the oldest is forgotten first.</summary>
    public const int MaxEventsPerObject = 64;

    private readonly Dictionary<string, List<Corev1Event>> _byUid = new(StringComparer.Ordinal);
    private readonly Queue<string> _uidsInOrder = new();

    /// <summary>Records an event; returns the UID of the object it is about, or null when it has none.</summary>
    public string? Add(WatchEventType type, Corev1Event item)
    {
        if (item.InvolvedObject?.Uid is not { Length: > 0 } uid)
        {
            return null;
        }

        if (!_byUid.TryGetValue(uid, out var events))
        {
            if (type == WatchEventType.Deleted)
            {
                return uid;
            }

            events = [];
            _byUid[uid] = events;
            _uidsInOrder.Enqueue(uid);
            while (_uidsInOrder.Count > MaxObjects)
            {
                _byUid.Remove(_uidsInOrder.Dequeue());
            }
        }

        // An event's expiry (the API server's TTL, an hour by default) is no news about the run:
        // what the event said stays true of the moment it described.
        if (type == WatchEventType.Deleted)
        {
            return uid;
        }

        events.RemoveAll(e => e.Metadata?.Name == item.Metadata?.Name);
        events.Add(item);
        if (events.Count > MaxEventsPerObject)
        {
            events.RemoveAt(0);
        }

        return uid;
    }

    /// <summary>The events about any of <paramref name="uids"/>, in the order they were recorded.</summary>
    public List<Corev1Event> About(IEnumerable<string?> uids)
    {
        var found = new List<Corev1Event>();
        foreach (var uid in uids)
        {
            if (uid is not null && _byUid.TryGetValue(uid, out var events))
            {
                found.AddRange(events);
            }
        }

        return found;
    }
}
