using System.Diagnostics;
using System.Net;
using System.Text;

namespace E2ePs.TestSupport;

/// <summary>
/// Serves bare git repositories over git's smart HTTP protocol on 127.0.0.1, for tests whose pods
/// clone: every request is handed to <c>git http-backend</c> as a CGI program (git-http-backend(1)),
/// so the wire protocol is git's own. Repositories under <c>/public/</c> are anonymous; those under
/// <c>/private/</c> ask for HTTP Basic credentials (401 with WWW-Authenticate), which is what makes a
/// git client call its credential helper. Repositories live in <see cref="Root"/>, deleted on dispose.
/// </summary>
public sealed class GitHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly string _expectedAuthorization;

    /// <summary>Starts serving on a free port.</summary>
    public GitHttpServer(string username, string password)
    {
        Username = username;
        Password = password;
        _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        Root = Directory.CreateTempSubdirectory("test-git-http-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "public"));
        Directory.CreateDirectory(Path.Combine(Root, "private"));
        Port = LocalRegistry.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The user name the private path accepts.</summary>
    public string Username { get; }

    /// <summary>The password the private path accepts.</summary>
    public string Password { get; }

    /// <summary>The folder that holds public/ and private/ bare repositories.</summary>
    public string Root { get; }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>Requests answered, with their status code, in order: "GET /public/x.git/info/refs 200".</summary>
    public IReadOnlyList<string> Requests { get { lock (_requests) { return [.. _requests]; } } }

    private readonly List<string> _requests = [];

    /// <summary>The clone URL of a public repository.</summary>
    public string PublicUrl(string name) => $"http://127.0.0.1:{Port}/public/{name}.git";

    /// <summary>The clone URL of a private repository.</summary>
    public string PrivateUrl(string name) => $"http://127.0.0.1:{Port}/private/{name}.git";

    /// <summary>
    /// Publishes the git repository at <paramref name="workTree"/> (all its branches) as a bare
    /// repository named <paramref name="name"/>, public or private.
    /// </summary>
    public void Publish(string workTree, string name, bool isPrivate)
    {
        var bare = Path.Combine(Root, isPrivate ? "private" : "public", name + ".git");
        Tools.Run("git", ["clone", "--quiet", "--bare", "--no-local", workTree, bare]).EnsureSuccess();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = Uri.UnescapeDataString(request.Url!.AbsolutePath);
        try
        {
            if (path.StartsWith("/private/", StringComparison.Ordinal) && request.Headers["Authorization"] != _expectedAuthorization)
            {
                // What a git host answers without (or with wrong) credentials; git then asks its credential helper.
                response.StatusCode = 401;
                response.AddHeader("WWW-Authenticate", "Basic realm=\"test-git\"");
                return;
            }

            if (!path.StartsWith("/public/", StringComparison.Ordinal) && !path.StartsWith("/private/", StringComparison.Ordinal))
            {
                response.StatusCode = 404;
                return;
            }

            await RunBackendAsync(request, response, path);
        }
        catch (Exception error) when (error is IOException or HttpListenerException or InvalidOperationException)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            lock (_requests)
            {
                _requests.Add($"{request.HttpMethod} {path} {response.StatusCode}");
            }

            try
            {
                response.Close();
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async Task RunBackendAsync(HttpListenerRequest request, HttpListenerResponse response, string path)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("http-backend");
        // The CGI variables git-http-backend reads (git-http-backend(1), RFC 3875).
        var environment = start.Environment;
        environment["GIT_PROJECT_ROOT"] = Root;
        environment["GIT_HTTP_EXPORT_ALL"] = "1";
        environment["GATEWAY_INTERFACE"] = "CGI/1.1";
        environment["SERVER_PROTOCOL"] = "HTTP/1.1";
        environment["REQUEST_METHOD"] = request.HttpMethod;
        environment["PATH_INFO"] = path;
        environment["QUERY_STRING"] = request.Url!.Query.TrimStart('?');
        environment["REMOTE_ADDR"] = request.RemoteEndPoint.Address.ToString();
        environment["CONTENT_TYPE"] = request.ContentType ?? "";
        if (request.ContentLength64 >= 0)
        {
            environment["CONTENT_LENGTH"] = request.ContentLength64.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (request.Headers["Content-Encoding"] is { } encoding)
        {
            environment["HTTP_CONTENT_ENCODING"] = encoding;
        }

        if (request.Headers["Git-Protocol"] is { } protocol)
        {
            environment["GIT_PROTOCOL"] = protocol;
        }

        if (path.StartsWith("/private/", StringComparison.Ordinal))
        {
            environment["REMOTE_USER"] = Username;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("git http-backend did not start.");
        var errors = process.StandardError.ReadToEndAsync();
        var body = Task.Run(async () =>
        {
            await request.InputStream.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();
        });

        var output = process.StandardOutput.BaseStream;
        var headers = await ReadCgiHeadersAsync(output);
        response.StatusCode = 200;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentLength64 = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                response.AddHeader(name, value);
            }
        }

        await output.CopyToAsync(response.OutputStream);
        await body;
        await process.WaitForExitAsync();
        await errors;
    }

    /// <summary>Reads the CGI response header lines up to the empty line, a byte at a time so the body stays in the stream.</summary>
    private static async Task<List<(string Name, string Value)>> ReadCgiHeadersAsync(Stream output)
    {
        var headers = new List<(string, string)>();
        var line = new List<byte>();
        var one = new byte[1];
        while (await output.ReadAsync(one) == 1)
        {
            if (one[0] != '\n')
            {
                line.Add(one[0]);
                continue;
            }

            var text = Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
            line.Clear();
            if (text.Length == 0)
            {
                break;
            }

            var colon = text.IndexOf(':', StringComparison.Ordinal);
            headers.Add((text[..colon].Trim(), text[(colon + 1)..].Trim()));
        }

        return headers;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stopping.Dispose();
        Tools.DeleteFolder(Root);
    }
}
