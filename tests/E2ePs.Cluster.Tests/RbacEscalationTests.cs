using E2ePs.Contracts;
using k8s;
using k8s.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// A user who may write Roles but does not hold what the job's Role grants is stopped by the API server's
/// escalation check (pkg/registry/rbac/escalation_check.go): Start-E2eJob's dry run surfaces the 403 with the
/// server's own sentence, before anything is created.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RbacEscalationTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_dry_run_surfaces_the_escalation_403_with_the_servers_sentence_and_creates_nothing()
    {
        var ns = await cluster.NewNamespaceAsync();
        var job = cluster.Scaffold("escalate", ns, "registry.test/e2e/x:1");
        // A deployer who may write everything the manifest holds, but may not read pod logs itself.
        await cluster.Observer.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "deployer" },
            Rules =
            [
                new V1PolicyRule { ApiGroups = ["batch"], Resources = ["jobs"], Verbs = ["get", "list", "watch", "create", "patch", "delete"] },
                new V1PolicyRule { ApiGroups = [""], Resources = ["serviceaccounts", "pods", "events"], Verbs = ["get", "list", "watch", "create", "patch"] },
                new V1PolicyRule { ApiGroups = ["rbac.authorization.k8s.io"], Resources = ["roles", "rolebindings"], Verbs = ["get", "create", "patch"] },
            ],
        }, ns);
        await cluster.Observer.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "deployer" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "deployer" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "deployer", ApiGroup = "rbac.authorization.k8s.io" }],
        }, ns);
        var token = cluster.Emulator.AddToken("deployer");
        var kubeconfig = Path.Combine(cluster.RepositoryRoot, $"deployer-{Guid.NewGuid():N}.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, (await File.ReadAllTextAsync(cluster.Emulator.KubeconfigPath)).Replace(cluster.Emulator.Token, token, StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.StartAsync(
            new StartJobRequest { Target = new ClusterTarget { Kubeconfig = kubeconfig }, ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None));

        Assert.Equal("ClusterForbidden", error.ErrorId);
        Assert.Equal(E2eErrorCategory.PermissionDenied, error.Category);
        Assert.Contains("user \"deployer\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held", error.Message, StringComparison.Ordinal);
        Assert.Contains("Resources:[\"pods/log\"]", error.Message, StringComparison.Ordinal);
        Assert.Empty((await cluster.Observer.BatchV1.ListNamespacedJobAsync(ns)).Items);
        Assert.DoesNotContain((await cluster.Observer.RbacAuthorizationV1.ListNamespacedRoleAsync(ns)).Items, r => r.Metadata.Name != "deployer");
    }
}
