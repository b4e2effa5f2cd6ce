using System.Net;
using System.Text.Json;
using E2ePs.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// The API server refuses what a kind server would let through: field selectors a kind does not support
/// (400), a RoleBinding's changed roleRef (422), and Roles or RoleBindings that grant more than their writer
/// holds (403, RBAC's escalation check). Sources are cited in FieldLabels.cs and EscalationCheck.cs.
/// </summary>
[Collection("emulator")]
public sealed class ApiStrictnessTests(EmulatorFixture fx)
{
    [Theory]
    [InlineData("pods", "spec.nodeName=emulator-node-1", HttpStatusCode.OK)]
    [InlineData("pods", "status.phase!=Running", HttpStatusCode.OK)]
    [InlineData("events", "involvedObject.name=x,reason=Scheduled", HttpStatusCode.OK)]
    [InlineData("configmaps", "metadata.name=x", HttpStatusCode.OK)]
    [InlineData("pods", "spec.containers.image=x", HttpStatusCode.BadRequest)]
    [InlineData("configmaps", "data.key=x", HttpStatusCode.BadRequest)]
    [InlineData("events", "message=x", HttpStatusCode.BadRequest)]
    public async Task Only_the_field_selectors_a_kind_supports_are_served(string resource, string selector, HttpStatusCode expected)
    {
        using var list = await fx.Http.GetAsync($"api/v1/namespaces/default/{resource}?fieldSelector={Uri.EscapeDataString(selector)}");
        using var watch = await fx.Http.GetAsync($"api/v1/namespaces/default/{resource}?watch=true&timeoutSeconds=1&fieldSelector={Uri.EscapeDataString(selector)}", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(expected, list.StatusCode);
        Assert.Equal(expected, watch.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            using var status = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
            Assert.Equal($"field label not supported: {selector.Split('=')[0]}", status.RootElement.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task Jobs_select_on_status_successful_only_besides_metadata()
    {
        using var supported = await fx.Http.GetAsync("apis/batch/v1/namespaces/default/jobs?fieldSelector=status.successful%3D1");
        using var unsupported = await fx.Http.GetAsync("apis/batch/v1/namespaces/default/jobs?fieldSelector=status.failed%3D1");

        Assert.Equal(HttpStatusCode.OK, supported.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.StatusCode);
    }

    [RequiresToolsFact("kubectl")]
    public async Task A_rolebindings_roleRef_cannot_change()
    {
        var ns = await fx.NewNamespaceAsync("roleref");
        Assert.Equal(0, (await fx.KubectlAsync("create", "role", "reader", "-n", ns, "--verb=get", "--resource=pods")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "role", "writer", "-n", ns, "--verb=create", "--resource=pods")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "rolebinding", "b", "-n", ns, "--role=reader", "--user=u")).ExitCode);

        var patch = await fx.KubectlAsync("patch", "rolebinding", "b", "-n", ns, "--type=merge", "-p", "{\"roleRef\":{\"name\":\"writer\"}}");

        var direct = await Assert.ThrowsAsync<HttpOperationException>(() => fx.Client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(
            new V1Patch("{\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"writer\"}}", V1Patch.PatchType.MergePatch), "b", ns));

        Assert.NotEqual(0, patch.ExitCode);
        Assert.Contains("is invalid", patch.Stderr, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, direct.Response.StatusCode);
        using var status = JsonDocument.Parse(direct.Response.Content);
        Assert.Equal("RoleBinding.rbac.authorization.k8s.io \"b\" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"writer\"}: cannot change roleRef",
            status.RootElement.GetProperty("message").GetString());
    }

    [RequiresToolsFact("kubectl")]
    public async Task A_user_may_grant_only_what_it_holds_unless_it_may_escalate_or_bind()
    {
        var ns = await fx.NewNamespaceAsync("escalate");
        // alice may manage roles and bindings and read pods, nothing more.
        Assert.Equal(0, (await fx.KubectlAsync("create", "role", "rbac-admin", "-n", ns, "--verb=get,list,create,update,patch,delete", "--resource=roles,rolebindings,pods")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "rolebinding", "alice-rbac", "-n", ns, "--role=rbac-admin", "--user=alice")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "role", "pod-deleter", "-n", ns, "--verb=delete", "--resource=pods,secrets")).ExitCode);

        var held = await fx.KubectlAsync("create", "role", "pod-reader", "-n", ns, "--verb=get", "--resource=pods", "--as=alice");
        var more = await fx.KubectlAsync("create", "role", "secret-reader", "-n", ns, "--verb=get", "--resource=secrets", "--as=alice");
        var bindMore = await fx.KubectlAsync("create", "rolebinding", "bob-deleter", "-n", ns, "--role=pod-deleter", "--user=bob", "--as=alice");
        var bindHeld = await fx.KubectlAsync("create", "rolebinding", "bob-reader", "-n", ns, "--role=pod-reader", "--user=bob", "--as=alice");
        Assert.Equal(0, (await fx.KubectlAsync("create", "role", "binder", "-n", ns, "--verb=bind", "--resource=roles", "--resource-name=pod-deleter")).ExitCode);
        Assert.Equal(0, (await fx.KubectlAsync("create", "rolebinding", "alice-binder", "-n", ns, "--role=binder", "--user=alice")).ExitCode);
        var bindAllowed = await fx.KubectlAsync("create", "rolebinding", "bob-deleter", "-n", ns, "--role=pod-deleter", "--user=bob", "--as=alice");

        Assert.True(held.ExitCode == 0, held.Stderr);
        Assert.NotEqual(0, more.ExitCode);
        Assert.Contains("roles.rbac.authorization.k8s.io \"secret-reader\" is forbidden: user \"alice\"", more.Stderr, StringComparison.Ordinal);
        Assert.Contains("is attempting to grant RBAC permissions not currently held", more.Stderr, StringComparison.Ordinal);
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}", more.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, bindMore.ExitCode);
        // alice may delete pods but not secrets: only the rule she lacks is named.
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"delete\"]}", bindMore.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Resources:[\"pods\"]", bindMore.Stderr, StringComparison.Ordinal);
        Assert.True(bindHeld.ExitCode == 0, bindHeld.Stderr);
        Assert.True(bindAllowed.ExitCode == 0, bindAllowed.Stderr);
    }

    [Fact]
    public async Task The_schedulers_events_are_events_k8s_io_events_with_eventTime_and_no_legacy_timestamps()
    {
        var ns = await fx.NewNamespaceAsync("sched-events");
        await fx.Client.BatchV1.CreateNamespacedJobAsync(Manifests.Job("sched", "registry.example/fresh-image:1.0", ["sh", "-c", "exit 0"]), ns);

        var scheduled = await Eventually.WaitAsync(
            async () => (await fx.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=Scheduled")).Items,
            items => items.Count > 0, "the Scheduled event");
        var core = Assert.Single(scheduled);
        var v1 = Assert.Single((await fx.Client.EventsV1.ListNamespacedEventAsync(ns)).Items, e => e.Reason == "Scheduled");

        Assert.NotNull(core.EventTime);
        Assert.Null(core.FirstTimestamp);
        Assert.Null(core.LastTimestamp);
        Assert.Null(core.Count);
        Assert.Equal("default-scheduler", core.ReportingComponent);
        Assert.Equal("Binding", core.Action);
        Assert.Null(core.Source?.Component);
        Assert.NotNull(v1.EventTime);
        Assert.Null(v1.DeprecatedFirstTimestamp);
        Assert.Equal("default-scheduler", v1.ReportingController);
        Assert.StartsWith("default-scheduler-", v1.ReportingInstance, StringComparison.Ordinal);
    }
}
