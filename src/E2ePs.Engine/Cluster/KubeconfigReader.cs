using k8s.KubeConfigModels;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace E2ePs.Engine.Cluster;

/// <summary>
/// Reads one kubeconfig file into KubernetesClient's own model, as
/// <c>KubernetesClientConfiguration.LoadKubeConfig(file, useRelativePaths: true)</c> does, without going through
/// <c>KubernetesYaml</c>. That class builds, once per process, a deserializer that knows every Kubernetes model type
/// (it scans the whole KubernetesClient assembly for their JSON names and converters): measured with dotnet-trace,
/// that was about half of the first cluster call after Import-Module. A kubeconfig needs only the kubeconfig
/// model, whose classes carry their YAML names (<c>[YamlMember(Alias = "current-context")]</c> and so on), so a
/// deserializer that knows just those is enough, and builds in a fraction of the time.
/// </summary>
public static class KubeconfigReader
{
    // As KubernetesYaml: camelCase by default, the model's aliases where the YAML name differs, and fields this
    // model does not know (a newer kubectl's) ignored rather than refused.
    private static readonly Lazy<IDeserializer> s_deserializer = new(() => new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build());

    /// <summary>The file's configuration, its FileName set so that relative certificate paths resolve next to it.</summary>
    public static K8SConfiguration Read(FileInfo file)
    {
        using var reader = file.OpenText();
        var configuration = s_deserializer.Value.Deserialize<K8SConfiguration>(reader)
            ?? throw new k8s.Exceptions.KubeConfigException($"The kubeconfig file {file.FullName} is empty.");
        configuration.FileName = file.FullName;
        return configuration;
    }
}
