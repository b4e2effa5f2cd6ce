using System.Text;

namespace E2ePs.KubeEmulator.Runtime;

/// <summary>
/// $(VAR) references in env values, command and args, as the kubelet expands them
/// (third_party/forked/golang/expansion/expand.go): $(NAME) is replaced when NAME is defined, left as written when
/// not; $$ is an escaped $; a $ before anything else stays.
/// </summary>
internal static class EnvExpansion
{
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }

        var result = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 >= input.Length)
            {
                result.Append(input[i]);
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
            }
            else if (next == '(' && input.IndexOf(')', i + 2) is var close && close > 0)
            {
                var name = input[(i + 2)..close];
                result.Append(lookup(name) ?? input[i..(close + 1)]);
                i = close;
            }
            else
            {
                result.Append('$');
            }
        }

        return result.ToString();
    }
}
