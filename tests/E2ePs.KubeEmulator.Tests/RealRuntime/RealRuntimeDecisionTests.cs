using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Runtime;

namespace E2ePs.KubeEmulator.Tests.RealRuntime;

/// <summary>The real runtime's pure decisions: which images it serves and from where, env, command and user of a container.</summary>
public sealed class RealRuntimeDecisionTests
{
    private const string Conf = """
        unqualified-search-registries = ["docker.io"]

        # docker.io through a local mirror
        [[registry]]
        prefix = "docker.io"
        location = "127.0.0.1:5000"
        insecure = true

        [[registry]]
        prefix = "docker.io/alpine"
        location = "127.0.0.1:5000/mirrored-alpine" # longer prefix wins

        [[registry.mirror]]
        location = "ignored.example:443"
        """;

    [Theory]
    [InlineData("busybox", "127.0.0.1:5000", "library/busybox", "latest", true)]
    [InlineData("busybox:1.36", "127.0.0.1:5000", "library/busybox", "1.36", true)]
    [InlineData("docker.io/library/python:3.12", "127.0.0.1:5000", "library/python", "3.12", true)]
    [InlineData("alpine/git:2.43", "127.0.0.1:5000", "mirrored-alpine/git", "2.43", false)]
    [InlineData("registry.local:6000/team/app:1", "registry.local:6000", "team/app", "1", true)]
    [InlineData("registry.local:6000/team/app@sha256:abc", "registry.local:6000", "team/app", "sha256:abc", true)]
    public void Locate_RewritesByTheLongestPrefix_OrServesTheRegistryHost(string image, string host, string repository, string reference, bool plainHttp)
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, Conf);
        using var source = new ImageSource("registry.local:6000", file);
        File.Delete(file);

        Assert.Equal(new ImageLocation(host, repository, reference, plainHttp), source.Locate(image));
    }

    [Theory]
    [InlineData("quay.io/team/app:1")]
    [InlineData("ghcr.io/busybox:1")]
    [InlineData("docker.iox/busybox:1")]
    public void Locate_LeavesOtherRegistriesToTheSimulation(string image)
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, Conf);
        using var source = new ImageSource("registry.local:6000", file);
        File.Delete(file);

        Assert.Null(source.Locate(image));
    }

    [Theory]
    [InlineData("$(A)-$(B)", "1-two")]
    [InlineData("$$(A) keeps the reference", "$(A) keeps the reference")]
    [InlineData("$(UNDEFINED) stays", "$(UNDEFINED) stays")]
    [InlineData("i=$((i+1))", "i=$((i+1))")]
    [InlineData("cost $5 and $", "cost $5 and $")]
    [InlineData("$(A", "$(A")]
    public void Expand_FollowsTheKubeletsRules(string input, string expected)
    {
        var values = new Dictionary<string, string> { ["A"] = "1", ["B"] = "two" };
        Assert.Equal(expected, EnvExpansion.Expand(input, n => values.TryGetValue(n, out var v) ? v : null));
    }

    // Shapes as the API server returns them: a pod (metadata, spec, one container) and a Secret with base64 data.
    private static JsonObject Pod(string container, string podSecurity = "{}") => JsonNode.Parse($$"""
        {
          "metadata": { "name": "job-abcde", "namespace": "e2e", "uid": "u-1", "labels": { "job-name": "job" } },
          "spec": { "nodeName": "node-1", "serviceAccountName": "runner", "securityContext": {{podSecurity}}, "containers": [ {{container}} ] }
        }
        """)!.AsObject();

    private static JsonObject? Lookup(string resource, string name) => (resource, name) switch
    {
        ("secrets", "creds") => JsonNode.Parse("""{ "data": { "token": "czNjcmV0" } }""")!.AsObject(),
        ("configmaps", "settings") => JsonNode.Parse("""{ "data": { "level": "debug", "mode": "fast" } }""")!.AsObject(),
        _ => null,
    };

    private static readonly ImageConfig Image = new(["/entry"], ["default-cmd"], ["PATH=/bin"], "/app", "1234");

    [Theory]
    [InlineData("""{ "name": "c" }""", "/entry default-cmd")]
    [InlineData("""{ "name": "c", "args": ["x", "y"] }""", "/entry x y")]
    [InlineData("""{ "name": "c", "command": ["sh"] }""", "sh")]
    [InlineData("""{ "name": "c", "command": ["sh", "-c"], "args": ["echo $(POD)"], "env": [ { "name": "POD", "valueFrom": { "fieldRef": { "fieldPath": "metadata.name" } } } ] }""", "sh -c echo job-abcde")]
    public void Command_ReplacesEntrypointAndCmd_ArgsReplaceCmdOnly(string container, string argv)
    {
        var pod = Pod(container);
        var spec = ContainerSpec.Resolve(pod, pod["spec"]!["containers"]![0]!.AsObject(), Image, "10.244.0.2", "172.18.0.2", Lookup, new Dictionary<string, string>());
        Assert.Equal(argv, string.Join(' ', spec.Argv));
    }

    [Theory]
    [InlineData("{}", "{}", null)]
    [InlineData("""{ "runAsUser": 1000 }""", "{}", "1000")]
    [InlineData("""{ "runAsUser": 1000, "runAsGroup": 3000 }""", "{}", "1000:3000")]
    [InlineData("""{ "runAsUser": 1000, "runAsGroup": 3000 }""", """{ "runAsUser": 2000 }""", "2000:3000")]
    [InlineData("{}", """{ "runAsGroup": 5 }""", "1234:5")]
    public void User_TheContainersSecurityContextOverThePods(string podSecurity, string containerSecurity, string? user)
    {
        var pod = Pod($$"""{ "name": "c", "securityContext": {{containerSecurity}} }""", podSecurity);
        var spec = ContainerSpec.Resolve(pod, pod["spec"]!["containers"]![0]!.AsObject(), Image, "", "", Lookup, new Dictionary<string, string>());
        Assert.Equal(user, spec.User);
    }

    [Fact]
    public void Env_EnvFromThenEnv_ValueFromSecretsConfigMapsAndPodFields()
    {
        var pod = Pod("""
            { "name": "c",
              "envFrom": [ { "configMapRef": { "name": "settings" }, "prefix": "CFG_" }, { "secretRef": { "name": "absent", "optional": true } } ],
              "env": [
                { "name": "CFG_MODE", "value": "slow" },
                { "name": "TOKEN", "valueFrom": { "secretKeyRef": { "name": "creds", "key": "token" } } },
                { "name": "MAYBE", "valueFrom": { "secretKeyRef": { "name": "creds", "key": "other", "optional": true } } },
                { "name": "NS", "valueFrom": { "fieldRef": { "fieldPath": "metadata.namespace" } } },
                { "name": "IP", "valueFrom": { "fieldRef": { "fieldPath": "status.podIP" } } },
                { "name": "JOB", "valueFrom": { "fieldRef": { "fieldPath": "metadata.labels['job-name']" } } },
                { "name": "SA", "valueFrom": { "fieldRef": { "fieldPath": "spec.serviceAccountName" } } },
                { "name": "WHERE", "value": "$(NS)/$(JOB)" }
              ] }
            """);
        var env = ContainerSpec.ResolveEnv(pod, pod["spec"]!["containers"]![0]!.AsObject(), "10.244.0.2", "172.18.0.2", Lookup);
        Assert.Equal(
            ["CFG_level=debug", "CFG_mode=fast", "CFG_MODE=slow", "TOKEN=s3cret", "NS=e2e", "IP=10.244.0.2", "JOB=job", "SA=runner", "WHERE=e2e/job"],
            env.Select(e => e.Key + "=" + e.Value));
    }

    [Theory]
    [InlineData("""{ "secretKeyRef": { "name": "nope", "key": "k" } }""", "secret \"nope\" not found")]
    [InlineData("""{ "secretKeyRef": { "name": "creds", "key": "k" } }""", "couldn't find key k in Secret e2e/creds")]
    [InlineData("""{ "configMapKeyRef": { "name": "nope", "key": "k" } }""", "configmap \"nope\" not found")]
    [InlineData("""{ "configMapKeyRef": { "name": "settings", "key": "k" } }""", "couldn't find key k in ConfigMap e2e/settings")]
    public void Env_AMissingReference_IsAConfigErrorWithTheKubeletsMessage(string valueFrom, string message)
    {
        var pod = Pod($$"""{ "name": "c", "env": [ { "name": "X", "valueFrom": {{valueFrom}} } ] }""");
        var error = Assert.Throws<ContainerConfigError>(() => ContainerSpec.ResolveEnv(pod, pod["spec"]!["containers"]![0]!.AsObject(), "", "", Lookup));
        Assert.Equal(message, error.Message);
    }
}
