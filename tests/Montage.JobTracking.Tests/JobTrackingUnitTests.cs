using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.JobTracking.Caching;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Events;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.List;
using Montage.JobTracking.Submit;
using Montage.Providers.Catalog;

namespace Montage.JobTracking.Tests;

/// <summary>The pure parts: pointers, hashing, backoff, graph ordering, page tokens, spec validation, lease wake-ups.</summary>
public sealed class JobTrackingUnitTests
{
    private static readonly JobTrackingOptions Options = new();

    [Theory]
    [InlineData("/a", "{\"a\":1}", null)]
    [InlineData("/list/1", "{\"list\":[0,0]}", null)]
    [InlineData("/list/2", "{\"list\":[0,0]}", "array index '2'")]
    [InlineData("/list/01", "{\"list\":[0,0]}", "array index '01'")]
    [InlineData("/missing/x", "{\"a\":1}", "'missing' does not exist")]
    [InlineData("/a/b", "{\"a\":1}", "parent is not an object or array")]
    [InlineData("/a~1b", "{\"a/b\":1}", null)]
    public void Json_pointer_targets_are_checked_against_the_input(string pointer, string input, string? problem)
    {
        Assert.True(JsonPointer.TryParse(pointer, out var tokens));
        var result = JsonPointer.CheckTarget(JsonNode.Parse(input)!, tokens);
        if (problem is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(problem, result, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("/a~2")]
    public void Malformed_json_pointers_are_refused(string pointer) => Assert.False(JsonPointer.TryParse(pointer, out _));

    [Fact]
    public void Json_pointer_set_replaces_object_members_and_array_elements()
    {
        var root = JsonNode.Parse("{\"a\":{\"b\":null},\"c\":[1,2]}")!;
        JsonPointer.TryParse("/a/b", out var first);
        JsonPointer.TryParse("/c/1", out var second);
        JsonPointer.Set(root, first, JsonValue.Create("x"));
        JsonPointer.Set(root, second, JsonValue.Create("y"));
        Assert.Equal("{\"a\":{\"b\":\"x\"},\"c\":[1,\"y\"]}", root.ToJsonString());
    }

    [Fact]
    public void Content_hash_ignores_formatting_and_key_order_but_not_values_kind_or_model()
    {
        var a = ContentHash.Compute("image.generate", "m", "{\"b\":[1,{\"y\":2,\"x\":1}],\"a\":\"s\"}");
        var b = ContentHash.Compute("image.generate", "m", "{ \"a\": \"s\", \"b\": [1, {\"x\":1, \"y\":2}] }");
        Assert.Equal(a, b);
        Assert.NotEqual(a, ContentHash.Compute("image.generate", "m", "{\"a\":\"s\",\"b\":[{\"x\":1,\"y\":2},1]}"));
        Assert.NotEqual(a, ContentHash.Compute("video.animate", "m", "{\"a\":\"s\",\"b\":[1,{\"x\":1,\"y\":2}]}"));
        Assert.NotEqual(a, ContentHash.Compute("image.generate", "n", "{\"a\":\"s\",\"b\":[1,{\"x\":1,\"y\":2}]}"));
    }

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_caps_and_honours_retry_after()
    {
        var random = new Random(42);
        for (var attempt = 1; attempt <= 6; attempt++)
        {
            var full = Math.Min(60_000, 1000 * Math.Pow(2, attempt - 1));
            var delay = Backoff.Delay(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), null, random).TotalMilliseconds;
            Assert.InRange(delay, full / 2, full);
        }

        Assert.InRange(Backoff.Delay(30, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), null, random).TotalMinutes, 0.5, 1);
        Assert.Equal(TimeSpan.FromMinutes(5), Backoff.Delay(1, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), random));
    }

    [Fact]
    public void Graph_order_puts_upstreams_first_and_reports_cycles_by_local_key()
    {
        var request = Graph(("shot", ["portrait", "scene"]), ("portrait", []), ("scene", ["portrait"]));
        var order = SubmitGraphHandler.Validate(request, Options).Select(i => request.Nodes[i].LocalKey).ToList();
        Assert.Equal(["portrait", "scene", "shot"], order);

        var cyclic = Graph(("x", ["y"]), ("y", ["z"]), ("z", ["x"]));
        var error = Assert.Throws<RpcException>(() => SubmitGraphHandler.Validate(cyclic, Options));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("x -> y -> z -> x", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_tokens_round_trip_and_garbage_is_invalid_argument()
    {
        var created = new DateTime(2026, 11, 22, 4, 0, 0, DateTimeKind.Utc).AddTicks(12340);
        var id = Guid.CreateVersion7();
        Assert.Equal((created, id), ListJobsHandler.DecodeToken(ListJobsHandler.EncodeToken(created, id)));
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => ListJobsHandler.DecodeToken("not-a-token")).StatusCode);
    }

    [Fact]
    public void Spec_validation_names_the_field()
    {
        var spec = new JobSpec { Kind = "image.generate", ModelId = "m", Owner = "o", InputJson = "{}", MaxAttempts = -1 };
        Assert.Contains("spec.max_attempts", Assert.Throws<RpcException>(() => JobSpecValidator.Validate(spec, Options, "spec.")).Status.Detail, StringComparison.Ordinal);

        spec.MaxAttempts = 0;
        spec.CallbackUrl = "ftp://example.com/x";
        Assert.Contains("callback_url", Assert.Throws<RpcException>(() => JobSpecValidator.Validate(spec, Options, "spec.")).Status.Detail, StringComparison.Ordinal);

        spec.CallbackUrl = "";
        spec.Dependencies.Add(new Dependency { LocalKey = "x" });
        Assert.Contains("local_key is only valid in SubmitGraph", Assert.Throws<RpcException>(() => JobSpecValidator.Validate(spec, Options, "spec.")).Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Provider_comes_from_settings_or_the_model_id()
    {
        var options = new JobTrackingOptions();
        options.Models["wan/v2.6/image-to-video"] = new ModelSettings { Provider = "fal" };
        Assert.Equal("fal", options.ProviderOf("wan/v2.6/image-to-video"));
        Assert.Equal("fal", options.ProviderOf("fal-ai/ideogram/v3"));
        Assert.Equal("kie", options.ProviderOf("kie/kling-3.0/video"));
        Assert.Equal("local", options.ProviderOf("local/assemble"));
    }

    [Fact]
    public void Every_catalog_model_gets_its_provider_and_timeout_from_the_catalog()
    {
        var options = new JobTrackingOptions();
        foreach (var model in ModelCatalog.Load().Models)
        {
            Assert.Equal(model.Provider, options.ProviderOf(model.Id));
            Assert.Equal(model.Timeout, options.TimeoutOf(model.Id));
        }

        Assert.Equal(TimeSpan.FromMinutes(10), options.TimeoutOf("fal-ai/kling-video/v2.1/pro/image-to-video"));
        Assert.Equal(TimeSpan.FromMinutes(12), options.TimeoutOf("fal-ai/kling-video/ai-avatar/v2/pro"));
        Assert.Equal(options.DefaultTimeout, options.TimeoutOf("test/not-in-the-catalog"));
    }

    [Fact]
    public void Configuration_overrides_the_catalog_and_a_cap_alone_keeps_the_catalog_timeout()
    {
        var options = new JobTrackingOptions();
        options.Models["local/assemble"] = new ModelSettings { Provider = "elsewhere", Timeout = TimeSpan.FromMinutes(45) };
        options.Models["fal-ai/kling-video/v2.6/pro/image-to-video"] = new ModelSettings { MaxConcurrency = 2 };
        Assert.Equal("elsewhere", options.ProviderOf("local/assemble"));
        Assert.Equal(TimeSpan.FromMinutes(45), options.TimeoutOf("local/assemble"));
        Assert.Equal("fal", options.ProviderOf("fal-ai/kling-video/v2.6/pro/image-to-video"));
        Assert.Equal(TimeSpan.FromMinutes(10), options.TimeoutOf("fal-ai/kling-video/v2.6/pro/image-to-video"));
    }

    [Fact]
    public void Known_kinds_default_to_the_catalog_job_kinds() => Assert.Equal(JobKinds.All, new JobTrackingOptions().Kinds);

    private static SubmitGraphRequest Graph(params (string Key, string[] DependsOn)[] nodes)
    {
        var request = new SubmitGraphRequest { Owner = "o" };
        foreach (var (key, dependsOn) in nodes)
        {
            var spec = new JobSpec { Kind = "image.generate", ModelId = "m", InputJson = "{}" };
            spec.Dependencies.AddRange(dependsOn.Select(d => new Dependency { LocalKey = d }));
            request.Nodes.Add(new GraphNode { LocalKey = key, Spec = spec });
        }

        return request;
    }

    [Fact]
    public void One_wake_up_wakes_one_lease_waiter_the_longest_waiting()
    {
        var wakeups = new LeaseWakeups();
        var first = wakeups.Register(["a"]);
        var second = wakeups.Register(["a"]);

        wakeups.Wake("a", 1);

        Assert.True(first.Woken.IsCompleted);
        Assert.False(second.Woken.IsCompleted);
        Assert.Equal(1, wakeups.Count("a"));
        wakeups.Wake("b", 5);
        Assert.False(second.Woken.IsCompleted);
    }

    [Fact]
    public void A_waiter_that_leaves_with_an_unused_wake_up_hands_it_on_and_a_consumed_one_is_not_handed_on()
    {
        var wakeups = new LeaseWakeups();
        var leaving = wakeups.Register(["a"]);
        var next = wakeups.Register(["a"]);
        var last = wakeups.Register(["a"]);

        wakeups.Wake("a", 1);
        wakeups.Leave(leaving);
        Assert.True(next.Woken.IsCompleted);
        Assert.False(last.Woken.IsCompleted);

        wakeups.Consume(next);
        Assert.False(last.Woken.IsCompleted);
        Assert.Equal(1, wakeups.Count("a"));

        // Leaving without a wake-up only unregisters.
        wakeups.Leave(last);
        Assert.Equal(0, wakeups.Count("a"));
    }

    [Fact]
    public void A_waiter_for_several_kinds_is_woken_once_and_a_wake_up_without_waiters_is_not_kept()
    {
        var wakeups = new LeaseWakeups();
        var both = wakeups.Register(["a", "b"]);
        var onlyB = wakeups.Register(["b"]);

        wakeups.Wake("a", 1);
        Assert.True(both.Woken.IsCompleted);
        Assert.Equal(0, wakeups.Count("a"));
        Assert.Equal(1, wakeups.Count("b"));

        wakeups.Wake("b", 1);
        Assert.True(onlyB.Woken.IsCompleted);

        // Waiters register before looking at the database, so nothing needs to remember a wake-up nobody waited for.
        wakeups.Wake("a", 3);
        Assert.False(wakeups.Register(["a"]).Woken.IsCompleted);
    }

    [Fact]
    public void Wake_all_wakes_every_waiter_of_the_kind()
    {
        var wakeups = new LeaseWakeups();
        var waiters = Enumerable.Range(0, 4).Select(_ => wakeups.Register(["a"])).ToList();
        wakeups.WakeAll("a");
        Assert.All(waiters, w => Assert.True(w.Woken.IsCompleted));
    }
}
