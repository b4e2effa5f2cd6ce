using E2ePs.Contracts;
using E2ePs.Engine;
using E2ePs.Engine.Tests.Support;
using E2ePs.KubeEmulator;
using E2ePs.Tests.Support;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Diagnostics.Tests;

/// <summary>One emulator and a scratch repository shared by the diagnostics tests, with RBAC and Service helpers.</summary>
public sealed class DiagnosticsFixture() : EmulatedCluster("d")
{
    /// <summary>A kubeconfig for a restricted user of the emulator; RBAC objects decide what it may do.</summary>
    public string RestrictedKubeconfig(string user)
    {
        var token = Emulator.AddToken(user);
        var path = Path.Combine(RepositoryRoot, $"{user}-{Guid.NewGuid():N}.kubeconfig");
        File.WriteAllText(path, File.ReadAllText(Emulator.KubeconfigPath).Replace(Emulator.Token, token, StringComparison.Ordinal));
        return path;
    }

    /// <summary>Grants <paramref name="user"/> the rules in namespace <paramref name="ns"/>.</summary>
    public async Task GrantAsync(string ns, string user, params V1PolicyRule[] rules)
    {
        await Observer.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role { Metadata = new V1ObjectMeta { Name = user }, Rules = rules }, ns);
        await Observer.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = user },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = user },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = user, ApiGroup = "rbac.authorization.k8s.io" }],
        }, ns);
    }

    /// <summary>A Service with one port and an EndpointSlice of <paramref name="ready"/> ready and <paramref name="notReady"/> unready endpoints.</summary>
    public async Task<string> ServiceAsync(string ns, string name, int port, int ready, int notReady = 0)
    {
        var svc = await Observer.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = name }, Ports = [new V1ServicePort { Name = "http", Port = port, Protocol = "TCP" }] },
        }, ns);
        var endpoints = Enumerable.Range(0, ready + notReady).Select(i => new V1Endpoint
        {
            Addresses = [$"10.244.9.{i + 10}"],
            Conditions = new V1EndpointConditions { Ready = i < ready },
        }).ToList();
        await Observer.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = name + "-abcde", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = name } },
            AddressType = "IPv4",
            Endpoints = endpoints,
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = port, Protocol = "TCP" }],
        }, ns);
        return svc.Spec.ClusterIP;
    }

    /// <summary>Starts a job and waits until it has ended (or fails fast).</summary>
    public async Task<E2eRun> RunAsync(E2eJob job)
    {
        var started = await Engine.Cluster.StartAsync(new StartJobRequest { Target = Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);
        E2eRun? finished = null;
        await foreach (var update in Engine.Cluster.WaitAsync([started], new WaitOptions { Timeout = TimeSpan.FromSeconds(30) }, CancellationToken.None))
        {
            finished = update.Finished ?? finished;
        }

        return finished ?? started;
    }

    /// <summary>The probe Jobs left in a namespace.</summary>
    public async Task<IList<V1Job>> ProbeJobsAsync(string ns) =>
        (await Observer.BatchV1.ListNamespacedJobAsync(ns, labelSelector: "app.kubernetes.io/component=dns-probe")).Items;

    /// <summary>The probe pods left in a namespace.</summary>
    public async Task<IList<V1Pod>> ProbePodsAsync(string ns) =>
        (await Observer.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app.kubernetes.io/component=dns-probe")).Items;
}

[CollectionDefinition(Name)]
public sealed class DiagnosticsCollection : ICollectionFixture<DiagnosticsFixture>
{
    public const string Name = "diagnostics";
}
