using E2ePs.Contracts;
using E2ePs.Engine.Catalog;
using E2ePs.Engine.Cluster;
using E2ePs.Engine.Diagnostics;
using E2ePs.Engine.Images;
using E2ePs.Engine.Logs;
using E2ePs.Engine.Platform;
using E2ePs.Engine.Reporting;
using E2ePs.Engine.Results;
using E2ePs.Engine.Runs;
using E2ePs.Engine.Scaffolding;
using E2ePs.Engine.Waiting;

namespace E2ePs.Engine;

/// <summary>
/// The engine's entry point and the one place its components are composed. The cmdlet assembly creates
/// it by name, through reflection, inside the private load context (the parameterless constructor: the
/// machine's clock, this process's environment, child processes and a new connection factory); everything
/// it hands out is typed by the cmdlet assembly's contracts. Components share nothing but what is passed to
/// them here: two engines built from two factories share no client.
/// </summary>
public sealed class EngineEntry : IE2eEngine, IDisposable
{
    // The factory this engine made itself (the module's engine), and so releases; one given to it is the giver's.
    private readonly ClusterConnectionFactory? _ownConnections;
    private readonly IClusterConnectionFactory _connections;

    /// <summary>The engine the module uses: the system clock, this process's environment and a connection factory of its own.</summary>
    public EngineEntry()
        : this(new ClusterConnectionFactory(SystemClock.Instance), SystemClock.Instance)
    {
        _ownConnections = (ClusterConnectionFactory)_connections;
    }

    /// <summary>An engine over the given connection factory and clock, with this process's environment.</summary>
    public EngineEntry(IClusterConnectionFactory connections, IClock clock)
        : this(connections, clock, new SystemProcessEnvironment())
    {
    }

    private EngineEntry(IClusterConnectionFactory connections, IClock clock, SystemProcessEnvironment environment)
        : this(connections, clock, environment, new SystemProcessRunner(environment))
    {
    }

    /// <summary>
    /// An engine over the given connection factory and clock, reading variables from
    /// <paramref name="environment"/> and starting git and the container engines with <paramref name="processRunner"/>.
    /// </summary>
    public EngineEntry(IClusterConnectionFactory connections, IClock clock, IProcessEnvironment environment, IProcessRunner processRunner)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(processRunner);
        _connections = connections;
        var images = new ImageBuilder(new EngineRunner(processRunner), new RegistryClient(environment), environment);
        var starter = new JobStarter(connections, clock, new CommitResolver(new GitCli(processRunner, environment)));
        var waiter = new JobWaiter(connections, clock);
        var logs = new LogReader(connections);
        var results = new ResultReader(connections, logs, clock);

        Scaffolder = new JobScaffolder(new GitRepositoryInfo(processRunner, environment), environment);
        Catalog = new JobCatalog();
        Images = images;
        Cluster = new ClusterJobs(connections, starter, waiter, logs, new Listing.RunLister(connections, clock));
        Diagnostics = new DiagnosticsEngine(
            new DnsTester(connections, new DnsProbe(waiter, logs, clock)),
            new JobDiagnoser(connections, logs, clock));
        Results = new TestResults(
            results,
            new TestInvoker(images, connections, starter, waiter, logs, results, clock),
            new ResultReporters(environment));
    }

    /// <inheritdoc />
    public IJobScaffolder Scaffolder { get; }

    /// <inheritdoc />
    public IJobCatalog Catalog { get; }

    /// <inheritdoc />
    public IImageBuilder Images { get; }

    /// <inheritdoc />
    public IClusterJobs Cluster { get; }

    /// <inheritdoc />
    public IDiagnostics Diagnostics { get; }

    /// <inheritdoc />
    public ITestResults Results { get; }

    /// <summary>Releases the clients of the connection factory this engine made (called on the last Remove-Module).</summary>
    public void Dispose() => _ownConnections?.Dispose();
}
