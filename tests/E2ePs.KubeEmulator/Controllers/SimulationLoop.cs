using System.Diagnostics;

namespace E2ePs.KubeEmulator.Controllers;

/// <summary>
/// The one thread all controllers, the scheduler and the kubelet run on: a priority queue of due actions.
/// One thread means controllers never race each other, and thousands of pods cost no threads or timers.
/// </summary>
internal sealed class SimulationLoop : IDisposable
{
    private readonly PriorityQueue<Action, (long Due, long Seq)> _queue = new();
    private readonly object _lock = new();
    private readonly Thread _thread;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Action<Exception> _onError;
    private long _seq;
    private bool _stopped;

    public SimulationLoop(Action<Exception> onError)
    {
        _onError = onError;
        _thread = new Thread(Run) { IsBackground = true, Name = "kube-emulator-simulation" };
        _thread.Start();
    }

    public void Post(Action action) => Schedule(TimeSpan.Zero, action);

    public void Schedule(TimeSpan delay, Action action)
    {
        lock (_lock)
        {
            var due = _clock.ElapsedTicks + (long)(delay.TotalSeconds * Stopwatch.Frequency);
            _queue.Enqueue(action, (due, _seq++));
            Monitor.PulseAll(_lock);
        }
    }

    private void Run()
    {
        while (true)
        {
            Action action;
            lock (_lock)
            {
                while (true)
                {
                    if (_stopped)
                    {
                        return;
                    }

                    if (_queue.TryPeek(out _, out var key))
                    {
                        var wait = key.Due - _clock.ElapsedTicks;
                        if (wait <= 0)
                        {
                            action = _queue.Dequeue();
                            break;
                        }

                        Monitor.Wait(_lock, TimeSpan.FromSeconds(Math.Max(0.001, (double)wait / Stopwatch.Frequency)));
                    }
                    else
                    {
                        Monitor.Wait(_lock);
                    }
                }
            }

            try
            {
                action();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _onError(e);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
            Monitor.PulseAll(_lock);
        }

        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
