using E2ePs.Contracts;
using E2ePs.Tests.Support;

namespace E2ePs.Cluster.Tests;

/// <summary>These tests set KUBECONFIG and HOME, which are process-wide: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}

/// <summary>
/// KUBECONFIG as kubectl reads it (client-go clientcmd/loader.go): every file, missing ones skipped; when
/// none exists the error names the files looked for; a leading ~ is the home folder, as the shell gives it
/// to kubectl.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class KubeconfigLoadingTests : IClassFixture<TlsFixture>, IDisposable
{
    private readonly TlsFixture _cluster;
    private readonly string? _kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
    private readonly string? _home = Environment.GetEnvironmentVariable("HOME");
    private readonly string _scratch = Directory.CreateTempSubdirectory("e2eps-kubeconfig-").FullName;

    public KubeconfigLoadingTests(TlsFixture cluster)
    {
        _cluster = cluster;
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("KUBECONFIG", _kubeconfig);
        Environment.SetEnvironmentVariable("HOME", _home);
        Directory.Delete(_scratch, recursive: true);
    }

    private static Task<IReadOnlyList<string>> ListAsync(string? kubeconfig = null) =>
        new E2ePs.Engine.EngineEntry().Cluster.ListNamespacesAsync(new ClusterTarget { Kubeconfig = kubeconfig }, CancellationToken.None);

    [Fact]
    public async Task A_KUBECONFIG_whose_file_does_not_exist_names_the_path_that_was_tried()
    {
        Environment.SetEnvironmentVariable("KUBECONFIG", "no-such-file.yaml");

        var error = await Assert.ThrowsAsync<E2eException>(() => ListAsync());

        Assert.Equal("KubeconfigNotFound", error.ErrorId);
        Assert.Equal(E2eErrorCategory.ObjectNotFound, error.Category);
        Assert.Contains($"'{Path.GetFullPath("no-such-file.yaml")}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("KUBECONFIG is set to 'no-such-file.yaml'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not set", error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath("no-such-file.yaml"), error.Target);
    }

    [Fact]
    public async Task Every_missing_file_of_KUBECONFIG_is_named()
    {
        var first = Path.Combine(_scratch, "a.yaml");
        var second = Path.Combine(_scratch, "b.yaml");
        Environment.SetEnvironmentVariable("KUBECONFIG", first + Path.PathSeparator + second);

        var error = await Assert.ThrowsAsync<E2eException>(() => ListAsync());

        Assert.Contains($"'{first}', '{second}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_among_existing_ones_is_skipped_as_kubectl_skips_it()
    {
        Environment.SetEnvironmentVariable("KUBECONFIG", Path.Combine(_scratch, "missing.yaml") + Path.PathSeparator + _cluster.Emulator.KubeconfigPath);

        Assert.Contains("default", await ListAsync());
    }

    [Fact]
    public async Task A_leading_tilde_in_KUBECONFIG_is_the_home_folder()
    {
        Directory.CreateDirectory(Path.Combine(_scratch, ".kube"));
        File.Copy(_cluster.Emulator.KubeconfigPath, Path.Combine(_scratch, ".kube", "staging.yaml"));
        Environment.SetEnvironmentVariable("HOME", _scratch);
        Environment.SetEnvironmentVariable("KUBECONFIG", "~/.kube/staging.yaml");

        Assert.Contains("default", await ListAsync());
    }

    [Fact]
    public async Task A_leading_tilde_in_Kubeconfig_is_the_home_folder_and_a_missing_one_is_named_expanded()
    {
        File.Copy(_cluster.Emulator.KubeconfigPath, Path.Combine(_scratch, "dev.yaml"));
        Environment.SetEnvironmentVariable("HOME", _scratch);

        Assert.Contains("default", await ListAsync("~/dev.yaml"));
        var error = await Assert.ThrowsAsync<E2eException>(() => ListAsync("~/nope.yaml"));
        Assert.Equal(Path.Combine(_scratch, "nope.yaml"), error.Target);
    }
}
