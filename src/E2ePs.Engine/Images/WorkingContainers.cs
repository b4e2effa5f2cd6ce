using System.Collections.Concurrent;
using E2ePs.Contracts;

namespace E2ePs.Engine.Images;

/// <summary>
/// The builds of one <see cref="ImageBuilder"/> that run, by engine storage, and the working containers
/// cancelled builds left: a cancelled build removes the working containers it left only when no other
/// build of the same storage runs on (they could be that build's); otherwise the last build of that
/// storage removes them when it ends (by then the others' own containers are gone).
/// </summary>
internal sealed class WorkingContainers
{
    private readonly ConcurrentDictionary<ActiveBuild, byte> _active = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _left = new();

    /// <summary>A build that runs on a storage (engine path and options), until its token is cancelled.</summary>
    public sealed class ActiveBuild(string storage, CancellationToken token)
    {
        /// <summary>The storage key.</summary>
        public string Storage => storage;

        /// <summary>The build's token.</summary>
        public CancellationToken Token => token;
    }

    /// <summary>Counts a build of <paramref name="plan"/>'s storage as running.</summary>
    public ActiveBuild Begin(ImageBuildPlan plan, CancellationToken token)
    {
        var build = new ActiveBuild(string.Join('\0', [plan.EnginePath, .. plan.EngineArguments]), token);
        _active.TryAdd(build, 0);
        return build;
    }

    /// <summary>Ends a build; the last of its storage removes the containers cancelled builds left to it.</summary>
    public async Task EndAsync(ActiveBuild build, EngineCalls calls)
    {
        _active.TryRemove(build, out _);
        if (_active.Keys.Any(b => b.Storage == build.Storage) || !_left.TryRemove(build.Storage, out var left) || left.IsEmpty)
        {
            return;
        }

        try
        {
            var present = (await calls.ListWorkingContainersAsync() ?? []).Where(left.ContainsKey).ToList();
            if (present.Count > 0)
            {
                await calls.CleanUpAsync(EngineCommands.RemoveContainers(calls.Plan.Engine, present));
            }
        }
        catch (E2eException)
        {
            // The engine cannot be started any more: nothing to remove with.
        }
    }

    /// <summary>
    /// Removes the working containers that appeared while a cancelled build ran. They are told apart from
    /// other containers by comparing the lists before and after, as the engines give a build's working
    /// container no label or name of ours; while another build of this builder runs on the same storage
    /// they could be that build's, and are left for the last build of that storage to remove when it
    /// ends. A build that another program starts in the same storage during the cancelled one cannot be
    /// told apart.
    /// </summary>
    public async Task RemoveAfterCancelAsync(ActiveBuild self, IReadOnlyList<string> before, EngineCalls calls, Action<string> say)
    {
        var after = await calls.ListWorkingContainersAsync();
        var left = after?.Except(before, StringComparer.Ordinal).ToList() ?? [];
        if (left.Count == 0)
        {
            return;
        }

        if (_active.Keys.Any(b => !ReferenceEquals(b, self) && b.Storage == self.Storage && !b.Token.IsCancellationRequested))
        {
            var pending = _left.GetOrAdd(self.Storage, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
            foreach (var id in left)
            {
                pending.TryAdd(id, 0);
            }

            say($"The working container(s) {string.Join(", ", left)} appeared during the cancelled build; another build of this session uses the same storage and could own them: those still there when it ends will be removed then.");
            return;
        }

        var removed = await calls.CleanUpAsync(EngineCommands.RemoveContainers(calls.Plan.Engine, left));
        if (removed.ExitCode != 0)
        {
            // Two builds cancelled together remove each other's containers too: name only those still there.
            var still = (await calls.ListWorkingContainersAsync() ?? left).Intersect(left, StringComparer.Ordinal).ToList();
            if (still.Count > 0)
            {
                say($"Could not remove the working container(s) {string.Join(", ", still)} of the cancelled build; remove them with '{calls.Plan.Engine} rm <id>'.");
            }
        }
    }
}
