using Microsoft.Extensions.Logging.Abstractions;
using Montage.JobTracking.Batching;

namespace Montage.JobTracking.Tests;

/// <summary>The group-commit queue on its own: who gets batched, who is answered with what, fallback and cancellation.</summary>
public sealed class GroupCommitUnitTests
{
    [Fact]
    public async Task A_lone_call_takes_the_single_path_and_calls_arriving_during_it_form_one_batch()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new List<int[]>();
        await using var group = new GroupCommit<int, string>("Test",
            (items, _) =>
            {
                lock (batches)
                {
                    batches.Add([.. items]);
                }

                return Task.FromResult(items.Select(i => (Func<string>)(() => i % 5 == 0 ? throw new InvalidOperationException("refused " + i) : "batch " + i)).ToArray());
            },
            async (item, _) =>
            {
                started.TrySetResult();
                await release.Task;
                return "one " + item;
            },
            maxBatch: 64, executors: 1, NullLogger.Instance);

        var first = group.RunAsync(1, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var others = Enumerable.Range(2, 9).Select(i => group.RunAsync(i, CancellationToken.None)).ToList();
        release.SetResult();

        Assert.Equal("one 1", await first.WaitAsync(TimeSpan.FromSeconds(30)));
        foreach (var (call, item) in others.Select((c, n) => (c, n + 2)))
        {
            if (item % 5 == 0)
            {
                Assert.Equal("refused " + item, (await Assert.ThrowsAsync<InvalidOperationException>(() => call)).Message);
            }
            else
            {
                Assert.Equal("batch " + item, await call.WaitAsync(TimeSpan.FromSeconds(30)));
            }
        }

        Assert.Equal([Enumerable.Range(2, 9).ToArray()], batches);
        Assert.Equal((1, 9), group.Batched);
    }

    [Fact]
    public async Task A_batch_that_fails_as_a_whole_runs_its_items_one_by_one()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var singles = new List<int>();
        await using var group = new GroupCommit<int, int>("Test",
            (_, _) => throw new TimeoutException("the batch transaction broke"),
            async (item, _) =>
            {
                started.TrySetResult();
                await release.Task;
                lock (singles)
                {
                    singles.Add(item);
                }

                return item == 3 ? throw new ArgumentException("three") : item * 10;
            },
            maxBatch: 3, executors: 1, NullLogger.Instance);

        var first = group.RunAsync(0, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var others = Enumerable.Range(1, 5).Select(i => group.RunAsync(i, CancellationToken.None)).ToList();
        release.SetResult();

        Assert.Equal(0, await first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(10, await others[0].WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(20, await others[1].WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ArgumentException>(() => others[2]);
        Assert.Equal(40, await others[3].WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(50, await others[4].WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([0, 1, 2, 3, 4, 5], singles);
        Assert.Equal((0, 0), group.Batched);
    }

    [Fact]
    public async Task A_call_canceled_while_queued_is_never_executed()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executed = new List<int>();
        await using var group = new GroupCommit<int, int>("Test",
            (items, _) =>
            {
                lock (executed)
                {
                    executed.AddRange(items);
                }

                return Task.FromResult(items.Select(i => (Func<int>)(() => i)).ToArray());
            },
            async (item, _) =>
            {
                started.TrySetResult();
                await release.Task;
                lock (executed)
                {
                    executed.Add(item);
                }

                return item;
            },
            maxBatch: 64, executors: 1, NullLogger.Instance);

        var first = group.RunAsync(1, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource();
        var canceled = group.RunAsync(2, cancel.Token);
        var kept = group.RunAsync(3, CancellationToken.None);
        var kept2 = group.RunAsync(4, CancellationToken.None);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled);
        release.SetResult();

        Assert.Equal(1, await first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, await kept.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(4, await kept2.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([1, 3, 4], executed);
    }
}
