using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Platform;
using k8s;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// The connection factory, over HTTPS against the emulator: one client per kubeconfig and context,
/// reused; a new one when the kubeconfig file changes on disk; and the cache belongs to the factory, so
/// engines share clients only through a factory they were given.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ConnectionFactoryTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("e2eps-factory-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>A copy of the emulator's kubeconfig with a second context, "second", to the same cluster and user.</summary>
    private string KubeconfigWithTwoContexts()
    {
        var text = File.ReadAllText(cluster.Emulator.KubeconfigPath);
        // The emulator writes contexts last before current-context (KubeconfigWriter), so a list item fits here.
        var second = "- name: second\n  context:\n    cluster: emulator\n    user: emulator\n    namespace: second-ns\n";
        var path = Path.Combine(_scratch, Guid.NewGuid().ToString("N")[..8] + ".kubeconfig");
        File.WriteAllText(path, text.Replace("current-context: emulator\n", second + "current-context: emulator\n", StringComparison.Ordinal));
        return path;
    }

    private static async Task<IReadOnlyList<string>> NamespacesAsync(ClusterConnection connection)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var list = await connection.Client.CoreV1.ListNamespaceAsync(cancellationToken: limit.Token);
        return list.Items.Select(n => n.Metadata.Name).ToList();
    }

    [Fact]
    public async Task One_client_per_kubeconfig_and_context_is_reused()
    {
        var kubeconfig = KubeconfigWithTwoContexts();
        var factory = new ClusterConnectionFactory(SystemClock.Instance);

        var first = factory.Get(new ClusterTarget { Kubeconfig = kubeconfig, Context = "emulator" });
        var again = factory.Get(new ClusterTarget { Kubeconfig = kubeconfig, Context = "emulator", Namespace = "other" });
        var second = factory.Get(new ClusterTarget { Kubeconfig = kubeconfig, Context = "second" });

        Assert.Same(first, again);
        Assert.Same(first.Client, again.Client);
        Assert.NotSame(first, second);
        Assert.NotSame(first.Client, second.Client);
        Assert.Equal("emulator", first.Identity.Context);
        Assert.Equal("second", second.Identity.Context);
        Assert.Equal("second-ns", second.Identity.DefaultNamespace);
        // Both are live clients of the same cluster over HTTPS.
        Assert.Contains("default", await NamespacesAsync(first));
        Assert.Contains("default", await NamespacesAsync(second));
    }

    [Fact]
    public async Task A_kubeconfig_file_that_changed_gets_a_new_client()
    {
        var kubeconfig = KubeconfigWithTwoContexts();
        var factory = new ClusterConnectionFactory(SystemClock.Instance);
        var target = new ClusterTarget { Kubeconfig = kubeconfig };
        var before = factory.Get(target);
        Assert.Contains("default", await NamespacesAsync(before));

        // A refreshed token rewrites the file; its last write time is set explicitly, so the change is
        // seen whatever the file system's timestamp resolution.
        File.WriteAllText(kubeconfig, File.ReadAllText(kubeconfig));
        File.SetLastWriteTimeUtc(kubeconfig, File.GetLastWriteTimeUtc(kubeconfig).AddMinutes(1));
        var after = factory.Get(target);

        Assert.NotSame(before, after);
        Assert.NotSame(before.Client, after.Client);
        Assert.Same(after, factory.Get(target));
        Assert.Contains("default", await NamespacesAsync(after));
    }

    [Fact]
    public void Two_factories_share_no_client()
    {
        var target = cluster.Target();

        var one = new ClusterConnectionFactory(SystemClock.Instance).Get(target);
        var other = new ClusterConnectionFactory(SystemClock.Instance).Get(target);

        Assert.NotSame(one, other);
        Assert.NotSame(one.Client, other.Client);
    }

    [Fact]
    public void A_bad_context_is_an_error_and_does_not_stay_in_the_cache()
    {
        var kubeconfig = KubeconfigWithTwoContexts();
        var factory = new ClusterConnectionFactory(SystemClock.Instance);
        var target = new ClusterTarget { Kubeconfig = kubeconfig, Context = "third" };

        var error = Assert.Throws<E2eException>(() => factory.Get(target));
        Assert.Equal("ContextNotFound", error.ErrorId);

        // Once the context exists, the same target gets a client: the failure was not cached.
        File.WriteAllText(kubeconfig, File.ReadAllText(kubeconfig).Replace("name: second", "name: third", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(kubeconfig, File.GetLastWriteTimeUtc(kubeconfig).AddMinutes(1));
        Assert.Equal("third", factory.Get(target).Identity.Context);
    }

    [Fact]
    public void Engines_share_clients_only_through_the_factory_they_are_given()
    {
        var target = cluster.Target();
        var shared = new ClusterConnectionFactory(SystemClock.Instance);
        var own = new ClusterConnectionFactory(SystemClock.Instance);
        var first = new EngineEntry(shared, SystemClock.Instance);
        var second = new EngineEntry(shared, SystemClock.Instance);
        var third = new EngineEntry(own, SystemClock.Instance);

        var identity = first.Cluster.Resolve(target);

        // The engine's client is the one its factory handed out, and another engine given the same
        // factory gets the same one; an engine with a factory of its own does not.
        Assert.Same(shared.Get(target).Identity, identity);
        Assert.Same(identity, second.Cluster.Resolve(target));
        Assert.Same(own.Get(target).Identity, third.Cluster.Resolve(target));
        Assert.NotSame(identity, third.Cluster.Resolve(target));
        // Two engines built by the module's constructor share nothing either.
        Assert.NotSame(new EngineEntry().Cluster.Resolve(target), new EngineEntry().Cluster.Resolve(target));
    }

    [Fact]
    public async Task Disposing_the_factory_releases_its_clients_and_the_next_get_connects_anew()
    {
        var kubeconfig = KubeconfigWithTwoContexts();
        var factory = new ClusterConnectionFactory(SystemClock.Instance);
        var before = factory.Get(new ClusterTarget { Kubeconfig = kubeconfig, Context = "emulator" });
        Assert.Contains("default", await NamespacesAsync(before));

        factory.Dispose();

        // The released client cannot send any more (KubernetesClient drops its HTTP client on Dispose);
        // the factory makes a working new one rather than handing the dead one out again.
        await Assert.ThrowsAnyAsync<Exception>(() => NamespacesAsync(before));
        var after = factory.Get(new ClusterTarget { Kubeconfig = kubeconfig, Context = "emulator" });
        Assert.NotSame(before.Client, after.Client);
        Assert.Contains("default", await NamespacesAsync(after));
    }
}
