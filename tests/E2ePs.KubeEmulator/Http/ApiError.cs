using System.Globalization;
using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Discovery;

namespace E2ePs.KubeEmulator.Http;

/// <summary>A failed API call, carrying the metav1.Status the real API server would answer with.</summary>
internal sealed class ApiError : Exception
{
    public ApiError(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public ApiError()
        : this(500, "InternalError", "internal error")
    {
    }

    public ApiError(string message)
        : this(500, "InternalError", message)
    {
    }

    public ApiError(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = 500;
        Reason = "InternalError";
    }

    public int Code { get; }

    public string Reason { get; } = "InternalError";

    public JsonObject? Details { get; }

    public int? RetryAfterSeconds { get; init; }

    /// <summary>The Status body, field for field as the API server writes it.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null)
        {
            status["details"] = Details.DeepClone();
        }

        status["code"] = Code;
        return status;
    }

    public static JsonObject DetailsFor(ResourceType type, string? name)
    {
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(name))
        {
            details["name"] = name;
        }

        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = type.Plural;
        return details;
    }

    public static ApiError NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedName} \"{name}\" not found", DetailsFor(type, name));

    public static ApiError NamespaceNotFound(string ns) =>
        NotFound(ResourceCatalog.Namespaces, ns);

    public static ApiError AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedName} \"{name}\" already exists", DetailsFor(type, name));

    public static ApiError Conflict(ResourceType type, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", DetailsFor(type, name));

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError Invalid(ResourceType type, string name, string message) =>
        new(422, "Invalid", $"{(type.Group.Length == 0 ? type.Kind : type.Kind + "." + type.Group)} \"{name}\" is invalid: {message}", DetailsFor(type, name));

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiError MethodNotAllowed() => new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    public static ApiError NotFoundPath() => new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static ApiError Expired(long requested, long oldest) =>
        new(410, "Expired", string.Create(CultureInfo.InvariantCulture, $"too old resource version: {requested} ({oldest})"));

    /// <summary>403 worded as the RBAC authorizer words it.</summary>
    public static ApiError Forbidden(ResourceType type, string? subresource, string? name, string user, string verb, string? ns)
    {
        var resource = subresource is null ? type.Plural : type.Plural + "/" + subresource;
        var target = name is null ? type.QualifiedName : $"{type.QualifiedName} \"{name}\"";
        if (subresource is not null)
        {
            target = $"{type.QualifiedName} \"{name}\"";
        }

        var scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        var message = $"{target} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{type.Group}\" {scope}";
        return new ApiError(403, "Forbidden", message, DetailsFor(type, name));
    }
}
