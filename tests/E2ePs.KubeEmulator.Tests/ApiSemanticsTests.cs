using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>Verbs and their edge cases: RBAC, SSA, patches, dry run, deletion propagation.</summary>
[Collection("emulator")]
public sealed class ApiSemanticsTests(EmulatorFixture fx)
{
    private Kubernetes Client => fx.Client;

    [Fact]
    public async Task RestrictedTokenIsBoundByRoleBindings()
    {
        var ns = await fx.NewNamespaceAsync("rbac");
        var token = fx.Server.AddToken("dave");
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(fx.Server.KubeconfigPath);
        config.AccessToken = token;
        using var dave = new Kubernetes(config);

        var denied = await Assert.ThrowsAsync<HttpOperationException>(() => dave.BatchV1.ReadNamespacedJobAsync("x", ns));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Response.StatusCode);
        Assert.Equal(
            $"{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"jobs.batch \\\"x\\\" is forbidden: User \\\"dave\\\" cannot get resource \\\"jobs\\\" in API group \\\"batch\\\" in the namespace \\\"{ns}\\\"\",\"reason\":\"Forbidden\",\"details\":{{\"name\":\"x\",\"group\":\"batch\",\"kind\":\"jobs\"}},\"code\":403}}",
            denied.Response.Content);

