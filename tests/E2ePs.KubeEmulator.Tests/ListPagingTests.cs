using System.Net;
using System.Text.Json;
using E2ePs.TestSupport;
using k8s;
using k8s.Models;
using Xunit;

namespace E2ePs.KubeEmulator.Tests;

/// <summary>
/// limit and continue as the API server serves them (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go
/// GetList, storage/continue.go): pages in key order, remainingItemCount without selectors, a continue token
/// past etcd's compaction is 410 Expired, a malformed one 400.
/// </summary>
[Collection("emulator")]
public sealed class ListPagingTests(EmulatorFixture fx)
{
    private async Task<string> NamespaceWithConfigMapsAsync(int count)
    {
        var ns = await fx.NewNamespaceAsync("paging");
        for (var i = 0; i < count; i++)
        {
            await fx.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm-{i}", Labels = new Dictionary<string, string> { ["set"] = "paged" } } }, ns);
        }

        return ns;
    }

    [Fact]
    public async Task A_limited_list_comes_in_pages_that_add_up_to_the_whole_list()
    {
        var ns = await NamespaceWithConfigMapsAsync(5);

        var first = await fx.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2);
        var second = await fx.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, continueParameter: first.Metadata.ContinueProperty);
        var third = await fx.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, continueParameter: second.Metadata.ContinueProperty);
        var selected = await fx.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, labelSelector: "set=paged");

        Assert.Equal(["cm-0", "cm-1"], first.Items.Select(c => c.Metadata.Name));
        Assert.Equal(3, first.Metadata.RemainingItemCount);
        Assert.Equal(["cm-2", "cm-3"], second.Items.Select(c => c.Metadata.Name));
        Assert.Equal(1, second.Metadata.RemainingItemCount);
        Assert.Equal(["cm-4"], third.Items.Select(c => c.Metadata.Name));
        Assert.Null(third.Metadata.ContinueProperty);
        Assert.Equal(2, selected.Items.Count);
        Assert.NotNull(selected.Metadata.ContinueProperty);
        Assert.Null(selected.Metadata.RemainingItemCount);
    }

    [RequiresToolsFact("kubectl")]
    public async Task Kubectl_get_with_a_small_chunk_size_shows_every_item()
    {
        var ns = await NamespaceWithConfigMapsAsync(5);

        var get = await fx.KubectlAsync("get", "configmaps", "-n", ns, "--chunk-size=2", "-o", "name");

        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"configmap/cm-{i}"), get.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("configmap/cm-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_continue_token_past_compaction_is_410_Expired_and_a_malformed_one_400()
    {
        await using var server = await EmulatorFixture.StartAsync(new EmulatorOptions { ContinueTokenLifetime = TimeSpan.Zero });
        using var client = EmulatorFixture.CreateClient(server);
        using var http = EmulatorFixture.CreateHttp(server, server.Token);
        var first = await client.CoreV1.ListNamespaceAsync(limit: 1);

        using var expired = await http.GetAsync($"api/v1/namespaces?limit=1&continue={first.Metadata.ContinueProperty}");
        using var malformed = await http.GetAsync("api/v1/namespaces?limit=1&continue=not-a-token");

        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        using var status = JsonDocument.Parse(await expired.Content.ReadAsStringAsync());
        Assert.Equal("Expired", status.RootElement.GetProperty("reason").GetString());
        Assert.StartsWith("The provided continue parameter is too old", status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }
}
