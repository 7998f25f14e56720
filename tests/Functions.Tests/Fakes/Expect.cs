using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Tests.Fakes;

public static class Expect
{
    public static async Task<PipelineException> Error(string errorName, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<PipelineException>(action);
        Assert.Equal(errorName, e.ErrorName);
        return e;
    }

    public static PipelineException Error(string errorName, Action action)
    {
        var e = Assert.Throws<PipelineException>(action);
        Assert.Equal(errorName, e.ErrorName);
        return e;
    }
}