        await Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role { Metadata = new V1ObjectMeta { Name = "job-reader" }, Rules = [new V1PolicyRule { ApiGroups = ["batch"], Resources = ["jobs"], Verbs = ["get", "list"] }] }, ns);
        await Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding { Metadata = new V1ObjectMeta { Name = "dave-reads" }, RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "job-reader" }, Subjects = [new Rbacv1Subject { Kind = "User", Name = "dave", ApiGroup = "rbac.authorization.k8s.io" }] }, ns);

        Assert.Empty((await dave.BatchV1.ListNamespacedJobAsync(ns)).Items);
        var create = await Assert.ThrowsAsync<HttpOperationException>(() => dave.BatchV1.CreateNamespacedJobAsync(Manifests.Job("x", "busybox", ["true"]), ns));
        Assert.Contains($"jobs.batch is forbidden: User \\\"dave\\\" cannot create resource \\\"jobs\\\" in API group \\\"batch\\\" in the namespace \\\"{ns}\\\"", create.Response.Content, StringComparison.Ordinal);

        var review = await dave.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview { Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "list", Group = "batch", Resource = "jobs" } } });
        Assert.True(review.Status.Allowed);
        review = await dave.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview { Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "delete", Group = "batch", Resource = "jobs" } } });
        Assert.False(review.Status.Allowed);
    }

    [Fact]
    public async Task ServerSideApplyCreatesThenMergesAndIsIdempotent()
    {
        var ns = await fx.NewNamespaceAsync("ssa");
        var yaml = $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: {ns}\n  labels:\n    owner: tests\ndata:\n  mode: fast\n  retries: \"3\"\n";
        async Task<HttpResponseMessage> ApplyAsync(string body, string manager = "e2e")
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/apply-patch+yaml");
            return await fx.Http.PatchAsync(new Uri($"api/v1/namespaces/{ns}/configmaps/settings?fieldManager={manager}&force=true", UriKind.Relative), content);
        }

        var first = await ApplyAsync(yaml);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.Equal("3", created["data"]!["retries"]!.GetValue<string>());
        var managed = created["metadata"]!["managedFields"]![0]!;
        Assert.Equal(("e2e", "Apply", "FieldsV1"), (managed["manager"]!.GetValue<string>(), managed["operation"]!.GetValue<string>(), managed["fieldsType"]!.GetValue<string>()));
        Assert.NotNull(managed["fieldsV1"]!["f:data"]!["f:mode"]);

        var second = await ApplyAsync(yaml);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(created["metadata"]!["resourceVersion"]!.GetValue<string>(), JsonNode.Parse(await second.Content.ReadAsStringAsync())!["metadata"]!["resourceVersion"]!.GetValue<string>());

        var changed = await ApplyAsync(yaml.Replace("fast", "slow", StringComparison.Ordinal));
        var after = JsonNode.Parse(await changed.Content.ReadAsStringAsync())!;
        Assert.Equal("slow", after["data"]!["mode"]!.GetValue<string>());
        Assert.NotEqual(created["metadata"]!["resourceVersion"]!.GetValue<string>(), after["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task PatchesAndDryRun()
    {
        var ns = await fx.NewNamespaceAsync("patch");
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", Labels = new Dictionary<string, string> { ["a"] = "1" } },
            Spec = new V1PodSpec { NodeName = "unknown-node", Containers = [new V1Container { Name = "main", Image = "nginx:1" }, new V1Container { Name = "side", Image = "busybox:1" }] },
        };
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        var strategic = await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"spec\":{\"containers\":[{\"name\":\"side\",\"image\":\"busybox:2\"}]}}", V1Patch.PatchType.StrategicMergePatch), "web", ns);
        Assert.Equal(["nginx:1", "busybox:2"], strategic.Spec.Containers.Select(c => c.Image));

        var merge = await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"a\":null,\"b\":\"2\"}}}", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.Equal(["b"], merge.Metadata.Labels.Keys);

        var json = await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("[{\"op\":\"add\",\"path\":\"/metadata/labels/c\",\"value\":\"3\"},{\"op\":\"replace\",\"path\":\"/metadata/labels/b\",\"value\":\"two\"}]", V1Patch.PatchType.JsonPatch), "web", ns);
        Assert.Equal("two", json.Metadata.Labels["b"]);
        Assert.Equal("3", json.Metadata.Labels["c"]);

        var dry = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "ghost" } }, ns, dryRun: "All");
        Assert.Equal("ghost", dry.Metadata.Name);
        await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedConfigMapAsync("ghost", ns));
        await Client.CoreV1.DeleteNamespacedPodAsync("web", ns, dryRun: "All");
        Assert.NotNull(await Client.CoreV1.ReadNamespacedPodAsync("web", ns));
    }

    [Fact]
    public async Task JobTemplateIsImmutable()
    {
        var ns = await fx.NewNamespaceAsync("immutable");
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("fixed", "busybox:1.36", ["echo", "x"]), ns);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.PatchNamespacedJobAsync(
            new V1Patch("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"test\",\"image\":\"busybox:1.37\"}]}}}}", V1Patch.PatchType.StrategicMergePatch), "fixed", ns));
        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Contains("Job.batch \\\"fixed\\\" is invalid: spec.template: Invalid value:", error.Response.Content, StringComparison.Ordinal);
        Assert.Contains("field is immutable", error.Response.Content, StringComparison.Ordinal);
        var labels = await Client.BatchV1.PatchNamespacedJobAsync(new V1Patch("{\"metadata\":{\"labels\":{\"more\":\"yes\"}}}", V1Patch.PatchType.MergePatch), "fixed", ns);
        Assert.Equal("yes", labels.Metadata.Labels["more"]);
    }

    [Fact]
    public async Task ForegroundDeletionWaitsForDependents()
    {
        var ns = await fx.NewNamespaceAsync("foreground");
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("long", "busybox:1.36", ["sleep", "600"]), ns);
        await Eventually.WaitAsync(() => Client.CoreV1.ListNamespacedPodAsync(ns), l => l.Items.Any(p => p.Status?.Phase == "Running"), "pod running");

        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri($"apis/batch/v1/namespaces/{ns}/jobs/long", UriKind.Relative)) { Content = Eventually.Json("{\"propagationPolicy\":\"Foreground\"}") };
        var response = await fx.Http.SendAsync(request);
        var deleting = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["metadata"]!;
        Assert.NotNull(deleting["deletionTimestamp"]);
        Assert.Equal("foregroundDeletion", deleting["finalizers"]![0]!.GetValue<string>());
        await Eventually.WaitAsync(async () => (await Client.BatchV1.ListNamespacedJobAsync(ns)).Items.Count + (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count, n => n == 0, "job and pods gone");
        var killing = (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=Killing")).Items;
        Assert.Contains(killing, e => e.Message == "Stopping container test");
    }

    [Fact]
    public async Task OrphanDeletionKeepsPodsAndBackgroundRemovesThem()
    {
        var ns = await fx.NewNamespaceAsync("orphan");
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("keep", "busybox:1.36", ["echo", "x"]), ns);
        await Eventually.WaitAsync(() => Client.CoreV1.ListNamespacedPodAsync(ns), l => l.Items.Count == 1, "pod");
        await Client.BatchV1.DeleteNamespacedJobAsync("keep", ns, propagationPolicy: "Orphan");
        // Orphan: the garbage collector strips the dependents' ownerReferences, then the Job goes.
        await Eventually.WaitAsync(() => Client.BatchV1.ListNamespacedJobAsync(ns), l => l.Items.Count == 0, "the orphaning delete to finish");
        await Eventually.WaitAsync(
            () => Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=keep"),
            l => l.Items.Count == 1 && l.Items[0].Metadata.OwnerReferences is null, "the kept pod's ownerReferences to be removed");

        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("drop", "busybox:1.36", ["echo", "x"]), ns);
        await Eventually.WaitAsync(() => Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=drop"), l => l.Items.Count == 1, "pod");
        await Client.BatchV1.DeleteNamespacedJobAsync("drop", ns, propagationPolicy: "Background");
        await Eventually.WaitAsync(() => Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=drop"), l => l.Items.Count == 0, "pods collected");

        // The collector has now handled a deletion made after the orphaning one, and the orphan is
        // still there: proof that it is kept, where a fixed wait only proved it outlived the wait.
        var pod = Assert.Single((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
        Assert.Equal("keep", pod.Metadata.Labels["job-name"]);
        Assert.Null(pod.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task DiscoveryAndEventsV1View()
    {
        var version = await Client.Version.GetCodeAsync();
        Assert.Equal("1", version.Major);
        var groups = await Client.Apis.GetAPIVersionsAsync();
        Assert.Contains(groups.Groups, g => g.Name == "batch");
        Assert.Contains(groups.Groups, g => g.Name == "events.k8s.io");
        var ns = await fx.NewNamespaceAsync("events-v1");
        await Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("ev", "busybox:1.36", ["echo", "x"]), ns);
        var events = await Eventually.WaitAsync(() => Client.EventsV1.ListNamespacedEventAsync(ns), l => l.Items.Any(e => e.Reason == "Started"), "events");
        var started = events.Items.First(e => e.Reason == "Started");
        Assert.Equal("Pod", started.Regarding.Kind);
        Assert.StartsWith("Started container", started.Note, StringComparison.Ordinal);
        Assert.Equal("kubelet", started.ReportingController);
    }
}
