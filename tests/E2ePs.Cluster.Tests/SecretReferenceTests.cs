using E2ePs.Contracts;
using E2ePs.KubeEmulator;
using k8s;
using k8s.Models;

namespace E2ePs.Cluster.Tests;

/// <summary>
/// Start-E2eJob checks that every Secret and key the Job's environment reads exists before it changes
/// anything (issue 11, item 3), over HTTPS against the emulator.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SecretReferenceTests(ClusterFixture cluster)
{
    private async Task<(string Ns, E2ePs.Models.E2eJob Job)> ScaffoldAsync(string name, string image)
    {
        var ns = await cluster.NewNamespaceAsync();
        var job = cluster.Scaffold(name, ns, image, request =>
            request.SecretEnv = [new("DB_PASSWORD", "db-credentials/password"), new("API_TOKEN", "api-tokens/ci")]);
        return (ns, job);
    }

    private Task<V1Secret> CreateSecretAsync(string ns, string name, params string[] keys) =>
        cluster.Observer.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = name }, Data = keys.ToDictionary(k => k, k => "dmFsdWU="u8.ToArray()) },
            ns);

    private async Task<E2eException> StartFailsAsync(string ns, E2ePs.Models.E2eJob job)
    {
        var error = await Assert.ThrowsAsync<E2eException>(() => cluster.Engine.Cluster.StartAsync(
            new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None));

        // Nothing of the job exists in the cluster: no Job, no pod, no RBAC objects.
        var name = $"metadata.name={job.JobName}";
        Assert.Empty((await cluster.Observer.BatchV1.ListNamespacedJobAsync(ns)).Items);
        Assert.Empty((await cluster.Observer.CoreV1.ListNamespacedPodAsync(ns)).Items);
        Assert.Empty((await cluster.Observer.CoreV1.ListNamespacedServiceAccountAsync(ns, fieldSelector: name)).Items);
        Assert.Empty((await cluster.Observer.RbacAuthorizationV1.ListNamespacedRoleAsync(ns)).Items);
        Assert.Empty((await cluster.Observer.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(ns)).Items);
        return error;
    }

    [Fact]
    public async Task A_missing_secret_is_named_and_nothing_is_created()
    {
        var (ns, job) = await ScaffoldAsync("secret-missing", "registry.test/e2e/secret-missing:1");
        await CreateSecretAsync(ns, "api-tokens", "ci");

        var error = await StartFailsAsync(ns, job);

        Assert.Equal("SecretNotFound", error.ErrorId);
        Assert.Equal(E2eErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal("db-credentials", error.Target);
        Assert.Contains("DB_PASSWORD", error.Message, StringComparison.Ordinal);
        Assert.Contains("'password'", error.Message, StringComparison.Ordinal);
        Assert.Contains(ns, error.Message, StringComparison.Ordinal);
        Assert.Contains($"kubectl create secret generic db-credentials -n {ns} --from-literal=password=", error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_key_is_named_with_the_keys_the_secret_has_and_nothing_is_created()
    {
        var (ns, job) = await ScaffoldAsync("secret-key-missing", "registry.test/e2e/secret-key-missing:1");
        await CreateSecretAsync(ns, "db-credentials", "username", "passwd");
        await CreateSecretAsync(ns, "api-tokens", "ci");

        var error = await StartFailsAsync(ns, job);

        Assert.Equal("SecretKeyNotFound", error.ErrorId);
        Assert.Equal("db-credentials/password", error.Target);
        Assert.Contains("passwd, username", error.Message, StringComparison.Ordinal);
        Assert.Contains("DB_PASSWORD", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_secrets_in_place_the_run_starts_and_its_pod_reads_them_by_reference()
    {
        const string image = "registry.test/e2e/secret-present:1";
        cluster.Emulator.AddScenario(new ContainerScenario { Image = image, ContainerName = "test-runner", Lines = ["ok"] });
        var (ns, job) = await ScaffoldAsync("secret-present", image);
        await CreateSecretAsync(ns, "db-credentials", "password");
        await CreateSecretAsync(ns, "api-tokens", "ci");

        var run = await cluster.Engine.Cluster.StartAsync(new StartJobRequest { Target = cluster.Target(), ManifestPath = job.ManifestPath, Job = job }, CancellationToken.None);
        var finished = Assert.Single(await cluster.WaitAllAsync([run]));

        Assert.Equal(E2ePs.Models.E2eRunStatus.Succeeded, finished.Status);
        var pod = Assert.Single((await cluster.Observer.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"e2eps.io/run-id={run.RunId}")).Items);
        var env = pod.Spec.Containers.Single(c => c.Name == "test-runner").Env;
        var password = env.Single(e => e.Name == "DB_PASSWORD");
        Assert.Null(password.Value);
        Assert.Equal("db-credentials", password.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("password", password.ValueFrom.SecretKeyRef.Key);
        Assert.Equal("ci", env.Single(e => e.Name == "API_TOKEN").ValueFrom.SecretKeyRef.Key);
    }

    [Fact]
    public async Task A_missing_git_credentials_secret_is_named_with_the_command_that_creates_it_and_nothing_is_created()
    {
        var ns = await cluster.NewNamespaceAsync();
        var job = cluster.Scaffold("git-missing", ns, "registry.test/e2e/git-missing:1", request => request.GitCredentialSecret = "shop-git");

        var error = await StartFailsAsync(ns, job);

        Assert.Equal("SecretNotFound", error.ErrorId);
        Assert.Equal("shop-git", error.Target);
        Assert.Contains("its volume 'git-credentials' mounts the Secret 'shop-git'", error.Message, StringComparison.Ordinal);
        Assert.Equal($"Create it first: kubectl create secret generic shop-git -n {ns} --from-literal=username=<user> --from-literal=password=<token>", error.RecommendedAction);
    }

    [Fact]
    public async Task A_missing_configmap_of_a_hand_edited_manifest_is_named_and_nothing_is_created()
    {
        var ns = await cluster.NewNamespaceAsync();
        var job = cluster.Scaffold("configmap-missing", ns, "registry.test/e2e/configmap-missing:1");
        // A manifest edited by hand: the test container reads its settings from a ConfigMap.
        var documents = KubernetesYaml.LoadAllFromString(File.ReadAllText(job.ManifestPath));
        documents.OfType<V1Job>().Single().Spec.Template.Spec.Containers.Single(c => c.Name == "test-runner").EnvFrom =
            [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "shop-settings" } }];
        File.WriteAllText(job.ManifestPath, KubernetesYaml.SerializeAll(documents));
        Assert.Contains("shop-settings", File.ReadAllText(job.ManifestPath), StringComparison.Ordinal);

        var error = await StartFailsAsync(ns, job);

        Assert.Equal("ConfigMapNotFound", error.ErrorId);
        Assert.Equal(E2eErrorCategory.ObjectNotFound, error.Category);
        Assert.Contains("its envFrom of container test-runner reads the ConfigMap 'shop-settings'", error.Message, StringComparison.Ordinal);
        Assert.Equal($"Create it first: kubectl create configmap shop-settings -n {ns} --from-literal=KEY=VALUE", error.RecommendedAction);
    }
}
