using E2ePs.Engine.Tests.Fixtures;
using E2ePs.Engine.Waiting;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Tests.Waiting;

/// <summary>The waiter's buffer of a namespace's events, over recorded events (Fixtures/events.json).</summary>
public sealed class EventBufferTests
{
    [Fact]
    public void Events_are_found_by_the_uid_of_the_object_they_are_about()
    {
        var buffer = new EventBuffer();
        var quota = Recorded.Event("job-failed-create-quota");
        var mount = Recorded.Event("pod-failed-mount");
        var other = Recorded.Event("job-failed-create-other-job");

        Assert.Equal(quota.InvolvedObject.Uid, buffer.Add(WatchEventType.Added, quota));
        buffer.Add(WatchEventType.Added, mount);
        buffer.Add(WatchEventType.Added, other);

        Assert.Equal([quota.Metadata.Name], buffer.About([quota.InvolvedObject.Uid]).Select(e => e.Metadata.Name));
        Assert.Equal([quota.Metadata.Name, mount.Metadata.Name], buffer.About([quota.InvolvedObject.Uid, null, mount.InvolvedObject.Uid]).Select(e => e.Metadata.Name));
        Assert.Empty(buffer.About(["no-such-uid"]));
    }

    [Fact]
    public void A_folded_repeat_replaces_the_older_copy_of_its_event()
    {
        var buffer = new EventBuffer();
        var first = Recorded.Event("pod-failed-mount");
        var repeat = Recorded.Event("pod-failed-mount");
        repeat.Count = (first.Count ?? 1) + 1;
        repeat.Metadata.ResourceVersion = "99999";

        buffer.Add(WatchEventType.Added, first);
        buffer.Add(WatchEventType.Modified, repeat);

        var kept = Assert.Single(buffer.About([first.InvolvedObject.Uid]));
        Assert.Equal(repeat.Count, kept.Count);
    }

    [Fact]
    public void An_expired_event_still_tells_what_it_told()
    {
        var buffer = new EventBuffer();
        var quota = Recorded.Event("job-failed-create-quota");
        buffer.Add(WatchEventType.Added, quota);

        buffer.Add(WatchEventType.Deleted, quota);

        Assert.Single(buffer.About([quota.InvolvedObject.Uid]));
    }

    [Fact]
    public void An_event_without_an_involved_uid_is_not_kept()
    {
        var buffer = new EventBuffer();
        var orphan = Recorded.Event("pod-scheduled");
        orphan.InvolvedObject.Uid = null;

        Assert.Null(buffer.Add(WatchEventType.Added, orphan));
    }

    [Fact]
    public void The_buffer_is_bounded_per_object_and_in_objects()
    {
        var buffer = new EventBuffer();
        var template = Recorded.Event("pod-failed-scheduling");
        for (var i = 0; i < EventBuffer.MaxEventsPerObject + 10; i++)
        {
            buffer.Add(WatchEventType.Added, Copy(template, $"pod-x.{i:x}", template.InvolvedObject.Uid));
        }

        var kept = buffer.About([template.InvolvedObject.Uid]);
        Assert.Equal(EventBuffer.MaxEventsPerObject, kept.Count);
        Assert.Equal($"pod-x.{EventBuffer.MaxEventsPerObject + 9:x}", kept[^1].Metadata.Name);

        for (var i = 0; i < EventBuffer.MaxObjects; i++)
        {
            buffer.Add(WatchEventType.Added, Copy(template, $"other.{i:x}", $"uid-{i}"));
        }

        Assert.Empty(buffer.About([template.InvolvedObject.Uid]));
        Assert.Single(buffer.About([$"uid-{EventBuffer.MaxObjects - 1}"]));
    }

    private static Corev1Event Copy(Corev1Event template, string name, string uid)
    {
        var copy = KubernetesJson.Deserialize<Corev1Event>(KubernetesJson.Serialize(template));
        copy.Metadata.Name = name;
        copy.InvolvedObject.Uid = uid;
        return copy;
    }
}
