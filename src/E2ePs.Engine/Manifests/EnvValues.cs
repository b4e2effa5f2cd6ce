using System.Text;

namespace E2ePs.Engine.Manifests;

/// <summary>
/// Environment variable values as Kubernetes reads them. The kubelet expands <c>$(NAME)</c> in a
/// container's env values with the variables defined before it, and turns <c>$$</c> into <c>$</c>
/// (kubernetes/kubernetes, third_party/forked/golang/expansion/expand.go: Expand and
/// tryReadVariableName; called from pkg/kubelet/kubelet_pods.go makeEnvironmentVariables). So a value
/// is written escaped, to reach the container exactly as the user set it, and read back unescaped.
/// </summary>
public static class EnvValues
{
    /// <summary>
    /// The value to write so that Kubernetes's expansion gives back <paramref name="value"/> whatever
    /// variables exist: every '$' is doubled, except a lone '$' not followed by '(' (as in $HOME or a
    /// trailing '$'), which expansion keeps as it is; that keeps the common cases readable.
    /// </summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains('$', StringComparison.Ordinal))
        {
            return value;
        }

        var escaped = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length;)
        {
            if (value[i] != '$')
            {
                escaped.Append(value[i++]);
                continue;
            }

            var run = 0;
            while (i + run < value.Length && value[i + run] == '$')
            {
                run++;
            }

            var next = i + run < value.Length ? value[i + run] : '\0';
            // Expansion reads a run of 2k '$' as k '$'; a run of 2k+1 as k '$' and then "$" + the next
            // character, which starts a reference when that character is '('.
            escaped.Append('$', run == 1 && next != '(' ? 1 : 2 * run);
            i += run;
        }

        return escaped.ToString();
    }

    /// <summary>
    /// What the container sees for a written value when no reference resolves: the inverse of
    /// <see cref="Escape"/>. A reference written by hand, such as $(POD_NAME), is shown as written.
    /// </summary>
    public static string Unescape(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Contains('$', StringComparison.Ordinal))
        {
            return value ?? "";
        }

        // The rules of expand.go, with a mapping that knows no variable (a reference stays as written).
        var result = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '$' || i + 1 >= value.Length)
            {
                result.Append(value[i]);
                continue;
            }

            var next = value[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
            }
            else if (next == '(')
            {
                var close = value.IndexOf(')', i + 2);
                if (close < 0)
                {
                    result.Append("$(");
                    i++;
                }
                else
                {
                    result.Append(value, i, close - i + 1);
                    i = close;
                }
            }
            else
            {
                result.Append('$').Append(next);
                i++;
            }
        }

        return result.ToString();
    }
}
