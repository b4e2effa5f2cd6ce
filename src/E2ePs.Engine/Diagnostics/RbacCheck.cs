using System.Net;
using E2ePs.Engine.Cluster;
using E2ePs.Models;
using k8s;
using k8s.Models;

namespace E2ePs.Engine.Diagnostics;

/// <summary>
/// The guide's "Permission denied" steps: does a RoleBinding in the namespace bind the job's
/// ServiceAccount to a Role that exists, and does that Role grant what the job needs (the rules of the
/// job's manifest)? Rules are matched as the RBAC authorizer matches them (groups, resources with
/// subresources, verbs, "*"). Only RoleBindings of the namespace are read: a grant through a
/// ClusterRoleBinding is not seen, and the findings say so.
/// </summary>
public static class RbacCheck
{
    /// <summary>What an E2ePs job needs when its manifest is not known: the Role of templates/job-manifest.yaml.</summary>
    public static IReadOnlyList<V1PolicyRule> DefaultNeeds { get; } =
    [
        new V1PolicyRule { ApiGroups = [""], Resources = ["pods", "pods/log"], Verbs = ["get", "list", "watch"] },
    ];

    /// <summary>Adds the RBAC findings for ServiceAccount <paramref name="serviceAccount"/>.</summary>
    public static async Task AddAsync(FindingList findings, ClusterConnection connection, string ns, string jobName, string serviceAccount, IReadOnlyList<V1PolicyRule> needs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(needs);
        var client = connection.Client;
        V1RoleBindingList bindings;
        try
        {
            bindings = await client.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(ns, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
        {
            findings.Add(E2eDiagnosticSeverity.Warning, "Access",
                $"You may not list RoleBindings in namespace {ns}, so the RBAC check was skipped; ask for 'list rolebindings' and 'get roles' there, or use a context that has them.", $"namespace/{ns}");
            return;
        }

        var bound = bindings.Items.Where(b => Binds(b, serviceAccount, ns)).ToList();
        if (bound.Count == 0)
        {
            var named = bindings.Items.FirstOrDefault(b => b.Metadata.Name == jobName);
            findings.Add(E2eDiagnosticSeverity.Error, "Rbac", named is null
                ? $"No RoleBinding in namespace {ns} binds ServiceAccount {serviceAccount}: RoleBinding {jobName} is missing, so the test is denied what it needs ({Describe(needs)}). Start-E2eJob applies it from the job's manifest; or create it: kubectl create rolebinding {jobName} --role {jobName} --serviceaccount {ns}:{serviceAccount} -n {ns}."
                : $"RoleBinding {jobName} in namespace {ns} does not name ServiceAccount {serviceAccount} among its subjects, so the test is denied what it needs ({Describe(needs)}). Fix its subjects, or start the job again with Start-E2eJob, which applies it from the manifest.",
                $"rolebinding/{jobName}");
            return;
        }

        var rules = new List<V1PolicyRule>();
        var sources = new List<string>();
        foreach (var binding in bound)
        {
            var roleRef = binding.RoleRef;
            try
            {
                var granted = roleRef.Kind == "ClusterRole"
                    ? (await client.RbacAuthorizationV1.ReadClusterRoleAsync(roleRef.Name, cancellationToken: cancellationToken)).Rules
                    : (await client.RbacAuthorizationV1.ReadNamespacedRoleAsync(roleRef.Name, ns, cancellationToken: cancellationToken)).Rules;
                rules.AddRange(granted ?? []);
                sources.Add($"RoleBinding {binding.Metadata.Name} -> {roleRef.Kind} {roleRef.Name}");
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.NotFound))
            {
                findings.Add(E2eDiagnosticSeverity.Error, "Rbac",
                    $"RoleBinding {binding.Metadata.Name} in namespace {ns} refers to {roleRef.Kind} {roleRef.Name}, which does not exist, so it grants nothing. Start-E2eJob applies the Role from the job's manifest.",
                    $"{roleRef.Kind.ToLowerInvariant()}/{roleRef.Name}");
            }
            catch (k8s.Autorest.HttpOperationException error) when (KubernetesErrors.Is(error, HttpStatusCode.Forbidden))
            {
                findings.Add(E2eDiagnosticSeverity.Warning, "Access",
                    $"You may not read {roleRef.Kind} {roleRef.Name}, so what RoleBinding {binding.Metadata.Name} grants was not checked.", $"{roleRef.Kind.ToLowerInvariant()}/{roleRef.Name}");
                return;
            }
        }

        var missing = Expand(needs).Where(n => !rules.Any(r => Grants(r, n.Verb, n.Group, n.Resource))).ToList();
        if (missing.Count > 0)
        {
            findings.Add(E2eDiagnosticSeverity.Error, "Rbac",
                $"ServiceAccount {serviceAccount} is not granted {string.Join(", ", missing.Select(m => $"{m.Verb} {Qualified(m.Group, m.Resource)}"))} in namespace {ns} ({string.Join("; ", sources)}); a test that needs it gets 'forbidden'. Add the rule to the Role in the job's manifest and start the job again.",
                $"rolebinding/{bound[0].Metadata.Name}");
        }
        else if (sources.Count > 0)
        {
            findings.Add(E2eDiagnosticSeverity.Ok, "Rbac", $"ServiceAccount {serviceAccount} is granted what the job needs ({Describe(needs)}) through {string.Join("; ", sources)}.", $"rolebinding/{bound[0].Metadata.Name}");
        }
    }

    /// <summary>Whether <paramref name="binding"/> names the ServiceAccount among its subjects.</summary>
    public static bool Binds(V1RoleBinding binding, string serviceAccount, string ns)
    {
        ArgumentNullException.ThrowIfNull(binding);
        return (binding.Subjects ?? []).Any(s =>
            (s.Kind == "ServiceAccount" && s.Name == serviceAccount && (string.IsNullOrEmpty(s.NamespaceProperty) ? binding.Metadata.NamespaceProperty ?? ns : s.NamespaceProperty) == ns) ||
            (s.Kind == "User" && s.Name == $"system:serviceaccount:{ns}:{serviceAccount}") ||
            (s.Kind == "Group" && (s.Name == "system:serviceaccounts" || s.Name == $"system:serviceaccounts:{ns}")));
    }

    /// <summary>Whether <paramref name="rule"/> grants a verb on a resource, as the RBAC authorizer decides it (ignoring resourceNames-limited rules).</summary>
    public static bool Grants(V1PolicyRule rule, string verb, string group, string resource)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.ResourceNames is { Count: > 0 })
        {
            return false;
        }

        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        return Has(rule.ApiGroups, group) && Has(rule.Verbs, verb) &&
            (rule.Resources ?? []).Any(r => r == "*" || r == resource ||
                (slash > 0 && r == "*" + resource[slash..]) ||
                (slash > 0 && r.EndsWith("/*", StringComparison.Ordinal) && resource.StartsWith(r[..^1], StringComparison.Ordinal)));
    }

    private static bool Has(IList<string>? values, string value) => (values ?? []).Any(v => v == "*" || v == value);

    private static IEnumerable<(string Verb, string Group, string Resource)> Expand(IEnumerable<V1PolicyRule> rules) =>
        rules.SelectMany(r => (r.Verbs ?? []).SelectMany(v => (r.ApiGroups ?? [""]).SelectMany(g => (r.Resources ?? []).Select(res => (v, g, res)))));

    private static string Qualified(string group, string resource) => string.IsNullOrEmpty(group) ? resource : $"{resource}.{group}";

    private static string Describe(IEnumerable<V1PolicyRule> rules) =>
        string.Join("; ", rules.Select(r => $"{string.Join(",", r.Verbs ?? [])} {string.Join(", ", (r.Resources ?? []).Select(res => Qualified((r.ApiGroups ?? [""]).FirstOrDefault() ?? "", res)))}"));
}
