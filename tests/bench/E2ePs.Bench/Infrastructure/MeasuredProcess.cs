using System.Diagnostics;
using System.Globalization;

namespace E2ePs.Bench.Infrastructure;

/// <summary>
/// A process under measurement: its wall time from start to exit, the "key=value" facts it prints,
/// and its peak resident memory (VmHWM of /proc/&lt;pid&gt;/status, sampled while it runs; the kernel
/// keeps the high-water mark, so a late sample sees every earlier peak).
/// A script may print "ready" and then wait for a line on stdin: <see cref="WaitUntilReadyAsync"/>
/// and <see cref="Go"/> let the harness reset the emulator's counters in between.
/// </summary>
public sealed class MeasuredProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _wall;
    private readonly Dictionary<string, string> _facts = new(StringComparer.Ordinal);
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdout;
    private readonly Task<string> _stderr;
    private readonly Task _sampler;
    private long _cpuMilliseconds;
    private long _peakKilobytes;

    private MeasuredProcess(Process process, Stopwatch wall)
    {
        _process = process;
        _wall = wall;
        _stdout = ReadOutputAsync();
        _stderr = process.StandardError.ReadToEndAsync();
        _sampler = SampleMemoryAsync();
    }

    /// <summary>When the process was started (UTC).</summary>
    public DateTimeOffset StartedAt { get; private init; }

    /// <summary>When the harness saw it exit (UTC).</summary>
    public DateTimeOffset ExitedAt { get; private set; }

    /// <summary>From start to exit.</summary>
    public TimeSpan Wall { get; private set; }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code.</summary>
    public int ExitCode { get; private set; }

    /// <summary>CPU time (user + system) seen, in milliseconds (<see cref="ReadCpuMilliseconds"/>).</summary>
    public long CpuMilliseconds => Interlocked.Read(ref _cpuMilliseconds);

    /// <summary>Peak resident set (VmHWM) seen, in kilobytes.</summary>
    public long PeakKilobytes => Interlocked.Read(ref _peakKilobytes);

    /// <summary>The first lines it wrote to stdout (facts included), for version strings and messages.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_facts)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>What it wrote to stderr.</summary>
    public string Errors => _stderr.IsCompleted ? _stderr.Result : "";

    /// <summary>Starts <paramref name="file"/> with <paramref name="arguments"/>.</summary>
    public static MeasuredProcess Start(string file, IEnumerable<string> arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var startedAt = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        return new MeasuredProcess(process, wall) { StartedAt = startedAt };
    }

    /// <summary>Runs a command line through /bin/sh with its stdout sent to /dev/null; exec keeps the pid, so memory is the command's own.</summary>
    public static MeasuredProcess StartDiscardingOutput(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var command = "exec " + string.Join(' ', new[] { file }.Concat(arguments).Select(Quote)) + " >/dev/null";
        return Start("/bin/sh", ["-c", command], environment: environment);
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Returns once the process printed "ready".</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var exited = _process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(_ready.Task, exited);
        if (first != _ready.Task)
        {
            await _stderr;
            throw new InvalidOperationException($"The process exited before it was ready: {_stderr.Result}");
        }
    }

    /// <summary>Lets a process that printed "ready" go on.</summary>
    public void Go()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the exit; throws when it failed or ran past <paramref name="limit"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_process.StartInfo.FileName} did not finish within {limit}.");
        }

        ExitedAt = DateTimeOffset.UtcNow;
        Wall = _wall.Elapsed;
        ExitCode = _process.ExitCode;
        await Task.WhenAll(_stdout, _stderr, _sampler);
        _process.StandardInput.Close();
    }

    /// <summary>Waits for the exit and throws unless the exit code is 0.</summary>
    public async Task WaitForSuccessAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        await WaitForExitAsync(limit, cancellationToken);
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)} exited with {ExitCode}: {Errors}");
        }
    }

    /// <summary>A fact the process printed as "key=value".</summary>
    public string Fact(string key)
    {
        lock (_facts)
        {
            return _facts.TryGetValue(key, out var value) ? value : throw new InvalidOperationException($"The process did not report '{key}'. Its errors: {Errors}");
        }
    }

    /// <summary>A numeric fact.</summary>
    public double Number(string key) => double.Parse(Fact(key), CultureInfo.InvariantCulture);

    /// <summary>A time fact printed as UTC ticks.</summary>
    public DateTimeOffset Time(string key) => new(long.Parse(Fact(key), CultureInfo.InvariantCulture), TimeSpan.Zero);

    private async Task ReadOutputAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_facts)
            {
                if (_output.Count < 100)
                {
                    _output.Add(line);
                }
            }

            if (line == "ready")
            {
                _ready.TrySetResult();
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                lock (_facts)
                {
                    _facts[line[..equals]] = line[(equals + 1)..];
                }
            }
        }
    }

    private async Task SampleMemoryAsync()
    {
        var status = $"/proc/{_process.Id}/status";
        var stat = $"/proc/{_process.Id}/stat";
        while (!_process.HasExited)
        {
            var kilobytes = ReadHighWaterMark(status);
            if (kilobytes > Interlocked.Read(ref _peakKilobytes))
            {
                Interlocked.Exchange(ref _peakKilobytes, kilobytes);
            }

            var cpu = ReadCpuMilliseconds(stat);
            if (cpu > Interlocked.Read(ref _cpuMilliseconds))
            {
                Interlocked.Exchange(ref _cpuMilliseconds, cpu);
            }

            await Task.Delay(10);
        }
    }

    /// <summary>
    /// User plus system CPU time of the process (fields 14 and 15 of /proc/&lt;pid&gt;/stat, in clock ticks of
    /// 10 ms), in milliseconds; 0 once it is gone. Sampled like memory, so the last 10 ms may be missing.
    /// </summary>
    public static long ReadCpuMilliseconds(string statPath)
    {
        try
        {
            var text = File.ReadAllText(statPath);

            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>VmHWM in kilobytes; 0 once the process is gone (a zombie has no memory to report).</summary>
    public static long ReadHighWaterMark(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The process ended between the check and the read.
        }

        return 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
