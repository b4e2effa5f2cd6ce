using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using E2ePs.Contracts;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Tests.Fixtures;
using k8s.Autorest;

namespace E2ePs.Engine.Tests.Errors;

/// <summary>
/// Error translation, <see cref="KubernetesErrors.Translate(Exception, ClusterIdentity, string?, string?, string, object?)"/>:
/// what the client throws (an <see cref="HttpOperationException"/> carrying the API server's answer, as
/// KubernetesClient throws it, or a transport failure) becomes an <see cref="E2eException"/> with an error id,
/// a category, the target and the server's own sentence. The answers are recorded in Fixtures/statuses.json.
/// </summary>
public sealed class KubernetesErrorTableTests
{
    private static readonly ClusterIdentity s_identity = new("kind-e2e", "https://127.0.0.1:6443", "default", null);

    /// <summary>recorded answer → error id, category, a part of the message, a part of the recommended action (null: none).</summary>
    public static TheoryData<string, string, E2eErrorCategory, string, string?> Answers => new()
    {
        { "not-found-job", "ClusterObjectNotFound", E2eErrorCategory.ObjectNotFound, "Cannot delete Job test-shop-e2e on context 'kind-e2e' (https://127.0.0.1:6443): jobs.batch \"test-shop-e2e\" not found", null },
        { "not-found-namespace", "ClusterObjectNotFound", E2eErrorCategory.ObjectNotFound, "namespaces \"e2e\" not found", null },
        { "already-exists", "ClusterConflict", E2eErrorCategory.ResourceExists, "jobs.batch \"test-shop-e2e\" already exists", null },
        { "conflict-modified", "ClusterConflict", E2eErrorCategory.ResourceExists, "the object has been modified; please apply your changes to the latest version and try again", null },
        { "conflict-apply", "ClusterConflict", E2eErrorCategory.ResourceExists, "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\"", null },
        { "forbidden", "ClusterForbidden", E2eErrorCategory.PermissionDenied,
            "denied it: jobs.batch \"test-shop-e2e\" is forbidden: User \"system:serviceaccount:ci:deployer\" cannot delete resource \"jobs\" in API group \"batch\" in the namespace \"e2e\"", "kubectl auth can-i" },
        { "unauthorized", "ClusterUnauthorized", E2eErrorCategory.AuthenticationError, "rejected the credentials (401 Unauthorized)", "log in again" },
        { "invalid-required", "ClusterRejected", E2eErrorCategory.InvalidData, "rejected it: Job.batch \"test-shop-e2e\" is invalid: spec.template.spec.containers[0].image: Required value", "New-E2eJob -Force" },
        { "invalid-immutable", "ClusterRejected", E2eErrorCategory.InvalidData, "spec.completions: Invalid value: 2: field is immutable", "New-E2eJob -Force" },
        { "bad-request", "ClusterRejected", E2eErrorCategory.InvalidData, "is waiting to start: PodInitializing", null },
        { "expired", "ClusterResourceExpired", E2eErrorCategory.ResourceUnavailable, "(410 Gone): too old resource version: 48213 (52001)", "Run the command again" },
        { "too-many-requests-status", "ClusterServerError", E2eErrorCategory.ResourceUnavailable, "answered 429 TooManyRequests after retries: storage is (re)initializing", "try again later" },
        { "too-many-requests-text", "ClusterServerError", E2eErrorCategory.ResourceUnavailable, "answered 429 TooManyRequests after retries: Too many requests, please try again later.", "try again later" },
        { "internal-error", "ClusterServerError", E2eErrorCategory.ResourceUnavailable, "answered 500 InternalServerError after retries: Internal error occurred: resource quota evaluation timed out", null },
        { "gateway-timeout", "ClusterServerError", E2eErrorCategory.ResourceUnavailable, "answered 504 GatewayTimeout after retries: Timeout: request did not complete", null },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void An_answer_of_the_API_server_keeps_its_own_sentence(string answer, string errorId, E2eErrorCategory category, string message, string? recommended)
    {
        var recorded = Recorded.Answer(answer);

        var error = KubernetesErrors.Translate(Thrown(recorded), s_identity, null, null, "delete Job test-shop-e2e", "test-shop-e2e");

        Assert.True(errorId == error.ErrorId, $"{answer}: {error.ErrorId} ({error.Message})");
        Assert.Equal(category, error.Category);
        Assert.Equal("test-shop-e2e", error.Target);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        if (recommended is not null)
        {
            Assert.Contains(recommended, error.RecommendedAction, StringComparison.Ordinal);
        }

        Assert.True(KubernetesErrors.Is(error.InnerException!, recorded.Code));
    }

    /// <summary>name → error id, category, target ("server": the API server's URL), a part of the message.</summary>
    public static TheoryData<string, string, E2eErrorCategory, string, string> Transport => new()
    {
        { "connection refused", "ClusterUnreachable", E2eErrorCategory.ConnectionError, "test-shop-e2e", "did not answer (ConnectionRefused" },
        { "TLS refused by the verifier", "ClusterTlsFailure", E2eErrorCategory.SecurityError, "server", "failed TLS verification: the certificate is valid for 'other.example', not for '127.0.0.1'. Nothing was sent to it." },
        { "TLS with tls-server-name", "ClusterTlsFailure", E2eErrorCategory.SecurityError, "server", "(tls-server-name 'kubernetes.default.svc') failed TLS verification" },
        { "the connection dropped", "ClusterConnectionFailed", E2eErrorCategory.ConnectionError, "test-shop-e2e", "the connection to context 'kind-e2e' (https://127.0.0.1:6443) failed: Unable to read data from the transport connection" },
        { "an E2eException passes through", "AlreadyTranslated", E2eErrorCategory.InvalidOperation, "x", "already translated" },
        { "anything else", "ClusterRequestFailed", E2eErrorCategory.NotSpecified, "test-shop-e2e", "Cannot delete Job test-shop-e2e on context 'kind-e2e'" },
    };

    [Theory]
    [MemberData(nameof(Transport))]
    public void A_transport_failure_says_what_failed_and_where(string name, string errorId, E2eErrorCategory category, string target, string message)
    {
        var (thrown, expectedName, failure) = name switch
        {
            "connection refused" => ((Exception)new HttpRequestException("Connection refused (127.0.0.1:6443)", new SocketException((int)SocketError.ConnectionRefused)), (string?)null, (string?)null),
            "TLS refused by the verifier" => (new HttpRequestException("The SSL connection could not be established, see inner exception.",
                new AuthenticationException("The remote certificate was rejected by the provided RemoteCertificateValidationCallback.")), "127.0.0.1", "the certificate is valid for 'other.example', not for '127.0.0.1'"),
            "TLS with tls-server-name" => (new HttpRequestException("The SSL connection could not be established, see inner exception.",
                new AuthenticationException("The remote certificate was rejected by the provided RemoteCertificateValidationCallback.")), "kubernetes.default.svc", null),
            "the connection dropped" => (new IOException("Unable to read data from the transport connection: Connection reset by peer."), null, null),
            "an E2eException passes through" => (new E2eException("AlreadyTranslated", E2eErrorCategory.InvalidOperation, "x", "already translated"), null, null),
            _ => (new InvalidOperationException("unexpected"), null, null),
        };

        var error = KubernetesErrors.Translate(thrown, s_identity, expectedName, failure, "delete Job test-shop-e2e", "test-shop-e2e");

        Assert.True(errorId == error.ErrorId, $"{name}: {error.ErrorId} ({error.Message})");
        Assert.Equal(category, error.Category);
        Assert.Equal(target == "server" ? s_identity.Server : target, error.Target);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>As KubernetesClient throws a non-2xx answer (k8s.Autorest, the generated operations and PodLogRequest alike).</summary>
    private static HttpOperationException Thrown(RecordedAnswer answer)
    {
        var response = new HttpResponseMessage(answer.Code);
        if (answer.RetryAfter is { } retryAfter)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return new HttpOperationException($"Operation returned an invalid status code '{answer.Code}'")
        {
            Response = new HttpResponseMessageWrapper(response, answer.Body),
        };
    }
}
